"""The ``zsupport-mail`` argument parser: every command, its options and its help text.

Commands are named (``"tickets:cmd_tickets_list"``), not imported, so that parsing a command
line costs no more than argparse itself; the larger groups' arguments are in parser_groups.
"""

from __future__ import annotations

import argparse

from zsupport_mail import __version__
from zsupport_mail.cli.commands import add_command, positive_int
from zsupport_mail.cli.parser_groups import (
    add_contacts_commands,
    add_file_commands,
    add_list_filters,
    add_open_command,
    add_queue_commands,
    add_upgrade_commands,
)

DESCRIPTION = """\
Turns a Zultys MX support desk's inbox into tickets: mail arrives over SMTP or IMAP, is
checked against the clients' authorised contacts and the contract's required information,
and is answered with a ticket number or a missing-information notice. Staff work tickets by
replying to the mail."""
EPILOG = """\
start here:
  zsupport-mail --config FILE check-config   check a configuration
  zsupport-mail --config FILE db upgrade     create or upgrade the database
  zsupport-mail --config FILE serve          run the daemon

exit codes: 0 success, 1 the command failed, 2 bad configuration, 3 database schema behind.
Machine output (--json, ingest) goes to stdout, logs to stderr."""


def build_parser() -> argparse.ArgumentParser:
    """Every command and its options; each subparser sets ``func``, which main dispatches to."""
    parser = argparse.ArgumentParser(
        prog="zsupport-mail",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--config",
        help="config file (default: $ZSUPPORT_CONFIG, then /etc/zsupport-mail/config.toml)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_command(
        sub, "serve", "system:cmd_serve", "run the SMTP listener, workers and outbox sender"
    )
    ingest = add_command(
        sub,
        "ingest",
        "ingest:cmd_ingest",
        "run raw messages through the pipeline as if they "
        "had arrived; prints one JSON object per message",
    )
    ingest.add_argument(
        "files",
        nargs="+",
        metavar="PATH",
        help="a raw RFC 5322 file, - for stdin, a directory of such files, a maildir or an mbox"
        " (already stored messages are skipped, so an interrupted import can be run again)",
    )
    ingest.add_argument(
        "--jobs",
        type=positive_int,
        help="processes parsing ahead of the one that writes (default: the number of cores"
        " for 100 messages or more, else 1); 1 parses in the writing process",
    )
    ingest.add_argument(
        "--mailbox", help="the receiving support address (default: the first of smtp.addresses)"
    )
    add_command(
        sub,
        "check-config",
        "system:cmd_check_config",
        "validate the config and print a summary",
        json_flag=True,
    )

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    upgrade = add_command(db, "upgrade", "system:cmd_db_upgrade", "apply migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    add_command(db, "current", "system:cmd_db_current", "print the current and the newest revision")
    add_command(
        db, "check", "system:cmd_db_check", "exit 0 if the schema is current, 3 if it is behind"
    )
    add_command(
        sub,
        "status",
        "system:cmd_status",
        "queue counts by status, quarantined mail and the last mail received per source",
        json_flag=True,
    )

    tickets = sub.add_parser("tickets", help="tickets").add_subparsers(
        dest="tickets", required=True
    )
    add_list_filters(
        add_command(
            tickets, "list", "tickets:cmd_tickets_list", "list tickets", json_flag=True, status=True
        )
    )
    show = add_command(
        tickets,
        "show",
        "tickets:cmd_tickets_show",
        "show a ticket with its thread and charges",
        json_flag=True,
    )
    show.add_argument("number")
    add_open_command(tickets)
    add_queue_commands(tickets)

    outbox = sub.add_parser("outbox", help="outgoing mail").add_subparsers(
        dest="outbox", required=True
    )
    add_command(
        outbox,
        "list",
        "messages:cmd_outbox_list",
        "list queued, sent and failed mail",
        json_flag=True,
        status=True,
    )
    add_command(outbox, "flush", "messages:cmd_outbox_flush", "deliver every due mail now")

    charges = sub.add_parser("charges", help="the ledger").add_subparsers(
        dest="charges", required=True
    )
    clist = add_command(
        charges, "list", "tickets:cmd_charges_list", "list ledger entries", json_flag=True
    )
    clist.add_argument("--state", help="only pending, unconfirmed, waived or billed entries")
    export = add_command(
        charges, "export", "tickets:cmd_charges_export", "write ledger entries as CSV (billing)"
    )
    export.add_argument("--csv", action="store_true", required=True, help="CSV on stdout")
    export.add_argument("--state", help="only pending, unconfirmed, waived or billed entries")
    waive = add_command(charges, "waive", "tickets:cmd_charges_waive", "waive a pending charge")
    waive.add_argument("id", type=int)
    waive.add_argument("--reason", required=True, help="why (kept in the ledger)")
    confirm = add_command(
        charges,
        "confirm",
        "tickets:cmd_charges_confirm",
        "charge an entry held for an unproven sender",
    )
    confirm.add_argument("id", type=int)
    confirm.add_argument("--reason", required=True, help="why (kept in the ledger)")

    sla = sub.add_parser("sla", help="SLA clocks").add_subparsers(dest="sla", required=True)
    report = add_command(
        sla,
        "report",
        "sla:cmd_sla_report",
        "per client: tickets, responses and restorations met or missed, median times",
        json_flag=True,
    )
    report.add_argument("--month", help="YYYY-MM (default: this month)")
    outage = sub.add_parser("outage", help="planned outages").add_subparsers(
        dest="outage", required=True
    )
    announce = add_command(
        outage,
        "announce",
        "outage:cmd_outage_announce",
        "mail a client's authorised "
        "contacts about an outage; refused with less than 3 business days' notice",
    )
    announce.add_argument("--client", required=True, help="a client name from the config")
    announce.add_argument(
        "--start", required=True, help="ISO-8601 (client's local time if no offset)"
    )
    announce.add_argument("--end", required=True, help="ISO-8601")
    announce.add_argument("--reason", required=True, help="what will be done")
    announce.add_argument(
        "--emergency",
        action="store_true",
        help="send even with less than three business days' notice",
    )
    credit = add_command(
        sub,
        "credits",
        "sla:cmd_credits",
        "missed restorations of a client in a month, hours past due and the credit",
        json_flag=True,
    )
    credit.add_argument("--client", required=True, help="a client name from the config")
    credit.add_argument("--month", help="YYYY-MM (default: this month)")
    due = add_command(
        sla,
        "due",
        "sla:cmd_sla_due",
        "the response and restoration due times of a report "
        "received at a given time, on the client's business calendar (JSON)",
    )
    due.add_argument("--client", required=True, help="a client name from the config")
    due.add_argument(
        "--received",
        required=True,
        help="ISO-8601; without an offset it is the client's local time",
    )
    due.add_argument("--critical", action="store_true", help="also the restoration due time")

    messages = sub.add_parser("messages", help="the inbox").add_subparsers(
        dest="messages", required=True
    )
    add_command(
        messages, "list", "messages:cmd_messages_list", "list received messages (JSON)", status=True
    )
    mshow = add_command(
        messages, "show", "messages:cmd_messages_show", "show a message's journey", json_flag=True
    )
    mshow.add_argument("id", type=int)
    add_file_commands(messages, sub)
    again = add_command(
        messages,
        "reprocess",
        "messages:cmd_messages_reprocess",
        "run a stored message through the pipeline again (idempotent)",
    )
    again.add_argument("id", type=int)
    purge = add_command(
        messages,
        "purge",
        "messages:cmd_messages_purge",
        "drop the raw bytes and attachments of tickets closed longer ago than DURATION, keeping"
        " the tickets' text, journeys and ledger; prints what was dropped (JSON)",
    )
    purge.add_argument(
        "--older-than",
        metavar="DURATION",
        help="e.g. 365d, 12w, 1y (default: retention.keep_raw_after_close)",
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")

    add_contacts_commands(sub)
    add_upgrade_commands(sub)

    imap = sub.add_parser("imap", help="IMAP mailboxes").add_subparsers(dest="imap", required=True)
    add_command(
        imap,
        "check",
        "system:cmd_imap_check",
        "log in to every configured mailbox and report its folders, IDLE support and waiting "
        "mail; exits 1 if any mailbox fails",
        json_flag=True,
    )
    return parser
