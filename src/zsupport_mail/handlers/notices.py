"""record_notice_reply: an answer to one of our notices goes on that notice's record.

A reply to an upgrade notice (``upgrade announce``) is the client scheduling the upgrade: the
notice is marked scheduled by the sender, with their words, so ``upgrade status`` shows it and
the reminder before day 30 is not sent. Answers to outage announcements are noted in the
journey (the inbox row keeps the announcement's Message-ID). Such an answer opens no ticket, so
when it needs staff (it asks something, asks to move the date, gives the time to book an
upgrade: intake/notice_answer.py) the staff queue is mailed (``notice_answer``); a plain
"ok thanks" is not. Runs first: a ``noted`` mail opens no ticket, so the pipeline stops right
after it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select

from zsupport_mail.db.models import OutboundMessage, UpgradeNotice
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.intake.notice_answer import staff_action
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.staffmail import StaffMail, build_staff_mail, recipients, staff_time
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.scoring.text import split_reply

NOTICE_ANSWER = "notice_answer"  # the outbox kind and the template of the staff mail


@dataclass(frozen=True)
class RecordNoticeReply:
    """Put a client's answer to our notice on the notice's record; tell staff when it asks."""

    name: str = "record_notice_reply"

    def run(self, msg: ParsedMessage, ctx: HandlerContext, state: HandlingState) -> None:
        """Mark an upgrade notice scheduled by its reply; note an outage notice's answer."""
        notice_id = ctx.disposition.notice_id
        if ctx.disposition.action != "noted" or notice_id is None:
            return
        # A reply to the reminder references the notice too (the reminder threads under it).
        upgrade = ctx.session.scalar(
            select(UpgradeNotice).where(
                UpgradeNotice.message_id.in_((notice_id, *msg.referenced_ids))
            )
        )
        words = " ".join(split_reply(msg.text)[0].split())[:500]
        if upgrade is None:
            ctx.journey.record("notice", "answered", f"on our notice {notice_id}")
        else:
            if upgrade.scheduled_at is None:
                upgrade.scheduled_at, upgrade.scheduled_by = ctx.now, msg.from_addr
            upgrade.scheduled_note = words or upgrade.scheduled_note
            ctx.journey.record("notice", "upgrade_scheduled", f"{upgrade.version}: {words[:120]}")
        notice = "upgrade" if upgrade else (ctx.assessment.kind.notice or "outage")
        reason = staff_action(msg.text, notice)
        if reason is None:
            ctx.journey.record("staff", "none", "the answer only acknowledges our notice")
            return
        _tell_staff(msg, ctx, notice, reason, upgrade.version if upgrade else None)


def _tell_staff(
    msg: ParsedMessage, ctx: HandlerContext, notice: str, reason: str, version: str | None
) -> None:
    """Mail the staff queue the answer (no ticket: it is threaded to nothing)."""
    settings = ctx.settings
    to = recipients(settings, None)
    if not to:
        ctx.journey.record("staff", "none", f"the answer {reason}; no staff queue address")
        return
    sent = ctx.session.scalar(
        select(OutboundMessage.created_at).where(
            OutboundMessage.message_id == ctx.disposition.notice_id
        )
    )
    sender = ctx.assessment.context.sender
    writer = sender.contact.name if sender.contact else (msg.from_name or msg.from_addr)
    client = sender.client.name if sender.client else msg.from_addr.partition("@")[2]
    body = ctx.renderer.render(
        NOTICE_ANSWER,
        {
            "writer": writer,
            "client": client,
            "notice": notice,
            "sent": staff_time(sent, settings) if sent else None,
            "reason": reason,
            "inbound_id": ctx.inbound.id,
            "upgrade": version,
            "words": (split_reply(msg.text)[0] or msg.text).strip(),
        },
    )
    domain = settings.outbound.from_address.rpartition("@")[2]
    mail = StaffMail(
        display=f"{writer} ({client}) via {settings.staff.support_name}",
        to=to,
        subject=f"[Notice answer] {client}: {msg.subject or notice}",
        body=body,
        message_id=f"<zs.notice.{secrets.token_hex(12)}@{domain}>",
    )
    message = build_staff_mail(settings, mail, ctx.now)
    queue_mail(
        ctx.session,
        settings.outbound,
        message,
        kind=NOTICE_ANSWER,
        now=ctx.now,
        inbound_id=ctx.inbound.id,
        automatic=False,
    )
    ctx.journey.record("staff", "told", f"the answer {reason}; mailed {', '.join(to)}")
