"""One decision per message, from all the findings at once (collect the reasons, then decide).

The precedence, highest first: a loop is dropped; mail on an existing ticket is appended
(automatic mail without a reply); other automatic mail is ignored; unknown senders are
quarantined without a reply (answering strangers is backscatter); a client's non-authorised
person gets a ticket marked unauthorised and a notice; an authorised contact gets a ticket and an
acknowledgement.
"""

from __future__ import annotations

from zsupport_mail.intake.types import Disposition, IntakeAssessment


def decide(assessment: IntakeAssessment) -> Disposition:
    """Map an assessment to its Disposition."""
    ctx = assessment.context
    loop = assessment.hit("own_mail")
    if loop is not None:
        return Disposition("ignored", loop.reason)
    automatic = assessment.hit("auto_submitted")
    if ctx.thread is not None:
        reason = f"appended to {ctx.thread.ticket.number}: {ctx.thread.by}"
        if automatic is not None:
            reason += f"; no reply to automatic mail ({automatic.reason})"
        return Disposition("appended", reason, ticket=ctx.thread.ticket)
    if automatic is not None:
        return Disposition("ignored", f"automatic mail on no ticket: {automatic.reason}")
    unknown = assessment.hit("unknown_sender")
    if unknown is not None:
        return Disposition("quarantined", unknown.reason)
    if ctx.sender.staff:
        return Disposition("ignored", "staff mail that continues no ticket")
    unauthorized = assessment.hit("unauthorized_contact")
    if unauthorized is not None:
        return Disposition("unauthorized", unauthorized.reason, reply="unauthorized")
    return Disposition(
        "created", "report from an authorised contact", reply="acknowledgement", authorized=True
    )
