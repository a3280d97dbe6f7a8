"""tickets open: a report taken by telephone becomes a ticket exactly as a mail would.

The command writes the call as a mail from the contact to the support address and runs it
through the pipeline with source ``phone``; what that means for the caller is the command's
help text (``PHONE_DESCRIPTION`` in parser_groups.py).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from pathlib import Path

from zsupport_mail.cli.common import CommandError, print_json
from zsupport_mail.cli.messages import open_pipeline
from zsupport_mail.handlers.tickets import PHONE, PHONE_CRITICAL
from zsupport_mail.mail.addresses import AddressError, normalize_address
from zsupport_mail.settings import ClientConfig, Settings


def _received(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--received: expected an ISO 8601 time, got {value!r}") from exc
    if instant.tzinfo is None:
        raise CommandError("--received: give the time zone, e.g. 2026-11-24T10:05-07:00")
    return instant.astimezone(UTC)


def _client(settings: Settings, name: str, contact: str) -> ClientConfig:
    """The named client, which must own the contact's address (listed, or by its domain)."""
    client = next((c for c in settings.clients if c.name.lower() == name.lower()), None)
    if client is None:
        known = ", ".join(c.name for c in settings.clients)
        raise CommandError(f"--client: no client {name!r} (known: {known})")
    domain = contact.rpartition("@")[2]
    if contact not in {c.email for c in client.contacts} and domain not in client.domains:
        raise CommandError(f"--contact: {contact} is not a contact of {client.name}")
    return client


def _body(args: argparse.Namespace) -> str:
    if args.body_file is None:
        return str(args.body)
    try:
        return Path(args.body_file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"--body-file: cannot read {args.body_file}: {exc}") from exc


def phoned_mail(
    settings: Settings, client: ClientConfig, contact: str, args: argparse.Namespace
) -> bytes:
    """The report as the mail the contact would have sent."""
    support = settings.smtp.addresses[0]
    listed = next((c for c in client.contacts if c.email == contact), None)
    message = EmailMessage()
    message["From"] = f"{listed.name} <{contact}>" if listed else contact
    message["To"] = support
    message["Subject"] = args.subject
    message["Date"] = format_datetime(_received(args.received) or datetime.now(UTC))
    message["Message-ID"] = make_msgid("phone", support.rpartition("@")[2])
    if args.critical:
        message[PHONE_CRITICAL] = "yes"
    message.set_content(_body(args))
    return message.as_bytes(policy=SMTP)


def cmd_tickets_open(settings: Settings, args: argparse.Namespace) -> int:
    """Open a ticket for a phoned-in report; prints the outcome like `ingest`."""
    try:
        contact = normalize_address(args.contact)
    except AddressError as exc:
        raise CommandError(f"--contact: {exc}") from exc
    client = _client(settings, args.client, contact)
    raw = phoned_mail(settings, client, contact, args)
    pipeline = open_pipeline(settings)
    outcome = pipeline.ingest(
        raw, source=PHONE, mailbox=settings.smtp.addresses[0], received_at=_received(args.received)
    )
    result = {**outcome.as_json(), "source": PHONE}
    if args.json:
        print_json(result)
    else:
        print(f"{outcome.ticket or 'no ticket'}: {outcome.action} ({outcome.reason})")
    return 0 if outcome.ticket else 1
