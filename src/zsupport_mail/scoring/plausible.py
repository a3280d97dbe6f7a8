"""Plausible findings: the cues that keep an item from being charged as missing.

The extractors read values they are sure of. When one finds nothing, this module asks a
weaker question: does the mail plausibly give the item in a wording or layout we do not read
with certainty ("we're on 17 i think", "SN# 4C10M" with no role, a sign-off line, "logged it
on our side as NET-2231")? A false "missing" bills a client $100 and tells a careful writer
that they were careless, so such a cue yields a low-confidence finding: it is echoed back for
confirmation in the reply and never charged. Cues are structural (a label-like word near a
value-like token, in EN/ES/DE/FR), not cases copied from mail.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from zsupport_mail.scoring.call_cue import call_examples_cue
from zsupport_mail.scoring.company_cue import company_cue
from zsupport_mail.scoring.contact_cues import (
    contact_email_cue,
    contact_name_cue,
    contact_phone_cue,
)
from zsupport_mail.scoring.recurrence import recurrence_cue
from zsupport_mail.scoring.spans import MASK
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_TOKEN = r"(?=[A-Z0-9-]*\d)[A-Z0-9][A-Z0-9-]{2,19}\b"
_SERIAL_CUE = re.compile(
    r"(?:serial|s/n|\bsn\b|\bser\.?\s*(?:no|nr|#)|seriennummer|serien-?nr|n(?:ú|u)mero de serie"
    r"|num(?:é|e)ro de s(?:é|e)rie|\bn(?:o|º|°)\s*de\s*s(?:é|e)rie|\bnº?\s*serie)"
    rf"[^\n\w]{{0,3}}(?:[^\n\d]{{0,40}}?)[\s:#=|\-\u2013]*\b({_TOKEN})",
    re.IGNORECASE,
)
_MORE_TOKENS = re.compile(r"(?<![\w.])(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{4,12}(?![\w.])", re.I)
_BOARD = re.compile(r"board|platine|placa|carte|tarjeta|cpu|\bmb\b", re.IGNORECASE)  # +mainboard
_APPLIANCE = re.compile(
    r"appliance|chassis|unit\b|box|gerät|geraet|equipo|appareil|châssis|system|server|gehäuse"
    r"|\bmx\s?\d{2,4}\b|\bhw\b|hardware",
    re.IGNORECASE,
)
# A role word, a few words, then a token shaped like a serial (letters and digits, upper case):
# "the board one says 5K21T", "Platine ist 9M12A". Not a model name ("MX250", "ZIP 47G").
_ROLE_THEN_TOKEN = re.compile(  # over the lower-case text
    r"\b(board|mainboard|motherboard|platine|placa|carte|tarjeta|appliance|chassis|unit|box"
    r"|gerät|geraet|equipo|appareil|châssis|gehäuse)\b[^\n\d]{0,25}?"
    r"(?<![\w.-])((?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{4,12})(?![\w-]|\.\w)"
)
_MODELS = ("MX", "ZIP", "ZAC", "MXIE", "SIP")
_VERSION_CUE = re.compile(  # compounds too: "Softwareversion 17.0.8", "Softwarestand 17.0.8"
    r"(?:\b(?:vers\.?|release|rel\.?|build|patch|firmware|software|versi(?:ó|o)n|mx|zac|mxie"
    r"|logiciel|sw)|version|stand)\b[^\n\d]{0,30}?v?\d{1,2}(?:\.\d{1,3}){0,3}\b"
    r"|\bv\d{1,2}\.\d{1,3}\b|\b\d{1,2}\.\d{1,2}(?:\.\d{1,3})?\s*(?:patch|p|build)\s*\d{3,6}\b"
    # "v. 17.0.4", "Zultys 17.0.4", "ver 17"; a word after: "17.0.4 on the MX", "17.0.4 release"
    r"|\b(?:v\.|ver\.?|zultys)\s*\d{1,2}(?:\.\d{1,3}){0,3}\b"
    r"|\b\d{1,2}\.\d{1,2}(?:\.\d{1,5}){0,2}\s+(?:on (?:the|our) (?:mx|system|server|box)|release"
    r"|build|version)\b",
    re.IGNORECASE,
)
_TICKET_CUE = re.compile(
    r"(?:ticket|tkt|\bref\b|reference|r(?:é|e)f(?:é|e)rence|referencia|case|incident|logged"
    r"|tracker|tracked|filed|\b(?:as|under) (?:number|no\.?|#)"
    r"|raised|opened|tracking|vorgang|fall|caso|dossier|incidencia|incidente|anfrage|auftrag"
    r"|request|\bsr\b|\bcr\b|help\s*desk|service\s*desk|jira|servicenow|zendesk|freshdesk"
    r"|\bjob\b|work\s*order|referenz|bezug|zeichen|\baz\b|aktenzeichen|r(?:é|e)f\.|meldung"
    # "internal no. 4471", "our number: 4471", "notre numéro 4471", "unsere Nummer 4471"
    r"|\bintern\w*\s*(?:no\.?|nr\.?|number|nummer|n(?:ú|u)mero|num(?:é|e)ro|#|id|n[°º])"
    r"|\b(?:id|no\.?|nr\.?|number|nummer|n(?:ú|u)mero|num(?:é|e)ro)\s+intern\w*"  # ID interne
    # "our number: 4471", "our ITSM number 4471", "notre numéro 4471", "unsere Nummer 4471"
    r"|\b(?:our|notre|nuestro|unsere?)\s+(?:[\w-]+\s+)??(?:number|no\.?|#|nummer|n(?:ú|u)mero"
    r"|num(?:é|e)ro))"
    rf"[^\n\d]{{0,30}}?#?\s*\b({_TOKEN})",
    re.IGNORECASE,
)
# "we're on 17.0.4", "running 17.0.6": three dotted parts (a date has two), when nothing else
_RUNNING = re.compile(
    r"\b(?:on|running|runs|auf|sur|en|upgraded to|updated to)\s+v?\d{1,2}\.\d{1,2}\.\d{1,3}\b",
    re.IGNORECASE,
)
_TICKET_CUE_LOWER = re.compile(_TICKET_CUE.pattern.replace("A-Z", "a-z"))
_TRACKER_KEY = re.compile(r"\b[A-Z]{2,6}-\d{3,8}(?![\w-])")  # not after "-": checked
_SUBJECT_TICKET = re.compile(  # "[Ticket #55012]", "(#4471)", and a bracketed key "[OPS-1212]"
    r"[\[({]\s*(?:[A-Za-z ]*#\s*([A-Z0-9][A-Z0-9-]{2,19})|([A-Z]{2,6}-\d{3,8}|\d{3,10}))\s*[\])}]"
    r"|(?<![\w&])#\s?([A-Z0-9][A-Z0-9-]{2,19})\b"  # "... drop #4471", "[4471]", "{4471}"
)
_PROBLEM = re.compile(
    r"\b(?:not|no|n't|cannot|can't|won't|fail\w*|drop\w*|error\w*|issue|problem\w*|broken"
    r"|stuck|dead|silent|echo|static|one[- ]way|busy|disconnect\w*|crash\w*|freez\w*|hang\w*"
    r"|wrong|missing|lost|unable|stopp\w*|nicht|kein\w*|fehler\w*|st(?:ö|oe)rung|abbr\w*"
    r"|ausfall|funktioniert|falla\w*|error|problema|corta\w*|ne\s|pas\b|panne|coupe\w*"
    r"|erreur|impossible|instead|keeps?|stays?|straight to|choppy|garbled|robotic|delay\w*"
    r"|slow|quiet|noise|buzz\w*|click\w*|hear\w*|ring\w*|reboot\w*|restart\w*|offline|down"
    r"|unregister\w*|timeout|time out|fast busy|reorder|cuts? out|cut off|hung up|hangs? up"
    r"|klingelt|rauschen|ruido|sonne\w*|coupure|bruit|getrennt|unterbrochen|abgewiesen|blank"
    r"|empty|leer\w*|vac(?:í|i)\w*|vides?|rejected|refused|loop\w*|bounc\w*|mute\w*"
    r"|plays? the (?:wrong|night|day|old)\w*)\b",
    re.IGNORECASE,
)
_SYMPTOM = re.compile(
    r"\b(?:drop\w*|echo\w*|static|one[- ]way|fast busy|disconnect\w*|dead air|silen\w+|garbled"
    r"|choppy|robotic|no (?:audio|sound|dial ?tone|ring\w*)|can(?:no|')t (?:hear|call|dial|log)"
    r"|(?:won't|doesn't|don't|does not|do not|not) (?:ring|work|register|connect|transfer|go)\w*"
    r"|cuts? (?:out|off)|crash\w*|freez\w*|unregister\w*|fail\w*|error\w*"
    r"|kein(?:e|en)? (?:ton|freizeichen)|bricht ab|brechen ab|abgebrochen|st(?:ö|oe)rung"
    r"|se corta\w*|sin audio|no funciona|ne fonctionne|coup(?:e|é|ent)\w*|pas de son"
    r"|getrennt|unterbrochen|blank|empty|rejected|refused|loop\w*"
    # a part that does the wrong thing: "phones reboot every hour", "go to voicemail"
    r"|reboot\w*|restart\w*|stopped|stuck|offline|keeps? \w+ing|go(?:es)? (?:straight )?to"
    r" (?:voicemail|vm|the wrong)|shows? the wrong|wrong (?:name|number|greeting|caller\w*)"
    r"|never (?:gets?|rings?|reach\w*|arrives?)|stays? in the queue|won't turn off"
    r"|plays? the (?:wrong|night|day|old)\w*)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
_SERIAL_WORDS = frozenset({"sn", "ser", "nº", "no", "n"})
_VERSION_WORDS = frozenset(
    {"vers", "ver", "release", "rel", "build", "patch", "firmware", "software", "mx", "zac", "v"}
    | {"zultys"}
    | {"mxie", "logiciel", "stand", "versión", "versi", "sw"}
)
_THREE_PARTS = re.compile(r"\d\.\d{1,2}\.\d")  # a cheap test before _RUNNING
_TICKET_TRIGGERS = (
    "ticket", "tkt", "ref", "case", "incident", "logged", "raised", "opened", "tracking",
    "vorgang", "fall", "caso", "dossier", "incidenc", "anfrage", "auftrag", "request", "sr",
    "cr", "help", "service", "jira", "zendesk", "freshdesk", "job", "work", "bezug", "zeichen",
    "az", "aktenzeichen", "réf", "meldung", "intern", "our", "notre", "nuestro", "unser",
    "tracke", "filed", "as n", "as #", "under n", "under #",
)  # fmt: skip
Results = dict[str, ItemResult]
Cue = Callable[[Prepared, Results], list[Evidence]]


def _low(value: str, source: str) -> Evidence:
    return Evidence(value, " ".join(source.split())[:120], "text", "low")


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence (or line) around a cue, as the client wrote it: what the notice echoes."""
    first = max(text.rfind(mark, 0, start) for mark in (".", "!", "?", "\n")) + 1
    ends = [at for mark in (".", "!", "?", "\n") if (at := text.find(mark, end)) >= 0]
    return " ".join(text[first : min(ends, default=len(text))].split())[:100]


def _words(prepared: Prepared) -> frozenset[str]:
    """The message's lower-case words, once: a cue whose words are absent is not searched."""
    words = prepared.shared.get("words")
    if words is None:
        prepared.shared["lower"] = lower = prepared.text.lower()
        words = frozenset(_WORD.findall(lower))
        prepared.shared["words"] = words
    return words  # type: ignore[return-value]


def _mentions(prepared: Prepared, words: frozenset[str], *fragments: str) -> bool:
    """Whether the message has one of the words, or one of the fragments anywhere."""
    if not words.isdisjoint(_words(prepared)):
        return True
    lower = str(prepared.shared["lower"])
    return any(fragment in lower for fragment in fragments)


def _lines_with(text: str, triggers: tuple[str, ...]) -> list[tuple[int, int]]:
    """(start, end) of each line of the (lower-case) text holding one of the triggers (a cue's
    first words), with the next two lines (an HTML table puts the value below its label).

    Short triggers ("our", "sr", "ref") count at a word start only ("your", "source" are no
    cue), longer ones anywhere (compounds: "Störungsmeldung", "Ticketnummer"). str.find per
    trigger: several times faster than one alternation of forty words over the text."""
    starts: set[int] = set()
    for trigger in triggers:
        at = text.find(trigger)
        while at >= 0:
            before = text[at - 1] if at else " "
            if len(trigger) > 4 or not (before.isalnum() or before == "_"):
                starts.add(text.rfind("\n", 0, at) + 1)
            at = text.find(trigger, at + 1)
    windows = []
    for start in sorted(starts):
        end = start
        for _ in range(3):
            end = text.find("\n", end) + 1 or len(text) + 1
        windows.append((start, end - 1))
    return windows


def _serials(prepared: Prepared, results: Results, role: str) -> list[Evidence]:
    """The cues naming this role; else the first cue naming none that the other role has
    not taken (a row "Serial 4402B 4471X" under "Board / Appliance" gives one each)."""
    other = results["appliance_serial" if role == "board" else "board_serial"]
    taken = {e.value for e in other.evidence}
    cues = [(v, named, source) for v, named, source in _serial_cues(prepared) if v not in taken]
    named = [_low(value, source) for value, who, source in cues if who == role]
    unnamed = [_low(value, source) for value, who, source in cues if who is None]
    return named[:2] or unnamed[:1]


def _serial_cues(prepared: Prepared) -> list[tuple[str, str | None, str]]:
    """(value, role named near it or None, source) of each serial-like cue, found once."""
    cached = prepared.shared.get("serial_cues")
    if cached is not None:
        return cached  # type: ignore[return-value]
    cues: list[tuple[str, str | None, str]] = []
    seen: set[tuple[str, str | None]] = set()
    if _mentions(prepared, _SERIAL_WORDS, "s/n", "serie", "serial"):
        for match in _SERIAL_CUE.finditer(prepared.masked):
            line_end = prepared.masked.find("\n", match.end()) % (len(prepared.masked) + 1)
            source = prepared.text[match.start() : match.end()]
            more = [
                (token.group(0), match.start(), token.end())  # "S/N 4402B 4471X": both
                for token in _MORE_TOKENS.finditer(prepared.masked, match.end(), line_end)
            ]
            values = [(match.group(1), match.start(), match.end()), *more[:2]]
            for value, start, end in values:
                if MASK not in value and not value.upper().startswith("MX"):
                    named = _role_near(prepared.masked, start, end)
                    if (value.upper(), named) not in seen:
                        seen.add((value.upper(), named))
                        cues.append((value.upper(), named, source))
    masked = prepared.masked
    lower = masked.lower()  # a lower-case pattern: three times faster than IGNORECASE
    roles = _ROLE_THEN_TOKEN.finditer(lower) if len(lower) == len(masked) else iter(())
    for match in roles:  # "the board one says 5K21T": the token as she wrote it, upper case
        value = masked[match.start(2) : match.end(2)]
        named = "board" if _BOARD.fullmatch(match.group(1)) else "appliance"
        if value.isupper() and not value.startswith(_MODELS) and (value, named) not in seen:
            seen.add((value, named))
            cues.append((value, named, prepared.text[match.start() : match.end()]))
    prepared.shared["serial_cues"] = cues
    return cues


def _role_near(text: str, start: int, end: int) -> str | None:
    """The role named in the value's own segment (a cell, a list item, a clause), else its line."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end) % (len(text) + 1)
    segment_start = max(text.rfind(mark, line_start, start) for mark in (",", ";", "|", " and "))
    for scope in (text[max(segment_start, line_start) : end], text[line_start:line_end]):
        board, appliance = _BOARD.search(scope), _APPLIANCE.search(scope)
        if board and not appliance:
            return "board"
        if appliance and not board:
            return "appliance"
    return None


def _version(prepared: Prepared, results: Results) -> list[Evidence]:
    match = None
    if _mentions(prepared, _VERSION_WORDS, "version", "stand", "v1", "v2"):
        match = _VERSION_CUE.search(prepared.masked) or _VERSION_CUE.search(prepared.text)
    if match is None and _THREE_PARTS.search(prepared.masked):
        match = _RUNNING.search(prepared.masked)
    if match is None:
        return []
    start = match.start()  # "Softwarestand 17.0.8": the whole word, as she wrote it
    while start and match.string[start - 1].isalpha():
        start -= 1
    said = match.string[start : match.end()]
    return [_low(said.strip(), said)]


def _ticket(prepared: Prepared, results: Results) -> list[Evidence]:
    masked = prepared.masked
    lower = masked.lower()  # the cue is lower case: three times faster than IGNORECASE
    cue = _TICKET_CUE_LOWER if len(lower) == len(masked) else _TICKET_CUE
    text = lower if cue is _TICKET_CUE_LOWER else masked
    for start, end in _lines_with(text, _TICKET_TRIGGERS):  # the cue's regex on those only
        match = cue.search(text, start, end)
        if match is None:
            continue
        value = masked[match.start(1) : match.end(1)]
        if (
            MASK not in value
            and not value.upper().startswith("ZS-")
            and sum(ch.isdigit() for ch in value) >= 3
        ):
            return [_low(value.upper(), masked[match.start() : match.end()])]
    key_like = next(  # "(see NET-2231)": a tracker's key anywhere
        (m for m in _TRACKER_KEY.finditer(masked) if masked[m.start() - 1 : m.start()] != "-"),
        None,
    )
    if key_like and not key_like.group(0).startswith(("ZS-", "MX-", "ZAC-")):
        return [_low(key_like.group(0), _sentence(prepared.text, *key_like.span()))]
    for subject in _SUBJECT_TICKET.finditer(prepared.item.subject):  # not our own ZS- tag
        key = subject.group(1) or subject.group(2) or subject.group(3)
        if not key.upper().startswith("ZS-"):
            return [_low(key.upper(), prepared.item.subject)]
    return []


def _reproducible(prepared: Prepared, results: Results) -> list[Evidence]:
    cue = recurrence_cue(prepared.text)
    if cue is None:
        return []
    value, start, end = cue
    return [_low(value, _sentence(prepared.text, start, end))]


def _description(prepared: Prepared, results: Results) -> list[Evidence]:
    words = len(f"{prepared.item.subject} {prepared.item.text}".split())
    if words < 5:
        return []
    # A terse mail counts when it names a symptom ("One-way audio on transfers")
    cue = _PROBLEM if words >= 12 else _SYMPTOM
    problem = cue.search(prepared.item.subject) or cue.search(prepared.item.text)
    if problem:
        said = _sentence(prepared.text, *problem.span())
        return [_low(said, said)]
    return []


CUES: dict[str, Cue] = {
    "company": company_cue,
    "contact_name": contact_name_cue,
    "contact_email": contact_email_cue,
    "contact_phone": contact_phone_cue,
    "board_serial": lambda p, r: _serials(p, r, "board"),
    "appliance_serial": lambda p, r: _serials(p, r, "appliance"),
    "software_version": _version,
    "description": _description,
    "reproducible": _reproducible,
    "call_examples": call_examples_cue,
    "internal_ticket": _ticket,
}


def add_plausible(prepared: Prepared, results: Results, count_record: bool = True) -> None:
    """Give each required item found by no extractor a low-confidence finding when a cue fits.

    An item an extractor read as half given (a call example without a time) stays missing,
    unless the half-read sentence holds what seemed to lack (see _call_examples). When our
    contact record does not count as furnished (``record_counts_as_furnished = false``), an
    item only the record gives is looked for in the mail like one found nowhere.
    """
    for key, cue in CUES.items():
        result = results[key]
        counted = [e for e in result.evidence if count_record or e.origin != "record"]
        if counted or result.not_applicable:
            continue
        found = cue(prepared, results)
        if found:
            results[key] = ItemResult(key, (*found, *result.evidence))
