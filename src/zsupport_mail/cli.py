"""The ``zsupport-mail`` command: argument parsing and dispatch to small command functions.

Exit codes: 0 success, 1 a command-level failure (e.g. no such ticket), 2 bad configuration,
3 the database schema is behind. Machine output (``--json``, ``ingest``) goes to stdout; logs
go to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.orm import Session

from zsupport_mail import __version__
from zsupport_mail.clock import utc_now
from zsupport_mail.commands import contacts as contacts_commands
from zsupport_mail.commands.common import CommandError, open_db, print_json
from zsupport_mail.commands.outage import cmd_outage_announce
from zsupport_mail.commands.sla import cmd_credits, cmd_sla_due, cmd_sla_report
from zsupport_mail.config import ConfigError, Settings, config_path, load_settings
from zsupport_mail.db import migrate
from zsupport_mail.db.models import Charge, InboundMessage, OutboundMessage, Ticket
from zsupport_mail.db.repos import get_ticket, sync_directory
from zsupport_mail.db.session import make_engine
from zsupport_mail.inbox import requeue
from zsupport_mail.logs import configure_logging
from zsupport_mail.outbox import deliver_due
from zsupport_mail.pipeline import Outcome, Pipeline
from zsupport_mail.queue_status import breached_tickets, read_queue_status
from zsupport_mail.replies import ReplyRenderer
from zsupport_mail.views import (
    charge_view,
    inbound_view,
    outbox_view,
    ticket_detail,
    ticket_summary,
)

EXIT_FAILURE, EXIT_CONFIG, EXIT_SCHEMA = 1, 2, 3
log = structlog.get_logger("zsupport_mail.cli")


def _pipeline(settings: Settings) -> Pipeline:
    sessions = open_db(settings)
    with sessions.begin() as session:
        sync_directory(session, settings)
    return Pipeline(
        settings=settings,
        sessions=sessions,
        renderer=ReplyRenderer(settings),
        clock=utc_now,
        worker="cli",
    )


def cmd_check_config(settings: Settings, args: argparse.Namespace) -> int:
    summary = {
        "config": str(settings.source),
        "database": settings.database.url.split("@")[-1],
        "smtp": f"{settings.smtp.host}:{settings.smtp.port}",
        "addresses": list(settings.smtp.addresses),
        "outbound": settings.outbound.mode,
        "clients": len(settings.clients),
        "contacts": sum(len(c.contacts) for c in settings.clients),
        "staff_addresses": len(settings.staff.addresses),
        "staff_domains": sorted(settings.staff.domains),
        "imap_mailboxes": [mailbox.key for mailbox in settings.imap.mailboxes],
        "require_authentication": settings.security.require_authentication,
        "trusted_authserv_ids": sorted(settings.security.trusted_authserv_ids),
        "max_messages_per_ip_per_minute": settings.security.max_messages_per_ip_per_minute,
        "max_messages_per_sender_per_hour": settings.security.max_messages_per_sender_per_hour,
        "rate_limit_exempt_ips": [str(n) for n in settings.security.rate_limit_exempt_ips],
    }
    if args.json:
        print_json({"ok": True, **summary})
    else:
        print(f"{settings.source}: OK")
        for key, value in summary.items():
            print(f"  {key}: {value}")
    return 0


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    migrate.upgrade(settings.database.url, args.revision)
    print(f"database at revision {migrate.current_revision(make_engine(settings.database.url))}")
    return 0


def cmd_db_current(settings: Settings, args: argparse.Namespace) -> int:
    current = migrate.current_revision(make_engine(settings.database.url))
    print_json({"current": current, "head": migrate.head_revision()})
    return 0


def cmd_db_check(settings: Settings, args: argparse.Namespace) -> int:
    """Exit 0 when the schema is current, 3 (SchemaBehindError, via main) when it is behind."""
    engine = make_engine(settings.database.url)
    try:
        migrate.require_current(engine)
        print(f"database at revision {migrate.current_revision(engine)} (current)")
    finally:
        engine.dispose()
    return 0


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    now = utc_now()
    with open_db(settings).begin() as session:
        report = read_queue_status(session, now).as_json()
        breached = breached_tickets(session, now)
        report["sla_breached"] = breached
    if args.json:
        print_json(report)
        return 0
    for queue in ("inbox", "outbox"):
        counts = report[queue]
        assert isinstance(counts, dict)
        listed = ", ".join(f"{k} {v}" for k, v in counts.items()) or "empty"
        print(f"{queue}: {listed}")
    print(f"quarantined: {report['quarantined']}")
    print(f"outbox stuck: {'yes' if report['outbox_stuck'] else 'no'}")
    last = report["last_received"]
    assert isinstance(last, dict)
    for source, at in last.items():
        print(f"last received via {source}: {at}")
    if not last:
        print("last received: never")
    breaches = report["sla_breaches"]
    assert isinstance(breaches, dict)
    print("sla breaches (open tickets): " + ", ".join(f"{k} {v}" for k, v in breaches.items()))
    for row in breached:
        print(f"  {row['ticket']} {row['client']}: {row['target']} was due {row['due_at']}")
    return 0


def _read_inputs(paths: Sequence[str]) -> list[tuple[str, bytes | OSError]]:
    result: list[tuple[str, bytes | OSError]] = []
    for path in paths:
        try:
            result.append(
                (path, sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes())
            )
        except OSError as exc:
            result.append((path, exc))
    return result


def cmd_ingest(settings: Settings, args: argparse.Namespace) -> int:
    pipeline = _pipeline(settings)
    mailbox = args.mailbox or settings.smtp.addresses[0]
    status = 0
    for path, content in _read_inputs(args.files):
        if isinstance(content, OSError):
            print(
                json.dumps(
                    {
                        "file": path,
                        "message_id": None,
                        "action": "error",
                        "ticket": None,
                        "reply": None,
                        "reason": f"cannot read: {content.strerror}",
                    }
                )
            )
            status = EXIT_FAILURE
            continue
        outcome: Outcome = pipeline.ingest(content, source="cli", mailbox=mailbox)
        print(json.dumps({"file": path, **outcome.as_json()}, ensure_ascii=False), flush=True)
    return status


def cmd_tickets_list(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        query = select(Ticket).order_by(Ticket.id)
        if args.status:
            query = query.where(Ticket.status == args.status)
        rows = [ticket_summary(t) for t in session.scalars(query)]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                f"{row['number']:<12} {row['status']:<10} {row['client'][:24]:<24} {row['subject']}"
            )
    return 0


def cmd_tickets_show(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        ticket = get_ticket(session, args.number)
        if ticket is None:
            raise CommandError(f"no ticket {args.number}")
        detail = ticket_detail(ticket)
    if args.json:
        print_json(detail)
        return 0
    print(
        f"{detail['number']}  {detail['subject']}\n  client: {detail['client']}  "
        f"status: {detail['status']}  authorized: {detail['authorized']}"
    )
    if detail["authorization"]:
        print(f"  authorisation: {detail['authorization']['explanation']}")
    for message in detail["messages"]:
        mark = " [internal]" if message["internal"] else ""
        print(f"\n--- {message['created_at']} {message['direction']}{mark} from {message['from']}")
        print(f"    {message['subject']}\n")
        print("    " + message["text"].strip().replace("\n", "\n    "))
    for charge in detail["charges"]:
        amount = charge["amount"] or "hourly"
        print(f"\n  charge: {charge['kind']} {amount} ({charge['state']}): {charge['reason']}")
    return 0


def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        query = (
            select(OutboundMessage, Ticket.number)
            .outerjoin(Ticket, Ticket.id == OutboundMessage.ticket_id)
            .order_by(OutboundMessage.id)
        )
        if args.status:
            query = query.where(OutboundMessage.status == args.status)
        rows = [outbox_view(row, number) for row, number in session.execute(query)]
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            print(
                f"{row['id']:>6} {row['status']:<7} {row['ticket'] or '-':<12} "
                f"{','.join(row['to'])} {row['subject']}"
            )
    return 0


def cmd_outbox_flush(settings: Settings, args: argparse.Namespace) -> int:
    report = deliver_due(open_db(settings), settings.outbound, utc_now())
    print_json({"sent": report.sent, "deferred": report.deferred, "failed": report.failed})
    return 0


def _charges(session: Session, state: str | None) -> list[dict[str, Any]]:
    query = select(Charge).order_by(Charge.id)
    if state:
        query = query.where(Charge.state == state)
    return [charge_view(c) for c in session.scalars(query)]


def cmd_charges_list(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        rows = _charges(session, args.state)
    if args.json:
        print_json(rows)
    else:
        for row in rows:
            amount = row["amount"] or "hourly"
            print(
                f"{row['id']:>5} {row['ticket']:<12} {row['state']:<8} {amount:>8} "
                f"{row['kind']}: {row['reason']}"
            )
    return 0


def cmd_charges_export(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        rows = _charges(session, args.state)
    columns = ["id", "ticket", "client", "kind", "amount", "state", "reason", "created_at"]
    writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return 0


def cmd_charges_waive(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        charge = session.get(Charge, args.id)
        if charge is None:
            raise CommandError(f"no charge {args.id}")
        if charge.state != "pending":
            raise CommandError(f"charge {args.id} is {charge.state}, not pending")
        charge.state = "waived"
        charge.reason += f" | waived: {args.reason}"
        view = charge_view(charge)
    print_json(view)
    return 0


def cmd_messages_list(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        query = select(InboundMessage).order_by(InboundMessage.id)
        if args.status:
            query = query.where(InboundMessage.status == args.status)
        rows = [
            {
                k: v
                for k, v in inbound_view(session, row, explain=False).items()
                if k not in ("journey", "authorization")
            }
            for row in session.scalars(query)
        ]
    print_json(rows)
    return 0


def cmd_messages_show(settings: Settings, args: argparse.Namespace) -> int:
    with open_db(settings).begin() as session:
        row = session.get(InboundMessage, args.id)
        if row is None:
            raise CommandError(f"no inbound message {args.id}")
        view = inbound_view(session, row)
    if args.json:
        print_json(view)
        return 0
    print(
        f"inbound {view['id']} via {view['source']} to {view['mailbox']}: {view['status']}"
        f" / {view['action']} {view['ticket'] or ''}\n  reason: {view['reason']}"
    )
    if view["authorization"]:
        print(f"  authorisation: {view['authorization']['explanation']}")
    for event in view["journey"]:
        print(f"  {event['at']}  {event['step']:<14} {event['outcome']:<14} {event['reason']}")
    return 0


def cmd_messages_reprocess(settings: Settings, args: argparse.Namespace) -> int:
    pipeline = _pipeline(settings)
    if not requeue(pipeline.sessions, args.id, utc_now()):
        raise CommandError(f"no inbound message {args.id}")
    print(json.dumps(pipeline.process(args.id).as_json(), ensure_ascii=False))
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    from zsupport_mail.service import serve  # asyncio and aiosmtpd only when serving

    open_db(settings)  # refuse early on a database that is behind
    return serve(settings)


def cmd_imap_check(settings: Settings, args: argparse.Namespace) -> int:
    from zsupport_mail.edges.imap_client import describe  # imapclient only when asked

    if not settings.imap.mailboxes:
        raise CommandError("no [[imap.mailboxes]] in the config")
    reports = [describe(mailbox) for mailbox in settings.imap.mailboxes]
    if args.json:
        print_json(reports)
    else:
        for report in reports:
            _print_imap_report(report)
    return 0 if all(report["ok"] for report in reports) else EXIT_FAILURE


def _print_imap_report(report: dict[str, Any]) -> None:
    print(f"{report['mailbox']}: {'OK' if report['ok'] else 'FAILED'}")
    if report["error"]:
        print(f"  error: {report['error']}")
    if not report["login"]:
        return
    waiting = f"{report['messages']} waiting" if report["folder_exists"] else "missing"
    processed = "exists" if report["processed_folder_exists"] else "missing (serve creates it)"
    print(f"  folder {report['folder']}: {waiting}")
    print(f"  processed folder {report['processed_folder']}: {processed}")
    print(f"  IDLE: {_yes(report['idle'])}, MOVE: {_yes(report['move'])}")


def _yes(flag: object) -> str:
    return "supported" if flag else "not supported"


Command = Callable[[Settings, argparse.Namespace], int]


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
    parser = argparse.ArgumentParser(prog="zsupport-mail", description=__doc__.split("\n")[0])
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
        "files", nargs="+", metavar="FILE", help="a raw RFC 5322 file, or - for stdin"
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
    _add(tickets, "list", cmd_tickets_list, "list tickets", json_flag=True, status=True)
    show = _add(
        tickets,
        "show",
        cmd_tickets_show,
        "show a ticket with its thread and charges",
        json_flag=True,
    )
    show.add_argument("number")

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
    clist.add_argument("--state", help="only pending, waived or billed entries")
    export = _add(charges, "export", cmd_charges_export, "write ledger entries as CSV (billing)")
    export.add_argument("--csv", action="store_true", required=True, help="CSV on stdout")
    export.add_argument("--state", help="only pending, waived or billed entries")
    waive = _add(charges, "waive", cmd_charges_waive, "waive a pending charge")
    waive.add_argument("id", type=int)
    waive.add_argument("--reason", required=True, help="why (kept in the ledger)")

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
    again = _add(
        messages,
        "reprocess",
        cmd_messages_reprocess,
        "run a stored message through the pipeline again (idempotent)",
    )
    again.add_argument("id", type=int)

    contacts_commands.add_parsers(sub)

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
