"""What the intake chain found, written to the message's journey (``messages show ID``).

Kept apart from the pipeline, which only decides when to write it.
"""

from __future__ import annotations

import structlog

from zsupport_mail.intake.types import IntakeAssessment
from zsupport_mail.queues.journey import Journey

log = structlog.get_logger("zsupport_mail.runtime.pipeline")  # the events' logger as before


def record_assessment(journey: Journey, assessment: IntakeAssessment, thread_reason: str) -> None:
    """Journey lines for the sender, its authorisation, the thread and the kind; a log line
    per rule hit."""
    sender = assessment.context.sender
    who = (
        f"contact {sender.contact.name} ({sender.contact.role}) of {sender.contact.client.name}"
        if sender.contact
        else f"client {sender.client.name} by domain"
        if sender.client
        else "staff"
        if sender.staff
        else "unverified staff"
        if sender.staff_claim
        else "unknown"
    )
    note = sender.doubt or sender.authority or sender.staff_claim or sender.verified
    journey.record(
        "sender",
        "recognised" if sender.client or sender.claims_staff else "unknown",
        f"{sender.address}: {who}" + (f"; {note}" if note else ""),
    )
    unauthorized = assessment.hit("unauthorized_contact")
    # An authorised sender's reason is the period that authorised them (contacts/history.py).
    why = sender.contact.authorization if sender.contact else ""
    journey.record(
        "authorisation",
        "unauthorized" if unauthorized else "ok",
        unauthorized.reason if unauthorized else why,
    )
    journey.record("thread", "matched" if assessment.context.thread else "new", thread_reason)
    kind = assessment.kind
    journey.record("kind", kind.kind if kind.sure else f"{kind.kind}?", kind.reason)
    for finding in assessment.findings:
        log.info("rule_hit", rule=finding.rule, reason=finding.reason)
