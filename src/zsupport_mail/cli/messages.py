"""Commands on mail itself: inspect, reprocess and purge stored messages; the outbox."""

from __future__ import annotations

import argparse
import json

from sqlalchemy import select

from zsupport_mail.cli.common import CommandError, open_db, print_columns, print_json
from zsupport_mail.cli.views import (
    inbound_view,
    outbox_view,
)
from zsupport_mail.db.models import InboundMessage, OutboundMessage, Ticket
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.db.retention import purge_closed
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.inbox import requeue
from zsupport_mail.queues.outbox import deliver_due
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import utc_now
from zsupport_mail.settings.durations import parse_duration


def open_pipeline(settings: Settings) -> Pipeline:
    """A pipeline for one-off CLI work, with the config's clients and contacts synced first."""
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


def cmd_outbox_list(settings: Settings, args: argparse.Namespace) -> int:
    """Outgoing mail in queue order, optionally only one status, with its ticket number."""
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
        print_columns(
            ("ID", "STATUS", "TICKET", "TO", "SUBJECT"),
            (
                (r["id"], r["status"], r["ticket"] or "-", ",".join(r["to"]), r["subject"])
                for r in rows
            ),
        )
    return 0


def cmd_outbox_flush(settings: Settings, args: argparse.Namespace) -> int:
    """Deliver every due mail now, without waiting for serve's sender; prints the counts."""
    report = deliver_due(open_db(settings), settings.outbound, utc_now())
    print_json({"sent": report.sent, "deferred": report.deferred, "failed": report.failed})
    return 0


def cmd_messages_list(settings: Settings, args: argparse.Namespace) -> int:
    """Received messages as JSON, without the journey and authorisation that ``show`` gives."""
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
    """One inbound message's journey: each step's outcome and reason, and who authorised it."""
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
    """Requeue a stored message and run it through the pipeline again (idempotent)."""
    pipeline = open_pipeline(settings)
    with pipeline.sessions.begin() as session:
        purged_at = session.scalar(
            select(InboundMessage.purged_at).where(InboundMessage.id == args.id)
        )
    if purged_at is not None:
        raise CommandError(
            f"inbound message {args.id} was purged by the retention policy on"
            f" {purged_at.date().isoformat()}: its raw bytes are gone, so it cannot be reprocessed"
        )
    if not requeue(pipeline.sessions, args.id, utc_now()):
        raise CommandError(f"no inbound message {args.id}")
    print(json.dumps(pipeline.process(args.id).as_json(), ensure_ascii=False))
    return 0


def cmd_messages_purge(settings: Settings, args: argparse.Namespace) -> int:
    """Drop the raw bytes and attachments of tickets closed longer ago than --older-than."""
    text = args.older_than
    if text is None and settings.retention.keep_raw_after_close is None:
        raise CommandError("give --older-than, or set retention.keep_raw_after_close")
    try:
        older_than = parse_duration(text) if text else settings.retention.keep_raw_after_close
    except ValueError as exc:
        raise CommandError(f"--older-than: {exc}") from None
    assert older_than is not None
    report = purge_closed(open_db(settings), older_than, utc_now(), dry_run=args.dry_run)
    print_json(report.as_json())
    return 0
