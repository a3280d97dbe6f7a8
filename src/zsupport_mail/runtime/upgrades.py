"""The upgrade reminder: a client that has not scheduled a release is reminded before day 30.

Run by the SLA tick (runtime/jobs.py). ``upgrade announce`` records one notice per client and
release; a week before its 30 calendar days end, a notice that nobody scheduled (by reply or
``upgrade scheduled``) gets one reminder to the client's authorised contacts, threaded under
the notice, and its ``reminded_at`` is set in the same transaction, so it is never sent twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.contacts.history import load_periods
from zsupport_mail.db.models import UpgradeNotice
from zsupport_mail.mail.replies import ReplyRenderer, build_reply
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.settings import ClientConfig, Settings

log = structlog.get_logger("zsupport_mail.runtime.upgrades")
REMIND_BEFORE = timedelta(days=7)
REMINDER_KIND = "upgrade_reminder"
SCHEDULE_DAYS = 30  # calendar days the contract gives to schedule an upgrade


def upgrade_context(client: ClientConfig, version: str, due_at: datetime) -> dict[str, object]:
    """What the notice and its reminder say: the release and the client's last day."""
    due = due_at.astimezone(ZoneInfo(client.timezone))
    return {"client": client.name, "version": version, "due": f"{due:%A %d %B %Y}"}


def remind_upgrades(
    session: Session, settings: Settings, renderer: ReplyRenderer, now: datetime
) -> list[str]:
    """Remind every unscheduled upgrade notice whose day 30 is a week away; the clients."""
    due = session.scalars(
        select(UpgradeNotice).where(
            UpgradeNotice.scheduled_at.is_(None),
            UpgradeNotice.reminded_at.is_(None),
            UpgradeNotice.due_at <= now + REMIND_BEFORE,
        )
    ).all()
    reminded = []
    for notice in due:
        client = next((c for c in settings.clients if c.name == notice.client.name), None)
        periods = [p for p in load_periods(session, client=notice.client.name) if p.covers(now)]
        to = sorted({p.email for p in periods})
        if client is None or not to:
            continue
        body = renderer.render(
            "upgrade_reminder", upgrade_context(client, notice.version, notice.due_at)
        )
        message = build_reply(
            settings,
            to=", ".join(to),
            subject=f"Re: [Z-Support] Zultys MX {notice.version} is available: "
            "please schedule your upgrade",
            body=body,
            answers=(notice.message_id, ()),
            now=now,
            automatic=False,
        )
        queue_mail(
            session, settings.outbound, message, kind=REMINDER_KIND, now=now, automatic=False
        )
        notice.reminded_at = now
        log.info("upgrade_reminded", client=client.name, version=notice.version)
        reminded.append(client.name)
    return reminded
