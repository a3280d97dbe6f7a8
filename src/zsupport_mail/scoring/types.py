"""The scoring contracts: what an extractor reads, what it returns, and the score.

Extractors are pure functions of a ScoringInput: no database, no clock (the received time is
in the input), so the labelled test set can run them by the thousand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from zsupport_mail.scoring.spans import PhoneHit

ITEM_KEYS: tuple[str, ...] = (
    "company",
    "contact_name",
    "contact_email",
    "contact_phone",
    "board_serial",
    "appliance_serial",
    "software_version",
    "description",
    "reproducible",
    "call_examples",
    "internal_ticket",
    "notes",
    "call_logs",
)
ITEM_LABELS: dict[str, str] = {
    "company": "Company name",
    "contact_name": "Contact name",
    "contact_email": "Contact e-mail address",
    "contact_phone": "Contact phone number",
    "board_serial": "Board serial number",
    "appliance_serial": "Appliance serial number",
    "software_version": "Software version (MX and/or client applications)",
    "description": "Detailed description of the problem",
    "reproducible": "Can the issue be reproduced? (yes / no / sometimes)",
    "call_examples": "Call example(s): date/time, calling number/extension/user, called "
    "number/extension/user",
    "internal_ticket": "Your internal ticket number",
    "notes": "Notes, numbers, routes related to the problem",
    "call_logs": "Call logs (if applicable)",
}


@dataclass(frozen=True)
class Evidence:
    """One value found, with the text it came from (so a client can spot a misreading)."""

    value: str
    source: str
    origin: str = "text"  # "text", "form", "record", "register", "attachment", "subject"
    # "high": read from a label or a layout we know; "low": only plausible (a cue without a
    # certain value). A low finding keeps the item from being charged as missing, and the
    # notice echoes it back for the client to confirm.
    confidence: str = "high"


@dataclass(frozen=True)
class ItemResult:
    """What one extractor found for one checklist item."""

    key: str
    evidence: tuple[Evidence, ...] = ()
    missing_parts: tuple[str, ...] = ()  # for partial items, e.g. a call example without a time
    not_applicable: bool = False

    @property
    def found(self) -> bool:
        """Whether the item was given, or declared not applicable by the client."""
        return bool(self.evidence) or self.not_applicable


@dataclass(frozen=True)
class ContactRecord:
    """What we already hold about the sender (counts as furnished when configured)."""

    company: str | None = None
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class ScoringInput:
    """Everything an extractor may read about one message."""

    subject: str
    text: str  # the sender's own words: quotes of others removed, forwarded reports kept
    signature: str  # the sender's signature block, if one was told apart
    attachments: tuple[tuple[str, str], ...]  # (filename, content type)
    sender_address: str
    received_at: datetime
    timezone: str
    region: str  # ISO country for phone numbers, e.g. "US"
    record: ContactRecord = field(default_factory=ContactRecord)
    forwarded: str = ""  # a report forwarded inside the mail: its facts count, its sender's not
    form: dict[str, list[str]] = field(default_factory=dict)  # our fill-in form's lines, by item
    known_serials: dict[str, str] = field(default_factory=dict)  # serial -> "board"/"appliance"
    register_sites: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (site name, its serials)
    register_counts: bool = False  # whether the register may furnish a serial the mail lacks


@dataclass(frozen=True)
class Prepared:
    """A ScoringInput with the work every extractor shares done once."""

    item: ScoringInput
    text: str  # subject + own text + signature, one string
    masked: str  # text with phones, IPs, MACs, dates and times masked out
    phones: tuple[PhoneHit, ...]
    shared: dict[str, object] = field(default_factory=dict, compare=False)  # extractors' cache


class Extractor(Protocol):
    """Finds the evidence for a few checklist items in a prepared message."""

    @property
    def keys(self) -> tuple[str, ...]:
        """The checklist items this extractor answers for."""

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """One ItemResult per key, found or not."""
