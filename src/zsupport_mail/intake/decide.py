"""One decision per message, from all the findings at once (collect the reasons, then decide).

The precedence, highest first: a loop is dropped; staff-looking mail without proof of staff
authority (authority.py) is kept as an internal note on the ticket it names, or quarantined
when it names none, and never reaches a client; mail on an existing ticket is appended
(automatic mail without a reply); a client's helpdesk system relaying a person's fault opens
a ticket we are not sure of, with no reply (``IntakeAssessment.relayed``); other automatic
mail is ignored; unknown senders are
quarantined without a reply (answering strangers is backscatter); a client's non-authorised
person gets a ticket marked unauthorised and a notice; an authorised contact gets a ticket and an
acknowledgement. What the mail is (intake/kind.py) decides which: a problem report gets the
checklist (scored later, with its notice and surcharge); any other kind a receipt, never a
charge; an answer to one of our notices that continues no ticket is noted on that notice's
record (``noted``), never taken for a new report. A client's mail on a ticket closed longer
than ``tickets.reopen_days`` ago opens a new ticket linked to the old one; sooner, it reopens
the old one (see open_ticket).
"""

from __future__ import annotations

from datetime import timedelta

from zsupport_mail.intake.types import Disposition, IntakeAssessment, RuleContext, TicketRef


def _closed_too_long(ctx: RuleContext) -> TicketRef | None:
    """The thread's ticket when it was closed longer ago than tickets.reopen_days."""
    ticket = ctx.thread.ticket if ctx.thread else None
    if ticket is None or ticket.status != "closed" or ticket.closed_at is None:
        return None
    limit = timedelta(days=ctx.settings.tickets.reopen_days)
    return ticket if ctx.now - ticket.closed_at > limit and not ctx.sender.staff else None


def decide(assessment: IntakeAssessment) -> Disposition:
    """Map an assessment to its Disposition."""
    ctx = assessment.context
    loop = assessment.hit("own_mail")
    if loop is not None:
        return Disposition("ignored", loop.reason)
    unverified = assessment.hit("unverified_staff")
    if unverified is not None:
        if ctx.thread is None:
            return Disposition("quarantined", unverified.reason)
        number = ctx.thread.ticket.number
        return Disposition(
            "appended",
            f"kept as an internal note on {number} ({ctx.thread.by}); {unverified.reason}",
            ticket=ctx.thread.ticket,
        )
    automatic = assessment.automatic
    old = _closed_too_long(ctx)
    if old is not None and automatic is None and assessment.hit("unknown_sender") is None:
        days = (ctx.now - old.closed_at).days if old.closed_at else 0
        return _new_ticket(
            assessment, f"follows up {old.number}, closed {days} days ago", linked=old
        )
    if ctx.thread is not None:
        reason = f"appended to {ctx.thread.ticket.number}: {ctx.thread.by}"
        if automatic is not None:
            reason += f"; no reply to automatic mail ({automatic.reason})"
        return Disposition("appended", reason, ticket=ctx.thread.ticket)
    if automatic is not None and assessment.relayed:
        # A client's ticket system passing on a person's fault: a ticket we are not sure of
        # (never charged), staff copied, and no automatic answer to the machine.
        return Disposition(
            "created",
            f"a fault relayed by the client's helpdesk system; no reply to automatic mail "
            f"({automatic.reason})",
            authorized=assessment.hit("unauthorized_contact") is None,
        )
    if automatic is not None:
        return Disposition("ignored", f"automatic mail on no ticket: {automatic.reason}")
    unknown = assessment.hit("unknown_sender")
    if unknown is not None:
        return Disposition("quarantined", unknown.reason)
    if ctx.sender.staff:
        return Disposition("ignored", "staff mail that continues no ticket")
    kind = assessment.kind
    if kind.kind == "notice_reply" and assessment.notice_id is not None and old is None:
        return Disposition(
            "noted",
            f"answers our {kind.notice} notice {assessment.notice_id}",
            notice_id=assessment.notice_id,
        )
    return _new_ticket(assessment, "")


def _new_ticket(
    assessment: IntakeAssessment, note: str, linked: TicketRef | None = None
) -> Disposition:
    suffix = f"; {note}" if note else ""
    unauthorized = assessment.hit("unauthorized_contact")
    if unauthorized is not None:
        # A new contact announcing a contact change gets the receipt its authorised
        # contacts are copied on, not the billable-communication notice.
        reply = "received" if assessment.kind.kind == "contact_change" else "unauthorized"
        return Disposition("unauthorized", unauthorized.reason + suffix, reply=reply, linked=linked)
    kind = assessment.kind
    what = "report" if kind.chargeable else kind.kind.replace("_", " ")
    return Disposition(
        "created",
        f"{what} from an authorised contact" + suffix,
        reply="acknowledgement" if kind.chargeable else "received",
        authorized=True,
        linked=linked,
    )
