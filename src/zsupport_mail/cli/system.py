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


def authority_warnings(settings: Settings) -> list[str]:
    """What staff authority and charges would rest on the From address alone (issue 21)."""
    warnings = []
    security = settings.security
    if not security.trusted_authserv_ids:
        warnings.append(
            "charges rest on the From address alone: no [security] trusted_authserv_ids, so "
            "a forged client mail can put a surcharge or billable hours on the ledger; let "
            "the MTA write Authentication-Results (OpenDKIM/OpenDMARC or rspamd) and list "
            "its authserv-id"
        )
    if not settings.safety.secret:
        warnings.append(
            "no [safety] secret: staff-only mail cannot be signed, so a staff reply proves "
            "itself only by Authentication-Results or a [staff] trusted_relays address"
        )
    if not security.trusted_authserv_ids and not settings.staff.trusted_relays:
        warnings.append(
            "staff authority rests on replies to staff-only mail alone: with no trusted "
            "authserv-id and no [staff] trusted_relays, a staff mail written fresh (not a "
            "reply) is held as unverified"
        )
    return warnings


def cmd_check_config(settings: Settings, args: argparse.Namespace) -> int:
    """Summarise a config that loaded; main has already exited 2 on one that did not."""
    warnings = authority_warnings(settings) + staff_warnings(settings)
    summary: dict[str, object] = {
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
        "staff_trusted_relays": [str(n) for n in settings.staff.trusted_relays],
        "staff_queue_addresses": list(settings.staff.queue_addresses),
        "staff_pager_addresses": list(settings.staff.pager_addresses),
        "staff_timezone": settings.staff.timezone,
        **_delivery_summary(settings),
        "portal": (
            None
            if settings.portal is None
            else f"{settings.portal.host}:{settings.portal.port} ({settings.portal.base_url})"
        ),
    }
    if args.json:
        print_json({"ok": True, **summary, "warnings": warnings})
    else:
        print(f"{settings.source}: OK")
        for key, value in summary.items():
            print(f"  {key}: {value}")
        for warning in warnings:
            print(f"  warning: {warning}")
    return 0


def staff_warnings(settings: Settings) -> list[str]:
    """What staff would miss with this config: copies and alerts with nowhere to go."""
    staff = settings.staff
    if not staff.queue_addresses:
        where = (
            "only to a ticket's assignee, when assigned by address (#assign name@domain); "
            "for other tickets SLA alerts are only logged (sla_warning, sla_breach)"
        )
        return [
            "no staff queue address ([staff] addresses and queue_addresses are empty): "
            f"copies of client mail and SLA alerts go {where}"
        ]
    if not staff.pager_addresses:
        return [
            "no [staff] pager_addresses: critical tickets and SLA breaches reach the queue "
            f"({', '.join(staff.queue_addresses)}) by mail only"
        ]
    return []


def _delivery_summary(settings: Settings) -> dict[str, Any]:
    """How mail leaves and how long it is kept: the relay's security, login, DKIM, retention."""
    outbound, keep = settings.outbound, settings.retention.keep_raw_after_close
    login = "oauth2" if outbound.relay_oauth2 else ("password" if outbound.relay_password else None)
    return {
        "relay": f"{outbound.relay_host}:{outbound.relay_port}"
        if outbound.mode == "smtp"
        else None,
        "relay_security": outbound.relay_security if outbound.mode == "smtp" else None,
        "relay_login": login if outbound.mode == "smtp" else None,
        "dkim": f"{outbound.dkim.selector}._domainkey.{outbound.dkim.domain}"
        if outbound.dkim
        else None,
        "oauth2_providers": [provider.name for provider in settings.oauth2],
        "retention_days": keep.total_seconds() / 86400 if keep is not None else None,
    }


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
    from zsupport_mail.runtime.launch import serve  # asyncio and aiosmtpd only when serving

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
