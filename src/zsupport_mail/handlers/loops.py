"""Loop safety that does not starve people: the per-address reply limit, for loops only.

At most ``safety.max_auto_replies_per_day`` automatic replies go to one address in 24 hours:
right for machines (an auto-responder answering our answer answers again), wrong for an
authorised contact who reports eleven distinct problems during an outage and then gets no
ticket number for the eleventh. Past the limit, a reply still goes out when the mail is from
an authorised contact and is not the same or near-same text as one of their mails of the last
24 hours; a loop repeats itself, a person does not. Five times the limit is a hard ceiling.
"""

from __future__ import annotations

import re
from datetime import timedelta
from difflib import SequenceMatcher

from sqlalchemy import func, select

from zsupport_mail.db.models import OutboundMessage, TicketMessage
from zsupport_mail.handlers.types import HandlerContext
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import split_reply

CEILING_FACTOR = 5
NEAR_SAME = 0.9  # SequenceMatcher ratio from which two mails count as the same text
_PREFIXES = re.compile(r"^(?:\s*(?:re|aw|fwd?|wg|sv|tr|rv)\s*:\s*|\s*\[[^\]]*\]\s*)+", re.I)
_NOISE = re.compile(r"[\d\W_]+")


def fingerprint(subject: str, text: str) -> str:
    """The words of a mail's subject and first lines, without numbers, tags or punctuation."""
    # Bounded: a hostile mail's megabyte subject must not make the comparison quadratic.
    words = f"{_PREFIXES.sub('', subject[:300])} {text[:600]}".lower()
    return " ".join(_NOISE.sub(" ", words).split())[:800]


def _replies_sent(ctx: HandlerContext, address: str) -> int:
    sent = ctx.session.scalar(
        select(func.count())
        .select_from(OutboundMessage)
        .where(
            OutboundMessage.recipient == address,
            OutboundMessage.automatic.is_(True),
            OutboundMessage.created_at > ctx.now - timedelta(hours=24),
        )
    )
    return sent or 0


def _repeats_itself(ctx: HandlerContext, msg: ParsedMessage) -> bool:
    """Whether the mail's text is the same or near-same as the sender's recent mail."""
    mine = fingerprint(msg.subject, split_reply(msg.text)[0])
    recent = ctx.session.execute(
        select(TicketMessage.subject, TicketMessage.body_text)
        .where(
            TicketMessage.from_addr == msg.from_addr,
            TicketMessage.direction == "inbound",
            TicketMessage.inbound_id != ctx.inbound.id,
            TicketMessage.created_at > ctx.inbound.received_at - timedelta(hours=24),
        )
        .order_by(TicketMessage.id.desc())
        .limit(50)
    ).all()
    return any(
        SequenceMatcher(None, mine, fingerprint(subject, body)).ratio() >= NEAR_SAME
        for subject, body in recent
    )


def over_reply_limit(ctx: HandlerContext, msg: ParsedMessage) -> str | None:
    """Why no automatic reply may go to the sender now (a loop), or None when one may."""
    limit = ctx.settings.safety.max_auto_replies_per_day
    sent = _replies_sent(ctx, msg.from_addr)
    if sent < limit:
        return None
    why = f"{sent} automatic replies to {msg.from_addr} in 24 hours (limit {limit})"
    if sent >= limit * CEILING_FACTOR:
        return f"{why}: the hard ceiling (loop protection)"
    contact = ctx.assessment.context.sender.contact
    if contact is None or not contact.authorized:
        return f"{why} (loop protection)"
    if _repeats_itself(ctx, msg):
        return f"{why}, and the same text again (loop protection)"
    ctx.journey.record("reply", "over_limit", f"{why}; a distinct mail from a person: answered")
    return None


def over_rate_limit(ctx: HandlerContext, address: str) -> bool:
    """At most N automatic mails per address per 24 hours, whoever writes: for warnings."""
    return _replies_sent(ctx, address) >= ctx.settings.safety.max_auto_replies_per_day
