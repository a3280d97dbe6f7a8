"""zsupport-mail: turns a Zultys MX support desk's inbox into tickets.

``main`` reads the configuration, builds the argument parser and dispatches to one command
function; the commands live in ``system``, ``messages``, ``tickets``, ``contacts``, ``sla``
and ``outage``.

Exit codes: 0 success, 1 a command-level failure (e.g. no such ticket), 2 bad configuration,
3 the database schema is behind. Machine output (``--json``, ``ingest``) goes to stdout; logs
go to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import structlog

from zsupport_mail import __version__
from zsupport_mail.cli import contacts as contacts_commands
from zsupport_mail.cli import upgrade as upgrade_commands
from zsupport_mail.cli.common import EXIT_CONFIG, EXIT_FAILURE, EXIT_SCHEMA, CommandError
from zsupport_mail.cli.files import add_file_commands
from zsupport_mail.cli.ingest import cmd_ingest
from zsupport_mail.cli.messages import (
    cmd_messages_list,
    cmd_messages_purge,
    cmd_messages_reprocess,
    cmd_messages_show,
    cmd_outbox_flush,
    cmd_outbox_list,
)
from zsupport_mail.cli.outage import cmd_outage_announce
from zsupport_mail.cli.phone import add_open_command
from zsupport_mail.cli.queue import add_list_filters, add_queue_commands
from zsupport_mail.cli.sla import cmd_credits, cmd_sla_due, cmd_sla_report
from zsupport_mail.cli.system import (
    cmd_check_config,
    cmd_db_check,
    cmd_db_current,
    cmd_db_upgrade,
    cmd_imap_check,
    cmd_serve,
    cmd_status,
)
from zsupport_mail.cli.tickets import (
    cmd_charges_confirm,
    cmd_charges_export,
    cmd_charges_list,
    cmd_charges_waive,
    cmd_tickets_list,
    cmd_tickets_show,
)
from zsupport_mail.db import migrate
from zsupport_mail.runtime.logs import configure_logging
from zsupport_mail.settings import ConfigError, Settings, config_path, load_settings

log = structlog.get_logger("zsupport_mail.cli.main")


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

Command = Callable[[Settings, argparse.Namespace], int]


def _positive_int(text: str) -> int:
    """An argparse type: a count of at least 1, with a clear error otherwise."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def _add(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    name: str,
    func: Command,
    help_text: str,
    *,
    json_flag: bool = False,
    status: bool = False,
) -> argparse.ArgumentParser:
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(func=func)
    if json_flag:
        parser.add_argument("--json", action="store_true", help="print JSON (a stable interface)")
    if status:
        parser.add_argument("--status", help="only rows in this status")
    return parser


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
    _add(sub, "serve", cmd_serve, "run the SMTP listener, workers and outbox sender")
    ingest = _add(
        sub,
        "ingest",
        cmd_ingest,
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
        type=_positive_int,
        help="processes parsing ahead of the one that writes (default: the number of cores"
        " for 100 messages or more, else 1); 1 parses in the writing process",
    )
    ingest.add_argument(
        "--mailbox", help="the receiving support address (default: the first of smtp.addresses)"
    )
    _add(
        sub,
        "check-config",
        cmd_check_config,
        "validate the config and print a summary",
        json_flag=True,
    )

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db", required=True)
    upgrade = _add(db, "upgrade", cmd_db_upgrade, "apply migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    _add(db, "current", cmd_db_current, "print the current and the newest revision")
    _add(db, "check", cmd_db_check, "exit 0 if the schema is current, 3 if it is behind")
    _add(
        sub,
        "status",
        cmd_status,
        "queue counts by status, quarantined mail and the last mail received per source",
        json_flag=True,
    )

    tickets = sub.add_parser("tickets", help="tickets").add_subparsers(
        dest="tickets", required=True
    )
    add_list_filters(
        _add(tickets, "list", cmd_tickets_list, "list tickets", json_flag=True, status=True)
    )
    show = _add(
        tickets,
        "show",
        cmd_tickets_show,
        "show a ticket with its thread and charges",
        json_flag=True,
    )
    show.add_argument("number")
    add_open_command(tickets)
    add_queue_commands(tickets)

    outbox = sub.add_parser("outbox", help="outgoing mail").add_subparsers(
        dest="outbox", required=True
    )
    _add(
        outbox,
        "list",
        cmd_outbox_list,
        "list queued, sent and failed mail",
        json_flag=True,
        status=True,
    )
    _add(outbox, "flush", cmd_outbox_flush, "deliver every due mail now")

    charges = sub.add_parser("charges", help="the ledger").add_subparsers(
        dest="charges", required=True
    )
    clist = _add(charges, "list", cmd_charges_list, "list ledger entries", json_flag=True)
    clist.add_argument("--state", help="only pending, unconfirmed, waived or billed entries")
    export = _add(charges, "export", cmd_charges_export, "write ledger entries as CSV (billing)")
    export.add_argument("--csv", action="store_true", required=True, help="CSV on stdout")
    export.add_argument("--state", help="only pending, unconfirmed, waived or billed entries")
    waive = _add(charges, "waive", cmd_charges_waive, "waive a pending charge")
    waive.add_argument("id", type=int)
    waive.add_argument("--reason", required=True, help="why (kept in the ledger)")
    confirm = _add(
        charges, "confirm", cmd_charges_confirm, "charge an entry held for an unproven sender"
    )
    confirm.add_argument("id", type=int)
    confirm.add_argument("--reason", required=True, help="why (kept in the ledger)")

    sla = sub.add_parser("sla", help="SLA clocks").add_subparsers(dest="sla", required=True)
    report = _add(
        sla,
        "report",
        cmd_sla_report,
        "per client: tickets, responses and restorations met or missed, median times",
        json_flag=True,
    )
    report.add_argument("--month", help="YYYY-MM (default: this month)")
    outage = sub.add_parser("outage", help="planned outages").add_subparsers(
        dest="outage", required=True
    )
    announce = _add(
        outage,
        "announce",
        cmd_outage_announce,
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
    credit = _add(
        sub,
        "credits",
        cmd_credits,
        "missed restorations of a client in a month, hours past due and the credit",
        json_flag=True,
    )
    credit.add_argument("--client", required=True, help="a client name from the config")
    credit.add_argument("--month", help="YYYY-MM (default: this month)")
    due = _add(
        sla,
        "due",
        cmd_sla_due,
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
    _add(messages, "list", cmd_messages_list, "list received messages (JSON)", status=True)
    mshow = _add(messages, "show", cmd_messages_show, "show a message's journey", json_flag=True)
    mshow.add_argument("id", type=int)
    add_file_commands(messages, sub)
    again = _add(
        messages,
        "reprocess",
        cmd_messages_reprocess,
        "run a stored message through the pipeline again (idempotent)",
    )
    again.add_argument("id", type=int)
    purge = _add(
        messages,
        "purge",
        cmd_messages_purge,
        "drop the raw bytes and attachments of tickets closed longer ago than DURATION, keeping"
        " the tickets' text, journeys and ledger; prints what was dropped (JSON)",
    )
    purge.add_argument(
        "--older-than",
        metavar="DURATION",
        help="e.g. 365d, 12w, 1y (default: retention.keep_raw_after_close)",
    )
    purge.add_argument("--dry-run", action="store_true", help="only count what would go")

    contacts_commands.add_parsers(sub)
    upgrade_commands.add_parsers(sub)

    imap = sub.add_parser("imap", help="IMAP mailboxes").add_subparsers(dest="imap", required=True)
    _add(
        imap,
        "check",
        cmd_imap_check,
        "log in to every configured mailbox and report its folders, IDLE support and waiting "
        "mail; exits 1 if any mailbox fails",
        json_flag=True,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings(config_path(args.config))
    except ConfigError as exc:
        print("configuration error:\n  " + "\n  ".join(exc.problems), file=sys.stderr)
        return EXIT_CONFIG
    configure_logging(settings.log_level)
    try:
        return int(args.func(settings, args))
    except migrate.SchemaBehindError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_SCHEMA
    except CommandError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except BrokenPipeError:  # output piped into `head` and closed early: not an error
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
