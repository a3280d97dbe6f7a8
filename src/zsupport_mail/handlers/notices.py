"""record_notice_reply: an answer to one of our notices goes on that notice's record.

A reply to an upgrade notice (``upgrade announce``) is the client scheduling the upgrade: the
notice is marked scheduled by the sender, with their words, so ``upgrade status`` shows it and
the reminder before day 30 is not sent. Answers to outage announcements are noted in the
journey (the inbox row keeps the announcement's Message-ID). Runs first: a ``noted`` mail
opens no ticket, so the pipeline stops right after it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from zsupport_mail.db.models import UpgradeNotice
from zsupport_mail.handlers.types import HandlerContext, HandlingState
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import split_reply


@dataclass(frozen=True)
class RecordNoticeReply:
    """Put a client's answer to our notice on the notice's record."""

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
        if upgrade is None:
            ctx.journey.record("notice", "answered", f"on our notice {notice_id}")
            return
        words = " ".join(split_reply(msg.text)[0].split())[:500]
        if upgrade.scheduled_at is None:
            upgrade.scheduled_at, upgrade.scheduled_by = ctx.now, msg.from_addr
        upgrade.scheduled_note = words or upgrade.scheduled_note
        ctx.journey.record("notice", "upgrade_scheduled", f"{upgrade.version}: {words[:120]}")
