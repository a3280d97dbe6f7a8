"""Which existing ticket a mail belongs to, strongest evidence first.

1. A reference to one of our signed Message-IDs (tokens.py): proof, even if the subject was
   rewritten. 2. A reference to any Message-ID stored on a ticket. 3. A mail that an earlier,
   already stored reply referenced (two MTAs raced and the reply came first): it joins the
   reply's ticket, so arrival order never decides where a message lands. 4. The subject tag:
   only a claim anyone can type, so trusted only from a contact of the ticket's client or from
   staff; otherwise a stranger could post into any ticket by guessing its number.
"""

from __future__ import annotations

import re
from typing import Protocol

from zsupport_mail.intake.types import Sender, ThreadMatch, TicketRef
from zsupport_mail.mail.message import ParsedMessage
from zsupport_mail.mail.tokens import ticket_of
from zsupport_mail.settings import TicketSettings


class TicketLookup(Protocol):
    """The ticket queries threading needs; kept abstract so find_thread stays pure."""

    def by_message_ids(self, message_ids: tuple[str, ...]) -> TicketRef | None:
        """The ticket holding any of message_ids, the earliest in the given order first."""

    def by_number(self, number: str) -> TicketRef | None:
        """The ticket with exactly this number, if it exists."""

    def referencing(self, message_id: str) -> TicketRef | None:
        """The ticket of an already stored mail that referenced message_id."""

    def open_rma(self, client_id: int) -> TicketRef | None:
        """The client's latest ticket with a return (RMA) under way, if any."""

    def relayed(self, client_id: int, address: str, foreign: str) -> TicketRef | None:
        """The client's latest open ticket that a notification from ``address`` about the
        client's own ticket ``foreign`` ("Ticket #4471") opened, if any."""


def subject_tag_pattern(tickets: TicketSettings) -> re.Pattern[str]:
    """A regex whose group 1 is the ticket number inside the configured subject tag."""
    before, _, after = tickets.subject_tag.partition("{number}")
    number = rf"({re.escape(tickets.prefix)}-\d{{1,{tickets.number_width + 6}}})"
    return re.compile(re.escape(before) + number + re.escape(after), re.IGNORECASE)


def tagged_number(subject: str, tickets: TicketSettings) -> str | None:
    """The ticket number in the subject's tag, upper-cased, or None."""
    match = subject_tag_pattern(tickets).search(subject)
    return match.group(1).upper() if match else None


def _signed(msg: ParsedMessage, lookup: TicketLookup, secret: str | None) -> TicketRef | None:
    for message_id in msg.referenced_ids:
        number = ticket_of(message_id, secret)
        if number is not None:
            return lookup.by_number(number)
    return None


def find_thread(
    msg: ParsedMessage,
    sender: Sender,
    lookup: TicketLookup,
    tickets: TicketSettings,
    secret: str | None = None,
) -> tuple[ThreadMatch | None, str]:
    """The ticket msg continues, and a sentence saying how it was (or was not) matched."""
    ticket = _signed(msg, lookup, secret)
    if ticket is not None:
        return ThreadMatch(
            ticket, "signed_reference"
        ), f"answers our signed mail on {ticket.number}"
    if msg.referenced_ids:
        ticket = lookup.by_message_ids(msg.referenced_ids)
        if ticket is not None:
            return ThreadMatch(ticket, "references"), f"references a message of {ticket.number}"
    if msg.message_id:
        ticket = lookup.referencing(msg.message_id)
        if ticket is not None:
            return ThreadMatch(ticket, "referenced_by"), (
                f"a reply to it, which arrived first, is on {ticket.number}"
            )
    number = tagged_number(msg.subject, tickets)
    if number is None:
        return None, "no known reference and no ticket tag in the subject"
    ticket = lookup.by_number(number)
    if ticket is None:
        return None, f"subject names {number}, which does not exist"
    trusted = sender.staff or (sender.client is not None and sender.client.id == ticket.client_id)
    if not trusted:
        return None, f"subject names {number}, but the sender is not of that ticket's client"
    return ThreadMatch(ticket, "subject_tag"), f"subject tag names {ticket.number}"
