"""internal_ticket: the client's own ticket number, never our ``[Z-Support #ZS-...]`` tag.

Either a well-known helpdesk prefix (INC0012345, RITM..., HD-2026-0042) or a value after a
ticket/case/reference label. Searched in masked text, so a date or phone number after "ref" is
never taken for a ticket number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.scoring.spans import MASK
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_PREFIXED = re.compile(
    r"\b(?:INC|REQ|RITM|SCTASK|CHG|PRB|CS|CASE|HD|TKT|SR|IR|WO|ITS|SD)[-_ ]?\d{2,4}(?:[-_]\d{2,8})?"
    r"(?:\d{2,8})?\b"
)
_LABELLED = re.compile(
    r"(?:\b(?:our|internal|my|client|customer|local|own)\s+(?:help\s*desk\s+|it\s+)?"
    r"(?:ticket|case|incident|reference|ref\.?|request)|\binternal\s+(?:ticket|ref)\w*"
    r"|\bref(?:erence)?\b\.?|\bticket|\bcase|\bincident|\bvorgang(?:snummer)?"
    r"|\bn(?:ú|u)mero de ticket|\bticketnummer"
    # a tracker's name labels its key: "Jira OPS-1212", "ServiceNow: INC...", "Zendesk #4410"
    r"|\b(?:jira|servicenow|zendesk|freshdesk|redmine|otrs|topdesk|remedy|youtrack|glpi"
    r"|help\s*desk|service\s*desk)(?:\s+(?:ticket|issue|case|id))?)"
    r"\s*(?:number|nummer|no\.?|nr\.?|num\.?|id|#)?\s*(?:is|:|=|-)?\s*#?\s*"
    r"([A-Z0-9][A-Z0-9_/-]{1,24})",
    re.IGNORECASE,
)
# "I've logged it on our side as NET-2231", "tracked internally under SUP-1182", "Ticket #
# here: 77120": a verb of filing or a ticket word, a few filler words, then the number.
_FILED = re.compile(
    r"\b(?:logged|raised|opened|filed|tracked|tracking|created|entered|registered|erfasst"
    r"|angelegt|registrado|abierto|ouvert|enregistr(?:é|e))\b[^.\n:]{0,40}?"
    r"\b(?:as|under|with|number|no\.?|ref|als|unter|como|con|sous|comme)\s*#?\s*"
    r"(?P<filed>[A-Z]{2,6}-?\d{3,8}|\d{4,8})\b"
    r"|\bticket\s*(?:#|no\.?|nr\.?|number)?(?:\s+\w+){1,2}\s*:\s*#?\s*"
    r"(?P<labelled>[A-Z0-9][A-Z0-9_/-]{2,24})",
    re.IGNORECASE,
)
_LABELLED_LOWER = re.compile(_LABELLED.pattern.replace("A-Z", "a-z"))
_FILED_LOWER = re.compile(_FILED.pattern.replace("A-Z", "a-z"))
_OURS = re.compile(r"^ZS-\d+$", re.IGNORECASE)


def find_tickets(masked: str, our_prefix: str = "ZS") -> list[tuple[str, int, int]]:
    """(ticket number, start, end) of each client ticket number in masked text."""
    found: dict[str, tuple[str, int, int]] = {}
    for match in _PREFIXED.finditer(masked):
        found.setdefault(match.group(0).upper(), (match.group(0), *match.span()))
    lower = masked.lower()  # lower-case patterns: faster than IGNORECASE over every mail
    if len(lower) == len(masked):
        label_re, filed_re, text = _LABELLED_LOWER, _FILED_LOWER, lower
    else:
        label_re, filed_re, text = _LABELLED, _FILED, masked
    labelled = [(masked[m.start(1) : m.end(1)], m.span(1)) for m in label_re.finditer(text)]
    for match in filed_re.finditer(text):
        group = "filed" if match.group("filed") else "labelled"
        labelled.append((masked[match.start(group) : match.end(group)], match.span(group)))
    for raw, span in labelled:
        value = raw.rstrip("-_/")
        if (
            MASK in value
            or not any(ch.isdigit() for ch in value)
            or value.upper().startswith(f"{our_prefix}-")
            or _OURS.match(value)
        ):
            continue
        found.setdefault(value.upper(), (value, *span))
    return [v for v in found.values() if not v[0].upper().startswith(f"{our_prefix}-")]


def _form_ticket(value: str) -> str | None:
    """The ticket number a form line gives: a short answer holding a number-bearing token."""
    words = value.lstrip("#").split()
    tokens = [w.strip("#.,;()") for w in words if sum(ch.isdigit() for ch in w) >= 3]
    if len(words) == 1:
        return words[0] if tokens else None
    return tokens[0] if len(words) <= 4 and len(tokens) == 1 else None


@dataclass(frozen=True)
class InternalTicketExtractor:
    """The client's own ticket number for the problem, if they gave one."""

    keys: tuple[str, ...] = ("internal_ticket",)

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """Form values, then the body, then the subject; never our own ticket numbers."""
        evidence = [  # "none yet, will open one at 3" under the form's label is no number
            Evidence(token, v, "form")
            for v in prepared.item.form.get("internal_ticket", [])
            for token in [_form_ticket(v)]
            if token
        ]
        # Our own subject tag must not count: search the text without the subject line.
        body_start = len(prepared.item.subject) + 1
        for value, start, end in find_tickets(prepared.masked[body_start:]):
            if value.upper() not in {e.value.upper() for e in evidence}:
                source = prepared.text[body_start + start : body_start + end]
                evidence.append(Evidence(value, source))
        subject_hits = find_tickets(prepared.masked[:body_start])
        for value, _, _ in subject_hits:
            if value.upper() not in {e.value.upper() for e in evidence}:
                evidence.append(Evidence(value, prepared.item.subject, "subject"))
        return [ItemResult("internal_ticket", tuple(evidence))]
