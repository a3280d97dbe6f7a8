"""Tables as label/value pairs: what a cell means comes from its row's or its column's label.

People lay facts out in tables: a two-column table ("Board S/N | 4402B"), or a header row over
value rows ("| Board SN | Appliance SN |" then "| 620LQ | 6326V |"), as plain-text pipe or tab
tables. The extractors read labels followed by values (a two-column row "Board S/N | 4402B"
already is one), so under a header row naming serials, versions or tickets, the table is
followed by one "Header: value" line per such column and value row. The rows themselves stay
as written (a pasted call log is read by its columns), so nothing a client wrote is lost.
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"[ \t]*(?:\||\t)[ \t]*")
_RULE = re.compile(r"^[\s|:+=-]*$")  # a Markdown or ASCII rule row: |---|:--:|
_LABEL = re.compile(r"^[^\W\d_][^|:\d]{0,38}?:?$")  # words, no digits: a label, not a value
# Only the labels of the items read from label/value pairs: serials, versions, tickets. Other
# tables (a pasted call list, a signature laid out in cells) are read as they are.
_ITEM_LABEL = re.compile(
    r"serial|s/n|\bsn\b|\bboard\b|mainboard|motherboard|appliance|chassis|seriennummer"
    r"|serien-?nr|\bserie\b|platine|equipo|placa|version|firmware|ticket|incident",
    re.IGNORECASE,
)


def _cells(line: str) -> list[str] | None:
    """A table row's cells, or None when the line is not a row of two or more cells."""
    if "|" not in line and "\t" not in line:
        return None
    cells = _SPLIT.split(line.strip().strip("|").strip())
    cells = [cell.strip() for cell in cells]
    return cells if len(cells) >= 2 and all(cells) else None


def _header(cells: list[str]) -> bool:
    return all(_LABEL.match(cell) for cell in cells)


def _pairs(header: list[str], row: list[str]) -> list[str]:
    """One "Header: value" line per labelled column of a value row (call columns left out)."""
    return [
        f"{label.rstrip(':')}: {value}"
        for label, value in zip(header, row, strict=True)
        if _ITEM_LABEL.search(label) and any(ch.isdigit() for ch in value)
    ]


def relabel(text: str) -> str:
    """The text with its tables also written as label/value lines (see the module doc)."""
    if "|" not in text and "\t" not in text:
        return text
    out: list[str] = []
    header: list[str] | None = None
    pending: list[str] = []  # a header table's pairs, written after its last row
    for line in text.split("\n"):
        if pending and _cells(line) is None and not _RULE.match(line):
            out += pending
            pending = []
        out.append(line)
        if header is not None and _RULE.match(line):
            continue  # a rule row, or the blank line an HTML table puts between rows
        cells = _cells(line)
        if cells is None:
            header = None
        elif _header(cells):
            header = cells
        elif header is not None and len(cells) == len(header):
            pending += _pairs(header, cells)
        else:
            header = None
    return "\n".join(out + pending)
