"""board_serial and appliance_serial: serials after a label, with the role from nearby words.

Nothing public says how board and appliance serials differ, so a serial counts only after a
label (serial, S/N, SN, serial number, Seriennummer, ...) and takes its role from the words
around it (board / motherboard / main board vs appliance / chassis / unit / box). A serial in
the client's register of known serials takes its role from there. Phones, IPs, MACs, dates and
times are masked before the search, and model names (MX250, MX30) are never serials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_ROLE_WORDS = (  # German genitives and plurals too: "des Geräts", "des Boards"
    r"main\s*board|motherboard|mainboard|hauptplatine|grundplatine|boards?|platinen?"
    r"|placa(?:\s+(?:base|madre))?|tarjeta(?:\s+madre)?|carte(?:\s+m(?:è|e)re)?|cpu\s*card|karten?"
    r"|appliances?|chassis|châssis|unit|box|ger(?:ä|ae)t(?:s|es|e)?|gehäuses?|equipo|appareil"
    r"|boîtier|boitier|server|system"
)
_LABEL = re.compile(
    r"(?:serial\s*(?:numbers?|no\.?|nr\.?|#)?|s/n|\bsn\b|seriennummer|serien-?nr\.?"
    r"|n(?:ú|u)mero de serie|num(?:é|e)ro de s(?:é|e)rie|\bn\.?\s?[º°o]\.?\s*(?:de\s+)?s(?:é|e)rie"
    r"|\bser\.\s*no\.?)"
    # "serial number of the motherboard is", "Seriennummer Platine:", "S/N (board):"
    # "Seriennummer in München ist": a place between the label and the value too
    r"(?:[ \t]+(?:of|for|on|in|at|der|des|del|de|bei|im|für|en|à)[ \t]+"
    r"(?:the[ \t]+|our[ \t]+|my[ \t]+)?[\w-]+"
    r"(?:[ \t]+[\w-]+)?"
    rf"|[ \t]*\(?(?:{_ROLE_WORDS})\)?)?"
    # "Placa (número de serie): X" closes its parenthesis; "serial (from the sticker): X"
    r"(?:[ \t]*\)|[ \t]*\([^()\n\d]{1,30}\))?"
    r"[ \t]*(?:is|ist|est|es|lautet|:|#|=|-|\||\u2013|\.{2,}|->|=>|\u2192|reads)?[ \t]*"
    r"(?:is[ \t]*)?[:#|]?[ \t]*",
    re.IGNORECASE,
)
_LABEL_LOWER = re.compile(_LABEL.pattern)
_VALUE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,19}(?![\w])", re.IGNORECASE)
_LONE_VALUE = re.compile(r"\n[ \t]*\n?[ \t]*([A-Z0-9][A-Z0-9-]{2,19})[ \t]*(?:\n|$)", re.I)
# "board 620LQ", "appliance: 6326V", "620LQ board / 6326V appliance": a role word right next to
# a token with both letters and digits (an extension or a year has no letters).
_ADJACENT = re.compile(
    # "Board-Nr.: X", "Gerätenummer X", "unit no. X", "appliance ID: X": a number word after it
    rf"\b(?P<role1>{_ROLE_WORDS})(?:[ \t-]?(?:nr\.?|nummer|no\.?|number|n[°º]|id)\b\.?)?"
    r"(?:['\u2019]s[ \t]+is|[ \t]+is)?"
    r"[ \t]*(?:[:=|#\u2013\u2014]|\.{2,}|->|\u2192)?[ \t]*"  # "Board: X", "Board .... X"
    r"(?:(?<=:)\n[ \t]*)?"  # "board:" on its own line, the value on the next
    r"(?P<value1>(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{4,12})\b"
    rf"|\b(?P<value2>(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{{4,12}})[ \t]+\(?(?P<role2>{_ROLE_WORDS})\b",
    re.IGNORECASE,
)
_BOARD = re.compile(
    r"\b(?:main\s*board|motherboard|mainboard|hauptplatine|grundplatine|boards?|platinen?|placa"
    r"|tarjeta|carte|cpu\s*card|karten?)(?:\s+(?:base|madre|m(?:è|e)re))?\b",
    re.I,
)
_APPLIANCE = re.compile(
    r"\b(?:appliances?|chassis|châssis|unit|box|ger(?:ä|ae)t(?:s|es|e)?|gehäuses?|equipo|appareil"
    r"|boîtier|boitier|server|system)\b",
    re.I,
)
_ROLE = re.compile(rf"\b(?:{_ROLE_WORDS})\b", re.IGNORECASE)
_ROLE_AFTER = re.compile(rf"[ \t]*\([ \t]*({_ROLE_WORDS})[ \t]*\)", re.IGNORECASE)
_MODEL = re.compile(r"^(?:MX-?(?:SE|E|\d{2,3})|MXVIRTUAL|MX)(?:-?II)?$", re.IGNORECASE)
_WINDOW = 48


@dataclass(frozen=True)
class _Serial:
    value: str
    start: int
    end: int
    role: str | None


def role_of(word: str) -> str:
    """The role a matched role word names: board words are boards, every other an appliance."""
    return "board" if _BOARD.fullmatch(word.strip()) else "appliance"


def _role(line: str, start: int, end: int) -> str | None:
    """The role word nearest to the value on its own line (before it counts more)."""
    before = line[max(0, start - _WINDOW) : start]
    after = line[end : end + 24]
    candidates = []
    for role, pattern in (("board", _BOARD), ("appliance", _APPLIANCE)):
        candidates += [(len(before) - m.end(), role) for m in pattern.finditer(before)]
        candidates += [(m.start() + 8, role) for m in pattern.finditer(after)]
    return min(candidates)[1] if candidates else None


def _line_of(text: str, start: int, end: int) -> tuple[int, str]:
    first = text.rfind("\n", 0, start) + 1
    last = text.find("\n", end)
    return first, text[first : len(text) if last == -1 else last]


def _acceptable(raw: str) -> bool:
    return len(raw) >= 4 and any(ch.isdigit() for ch in raw) and not _MODEL.match(raw)


def _labelled(masked: str) -> list[_Serial]:
    found = []
    lower = masked.lower()  # the label is lower case: faster than IGNORECASE over every mail
    labels = _LABEL_LOWER.finditer(lower) if len(lower) == len(masked) else _LABEL.finditer(masked)
    for label in labels:
        value = _VALUE.match(masked, label.end())
        if value is None:  # an HTML table: the value alone on the next line
            value = _LONE_VALUE.match(masked, label.end())
            span = value.span(1) if value else None
        else:
            span = value.span()
        if span is None:
            continue
        raw = masked[span[0] : span[1]].strip("-").upper()
        if not _acceptable(raw):
            continue
        first, line = _line_of(masked, label.start(), label.end())
        named = _ROLE_AFTER.match(masked, span[1])  # "S/N 711KR (board)": its own word
        role = role_of(named.group(1)) if named else None
        role = role or _role(line, min(span[0], first + len(line)) - first, label.end() - first)
        found.append(_Serial(raw, label.start(), span[1], role))
    return found


_BOARD_WORDS = ("board", "platin", "placa", "tarjeta", "carte", "karte", "cpu")  # a cheap test
_BOX_WORDS = (
    "applian", "chassis", "châssis", "unit", "box", "ger", "equipo", "appareil", "boîtier",
    "boitier", "server", "system", "gehäus",
)  # fmt: skip
_SERIAL_WORD = re.compile(r"serial|s/n|\bsn\b|seriennummer|\bseri(?:e|é)", re.IGNORECASE)
_LINE = re.compile(r"[^\n]+")
_TOKEN = re.compile(r"\b(?=[A-Z]*\d)(?=\d*[A-Z])[A-Z0-9]{4,12}\b", re.IGNORECASE)


def _paired(masked: str) -> list[_Serial]:
    """Roles listed, then as many values in the same order, on one serial line: "SN (board /
    appliance): 620LQ / 6326V", "Board and appliance serials are 620LQ and 6326V"."""
    found: list[_Serial] = []
    lower = masked.lower()
    if not (any(w in lower for w in _BOARD_WORDS) and any(w in lower for w in _BOX_WORDS)):
        return found  # no line can name both roles
    starts = {masked.rfind("\n", 0, m.start()) + 1 for m in _SERIAL_WORD.finditer(masked)}
    for start in sorted(starts):  # only the lines with a serial word
        line = _LINE.match(masked, start)
        if line is None:
            continue
        text = line.group(0)
        roles = [(m.end(), role_of(m.group(0))) for m in _ROLE.finditer(text)]
        if len(roles) != 2 or roles[0][1] == roles[1][1]:
            continue
        values = [m for m in _TOKEN.finditer(text, roles[-1][0]) if _acceptable(m.group(0))]
        if len(values) == 2:
            found += [
                _Serial(v.group(0).upper(), line.start() + v.start(), line.start() + v.end(), r)
                for v, (_, r) in zip(values, roles, strict=True)
            ]
    return found


def find_serials(masked: str) -> list[_Serial]:
    """Serial values with their guessed role: after a label, beside a role word, or in a list
    of roles followed by their values in the same order."""
    found = _labelled(masked)
    if len(found) < 2:
        found += [p for p in _paired(masked) if all(s.value != p.value for s in found)]
    taken = {(s.value, s.role) for s in found}
    for match in _ADJACENT.finditer(masked):
        raw = (match.group("value1") or match.group("value2")).upper()
        role = role_of(match.group("role1") or match.group("role2"))
        if _acceptable(raw) and (raw, role) not in taken and all(s.value != raw for s in found):
            found.append(_Serial(raw, match.start(), match.end(), role))
    return found


@dataclass(frozen=True)
class SerialExtractor:
    """The board and appliance serials, each under the role it was found with."""

    keys: tuple[str, ...] = ("board_serial", "appliance_serial")

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """Form fields first, then labelled serials; the client's register overrides the role."""
        form = prepared.item.form
        by_role: dict[str, list[Evidence]] = {"board": [], "appliance": []}
        for key, form_role in (("board_serial", "board"), ("appliance_serial", "appliance")):
            for value in form.get(key, []):  # "don't know, the sticker is gone" gives none
                token = _VALUE.search(value.upper())
                if token and _acceptable(token.group(0)):
                    by_role[form_role].append(Evidence(token.group(0), value, "form"))
        known = prepared.item.known_serials
        for serial in find_serials(prepared.masked):
            role = known.get(serial.value) or serial.role
            if role in by_role and serial.value not in {e.value for e in by_role[role or ""]}:
                source = prepared.text[serial.start : serial.end]
                by_role[role or ""].append(Evidence(serial.value, source))
        return [
            ItemResult("board_serial", tuple(by_role["board"])),
            ItemResult("appliance_serial", tuple(by_role["appliance"])),
        ]
