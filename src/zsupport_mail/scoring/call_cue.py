"""Does the mail plausibly point out a call? The call-example cue of the plausible layer.

The extractor (extractors/calls.py) reads an example when one sentence holds a date or time
and parties it knows (numbers, extensions, users). People also write a call the reading does
not take apart: the time in the next sentence ("On 3/16 ext 201 called the lab. It was at
9:15."), parties as places with their number in brackets ("the front desk (201)"), arrows
between bare extensions ("201 > 230"). Such a call is plausibly an example: it is echoed back
for confirmation and never charged. A sentence that gives no time of day at all stays a
half-given example (the notice asks for the time).
"""

from __future__ import annotations

import re

from zsupport_mail.scoring.extractors.calls import CallExample, examples_of, segments_of
from zsupport_mail.scoring.spans import DATE, TIME
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

PARTY = re.compile(
    r"\b(?:ext\.?|extension|x|nebenstelle|durchwahl|nst\.?|extensi(?:ó|o)n|interno|poste|user"
    r"|from|to|von|an|de|a|vers|desde|hacia|line|phone|desk|reception|room|agent|caller)"
    r"\s*#?\s*\(?\d{2,6}\b|\+?\d[\d ().-]{6,}\d|->|→|\bcall(?:ed|ing|er)?\b|\bdial(?:l)?ed\b"
    r"|\brang\b|\banruf\w*|\bangerufen\b|\bllamad\w*|\bappel\w*|\bappelé\b"
    # a place with its number in brackets, bare numbers with an arrow between them
    r"|\(\s*(?:ext\.?\s*|x\s*)?\d{2,6}\s*\)|\b\d{2,6}\s*(?:>|=>|-+>|→)\s*\d{2,6}\b",
    re.IGNORECASE,
)
LOOSE_TIME = re.compile(
    r"\b(?:at|um|a\s+las|à|vers|gegen|around|about)\s+\d{1,2}(?:[.:h]\d{2})?\b|\bnoon\b|\bmidday\b"
    r"|\bmittag|\bo'clock|\bhalf\s+past|\bquarter\s+(?:past|to)\b|\d{1,2}\.\d{2}\s*(?:uhr|h)\b"
    # a 24-hour time without its colon: "0915 hrs", "1430h", "@ 0915"
    r"|\b(?:[01]\d|2[0-3])[0-5]\d\s*(?:hrs?|h|uhr)\b|(?:@|\bat)\s*(?:[01]\d|2[0-3])[0-5]\d\b",
    re.IGNORECASE,
)
# In a sentence that already holds a date and parties, "16/03 14.20", "Monday 9.15am",
# "3/16 9 h 15" give its time (elsewhere such a number may well be a version, "16.04").
_DOTTED_TIME = re.compile(  # after a date, a day, a comma or a dash: not "MXIE 16.04"
    r"(?:(?<=[\d,;(/~\-\u2013] )|(?<=~)|(?<=day )|(?<=gestern )|(?<=heute )|(?<=ayer )"
    r"|(?<=hoy )|(?<=hier ))(?:[01]?\d|2[0-3])(?:\.| ?h ?)[0-5]\d(?:\s?[ap]\.?m\.?)?"
    r"(?![\w-]|[.:]\d)"
    r"|\b\d{1,2}:\d{2}ish\b",
    re.IGNORECASE,
)


_WAIVED = re.compile(  # "Example call: n/a", "Examples - none", "Beispielanruf: entfällt"
    r"(?:(?:call[ -]?)?(?:examples?|samples?)(?:[ -]?calls?)?|beispiel\w*|anrufbeispiel\w*"
    r"|ejemplos?(?: de llamadas?)?|llamadas? de ejemplo|exemples?(?: d['\u2019]appels?)?"
    r"|appels? (?:d['\u2019])?exemple)[ \t]*(?:[:=\u2013-][ \t]*|\((?:s)\)[ \t]*[:\u2013-][ \t]*)"
    r"(?:n/?a\b|not applicable|none\b|no calls?\b|keine?s?\b|entf(?:ä|ae)llt|ninguno|no aplica"
    r"|sans objet|aucun|nicht zutreffend|non applicable)"
    r"|\b(?:example|sample)s?(?: calls?)? (?:do not|don['\u2019]t|does not|doesn['\u2019]t) apply"
    r"|\bno (?:specific|particular|individual) calls?\b",
    re.IGNORECASE,
)
_WAIVED_WORDS = (  # one of them must be there before _WAIVED is searched
    "n/a", ": na", "- na", "none", "applicable", "no call", "keine", "entf", "zutreffend",
    "ningun", "aplica", "objet", "aucun", "apply", "no specific", "no particular",
    "no individual",
)  # fmt: skip
_HEADER = re.compile(  # a quoted or forwarded mail's header lines: their time is no call's
    r"^[ \t>*]*(?:from|von|de|sent|date|gesendet|datum|envoy(?:é|e)|enviado|fecha|subject"
    r"|betreff|objet|asunto|to|an|à|a|para|cc)[ \t*]*:",
    re.IGNORECASE,
)


def _low(value: str, source: str) -> Evidence:
    return Evidence(value, " ".join(source.split())[:120], "text", "low")


def _timed(text: str) -> bool:
    return bool(TIME.search(text) or LOOSE_TIME.search(text))


def call_examples_cue(prepared: Prepared, results: dict[str, ItemResult]) -> list[Evidence]:
    """A low finding for a call the extractor did not read whole (see the module doc), or for
    examples said not to apply in words the extractor does not know ("Example call: n/a")."""
    lower = prepared.text.lower()
    waived = _WAIVED.search(prepared.text) if any(w in lower for w in _WAIVED_WORDS) else None
    if waived:
        return [_low("not applicable", waived.group(0))]
    if results["call_examples"].missing_parts:  # read as half given: a guess only if a
        misread = [e for e in examples_of(prepared) if _misread(prepared, e)]  # time was there
        if misread:
            return [_low(misread[0].source[:80], misread[0].source)]
        return _window(prepared, dated=False)  # another sentence: a time of day and parties
    return _window(prepared, dated=True)


def _misread(prepared: Prepared, example: CallExample) -> bool:
    """Whether a half-read example's sentence, or the one after it in its paragraph ("It was
    at 9:15."), has a time after all (then the reading, not the client, failed)."""
    if not example.missing:
        return False
    if example.when is not None or _timed(example.source) or _DOTTED_TIME.search(example.source):
        return True
    if "date/time" not in example.missing or example.offset < 0:
        return False
    parts = segments_of(prepared)
    at = next((i for i, part in enumerate(parts) if part[0] == example.offset), None)
    if at is None or at + 1 >= len(parts):
        return False
    here, following = parts[at], parts[at + 1]
    between = prepared.text[here[0] + len(here[1]) : following[0]]
    return "\n\n" not in between and _timed(following[1])


def _window(prepared: Prepared, dated: bool) -> list[Evidence]:
    """Three lines (an HTML mail puts every <div> apart) with a time (or, when ``dated``, a
    date) and a party or call word."""
    text = prepared.text
    if not (TIME.search(text) or (dated and DATE.search(text)) or LOOSE_TIME.search(text)):
        return []
    lines = _without_headers([line for line in text.splitlines() if line.strip()])
    for index in range(len(lines)):
        window = " ".join(lines[index : index + 3])
        when = TIME.search(window) or LOOSE_TIME.search(window)
        if when is None and dated:
            when = DATE.search(window)
        if when and PARTY.search(window.replace(when.group(0), " ")):
            return [_low(window.strip()[:80], window)]
    return []


def _without_headers(lines: list[str]) -> list[str]:
    """The lines without a mail's header block (a "From:" line with an address and the header
    lines around it), whose "Date: Mon, Mar 16, 2026 at 8:55 AM" is no call's time."""
    drop: set[int] = set()
    for index, line in enumerate(lines):
        if "@" in line and _HEADER.match(line):
            start = index
            while start > 0 and index - start < 4 and _HEADER.match(lines[start - 1]):
                start -= 1
            end = index + 1
            while end < len(lines) and end - index < 5 and _HEADER.match(lines[end]):
                end += 1
            drop.update(range(start, end))
    return [line for index, line in enumerate(lines) if index not in drop] if drop else lines
