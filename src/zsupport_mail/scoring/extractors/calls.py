"""call_examples: each example needs a date/time, a calling party and a called party.

A sentence's date and time are read by when.py (relative to the mail's received time in the
client's time zone: "yesterday at 3pm", "this morning around 9:15"). Parties are phone
numbers (E.164), extensions and named users; "from"/"to"/"called"/"dialed" around them
decide which side they are on, else the first is the caller. An example missing a part is
reported with the part it lacks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from zoneinfo import ZoneInfo

from zsupport_mail.scoring.extractors.when import RELATIVE_DAY, parse_when
from zsupport_mail.scoring.spans import DATE, TIME, PhoneHit
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_EXTENSION = re.compile(  # "ext: 204", "Ext. Nr. 204", "Nst. 204", "anexo 204", "interno 204"
    r"\b(?:ext(?:n|ension)?\.?|x|nebenstelle|nst\.?|durchwahl|apparat|extensi[oó]n|anexo"
    r"|interno|poste)\s*(?:nr\.?|no\.?|number|nummer|n[°º])?\s*[#:]?\s*(\d{2,6})\b"
    r"|\b(?:user|agent|operator)\s+([A-Z][a-z]+(?:\s[A-Z][a-z]+)?)",
    re.IGNORECASE,
)
_CALLER_CUE = re.compile(  # "Calling: 720-...", but "720-... calling ext 201" calls ext 201
    r"(?:\bfrom|\bcaller|\bcalling (?:number|party)|\bcalling\s*[:=]|\bvon|\bde|\bdesde"
    r"|\bsource|\bsrc|\boriginating)\W{0,3}$",
    re.IGNORECASE,
)
_CALLED_CUE = re.compile(
    r"(?:\bto|\bcalled(?: number| party)?|\bdial(?:l)?ed|\bdialing|\bcalling|\brang"
    r"|\bcalls?|\ban|\ba|\bvers|\bdestination|\bdest|\bdst|\bnach|->|→)"
    r"\W{0,3}$",
    re.IGNORECASE,
)
_NOT_APPLICABLE = re.compile(
    r"call[ -]?examples?\s*(?:\(s\))?\s*(?:[:\-]\s*|(?:are|is|do|does)\s+)?"
    r"(?:n/?a\b|not applicable|none\b|no calls?|(?:don['\u2019]?t|do not|does not) apply"
    r"|not relevant)"
    r"|\bno (?:specific )?calls? (?:are |is )?(?:involved|affected|needed)"
    r"|\bnot call[- ]related\b|\bnothing to do with (?:a )?calls?\b"
    r"|anrufbeispiele?\s*[:\-]?\s*(?:entf(?:ä|ae)llt|keine|n/?a|nicht zutreffend)"
    r"|\bkeine anrufe betroffen\b|ejemplos? de llamadas?\s*[:\-]?\s*(?:no aplica|n/?a)"
    r"|exemples? d['\u2019]appels?\s*[:\-]?\s*(?:sans objet|non applicable|n/?a)",
    re.IGNORECASE,
)
_PARAGRAPH = re.compile(r"(?:[^\n]*\S[^\n]*(?:\n|$))+")
_SENTENCE_END = re.compile(  # not after Mr./Dr./e.g./ext.: those are not sentence ends
    # The punctuation first: the other lookbehinds are then tried only after a full stop.
    r"(?<=[.!?;])(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!e\.g\.)"
    r"(?<!i\.e\.)(?<!\bext\.)(?<!\bExt\.)(?<!\bEXT\.)(?<!\bNst\.)(?<!\bnst\.)(?<!\bNr\.)"
    r"(?<!\bNo\.)(?<!\bTel\.)"
    r"\s+(?=[A-Z0-9\"(])"
)
_DIGIT = re.compile(r"\d")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[-*\u2022]|\d{1,2}[.)])[ \t]", re.MULTILINE)
_COLUMNS = re.compile(r"\t|[,;|]|\S {2,}\S")
_CUED_NUMBER = re.compile(
    r"\b(?:from|to|calling|called|caller|callee|dial(?:l)?ed|rang|von|an|nach|desde|hacia)"
    r"[ \t]*[:#]?[ \t]*(\d{2,5})(?![\w:./-]|[ \t]*(?:[ap]\.?m\b|uhr\b|h\b|%))",
    re.IGNORECASE,
)
_BARE_EXTENSION = re.compile(r"(?<![\w:.+/-])\d{2,5}(?![\w:./-])")


@dataclass(frozen=True)
class Party:
    """A number, extension or user in a line, with its span so the words around it count."""

    start: int
    end: int
    value: str


@dataclass(frozen=True)
class CallExample:
    """One call the client describes; a part it does not give is None."""

    when: datetime | None
    calling: str | None
    called: str | None
    source: str
    offset: int = -1  # where its sentence starts in the text (-1: not known)

    @property
    def missing(self) -> tuple[str, ...]:
        """The parts the client still has to give, named as the notice names them."""
        parts = (
            ("date/time", self.when),
            ("calling number", self.calling),
            ("called number", self.called),
        )
        return tuple(name for name, value in parts if value is None)

    def describe(self) -> str:
        """The example in one line for the evidence, ``?`` for a part not given."""
        when = self.when.strftime("%Y-%m-%d %H:%M") if self.when else "?"
        return f"{when}, from {self.calling or '?'} to {self.called or '?'}"


def _parties(segment: str, offset: int, phones: list[PhoneHit], table_row: bool) -> list[Party]:
    found = [
        Party(
            p.start - offset,
            p.end - offset,
            p.e164 + (f" ext {p.extension}" if p.extension else ""),
        )
        for p in phones
        if offset <= p.start < offset + len(segment)
    ]
    phone_spans = [(p.start, p.end) for p in found]
    for match in _EXTENSION.finditer(segment):
        digits = match.start(1) if match.group(1) else match.start()
        if any(start <= digits < end for start, end in phone_spans):
            continue  # "Durchwahl 089 5550 1250" is a phone number, not extension 089
        found.append(
            Party(
                match.start(),
                match.end(),
                f"ext {match.group(1)}" if match.group(1) else match.group(2),
            )
        )
    busy_cued = phone_spans + [(p.start, p.end) for p in found]
    for match in _CUED_NUMBER.finditer(segment):  # "from 2045 to ...": an extension
        if not any(start <= match.start(1) < end for start, end in busy_cued):
            found.append(Party(match.start(1), match.end(1), f"ext {match.group(1)}"))
    if table_row:  # a call-detail row: bare 2-5 digit columns are extensions
        busy = (
            phone_spans
            + [m.span() for m in TIME.finditer(segment)]
            + [m.span() for m in DATE.finditer(segment)]
            + [(p.start, p.end) for p in found]
        )
        for match in _BARE_EXTENSION.finditer(segment):
            if not any(start <= match.start() < end for start, end in busy):
                found.append(Party(match.start(), match.end(), f"ext {match.group(0)}"))
    return sorted(found, key=lambda p: p.start)


def _assign(line: str, parties: list[Party]) -> tuple[str | None, str | None]:
    calling = called = None
    unassigned = []
    for party in parties:
        before = line[max(0, party.start - 22) : party.start]
        if _CALLER_CUE.search(before) and calling is None:
            calling = party.value
        elif _CALLED_CUE.search(before) and called is None:
            called = party.value
        else:
            unassigned.append(party.value)
    for value in unassigned:
        if calling is None:
            calling = value
        elif called is None and value != calling:
            called = value
    return calling, called


def _is_table(lines: list[str]) -> bool:
    """Pasted call-detail rows: several lines, each with a date or time and columns."""
    rows = [
        line for line in lines if (TIME.search(line) or DATE.search(line)) and _COLUMNS.search(line)
    ]
    return len(rows) >= 2


def _one_call_a_line(lines: list[str]) -> bool:
    """Example lines without sentence punctuation: several lines, each with its own time, or
    several lines that start with their date or time (under a heading, above a sign-off)."""
    if len(lines) < 2:
        return False
    starts = [s for line in lines if _DIGIT.search((s := line.lstrip())[:16])]  # a cheap test
    dated = sum(bool(DATE.match(s) or TIME.match(s)) for s in starts)
    return dated >= 2 or all(TIME.search(line) for line in lines)


def segments(text: str) -> list[tuple[int, str, bool]]:
    """(offset, text, is_table_row) of each sentence; wrapped lines are rejoined into their
    sentence, while the rows of a pasted call log stay one example each."""
    found = []
    for paragraph in _PARAGRAPH.finditer(text):
        lines = paragraph.group(0).splitlines(keepends=True)
        table = _is_table(lines)
        offset = paragraph.start()
        if table or _one_call_a_line(lines):
            for line in lines:
                found.append((offset, line, table))
                offset += len(line)
            continue
        for at, body in _list_items(paragraph.group(0)):
            start = 0
            for boundary in _SENTENCE_END.finditer(body):
                found.append((offset + at + start, body[start : boundary.start()], False))
                start = boundary.end()
            found.append((offset + at + start, body[start:], False))
    return found


def _list_items(paragraph: str) -> list[tuple[int, str]]:
    """(offset, text) of the paragraph cut before each list item ("- ", "* ", "1. ", "2) "):
    a bulleted or numbered list of calls is one example an item, however it is punctuated."""
    if paragraph.find("\n") in (-1, len(paragraph) - 1):
        return [(0, paragraph)]  # one line: nothing to cut
    cuts = [0, *(m.start() for m in _LIST_ITEM.finditer(paragraph) if m.start()), len(paragraph)]
    return [(start, paragraph[start:end]) for start, end in pairwise(cuts)]


def find_examples(
    text: str,
    phones: list[PhoneHit],
    received: datetime,
    anchors: tuple[tuple[int, datetime], ...] = (),
    parts: list[tuple[int, str, bool]] | None = None,
) -> list[CallExample]:
    """A call example per sentence (or log row) that names a time or day and a party.

    Relative days resolve against ``received``, or from an anchor's offset on against the
    anchor's time (a forwarded report's own date).
    """
    examples = []
    for offset, segment, table_row in segments(text) if parts is None else parts:
        sent = next((when for start, when in reversed(anchors) if offset >= start), received)
        if not _DIGIT.search(segment):
            continue  # every party (a number or an extension) has digits
        has_when = TIME.search(segment) or DATE.search(segment) or RELATIVE_DAY.search(segment)
        parties = _parties(segment, offset, phones, table_row) if has_when else []
        if parties:
            calling, called = _assign(segment, parties)
            source = " ".join(segment.split())[:200]
            examples.append(CallExample(parse_when(segment, sent), calling, called, source, offset))
    return examples


_SENT_HEADER = re.compile(
    r"^[ \t]*\**(?:date|sent|gesendet|datum|envoy(?:é|e)|enviado|fecha)\**[ \t]*:[ \t]*(.+)$",
    re.IGNORECASE | re.MULTILINE,
)


def _forward_sent(forwarded: str, received: datetime) -> datetime | None:
    """When the forwarded report was written (its Date:/Sent: header), if it says."""
    header = _SENT_HEADER.search(forwarded[:600])
    return parse_when(header.group(1), received) if header else None


def segments_of(prepared: Prepared) -> list[tuple[int, str, bool]]:
    """The message's segments, found once (call examples and pasted call logs both read them)."""
    cached = prepared.shared.get("segments")
    if cached is None:
        cached = prepared.shared["segments"] = segments(prepared.text)
    return cached  # type: ignore[return-value]


def examples_of(prepared: Prepared) -> list[CallExample]:
    """The call examples of a prepared message, found once and shared between extractors."""
    cached = prepared.shared.get("call_examples")
    if cached is None:
        item = prepared.item
        received = item.received_at.astimezone(ZoneInfo(item.timezone))
        sent = _forward_sent(item.forwarded, received)
        anchors = ((len(prepared.text) - len(item.forwarded), sent),) if sent else ()
        parts = segments_of(prepared)
        cached = find_examples(prepared.text, list(prepared.phones), received, anchors, parts)
        prepared.shared["call_examples"] = cached
    return cached  # type: ignore[return-value]


@dataclass(frozen=True)
class CallExampleExtractor:
    """The ``call_examples`` item: furnished by at least one complete example."""

    keys: tuple[str, ...] = ("call_examples",)

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """Found, not applicable, or missing with the parts the first partial example lacks."""
        examples = examples_of(prepared)
        complete = [e for e in examples if not e.missing]
        if complete:
            evidence = tuple(Evidence(e.describe(), e.source) for e in complete)
            return [ItemResult("call_examples", evidence)]
        if _NOT_APPLICABLE.search(prepared.text):
            return [ItemResult("call_examples", (), not_applicable=True)]
        if examples:
            partial = examples[0]
            return [
                ItemResult(
                    "call_examples",
                    (),
                    missing_parts=tuple(
                        f"{p} (in: {partial.source[:80]})" for p in partial.missing
                    ),
                )
            ]
        return [ItemResult("call_examples", ())]
