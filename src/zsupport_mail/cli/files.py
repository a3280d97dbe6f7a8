"""Stored mail and attachments as files: messages raw, attachments list, attachments get.

The inbox keeps every message's raw bytes; a ticket keeps only its attachments' metadata. These
commands give an engineer the original .eml (to open in a mail program, or to forward to a
vendor) and an attachment's bytes (a trace, a screenshot) without a mail client.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy import select

from zsupport_mail.cli.common import CommandError, open_db, print_columns, print_json
from zsupport_mail.db.models import Attachment, InboundMessage, TicketMessage
from zsupport_mail.db.repos import get_ticket
from zsupport_mail.mail.carry import attachment_bytes
from zsupport_mail.settings import Settings


def _write(data: bytes, output: str | None) -> None:
    """To the file named (written whole, then renamed into place), or to stdout."""
    if output is None or output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    target = Path(output)
    partial = target.with_name(f".{target.name}.partial")
    try:
        partial.write_bytes(data)
        partial.replace(target)
    except OSError as exc:
        raise CommandError(f"cannot write {output}: {exc.strerror}") from exc


def cmd_messages_raw(settings: Settings, args: argparse.Namespace) -> int:
    """The stored raw message (the .eml) of inbox entry ID, to stdout or -o FILE."""
    with open_db(settings).begin() as session:
        row = session.get(InboundMessage, args.id)
        if row is None:
            raise CommandError(f"no message {args.id}")
        raw = row.raw
    _write(raw, args.output)
    return 0


def cmd_attachments_list(settings: Settings, args: argparse.Namespace) -> int:
    """Every attachment on a ticket's thread, with the id ``attachments get`` takes."""
    with open_db(settings).begin() as session:
        ticket = get_ticket(session, args.ticket)
        if ticket is None:
            raise CommandError(f"no ticket {args.ticket}")
        query = (
            select(Attachment, TicketMessage)
            .join(TicketMessage, TicketMessage.id == Attachment.message_id)
            .where(TicketMessage.ticket_id == ticket.id)
            .order_by(Attachment.id)
        )
        rows = [
            {
                "id": attachment.id,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "size": attachment.size,
                "sha256": attachment.sha256,
                "from": message.from_addr,
                "inbound_id": message.inbound_id,
            }
            for attachment, message in session.execute(query)
        ]
    if args.json:
        print_json(rows)
    else:
        print_columns(
            ("ID", "SIZE", "FROM", "FILENAME"),
            ((r["id"], r["size"], r["from"], r["filename"]) for r in rows),
        )
    return 0


def cmd_attachments_get(settings: Settings, args: argparse.Namespace) -> int:
    """An attachment's bytes, read back out of the stored raw message, to -o FILE."""
    with open_db(settings).begin() as session:
        attachment = session.get(Attachment, args.id)
        if attachment is None:
            raise CommandError(f"no attachment {args.id}")
        inbound = attachment.message.inbound_id
        row = session.get(InboundMessage, inbound) if inbound is not None else None
        if row is None:
            raise CommandError(f"attachment {args.id}: its raw message is not stored")
        name = attachment.filename
        # The hash names the part exactly; the name is the fallback for a part the parser
        # decoded differently (e.g. a slimmed or re-encoded body).
        found = attachment_bytes(row.raw, attachment.sha256, name)
    if found is None:
        raise CommandError(f"attachment {args.id} ({name}) is not in its raw message")
    _write(found, args.output)
    return 0
