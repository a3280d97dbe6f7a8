"""The stage contracts of the intake chain: what rules see, what they return, what decide makes.

Rules are pure: they read a ParsedMessage and a frozen RuleContext (sender, thread, settings,
clock reading) and return a Finding or None. They never touch the database or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.settings import Settings


@dataclass(frozen=True)
class ClientRef:
    id: int
    name: str


@dataclass(frozen=True)
class ContactRef:
    id: int
    name: str
    email: str
    role: str
    client: ClientRef
    authorization: str = ""  # why authorised at the message's time (contacts.Period.explain)
    phone: str | None = None  # from the contact's record (counts as furnished when scoring)

    @property
    def authorized(self) -> bool:
        return self.role in ("primary", "backup")


@dataclass(frozen=True)
class TicketRef:
    id: int
    number: str
    client_id: int
    status: str
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Sender:
    """Who sent the mail, by normalised address (never by display name)."""

    address: str
    name: str
    contact: ContactRef | None
    client: ClientRef | None
    staff: bool
    own: bool
    # Why the address was not believed to be the contact or staff member it names (a failed
    # authentication, a look-alike address), or None; rules put it into their reasons.
    doubt: str | None = None
    verified: str | None = None  # how the sender was authenticated, when it had to be


@dataclass(frozen=True)
class ThreadMatch:
    ticket: TicketRef
    by: str  # "references" or "subject_tag"


@dataclass(frozen=True)
class RuleContext:
    settings: Settings
    sender: Sender
    thread: ThreadMatch | None
    now: datetime
    envelope_from: str | None = None  # None when unknown (a file given to `ingest`)


@dataclass(frozen=True)
class Finding:
    """A rule's hit: ``rule`` names what the hit means, ``reason`` explains it to a person."""

    rule: str
    reason: str


class Rule(Protocol):
    @property
    def name(self) -> str: ...

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None: ...


@dataclass
class IntakeAssessment:
    """Everything the rules found about one message; decide() turns it into a Disposition."""

    context: RuleContext
    findings: list[Finding] = field(default_factory=list)

    def hit(self, rule: str) -> Finding | None:
        return next((f for f in self.findings if f.rule == rule), None)

    @property
    def automatic(self) -> Finding | None:
        """Mail a robot sent (auto-reply, list, bounce): stored, never answered."""
        return self.hit("auto_submitted") or self.hit("delivery_report")


@dataclass(frozen=True)
class Disposition:
    """The single decision for a message: what to do and why.

    ``action`` is the public outcome (created, appended, unauthorized, quarantined, ignored);
    ``reply`` names the template of the automatic reply, or None for no reply.
    """

    action: str
    reason: str
    reply: str | None = None
    ticket: TicketRef | None = None
    authorized: bool = False
    linked: TicketRef | None = None  # a closed ticket this new one follows up
