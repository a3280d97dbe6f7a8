"""``upgrade announce`` and ``upgrade scheduled``: the contract's software upgrade clause.

"Upon Client being notified by Service Provider of the availability of a Zultys software
upgrade, Client shall cooperate to schedule its installation within 30 calendar days", and all
client software (MXIE, MX-Administrator, MX-Report) is upgraded with MX. ``announce`` mails
every client's authorised contacts about the release with the day the 30 days end (in their
zone), and records one notice per client; a reply to it (handlers/notices.py) or ``scheduled``
marks it scheduled; serve's tick reminds the unscheduled a week before day 30 (runtime/jobs.py).
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail.cli.common import CommandError, open_db, print_json
from zsupport_mail.contacts.history import load_periods
from zsupport_mail.db.models import Client, UpgradeNotice
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.mail.replies import ReplyRenderer, build_reply, one_line
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.runtime.upgrades import SCHEDULE_DAYS, upgrade_context
from zsupport_mail.settings import ClientConfig, Settings
from zsupport_mail.settings.clock import utc_now

NOTICE_KIND = "upgrade_notice"


def _announce_one(
    session: Session, settings: Settings, client: ClientConfig, version: str, now: datetime
) -> dict[str, object] | None:
    row = session.scalar(select(Client).where(Client.name == client.name))
    assert row is not None, "sync_directory ran"
    done = session.scalar(
        select(UpgradeNotice).where(
            UpgradeNotice.client_id == row.id, UpgradeNotice.version == version
        )
    )
    if done is not None:
        return None  # announced before: never twice
    to = _authorized_now(session, client.name, now)
    if not to:
        return {"client": client.name, "to": [], "message_id": None, "skipped": "no contact"}
    due_at = now + timedelta(days=SCHEDULE_DAYS)
    body = ReplyRenderer(settings).render(
        "upgrade_notice", upgrade_context(client, version, due_at)
    )
    message = build_reply(
        settings,
        to=", ".join(to),
        subject=f"[Z-Support] Zultys MX {version} is available: please schedule your upgrade",
        body=body,
        answers=(None, ()),
        now=now,
        automatic=False,
    )
    queued = queue_mail(
        session, settings.outbound, message, kind=NOTICE_KIND, now=now, automatic=False
    )
    session.add(
        UpgradeNotice(
            client_id=row.id,
            version=version,
            message_id=queued.message_id,
            sent_at=now,
            due_at=due_at,
        )
    )
    return {"client": client.name, "to": to, "message_id": queued.message_id}


def _authorized_now(session: Session, client: str, now: datetime) -> list[str]:
    """The client's authorised contacts now (config or the latest import), primary first."""
    periods = [p for p in load_periods(session, client=client) if p.covers(now)]
    return [p.email for p in sorted(periods, key=lambda p: (p.role != "primary", p.email))]


def cmd_upgrade_announce(settings: Settings, args: argparse.Namespace) -> int:
    """Mail every client's authorised contacts about a release; once per client and version."""
    version = one_line(args.version)
    if not version:
        raise CommandError("--version must not be empty")
    sessions = open_db(settings)
    now = utc_now()
    sent = []
    with sessions.begin() as session:
        sync_directory(session, settings, now)  # the config's clients and contacts exist
        for client in settings.clients:
            result = _announce_one(session, settings, client, version, now)
            if result is not None:
                sent.append(result)
    print_json({"version": version, "due_days": SCHEDULE_DAYS, "notices": sent})
    return 0


def cmd_upgrade_scheduled(settings: Settings, args: argparse.Namespace) -> int:
    """Staff record that a client scheduled its upgrade (by phone, in a meeting, ...)."""
    sessions = open_db(settings)
    now = utc_now()
    with sessions.begin() as session:
        notice = session.scalar(
            select(UpgradeNotice)
            .join(Client, Client.id == UpgradeNotice.client_id)
            .where(Client.name == args.client, UpgradeNotice.version == args.version)
        )
        if notice is None:
            raise CommandError(f"no upgrade notice of {args.version} to {args.client}")
        notice.scheduled_at, notice.scheduled_by = now, "staff"
        notice.scheduled_note = one_line(args.note or "")[:500] or None
    print_json({"client": args.client, "version": args.version, "scheduled_at": now.isoformat()})
    return 0


def cmd_upgrade_status(settings: Settings, args: argparse.Namespace) -> int:
    """Every client's notice of a release: sent, due, scheduled (by whom, their words)."""
    sessions = open_db(settings)
    with sessions.begin() as session:
        rows = session.scalars(
            select(UpgradeNotice)
            .where(UpgradeNotice.version == args.version)
            .order_by(UpgradeNotice.id)
        ).all()
        report = [
            {
                "client": row.client.name,
                "message_id": row.message_id,
                "sent_at": row.sent_at.isoformat(),
                "due_at": row.due_at.isoformat(),
                "scheduled_at": row.scheduled_at.isoformat() if row.scheduled_at else None,
                "scheduled_by": row.scheduled_by,
                "note": row.scheduled_note,
                "reminded_at": row.reminded_at.isoformat() if row.reminded_at else None,
            }
            for row in rows
        ]
    print_json(report)
    return 0
