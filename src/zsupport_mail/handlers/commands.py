"""Staff commands: ``#word args`` lines at the top of a staff reply, removed before relaying.

Parsing is pure; applying them is the apply_commands handler. Only the leading block counts, so
a ``#`` later in the text (a channel, a ticket number) is never a command.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from zsupport_mail.intake.kind import KINDS

VALID = {
    "status": "#status open|pending|restored|closed",
    "critical": "#critical",
    "note": "#note (the whole mail becomes an internal note, not sent to the client)",
    "waive": "#waive (waive the ticket's pending surcharge)",
    "confirm": "#confirm (charge the ticket's entries held because the sender was not proven)",
    "ntf": "#ntf [1.5h [YYYY-MM-DD HH:MM]] (no trouble found: the time is billable)",
    "time": "#time 1.5h [YYYY-MM-DD HH:MM] (labour, when it was done in the client's time; "
    "outside business hours billed at 1.5x)",
    "third-party": "#third-party 1.5h [YYYY-MM-DD HH:MM] (the issue was a third party's: the "
    "time is billable)",
    "assign": "#assign NAME",
    "rma": "#rma (start the return process: test as directed, then send the tracking number)",
    "credit-requested": "#credit-requested (the client asked in writing for an SLA credit)",
    "affected": "#affected 0.5 (the portion of the system affected, for restoration credits)",
    "contacts": "#contacts (apply this contact_change ticket's notice as read: the same checks "
    "and history as contacts import; the ticket is closed)",
    "kind": "#kind " + "|".join(KINDS) + " (what the client's mail is; only a problem_report "
    "keeps the incomplete-report surcharge)",
}
STATUSES = ("open", "pending", "restored", "closed")
_LINE = re.compile(r"^#([a-z][a-z-]*)\b[ \t]*(.*?)[ \t]*$", re.IGNORECASE)
_HOURS = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:h|hrs?|hours?)?$", re.IGNORECASE)
_LABOUR = re.compile(
    r"^(\d+(?:[.,]\d+)?\s*(?:h|hrs?|hours?)?)"
    r"(?:\s+(?:at\s+|on\s+)?(\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?|\d{1,2}:\d{2}))?$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Command:
    """One valid staff command line: its lower-cased word and the rest of the line."""

    name: str
    argument: str


@dataclass(frozen=True)
class ParsedCommands:
    """A staff reply split into its commands, the lines refused as commands, and the text."""

    commands: tuple[Command, ...]
    unknown: tuple[str, ...]  # lines that looked like commands but are not valid ones
    text: str  # the reply without the command block


def parse_commands(text: str) -> ParsedCommands:
    """Split the leading command block off a staff reply."""
    commands, unknown = [], []
    lines = text.splitlines()
    index = 0
    for index, line in enumerate(lines):  # noqa: B007 - index is used after the loop
        if not line.strip():
            continue
        match = _LINE.match(line.strip())
        if match is None:
            break
        name, argument = match.group(1).lower(), match.group(2)
        if name in VALID and _valid_argument(name, argument):
            commands.append(Command(name, argument))
        else:
            unknown.append(line.strip())
    else:
        index = len(lines)
    return ParsedCommands(tuple(commands), tuple(unknown), "\n".join(lines[index:]).strip())


def hours(argument: str) -> Decimal | None:
    """``1.5h`` -> Decimal("1.5"); None when it is not a number of hours."""
    match = _HOURS.match(argument.strip())
    if match is None:
        return None
    try:
        return Decimal(match.group(1).replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex admits only numbers
        return None


def labour(argument: str) -> tuple[Decimal, str | None] | None:
    """``1.5h 2026-11-26 19:00`` -> (Decimal("1.5"), "2026-11-26 19:00"): the hours and, when
    given, when the work was done (the client's local time); None when it is neither."""
    match = _LABOUR.match(argument.strip())
    if match is None:
        return None
    amount = hours(match.group(1))
    return None if amount is None else (amount, match.group(2))


def portion(argument: str) -> Decimal | None:
    """``0.5`` -> Decimal("0.5"): a share of the system, above 0 and at most 1."""
    try:
        value = Decimal(argument.strip().replace(",", "."))
    except InvalidOperation:
        return None
    return value if 0 < value <= 1 else None


def _valid_argument(name: str, argument: str) -> bool:
    if name == "status":
        return argument.lower() in STATUSES
    if name in ("time", "third-party"):
        return labour(argument) is not None
    if name == "ntf":
        return not argument or labour(argument) is not None
    if name == "assign":
        return bool(argument)
    if name == "affected":
        return portion(argument) is not None
    if name == "kind":
        return argument.lower() in KINDS
    return not argument
