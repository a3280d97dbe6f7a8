"""What a new mail passes on without the marks of a forward: our own forward reader
(scoring/text.own_text) takes a forward only under a forward's subject (FW:, WG:...) or a
"Forwarded message" line, so "[EXT] FW: MX alarm", "RE: FW: alarm" or a new mail that pastes
the phone system's alarm under "-----Original Message-----" lose the alarm as quoted history,
and a report passed on that way was read as a note with nothing in it.

A mail that answers nothing (no In-Reply-To or References, no reply subject) has no history
to quote: a message block in it is something the sender passes on, unless it is our own mail
(our subject tag or ticket number in it). What is read from it is never charged: the ticket
opens and asks (intake/kind.py). Pure: no state.
"""

from __future__ import annotations

import re

from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.scoring.text import _FORWARD_HEADER, _FORWARD_MARKER

_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|antw|sv|r|rif)\s*:", re.IGNORECASE)
_FORWARD_ANYWHERE = re.compile(r"\b(?:fwd?|wg|tr|rv)\s*:", re.IGNORECASE)


def passed_on(msg: ParsedMessage, forwarded: str, prefix: str) -> str:
    """The message block a new mail passes on, when own_text found no forward; else ""."""
    if forwarded or msg.referenced_ids:
        return ""
    if _REPLY_SUBJECT.match(msg.subject) and not _FORWARD_ANYWHERE.search(msg.subject):
        return ""
    text = msg.text
    match = _FORWARD_MARKER.search(text) or _FORWARD_HEADER.search(text)
    if match is None:
        return ""
    block = text[match.start() :]
    ours = rf"\[Z-Support\b|\b{re.escape(prefix)}-\d+\b"
    if re.search(ours, block, re.IGNORECASE):
        return ""
    return "\n".join(line.lstrip("> ") for line in text[match.end() :].splitlines())
