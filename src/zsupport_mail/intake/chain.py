"""The intake chain: recognise, thread, run every rule, then decide once.

``RULES`` is the reviewed, ordered registry; add a rule by writing its class and listing it here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime

from zsupport_mail.intake.authority import prove_staff
from zsupport_mail.intake.decide import decide
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.kind import read_kind
from zsupport_mail.intake.relayed import foreign_ticket, relays
from zsupport_mail.intake.rules import (
    AutoSubmitted,
    DeliveryFailure,
    OwnMail,
    UnauthorizedContact,
    UnknownDomain,
    UnverifiedStaff,
)
from zsupport_mail.intake.sender import recognise_sender
from zsupport_mail.intake.threading import TicketLookup, find_thread
from zsupport_mail.intake.types import (
    Finding,
    IntakeAssessment,
    Rule,
    RuleContext,
    ThreadMatch,
)
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import own_text
from zsupport_mail.settings import Settings

RULES: tuple[Rule, ...] = (
    OwnMail(),
    AutoSubmitted(),
    DeliveryFailure(),
    UnknownDomain(),
    UnverifiedStaff(),
    UnauthorizedContact(),
)

__all__ = ["RULES", "assess", "decide"]


def assess(
    msg: ParsedMessage,
    *,
    settings: Settings,
    directory: Directory,
    tickets: TicketLookup,
    now: datetime,
    envelope_from: str | None = None,
    peer: str | None = None,
    vouched: str | None = None,
    notices: Mapping[str, str] | None = None,
) -> tuple[IntakeAssessment, str]:
    """Run recognition, threading, staff authority, every rule and the kind reading.

    Threading trusts a staff address's subject tag before staff authority is proven, so an
    unverified staff mail is kept on the ticket it names, as an internal note (decide.py).

    Args:
        msg: the parsed mail.
        settings: the daemon's settings.
        directory: the contacts as of the mail's received time.
        tickets: ticket lookups for threading.
        now: the clock's reading.
        envelope_from: the SMTP MAIL FROM, when known.
        peer: the SMTP client's address, when the mail came to our listener.
        vouched: why the From is proven without an MTA (a portal web mail), else None.
        notices: Message-IDs of our notices (outage announcements, reminders) the mail
            refers to, each with its kind (``outage``, ``upgrade``, ``reminder``).

    Returns:
        The assessment and the reason threading gave.
    """
    sender = recognise_sender(msg, directory, settings.security, vouched)
    thread, thread_reason = find_thread(
        msg, sender, tickets, settings.tickets, settings.safety.secret
    )
    sender = prove_staff(msg, sender, thread, settings, peer)
    known = dict(notices or {})
    kind = read_kind(msg, notices=known, ticket_prefix=settings.tickets.prefix)
    if thread is None and kind.kind == "rma_shipment" and sender.client and not sender.staff:
        # Shipment details belong on the ticket whose return they are about.
        rma = tickets.open_rma(sender.client.id)
        if rma is not None:
            thread = ThreadMatch(rma, "rma")
            thread_reason = f"RMA shipment details: the client's open return on {rma.number}"
    ctx = RuleContext(
        settings=settings, sender=sender, thread=thread, now=now, envelope_from=envelope_from
    )
    notice_id = next((ref for ref in msg.referenced_ids if ref in known), None)
    assessment = IntakeAssessment(context=ctx, kind=kind, notice_id=notice_id)
    for rule in RULES:
        finding = rule.check(msg, ctx)
        if finding is not None:
            assessment.findings.append(finding)
    # Told automatic by a header the kind reading does not weigh (X-Autoreply, Precedence:
    # bulk): a ticket system's notification still relays its fault; anything else is
    # automatic mail that names a fault (an out-of-office), ignored as before.
    header_only = assessment.automatic is not None and not kind.relayed
    if (
        header_only
        and kind.kind == "problem_report"
        and relays(msg, own_text(msg.text, msg.subject)[0])
    ):
        reason = f"a helpdesk notification relays a fault ({kind.reason}): ask, never answer"
        assessment.kind = dataclasses.replace(kind, sure=False, relayed=True, reason=reason)
    if (kind.automatic or kind.relayed) and assessment.automatic is None:
        # Lotus Domino's "AUTO: ... is out of the office", challenge-response systems, a
        # helpdesk's "do not reply" notification: no Auto-Submitted header, but automatic all
        # the same, and never to be answered.
        assessment.findings.append(Finding("auto_submitted", f"{kind.reason}: {msg.subject[:60]}"))
    if thread is None and assessment.relayed:
        thread, thread_reason = _relayed_thread(msg, assessment, tickets, settings, thread_reason)
    return assessment, thread_reason


def _relayed_thread(
    msg: ParsedMessage,
    assessment: IntakeAssessment,
    tickets: TicketLookup,
    settings: Settings,
    reason: str,
) -> tuple[ThreadMatch | None, str]:
    """A later notification of the client's helpdesk about its own ticket ("[Ticket #4471]
    Updated") joins the ticket the first one opened, so one end user's fault is one ticket;
    without a ticket number of theirs, the same subject again (a notification that repeats
    itself, a loop) joins the open ticket it opened. Sets the assessment's thread."""
    ctx = assessment.context
    foreign = foreign_ticket(msg.subject, settings.tickets.prefix) or msg.subject.strip()
    if not foreign or ctx.sender.client is None:
        return None, reason
    ticket = tickets.relayed(ctx.sender.client.id, ctx.sender.address, foreign)
    if ticket is None:
        return None, reason
    match = ThreadMatch(ticket, "relayed")
    assessment.context = dataclasses.replace(ctx, thread=match)
    return match, f"the helpdesk's notification about {foreign}, as on {ticket.number}"
