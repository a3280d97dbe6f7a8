"""The stage contracts of the intake chain: what rules see, what they return, what decide makes.

Rules are pure: they read a ParsedMessage and a frozen RuleContext (sender, thread, settings,
clock reading) and return a Finding or None. They never touch the database or the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # annotations only: the types stay cheap to import (db.repos uses them)
    from zsupport_mail.mail.message import ParsedMessage
    from zsupport_mail.settings import Settings


@dataclass(frozen=True)
class KindReading:
    """The kind of one mail and what it names; ``sure`` is False when we should ask first."""

    kind: str
    sure: bool
    reason: str
    automatic: bool = False
    # A client's helpdesk or ticket system relaying a person's words (a fault: a report we are
    # not sure of), sent by a machine, so never answered automatically (intake/relayed.py).
    relayed: bool = False
    notice: str | None = None  # outage, upgrade or reminder, for a notice_reply
    network_change: bool = False
    tickets: tuple[str, ...] = ()  # our ticket numbers named (credit requests)
    tracking: tuple[str, ...] = ()  # parcel tracking numbers (RMA shipments)
    rma: str | None = None
    requested_date: date | None = None  # the day a scheduling request asks for
    period: tuple[date, date] | None = None  # first and last day a credit request names

    @property
    def chargeable(self) -> bool:
        """Whether the checklist, its notice and the surcharge apply: a sure problem report."""
        return self.kind == "problem_report" and self.sure


@dataclass(frozen=True)
class ClientRef:
    """A client as the rules see it: its row id and its name from the config."""

    id: int
    name: str


@dataclass(frozen=True)
class ContactRef:
    """A listed person at a client, with the role they held when the message arrived."""

    id: int
    name: str
    email: str
    role: str
    client: ClientRef
    authorization: str = ""  # why authorised then (periods.Period.explain)
    phone: str | None = None  # from the contact's record (counts as furnished when scoring)

    @property
    def authorized(self) -> bool:
        """Whether this contact may open tickets free of charge (primary or backup)."""
        return self.role in ("primary", "backup")


@dataclass(frozen=True)
class TicketRef:
    """An existing ticket as threading and decide see it, without touching the database."""

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
    verified: str | None = None  # how a trusted MTA authenticated the sender, if it did
    # Why charges from this sender wait for staff: a trusted MTA's Authentication-Results are
    # expected ([security] trusted_authserv_ids) and do not vouch for the From domain.
    unproven: str | None = None
    # Staff authority (relay to a client, #commands) needs a proof, never the address alone:
    # ``staff`` is True only with one (``authority`` says which, intake/authority.py); a
    # staff address without one keeps ``staff`` False and ``staff_claim`` says why.
    authority: str | None = None
    staff_claim: str | None = None

    @property
    def claims_staff(self) -> bool:
        """Whether the From address is staff's, proven or not (never a client's mail)."""
        return self.staff or self.staff_claim is not None


@dataclass(frozen=True)
class ThreadMatch:
    """The ticket a mail continues, and the evidence that tied it there."""

    ticket: TicketRef
    # "signed_reference", "references", "referenced_by", "subject_tag", "rma" or "relayed"
    by: str


@dataclass(frozen=True)
class RuleContext:
    """What every rule may look at besides the message; frozen, so rules stay pure."""

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
    """One pure test of a message; decide() weighs every rule's finding together."""

    @property
    def name(self) -> str:
        """What a hit means (``unknown_sender``, ``auto_submitted``); the finding's ``rule``."""

    def check(self, msg: ParsedMessage, ctx: RuleContext) -> Finding | None:
        """A Finding when the rule hits, else None; never touches storage or the network."""


@dataclass
class IntakeAssessment:
    """Everything the rules found about one message; decide() turns it into a Disposition."""

    context: RuleContext
    findings: list[Finding] = field(default_factory=list)
    kind: KindReading = field(default_factory=lambda: KindReading("problem_report", True, ""))
    notice_id: str | None = None  # the Message-ID of our notice this mail answers, if any

    def hit(self, rule: str) -> Finding | None:
        """The finding of the rule with this name, if it hit."""
        return next((f for f in self.findings if f.rule == rule), None)

    @property
    def automatic(self) -> Finding | None:
        """Mail a robot sent (auto-reply, list, bounce): stored, never answered."""
        return self.hit("auto_submitted") or self.hit("delivery_report")

    @property
    def relayed(self) -> bool:
        """Automatic mail from a client's helpdesk that relays a person's fault: it opens a
        ticket we are not sure of and staff see it, but it is never answered (RFC 3834)."""
        sender = self.context.sender
        return (
            self.hit("auto_submitted") is not None
            and self.hit("delivery_report") is None
            and self.kind.relayed
            and self.kind.kind == "problem_report"
            and sender.client is not None
            and not sender.claims_staff
            and not sender.own
        )


@dataclass(frozen=True)
class Disposition:
    """The single decision for a message: what to do and why.

    ``action`` is the public outcome (created, appended, unauthorized, quarantined, ignored,
    noted: an answer to one of our notices, kept on that notice's record without a ticket);
    ``reply`` names the template of the automatic reply, or None for no reply.
    """

    action: str
    reason: str
    reply: str | None = None
    ticket: TicketRef | None = None
    authorized: bool = False
    linked: TicketRef | None = None  # a closed ticket this new one follows up
    notice_id: str | None = None  # "noted": the Message-ID of our notice it answers
