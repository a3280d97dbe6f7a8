"""notes and call_logs: the "where applicable" items, reported but not required by default.

Notes are what an engineer would jot down beyond the other items: numbers that are neither a
call example's parties nor the sender's phone (an affected extension, a DID block, a transfer
target), routes, trunks, carriers, hunt/ACD/queue/park groups, schedules, auto attendants,
dial patterns and feature codes, IP/MAC addresses and VLANs, named configuration files, or a
non-empty "Notes:" line. Call logs are an attached CSV/TXT/XLS(X) log named as one, or pasted
call-detail rows (a table with duration, status or route columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.scoring.extractors.calls import examples_of, segments_of
from zsupport_mail.scoring.extractors.contact import contact_phones
from zsupport_mail.scoring.spans import IP, MAC
from zsupport_mail.scoring.text import FORM_LABELS
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_THING = (
    r"(?:routes?|routing|trunks?|carrier|hunt ?group|acd(?: group)?|queue|warteschlange"
    r"|gruppe|grupo|groupe"
    r"|paging(?: zone| group)?|park(?:ing)?(?: orbit)?|orbit|zone|schedule|zeitplan"
    r"|auto ?attendant|ivr|dial ?(?:plan|pattern)|feature code|vlan|subnet"
    r"|dids?(?: range| block)?|durchwahlblock|(?:ruf)?nummernblock|number (?:block|range))"
)
_NOTE_WORDS = re.compile(  # a named or numbered thing: "trunk Lumen-1", "the "Nacht" schedule"
    rf"\b{_THING}\b(?:[ \t]+(?:for|of|on|to)[ \t]+(?:it|this|that|them|the[ \t]+\w+))?"
    rf"[ \t]*(?:[:#]|(?:is|ist|es|est)\b)?[ \t]*(?:[\"\u201c'(][^\"\u201d')\n]{{1,40}}[\"\u201d')]"
    r"|[A-Z0-9][\w-]*\d[\w-]*|\d+\b|[A-Z][a-z]+-[\w-]+)"
    rf"|[\"\u201c'][^\"\u201d'\n]{{1,40}}[\"\u201d'][ \t]+(?:\w+[ \t]+)?{_THING}\b"
    # {1,100}, not +: from every "-" boundary of a long dashed run, + rescanned the rest (n^2).
    r"|\*\d{2,3}\b|\b1 ?\+ ?10 digits\b|\b[\w-]{1,100}\.(?:wav|cfg|xml|conf)\b",
    re.IGNORECASE,
)
_NOTE_WORDS_LOWER = re.compile(_NOTE_WORDS.pattern.replace("A-Z", "a-z"))
_NOTES_LINE = re.compile(r"^[ \t]*notes?[ \t]*:[ \t]*(?P<value>.*\S)?", re.IGNORECASE | re.M)
_EXTENSION = re.compile(
    r"\b(?:ext\.?|extension|extensi[oó]n|nebenstelle|durchwahl|poste|interno)\s*#?\s*(\d{2,6})\b",
    re.IGNORECASE,
)
_LOG_FILE = re.compile(r"\.(?:csv|txt|xlsx?|tsv)$", re.IGNORECASE)
_LOG_NAME = re.compile(r"call|cdr|anruf|verbindung", re.IGNORECASE)
_LOG_TYPES = (
    "text/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
_LOG_COLUMNS = re.compile(
    r"\b(?:duration|dauer|status|route|failed|dropped|answered|no answer|busy|abgewiesen"
    r"|abbruch|besetzt|\d{1,2}:\d{2}:\d{2}\s+\S+\s+\S+\s+\d{1,2}:\d{2})\b",
    re.IGNORECASE,
)
_EMPTY_NOTE = frozenset({"-", "...", "none", "n/a", "na", "keine"})


# A line labelled as another checklist item ("Contact phone: cell 720..., desk ext 2045",
# "Call example: ..." or an inline answer joined to its question): its numbers belong to that
# item, even when the item could not be read whole, so they are no notes.
_NUMBER_ITEMS = (
    "contact_phone",
    "call_examples",
    "board_serial",
    "appliance_serial",
    "software_version",
    "internal_ticket",
    "reproducible",
    "contact_name",
    "contact_email",
    "company",
)
_OTHER_ITEM_LINE = re.compile(
    r"(?i)^\W*(?:your\s+|our\s+|my\s+)?(?:"
    + "|".join(
        sorted(
            (
                re.escape(label)
                for key, labels in FORM_LABELS.items()
                if key in _NUMBER_ITEMS
                for label in labels
            ),
            key=len,
            reverse=True,
        )
    )
    + r"|call examples?\(s\)|anrufbeispiele?|ejemplos? de llamadas?|exemples? d.appels?)\W*:"
)


def _line_at(text: str, offset: int) -> str:
    return text[text.rfind("\n", 0, offset) + 1 : text.find("\n", offset) % (len(text) + 1)]


def _other_numbers(prepared: Prepared) -> list[str]:
    """Phones and extensions in the report that are not a call's parties or a contact phone."""
    examples = examples_of(prepared)
    parties = {v.split(" ext ")[0] for e in examples for v in (e.calling, e.called) if v}
    parties |= {e.value for e in contact_phones(prepared)}
    party_exts = {v for e in examples for v in (e.calling, e.called) if v and v.startswith("ext")}
    own_end = len(prepared.item.subject) + len(prepared.item.text) + 2
    found = [
        p.raw
        for p in prepared.phones
        if p.e164 not in parties
        and p.start < own_end
        and not re.search(
            r"(?i)(?:tel|phone|cell|mobile|fax|direct)\W{0,4}$",
            prepared.text[max(0, p.start - 12) : p.start],
        )
        and not _OTHER_ITEM_LINE.search(_line_at(prepared.text, p.start))
    ]
    found += [
        m.group(0)
        for m in _EXTENSION.finditer(prepared.item.text)
        if f"ext {m.group(1)}" not in party_exts
        and not _OTHER_ITEM_LINE.search(_line_at(prepared.item.text, m.start()))
    ]
    return found


def _notes(prepared: Prepared) -> list[Evidence]:
    item = prepared.item
    text = f"{item.text}\n{item.forwarded}"
    notes = [
        Evidence(v[:120], v, "form")
        for v in item.form.get("notes", [])
        if v.strip().lower() not in _EMPTY_NOTE
    ]
    for match in _NOTES_LINE.finditer(text):
        value = (match.group("value") or "").strip()
        if (
            value
            and value.lower() not in _EMPTY_NOTE
            and value[:120] not in {e.value for e in notes}
        ):
            notes.append(Evidence(value[:120], match.group(0).strip()))
    lower = text.lower()  # the note words in lower case: faster than IGNORECASE
    words = _NOTE_WORDS_LOWER.search(lower) if len(lower) == len(text) else _NOTE_WORDS.search(text)
    if words:
        said = text[words.start() : words.end()]
        notes.append(Evidence(said, said))
    for pattern in (IP, MAC):
        for match in pattern.finditer(text):
            notes.append(Evidence(match.group(0), match.group(0)))
            break
    notes += [Evidence(n, n) for n in _other_numbers(prepared)[:3]]
    return notes


def _pasted_rows(prepared: Prepared) -> list[str]:
    rows = [segment for _, segment, table in segments_of(prepared) if table]
    return rows if len(rows) >= 2 and _LOG_COLUMNS.search("\n".join(rows)) else []


@dataclass(frozen=True)
class NotesExtractor:
    """The "where applicable" items: an engineer's notes and call logs."""

    keys: tuple[str, ...] = ("notes", "call_logs")

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """Notes from the text; call logs from attachments named as logs or pasted CDR rows."""
        logs = [
            Evidence(name, f"attachment {name} ({kind})", "attachment")
            for name, kind in prepared.item.attachments
            if (_LOG_FILE.search(name) and _LOG_NAME.search(name)) or kind in _LOG_TYPES
        ]
        pasted = _pasted_rows(prepared)
        if pasted:
            logs.append(Evidence(f"{len(pasted)} pasted call-log lines", pasted[0].strip()[:120]))
        return [ItemResult("notes", tuple(_notes(prepared))), ItemResult("call_logs", tuple(logs))]
