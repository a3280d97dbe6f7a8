"""Scoring ahead: a mail's checklist score computed before anyone knows who sent it for sure.

Worker processes (runtime/parse_ahead.py) score mail while the one writer is busy with earlier
messages; they cannot see the database, so they guess the client and the contact from the
configuration. The writer (handlers/intake.py) uses such a score only when its own reading of
the sender lands on the same client, contact record and arrival time. Pure, like the rest
of scoring/: settings and a parsed message in, a score out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from zsupport_mail.intake.types import ContactRef
from zsupport_mail.mail.addresses import domain_of
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring import Score, score_input
from zsupport_mail.scoring.build import build_input
from zsupport_mail.scoring.types import ContactRecord
from zsupport_mail.settings import ClientConfig, ContactConfig, Settings


@dataclass(frozen=True)
class Prescore:
    """A message's score computed ahead, in a worker process that cannot see the database.

    The worker guesses the client and contact from the configuration; the writer uses the
    score only if its own sender recognition lands on the same client, contact record and
    received time, so a guess that the directory contradicts is simply scored again.
    """

    client: str
    record: ContactRecord
    received_at: datetime
    score: Score


def score_ahead(msg: ParsedMessage, settings: Settings, received_at: datetime) -> Prescore | None:
    """A worker's score of a mail from a configured client's domain; None for anyone else."""
    address = msg.from_addr
    domain = domain_of(address)
    client = next((c for c in settings.clients if domain in c.domains), None)
    if client is None:
        return None
    record = contact_record(client, next((c for c in client.contacts if c.email == address), None))
    score = score_message(msg, settings, client, record, received_at)
    return Prescore(client.name, record, received_at, score)


def contact_record(
    client: ClientConfig, contact: ContactConfig | ContactRef | None
) -> ContactRecord:
    """What we hold about the sender, as the scoring's record (counts as furnished if set)."""
    return ContactRecord(
        company=client.name,
        name=contact.name if contact else None,
        email=contact.email if contact else None,
        phone=contact.phone if contact else None,
    )


def score_message(
    msg: ParsedMessage,
    settings: Settings,
    client: ClientConfig,
    record: ContactRecord,
    received_at: datetime,
) -> Score:
    """The checklist score of one mail from client's contact: the CPU-heavy extractors."""
    item = build_input(
        msg,
        received_at=received_at,
        timezone=client.timezone,
        holidays=client.holidays,
        record=record,
        known_serials=client.known_serials(),
        register_sites=client.sites,
        register_counts=settings.scoring.register_counts_as_furnished,
    )
    scoring = settings.scoring
    return score_input(item, scoring.required, scoring.record_counts_as_furnished)
