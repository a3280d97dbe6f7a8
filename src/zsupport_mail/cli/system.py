"""Commands for the operator: check-config, db, status, serve and imap-check."""

from __future__ import annotations

import argparse
from typing import Any

from zsupport_mail.cli.common import EXIT_FAILURE, CommandError, open_db, print_json
from zsupport_mail.db import migrate
from zsupport_mail.db.session import make_engine
from zsupport_mail.queues.status import breached_tickets, read_queue_status
from zsupport_mail.settings import Settings
from zsupport_mail.settings.clock import utc_now


def cmd_check_config(settings: Settings, args: argparse.Namespace) -> int:
    """Summarise a config that loaded; main has already exited 2 on one that did not."""
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
        "portal": (
            None
            if settings.portal is None
            else f"{settings.portal.host}:{settings.portal.port} ({settings.portal.base_url})"
        ),
    }
    if args.json:
        print_json({"ok": True, **summary})
    else:
        print(f"{settings.source}: OK")
        for key, value in summary.items():
            print(f"  {key}: {value}")
    return 0


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    """Apply migrations up to the given revision (default head) and print where it ended."""
    migrate.upgrade(settings.database.url, args.revision)
    print(f"database at revision {migrate.current_revision(make_engine(settings.database.url))}")
    return 0


def cmd_db_current(settings: Settings, args: argparse.Namespace) -> int:
    """The database's revision beside the newest one this release ships, as JSON."""
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
    """The operator's health check: queue counts, quarantine, last mail per source, SLA breaches."""
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


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    """Run the daemon (SMTP listener, workers, outbox sender) until it is told to stop."""
    from zsupport_mail.runtime.serve import serve  # asyncio and aiosmtpd only when serving

    open_db(settings)  # refuse early on a database that is behind
    return serve(settings)


def cmd_imap_check(settings: Settings, args: argparse.Namespace) -> int:
    """Log in to every configured mailbox and report it; exit 1 if any of them fails."""
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
