"""The scoring engine: the reviewed, ordered registry of extractors and the run over one mail.

``EXTRACTORS`` holds one extractor per item or linked pair; ``score_input`` runs them all on one
message, then adds what the client's serial register and the plausible cues say.
"""

from __future__ import annotations

from zsupport_mail.scoring.extractors.calls import CallExampleExtractor
from zsupport_mail.scoring.extractors.contact import ContactExtractor
from zsupport_mail.scoring.extractors.description import DescriptionExtractor
from zsupport_mail.scoring.extractors.notes import NotesExtractor
from zsupport_mail.scoring.extractors.serials import SerialExtractor
from zsupport_mail.scoring.extractors.tickets import InternalTicketExtractor
from zsupport_mail.scoring.extractors.versions import VersionExtractor
from zsupport_mail.scoring.plausible import add_plausible
from zsupport_mail.scoring.register import add_register
from zsupport_mail.scoring.score import DEFAULT_REQUIRED, Score
from zsupport_mail.scoring.spans import find_phones, mask_spans, noise_spans
from zsupport_mail.scoring.types import ITEM_KEYS, Extractor, ItemResult, Prepared, ScoringInput

EXTRACTORS: tuple[Extractor, ...] = (
    ContactExtractor(),
    SerialExtractor(),
    VersionExtractor(),
    DescriptionExtractor(),
    CallExampleExtractor(),
    InternalTicketExtractor(),
    NotesExtractor(),
)
assert sorted(k for e in EXTRACTORS for k in e.keys) == sorted(ITEM_KEYS)

__all__ = ["EXTRACTORS", "prepare", "score_input"]


def prepare(item: ScoringInput) -> Prepared:
    """Do the shared work once: one text, phones found, noise masked."""
    text = f"{item.subject}\n{item.text}\n{item.signature}\n{item.forwarded}"
    phones = find_phones(text, item.region)
    # "board_sn = X", "ticket_no: Y": an identifier's underscores read as spaces (same length)
    masked = mask_spans(text, noise_spans(text, phones)).replace("_", " ")
    return Prepared(item, text, masked, tuple(phones))


def score_input(
    item: ScoringInput, required: tuple[str, ...] = DEFAULT_REQUIRED, count_record: bool = True
) -> Score:
    """Run every extractor on one message."""
    prepared = prepare(item)
    results: dict[str, ItemResult] = {}
    for extractor in EXTRACTORS:
        for result in extractor.extract(prepared):
            results[result.key] = result
    add_register(prepared, results)  # before the cues: a register fact beats a guess
    add_plausible(prepared, results, count_record)
    return Score(results, required, count_record)
