"""outage announce: tell a client's authorised contacts about planned maintenance, in time.

The contract promises at least three business days' notice of a planned outage: the notice
must go out by the opening of the third business day before the outage's local date. A late
announcement is refused unless it is an emergency (--emergency), and says the deadline.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.cli.common import CommandError, open_db, print_json
from zsupport_mail.contacts.history import load_periods
from zsupport_mail.db.repos import sync_directory
from zsupport_mail.handlers.clocks import calendar_for
from zsupport_mail.mail.replies import ReplyRenderer, build_reply, one_line
from zsupport_mail.queues.outbox import queue_mail
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import utc_now
from zsupport_mail.sla import outage_notice_complies, outage_notice_deadline


def _instant(value: str, zone: ZoneInfo, flag: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{flag}: expected ISO-8601, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _authorized_now(
    sessions: sessionmaker[Session], settings: Settings, client: str, now: datetime
) -> list[str]:
    """The client's authorised contacts now (config or the latest import), primary first."""
    with sessions.begin() as session:
        sync_directory(session, settings, now)
        periods = [p for p in load_periods(session, client=client) if p.covers(now)]
    return [p.email for p in sorted(periods, key=lambda p: (p.role != "primary", p.email))]


def cmd_outage_announce(settings: Settings, args: argparse.Namespace) -> int:
    """Queue the outage notice to the client's contacts; refuse a late one unless --emergency."""
    client = next((c for c in settings.clients if c.name == args.client), None)
    if client is None:
        raise CommandError(f"no client {args.client!r} in {settings.source}")
    zone = ZoneInfo(client.timezone)
    start, end = _instant(args.start, zone, "--start"), _instant(args.end, zone, "--end")
    if end <= start:
        raise CommandError("--end must be after --start")
    calendar = calendar_for(settings, client.name)
    now = utc_now()
    deadline = outage_notice_deadline(calendar, start)
    in_time = outage_notice_complies(calendar, start, now)
    if not in_time and not args.emergency:
        raise CommandError(
            f"too late for a planned outage: the notice had to go out by "
            f"{deadline.astimezone(zone):%a %d %b %Y %H:%M %Z} (three business days); "
            "use --emergency for an emergency outage"
        )
    sessions = open_db(settings)
    to = _authorized_now(sessions, settings, client.name, now)
    if not to:
        raise CommandError(f"{client.name} has no primary or backup contact to notify")
    body = ReplyRenderer(settings).render(
        "outage",
        {
            "client": client.name,
            "reason": one_line(args.reason),
            "emergency": args.emergency,
            "start": f"{start.astimezone(zone):%a %d %b %Y %H:%M %Z}",
            "end": f"{end.astimezone(zone):%a %d %b %Y %H:%M %Z}",
        },
    )
    kind = "emergency" if args.emergency else "planned"
    message = build_reply(
        settings,
        to=", ".join(to),
        subject=f"{kind.capitalize()} maintenance: {client.name}, "
        f"{start.astimezone(zone):%d %b %Y %H:%M %Z}",
        body=body,
        answers=(None, ()),
        now=now,
        automatic=False,
    )
    with sessions.begin() as session:
        row = queue_mail(
            session, settings.outbound, message, kind=f"outage_{kind}", now=now, automatic=False
        )
        message_id = row.message_id
    print_json(
        {
            "client": client.name,
            "to": to,
            "message_id": message_id,
            "kind": kind,
            "notice_deadline": deadline.astimezone(zone).isoformat(),
            "in_time": in_time,
        }
    )
    return 0
