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

_LABEL = re.compile(
    r"(?:serial\s*(?:number|no\.?|nr\.?|#)?|s/n|\bsn\b|seriennummer|serien-?nr\.?"
    r"|n(?:ú|u)mero de serie|num(?:é|e)ro de s(?:é|e)rie)"
    # "serial number of the motherboard is", "Seriennummer Platine:", "S/N (board):"
    r"(?:\s+(?:of|for|on|der|des|del|de)\s+(?:the\s+|our\s+|my\s+)?[\w-]+(?:\s+[\w-]+)?"
    r"|\s*\(?(?:board|appliance|chassis|unit|platine|gerät|main\s*board|motherboard)\)?)?"
    r"\s*(?:is|:|#|=|-)?\s*(?:is\s*)?[:#]?\s*",
    re.IGNORECASE,
)
_VALUE = re.compile(r"[A-Z0-9][A-Z0-9-]{2,19}(?![\w])", re.IGNORECASE)
_BOARD = re.compile(r"\b(?:main\s*board|motherboard|mainboard|board|platine|cpu\s*card)\b", re.I)
_APPLIANCE = re.compile(r"\b(?:appliance|chassis|unit|box|gerät|geraet|server|system)\b", re.I)
_MODEL = re.compile(r"^(?:MX-?(?:SE|E|\d{2,3})|MXVIRTUAL|MX)(?:-?II)?$", re.IGNORECASE)
_WINDOW = 48


@dataclass(frozen=True)
class _Serial:
    value: str
    start: int
    end: int
    role: str | None


def _role(text: str, start: int, end: int) -> str | None:
    """The role word nearest to the serial, looking a little before and after it."""
    before = text[max(0, start - _WINDOW) : start]
    after = text[end : end + 24]
    candidates = []
    for role, pattern in (("board", _BOARD), ("appliance", _APPLIANCE)):
        for match in pattern.finditer(before):
            candidates.append((start - match.end(), role))
        for match in pattern.finditer(after):
            candidates.append((match.start() + 8, role))  # after the value: weaker
    return min(candidates)[1] if candidates else None


def _line_bounds(text: str, position: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, position) + 1
    end = text.find("\n", position)
    return start, len(text) if end == -1 else end


def find_serials(masked: str) -> list[_Serial]:
    """Labelled serial values (with a guessed role) in masked text."""
    found = []
    for label in _LABEL.finditer(masked):
        value = _VALUE.match(masked, label.end())
        if value is None:
            continue
        raw = value.group(0).strip("-").upper()
        if not any(ch.isdigit() for ch in raw) or _MODEL.match(raw) or len(raw) < 4:
            continue
        line_start, _ = _line_bounds(masked, label.start())
        role = _role(masked[line_start:], value.start() - line_start, value.end() - line_start)
        found.append(_Serial(raw, label.start(), value.end(), role))
    return found


@dataclass(frozen=True)
class SerialExtractor:
    keys: tuple[str, ...] = ("board_serial", "appliance_serial")

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        form = prepared.item.form
        by_role: dict[str, list[Evidence]] = {"board": [], "appliance": []}
        for key, form_role in (("board_serial", "board"), ("appliance_serial", "appliance")):
            for value in form.get(key, []):
                token = _VALUE.search(value.upper())
                if token:
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
