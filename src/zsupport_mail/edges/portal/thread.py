"""How a ticket's thread and checklist are shown: quoted history folded, what is still missing.

Pure functions over the stored rows, shared by the client's and the staff's ticket pages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from zsupport_mail.db.models import Ticket, TicketMessage
from zsupport_mail.scoring.text import FORM_EXAMPLES, FORM_LABELS
from zsupport_mail.scoring.types import ITEM_LABELS

_QUOTE_START = re.compile(
    r"^(>|On .{4,200} wrote:\s*$|-{2,} ?Original Message ?-{2,}|From: .+@)", re.IGNORECASE
)
# The checklist of a new report, in the contract's order (company and contact come from the
# form's prefilled fields).
CHECKLIST = (
    "company",
    "contact_name",
    "contact_email",
    "contact_phone",
    "board_serial",
    "appliance_serial",
    "software_version",
    "reproducible",
    "call_examples",
    "internal_ticket",
    "notes",
)


@dataclass(frozen=True)
class ShownMessage:
    """One message of the thread as a page shows it."""

    row: TicketMessage
    text: str  # what the writer wrote
    quoted: str  # the history they quoted, folded away


@dataclass(frozen=True)
class FormItem:
    """One fill-in line: the form field's name, its label, the line prefix scoring reads."""

    key: str
    label: str
    prefix: str
    example: str


def fold(body: str) -> tuple[str, str]:
    """(new text, quoted history) of a message body."""
    lines = body.splitlines()
    for index, line in enumerate(lines):
        if index and _QUOTE_START.match(line.strip()):
            return "\n".join(lines[:index]).rstrip(), "\n".join(lines[index:])
    return body.rstrip(), ""


def shown_messages(
    ticket: Ticket, *, staff: bool, is_staff: Callable[[str], bool]
) -> list[ShownMessage]:
    """The thread in order, as the reader got it.

    Staff see everything. A client sees neither internal notes nor the staff's own mail
    (commands, and text the client received as our relayed reply, shown once as that).
    """
    shown = [ShownMessage(message, *fold(message.body_text)) for message in ticket.messages]
    if staff:
        return shown
    return [
        m
        for m in shown
        if not m.row.internal and not (m.row.direction == "inbound" and is_staff(m.row.from_addr))
    ]


def form_item(key: str) -> FormItem:
    """The fill-in line for a checklist item, worded as the notice mail words it."""
    return FormItem(
        key=key,
        label=ITEM_LABELS[key],
        prefix=FORM_LABELS[key][0].capitalize(),
        example=FORM_EXAMPLES.get(key, ""),
    )


def missing(ticket: Ticket) -> list[FormItem]:
    """What the notice asked for and is still missing, while the ticket awaits it."""
    if ticket.status != "awaiting_info":
        return []
    return [form_item(key) for key in ticket.notified_missing or [] if key in FORM_LABELS]


def form_lines(items: list[FormItem], values: dict[str, str]) -> str:
    """The filled-in lines as the notice's form has them: ``Label: value``, one a line.

    A multi-line answer (several call examples) repeats the label on each line, as the notice
    tells mail writers to.
    """
    lines = []
    for item in items:
        for value in values.get(item.key, "").splitlines():
            if value.strip():
                lines.append(f"{item.prefix}: {value.strip()}")
    return "\n".join(lines)
