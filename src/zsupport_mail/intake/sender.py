"""Recognise the sender: contact by normalised address, client by contact or by domain."""

from __future__ import annotations

from zsupport_mail.intake.directory import Directory
from zsupport_mail.intake.types import Sender
from zsupport_mail.message import ParsedMessage


def recognise_sender(msg: ParsedMessage, directory: Directory) -> Sender:
    """Who sent msg, as far as our directory knows."""
    address = msg.from_addr
    return Sender(
        address=address,
        name=msg.from_name,
        contact=directory.contact(address),
        client=directory.client_for(address),
        staff=directory.is_staff(address),
        own=directory.is_own(address),
    )
