"""The intake rules, one small class each; every hit names what it means.

Order matters only for reading the journey log; decide() looks at all findings at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.intake.types import Finding, RuleContext
from zsupport_mail.mail.addresses import domain_of
from zsupport_mail.mail.message import ParsedMessage

_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list"})
_SYSTEM_LOCALPARTS = frozenset({"mailer-daemon", "postmaster"})
_AUTORESPONDER_HEADERS = ("x-autoreply", "x-autorespond", "x-auto-response-suppress")
# Auto-responders that set no header at all still say so in the subject, in its form: the
# phrase then a colon ("Out of Office: ...", "Abwesenheitsnotiz: ...") or nothing. A person's
# subject that starts the same way ("Out of office tomorrow, phones in billing dead") is not.
_AUTOREPLY_SUBJECT = re.compile(
    r"^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|automatische antwort|out of (?:the )?office"
    r"|abwesenheit\w*"
    r"|r[ée]ponse automatique|respuesta autom[áa]tica|vacation|on leave)"
    r"\s*(?:auto-?reply|reply|notice|notification|message|notiz)?\s*(?::|$|\(|-\s|\u2013)"
    r"|awaits moderator approval",
    re.IGNORECASE,
)
LOOP_HEADER = "X-Zsupport-Loop"


@dataclass(frozen=True)
class OwnMail:
    """Mail from our own support or sender addresses, or carrying our loop header: a loop."""

    name: str = "own_mail"

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None:
        """Hit on our loop header or on a sender that is one of our own addresses."""
        if msg.header(LOOP_HEADER):
            return Finding(self.name, f"carries our {LOOP_HEADER} header (mail loop)")
        if ctx.sender.own:
            return Finding(self.name, f"sent from our own address {ctx.sender.address}")
        return None


@dataclass(frozen=True)
class AutoSubmitted:
    """Automatic mail (RFC 3834 and common practice) must never get an automatic reply."""

    name: str = "auto_submitted"

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None:
        """Hit on the first sign of automatic mail: headers, subject, null sender, system box."""
        auto = (msg.first_header("auto-submitted") or "no").strip().lower()
        if not auto.startswith("no"):
            return Finding(self.name, f"Auto-Submitted: {auto}")
        precedence = (msg.first_header("precedence") or "").strip().lower()
        if precedence in _BULK_PRECEDENCE:
            return Finding(self.name, f"Precedence: {precedence}")
        for header in ("list-id", "list-unsubscribe", *_AUTORESPONDER_HEADERS):
            if msg.header(header):
                return Finding(self.name, f"has a {header} header")
        if _AUTOREPLY_SUBJECT.search(msg.subject):
            return Finding(self.name, f"auto-reply subject: {msg.subject[:60]}")
        return_paths = [msg.first_header("return-path"), ctx.envelope_from]
        if any(path is not None and path.strip() in ("", "<>") for path in return_paths):
            return Finding(self.name, "empty return path (a bounce or notification)")
        if ctx.sender.address.partition("@")[0] in _SYSTEM_LOCALPARTS:
            return Finding(self.name, f"sent by {ctx.sender.address}")
        return None


@dataclass(frozen=True)
class UnknownDomain:
    """Neither a contact nor a client domain nor staff: we do not know this sender at all."""

    name: str = "unknown_sender"

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None:
        """Hit when the sender belongs to no client and is neither staff nor us."""
        sender = ctx.sender
        if sender.client is None and not sender.claims_staff and not sender.own:
            reason = f"domain {domain_of(sender.address)} belongs to no client"
            return Finding(self.name, f"{sender.doubt}; {reason}" if sender.doubt else reason)
        return None


@dataclass(frozen=True)
class UnverifiedStaff:
    """A staff address without proof of staff authority (authority.py): possibly forged."""

    name: str = "unverified_staff"

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None:
        """Hit when the From address is staff's but nothing proves the mail is."""
        claim = ctx.sender.staff_claim
        if claim is None:
            return None
        return Finding(
            self.name, f"unverified mail claiming to be from {ctx.sender.address}: {claim}"
        )


@dataclass(frozen=True)
class UnauthorizedContact:
    """A client's person who is not its primary or backup IT contact."""

    name: str = "unauthorized_contact"

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None:
        """Hit when a client's sender is unlisted, or listed but not primary or backup."""
        sender = ctx.sender
        if sender.client is None or sender.claims_staff:
            return None
        if sender.contact is None and sender.doubt:
            return Finding(
                self.name, f"{sender.doubt}; handled as a non-authorised sender at the domain"
            )
        if sender.contact is None:
            return Finding(
                self.name, f"{sender.address} is not a listed contact of {sender.client.name}"
            )
        if not sender.contact.authorized:
            return Finding(
                self.name,
                f"{sender.address} is a {sender.contact.role} contact, not primary or backup",
            )
        return None


@dataclass(frozen=True)
class DeliveryFailure:
    """A delivery status notification (bounce): stored on the ticket it reports, never answered."""

    name: str = "delivery_report"

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None:
        """Hit when the message parsed as a delivery failure report."""
        report = msg.delivery_report
        if report is None:
            return None
        failed = ", ".join(report.failed) or "unknown recipients"
        kind = "permanent" if report.permanent else "delivery"
        return Finding(self.name, f"{kind} failure report for {failed}")
