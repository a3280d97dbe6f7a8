"""notes and call_logs: the "where applicable" items, reported but not required by default.

Notes are numbers, routes, trunks, DIDs or dial-plan details about the problem. Call logs are an
attached CSV/TXT/XLS(X) log or several pasted call-detail lines (a date, a time and two
numbers on a line, repeated).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.scoring.spans import DATE, TIME
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_NOTE_WORDS = re.compile(
    r"\b(?:route[sd]?|routing|trunks?|sip trunk|did(?:s| range| block)?|dial ?plan|carrier"
    r"|provider|hunt group|acd|auto ?attendant|ivr|codec|g\.?711|g\.?729|firewall|nat|vlan"
    r"|qos|port \d+|outbound route|inbound route|prefix|gateway|sbc|notes?:)\b",
    re.IGNORECASE,
)
_LOG_FILE = re.compile(r"\.(?:csv|txt|log|xlsx?|tsv)$", re.IGNORECASE)
_LOG_NAME = re.compile(r"call|cdr|log|report|detail", re.IGNORECASE)
_LOG_TYPES = (
    "text/csv",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
_DIGITS = re.compile(r"\d{3,}")
_CDR_SEPARATORS = re.compile(r"[,;|\t]")


def _cdr_lines(text: str) -> list[str]:
    """Lines that look like pasted call-detail records."""
    return [
        line
        for line in text.splitlines()
        if (DATE.search(line) or TIME.search(line))
        and len(_DIGITS.findall(line)) >= 3
        and len(_CDR_SEPARATORS.findall(line)) >= 2
    ]


@dataclass(frozen=True)
class NotesExtractor:
    keys: tuple[str, ...] = ("notes", "call_logs")

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        item = prepared.item
        notes = [Evidence(v[:120], v, "form") for v in item.form.get("notes", [])]
        for line in item.text.splitlines():
            if _NOTE_WORDS.search(line) and len(notes) < 5:
                notes.append(Evidence(line.strip()[:120], line.strip()))
        logs = [
            Evidence(name, f"attachment {name} ({kind})", "attachment")
            for name, kind in item.attachments
            if (_LOG_FILE.search(name) and _LOG_NAME.search(name)) or kind in _LOG_TYPES
        ]
        pasted = _cdr_lines(item.text)
        if len(pasted) >= 2:
            logs.append(Evidence(f"{len(pasted)} pasted call-log lines", pasted[0][:120]))
        return [ItemResult("notes", tuple(notes)), ItemResult("call_logs", tuple(logs))]
