"""The intake chain: recognise, thread, run every rule, then decide once.

``RULES`` is the reviewed, ordered registry; add a rule by writing its class and listing it here.
"""

from __future__ import annotations

from datetime import datetime

from zsupport_mail.intake.decide import decide
from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.rules import (
    AutoSubmitted,
    DeliveryFailure,
    OwnMail,
    UnauthorizedContact,
    UnknownDomain,
)
from zsupport_mail.intake.sender import recognise_sender
from zsupport_mail.intake.threading import TicketLookup, find_thread
from zsupport_mail.intake.types import IntakeAssessment, Rule, RuleContext
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.settings import Settings

RULES: tuple[Rule, ...] = (
    OwnMail(),
    AutoSubmitted(),
    DeliveryFailure(),
    UnknownDomain(),
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
    vouched: str | None = None,
) -> tuple[IntakeAssessment, str]:
    """Run recognition, threading and every rule; returns the assessment and the thread reason.

    ``vouched``: why the From is proven without an MTA (a portal web mail), else None.
    """
    sender = recognise_sender(msg, directory, settings.security, vouched)
    thread, thread_reason = find_thread(
        msg, sender, tickets, settings.tickets, settings.safety.secret
    )
    ctx = RuleContext(
        settings=settings, sender=sender, thread=thread, now=now, envelope_from=envelope_from
    )
    assessment = IntakeAssessment(context=ctx)
    for rule in RULES:
        finding = rule.check(msg, ctx)
        if finding is not None:
            assessment.findings.append(finding)
    return assessment, thread_reason
