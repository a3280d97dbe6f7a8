"""Find the things that look like numbers but are not serials: phones, IPs, MACs, dates, times.

They are found first and masked (replaced by a filler of the same length) before serials and
ticket numbers are searched, so a phone number, an IP address or a date can never be read as a
serial. Phone candidates are found with a cheap regex and then checked with ``phonenumbers``
(Google's libphonenumber), which knows every country's numbering plan; running its full-text
matcher over every mail was several times slower for the same hits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

MASK = "\x00"

_PHONE_CANDIDATE = re.compile(
    r"(?<![\w.:/@-])(?:\+|00)?\(?\d(?:[\d().\-]|[ ](?=[\d(])){5,20}\d"  # single spaces only
    r"(?:\s*(?:x|ext\.?|extension|durchwahl|poste)\s*\d{1,6})?(?![\w/@]|\.\d|:\d)",
    re.IGNORECASE,
)
_DIAL_OUT = re.compile(r"^9[ .\-]+(?=1[ .\-(]*\d{3})")  # PBX "9" for an outside line
_EXTENSION = re.compile(r"\s*(?:x|ext\.?|extension|durchwahl|poste)\s*(\d{1,6})$", re.IGNORECASE)
IP = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?!\d|\.\d)")  # "... 10.0.0.5."
MAC = re.compile(
    r"(?<![0-9A-Fa-f:-])(?:[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}"
    r"|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![0-9A-Fa-f:-])"
)
_MONTHS = (
    r"(?:jan(?:uary|uar)?|janvier|enero|feb(?:ruary|ruar)?|février|fevrier|febrero"
    r"|mar(?:ch|s|zo)?|mär(?:z)?|apr(?:il)?|avril|abril|may|mai|mayo|june?|juni|juin|junio"
    r"|july?|juli|juillet|julio|aug(?:ust)?|août|aout|agosto|sep(?:t(?:ember)?)?|septembre"
    r"|septiembre|oct(?:ober)?|okt(?:ober)?|octobre|octubre|nov(?:ember)?|novembre|noviembre"
    r"|dec(?:ember)?|dez(?:ember)?|décembre|decembre|diciembre)\.?"
)
DATE = re.compile(  # "2026-03-17T14:15" is a date followed by a time
    r"(?<![\w.])(?:\d{4}-\d{1,2}-\d{1,2}(?=T\d)|\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?(?![\d.])"
    r"|\d{1,2}\.\d{1,2}\.(?=[ \t,])"  # German "16.03. um 10:05"
    rf"|{_MONTHS}\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+\d{{4}})?"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?\.?\s+(?:de\s+)?{_MONTHS}(?:\s+(?:de\s+)?\d{{4}})?)(?!(?!T\d)\w)",
    re.IGNORECASE,
)
TIME = re.compile(  # "2:15 PM: ..." ends at the PM; "10:05a" and "2:15p" are 10:05 am, 2:15 pm
    # Not inside a word or number, except right after an ISO date's "T" ("2026-03-17T14:15").
    # It starts with its first digit, so the regex engine skips to digits (3x faster than a
    # leading lookbehind): the lookbehinds then look at what precedes that digit.
    r"\d(?<![:.\d_]\d)(?<![^\W\d_T]\d)(?<!(?<!\d)T\d)\d?"
    r"(?::\d{2}(?::\d{2})?(?:\s*(?:[ap]\.?m\.?|uhr|h)(?!\w)|[ap](?!\w)|(?!\w|:\w))"
    r"|\s*(?:[ap]\.?m\.?)(?!\w)|h\d{2}(?![\w:]))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PhoneHit:
    """A phone number in the text: where it is, as typed, in E.164, and any extension."""

    start: int
    end: int
    raw: str
    e164: str
    extension: str | None


def _normalise_candidate(raw: str) -> str:
    text = _DIAL_OUT.sub("", raw.strip())
    if text.startswith("00"):
        text = "+" + text[2:]
    elif len(text) == 12 and text.isdigit() and text.startswith("91"):
        text = text[1:]  # "913035550199" in a call log: the outside-line 9, then 1 + 10 digits
    return text


def find_phones(text: str, region: str) -> list[PhoneHit]:
    """Phone numbers in text, as E.164, with any extension; dial-out prefixes handled."""
    hits = []
    for match in _PHONE_CANDIDATE.finditer(text):
        raw = match.group(0)
        digits = sum(ch.isdigit() for ch in raw)
        if digits < 7 or DATE.fullmatch(raw.strip()) or IP.fullmatch(raw.strip()):
            continue
        extension_match = _EXTENSION.search(raw)
        number_text = raw[: extension_match.start()] if extension_match else raw
        try:
            number = phonenumbers.parse(_normalise_candidate(number_text), region)
        except phonenumbers.NumberParseException:
            continue
        if not phonenumbers.is_possible_number(number):
            continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        hits.append(
            PhoneHit(
                match.start(),
                match.end(),
                raw,
                e164,
                extension_match.group(1) if extension_match else None,
            )
        )
    return hits


def mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """Replace each span by MASK characters of the same length (offsets stay valid)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = MASK * (end - start)
    return "".join(chars)


_DATE_LOWER = re.compile(DATE.pattern.replace("T", "t"))  # for lower-cased text: faster
_TIME_LOWER = re.compile(TIME.pattern.replace("T", "t"))  # than IGNORECASE over every mail


def noise_spans(text: str, phones: list[PhoneHit]) -> list[tuple[int, int]]:
    """Spans of phones, IPs, MACs, dates and times: never serials or ticket numbers."""
    spans = [(p.start, p.end) for p in phones]
    lower = text.lower()
    same = len(lower) == len(text)
    for pattern, lowered in ((IP, IP), (MAC, MAC), (DATE, _DATE_LOWER), (TIME, _TIME_LOWER)):
        if same and lowered is not pattern:
            spans.extend(m.span() for m in lowered.finditer(lower))
        else:
            spans.extend(m.span() for m in pattern.finditer(text))
    return spans
