"""The argument definitions of the larger command groups, kept apart from their code.

contacts, upgrade, attachments and messages raw, tickets open/export/merge: each command is
named by a ``LazyCommand`` (``commands.add_command``), so defining the arguments imports
nothing heavy (see commands.py for why).
"""

from __future__ import annotations

import argparse

from zsupport_mail.cli.commands import SubParsers, add_command

JSON_HELP = "print JSON (a stable interface)"

PHONE_DESCRIPTION = """\
tickets open: a report taken by telephone becomes a ticket exactly as a mail would.

The contract names the telephone as a support channel. The engineer who took the call types
the report; the command writes it as a mail from the contact to the support address and runs
it through the same pipeline as any mail: the sender is recognised and authorised, the report
scored, the SLA clock started at ``--received`` (when the call came in), the acknowledgement
(or the missing-information notice) mailed to the contact, staff copied. The inbox row's
source is ``phone``, so the journey shows how the report came in, and only on that source does
the ``--critical`` flag (a header the command writes) mark the ticket critical.
"""


def add_contacts_commands(sub: SubParsers[argparse.ArgumentParser]) -> None:
    """The ``contacts`` command group."""
    group = sub.add_parser("contacts", help="authorised contacts and their history")
    commands = group.add_subparsers(dest="contacts", required=True)
    text = (
        "replace the authorised contacts of every client in a CSV file (client,name,email,"
        "role[,phone]); exit 2 with every problem and nothing changed if a row is invalid"
    )
    imp = add_command(commands, "import", "contacts:cmd_contacts_import", text)
    imp.add_argument(
        "file", metavar="FILE.csv", nargs="?", help="omit with --ticket to apply the notice as read"
    )
    imp.add_argument("--dry-run", action="store_true", help="show the changes, change nothing")
    imp.add_argument("--note", help="kept with each new period, e.g. the notice's date and author")
    imp.add_argument(
        "--ticket",
        metavar="NUMBER",
        help="confirm the written notice on this contact_change ticket (noted on it, closed)",
    )
    imp.add_argument(
        "--from",
        dest="from_day",
        metavar="DATE",
        help="a temporary change: the first day (YYYY-MM-DD, client's zone); default at once",
    )
    imp.add_argument(
        "--until",
        metavar="DATE",
        help="a temporary change: the last day (inclusive); the set before it holds again after",
    )
    imp.add_argument("--json", action="store_true", help=JSON_HELP)
    text = "who is (or was, with --at or --history) an authorised contact"
    lst = add_command(commands, "list", "contacts:cmd_contacts_list", text)
    lst.add_argument("--client", help="only this client")
    lst.add_argument("--at", help="ISO-8601 instant (UTC without an offset); default now")
    lst.add_argument("--history", action="store_true", help="every period, ended ones too")
    lst.add_argument("--json", action="store_true", help=JSON_HELP)


def add_upgrade_commands(sub: SubParsers[argparse.ArgumentParser]) -> None:
    """``upgrade announce``, ``upgrade scheduled`` and ``upgrade status``."""
    group = sub.add_parser("upgrade", help="software upgrade notices (30 days to schedule)")
    commands = group.add_subparsers(dest="upgrade", required=True)
    announce = add_command(
        commands,
        "announce",
        "upgrade:cmd_upgrade_announce",
        "mail every client's authorised contacts about a release (JSON)",
    )
    announce.add_argument("--version", required=True, help="the release, e.g. 17.0.12")
    scheduled = add_command(
        commands, "scheduled", "upgrade:cmd_upgrade_scheduled", "record that a client scheduled it"
    )
    scheduled.add_argument("--client", required=True, help="a client name from the config")
    scheduled.add_argument("--version", required=True, help="the release announced")
    scheduled.add_argument("--note", help="when it is scheduled, e.g. 'Sat 28 Mar 18:00'")
    status = add_command(
        commands, "status", "upgrade:cmd_upgrade_status", "who has scheduled a release (JSON)"
    )
    status.add_argument("--version", required=True, help="the release announced")


def add_file_commands(
    messages: SubParsers[argparse.ArgumentParser], sub: SubParsers[argparse.ArgumentParser]
) -> None:
    """``messages raw`` and the ``attachments`` group."""
    raw = add_command(
        messages,
        "raw",
        "files:cmd_messages_raw",
        "write a stored message's .eml",
        "The stored raw message (the .eml) of inbox entry ID, to stdout or -o FILE.",
    )
    raw.add_argument("id", type=int)
    raw.add_argument("-o", "--output", help="file to write (default: stdout)")
    group = sub.add_parser("attachments", help="attachments on tickets").add_subparsers(
        dest="attachments", required=True
    )
    listing = add_command(
        group,
        "list",
        "files:cmd_attachments_list",
        "a ticket's attachments",
        "Every attachment on a ticket's thread, with the id ``attachments get`` takes.",
    )
    listing.add_argument("ticket")
    listing.add_argument("--json", action="store_true", help=JSON_HELP)
    get = add_command(
        group,
        "get",
        "files:cmd_attachments_get",
        "write an attachment to a file",
        "An attachment's bytes, read back out of the stored raw message, to -o FILE.",
    )
    get.add_argument("id", type=int)
    get.add_argument("-o", "--output", required=True, help="file to write (- for stdout)")


def add_open_command(tickets: SubParsers[argparse.ArgumentParser]) -> None:
    """``tickets open`` and its options."""
    parser = add_command(
        tickets,
        "open",
        "phone:cmd_tickets_open",
        "open a ticket for a phoned-in report",
        PHONE_DESCRIPTION,
    )
    parser.add_argument("--client", required=True, help="the client's name, as configured")
    parser.add_argument("--contact", required=True, help="the caller's e-mail address")
    parser.add_argument("--subject", required=True, help="the report's subject")
    body = parser.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the report's text")
    body.add_argument("--body-file", help="a file holding the report's text (UTF-8)")
    parser.add_argument("--critical", action="store_true", help="a critical failure")
    parser.add_argument(
        "--received", help="when the call came in, ISO 8601 with zone (default: now)"
    )
    parser.add_argument("--json", action="store_true", help=JSON_HELP)


def add_list_filters(parser: argparse.ArgumentParser) -> None:
    """The options tickets list and tickets export share."""
    parser.add_argument("--client", help="only this client's tickets (its configured name)")
    parser.add_argument("--assignee", help="only tickets assigned to this (#assign) value")
    parser.add_argument("--search", help="only tickets whose subject or thread has this text")
    parser.add_argument("--since", help="only tickets with activity since this date (ISO)")


def add_queue_commands(tickets: SubParsers[argparse.ArgumentParser]) -> None:
    """``tickets export`` and ``tickets merge``."""
    export = add_command(
        tickets,
        "export",
        "queue:cmd_tickets_export",
        "export tickets as JSON or CSV",
        "Every (filtered) ticket as a JSON array or CSV on stdout.",
    )
    kind = export.add_mutually_exclusive_group(required=True)
    kind.add_argument("--json", action="store_true", help="a JSON array (a stable interface)")
    kind.add_argument("--csv", action="store_true", help="CSV with a header row")
    export.add_argument("--status", help="only tickets in this status")
    add_list_filters(export)
    merge = add_command(
        tickets,
        "merge",
        "queue:cmd_tickets_merge",
        "merge ticket B into ticket A",
        "Fold ticket B into ticket A (same client); B is closed and points to A.",
    )
    merge.add_argument("into", metavar="A", help="the ticket that stays")
    merge.add_argument("other", metavar="B", help="the ticket folded into A and closed")
