"""One reader per daemon section: each validates its TOML table into its dataclass.

Sections: smtp, outbound, tickets, staff, processing, safety, scoring, imap, security,
monitoring. The clients live in ``clients``; the sla, templates and logging tables are
small enough to stay in ``loader``.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

from zsupport_mail.mail.addresses import (
    AddressError,
    normalize_domain,
)
from zsupport_mail.scoring.score import DEFAULT_REQUIRED
from zsupport_mail.scoring.types import ITEM_KEYS
from zsupport_mail.settings.reader import (
    REQUIRED,
    Reader,
    existing_file,
    is_loopback,
    read_address,
    read_networks,
)
from zsupport_mail.settings.schema import (
    DEFAULT_EXEMPT_NETWORKS,
    IMAP_TLS_MODES,
    OUTBOUND_MODES,
    SUBJECT_TAG_FIELD,
    ImapMailboxSettings,
    ImapSettings,
    MonitoringSettings,
    OutboundSettings,
    ProcessingSettings,
    SafetySettings,
    ScoringSettings,
    SecuritySettings,
    SmtpSettings,
    StaffSettings,
    TicketSettings,
)


def read_smtp(reader: Reader) -> SmtpSettings:
    """[smtp]: at least one support address; TLS certificate and key only together."""
    addresses = [read_address(reader, "addresses", a) for a in reader.strings("addresses")]
    settings = SmtpSettings(
        host=reader.string("host", "127.0.0.1"),
        port=reader.integer("port", 8025, 1, 65535),
        addresses=tuple(a for a in addresses if a),
        max_message_bytes=reader.integer("max_message_bytes", 35 * 1024 * 1024, 1024, 2**31),
        timeout_seconds=reader.integer("timeout_seconds", 300, 1, 3600),
        max_sessions=reader.integer("max_sessions", 100, 1, 10000),
        max_messages_per_connection=reader.integer("max_messages_per_connection", 100, 1, 100000),
        max_recipients=reader.integer("max_recipients", 50, 1, 1000),
        tls_cert=existing_file(reader, "tls_cert"),
        tls_key=existing_file(reader, "tls_key"),
    )
    if (settings.tls_cert is None) != (settings.tls_key is None):
        reader.problem("tls_cert", "tls_cert and tls_key must be set together")
    if not settings.addresses:
        reader.problem("addresses", "expected at least one support address")
    reader.reject_unknown()
    return settings


def read_outbound(reader: Reader, smtp: SmtpSettings) -> OutboundSettings:
    """[outbound]; we send from the first support address unless from_address says otherwise."""
    from_address = read_address(reader, "from_address", reader.string("from_address"))
    settings = OutboundSettings(
        mode=reader.string("mode", "maildir", choices=OUTBOUND_MODES) or "maildir",
        maildir=Path(reader.string("maildir", "var/outbox")),
        relay_host=reader.string("relay_host", "127.0.0.1"),
        relay_port=reader.integer("relay_port", 25, 1, 65535),
        from_address=from_address or (smtp.addresses[0] if smtp.addresses else ""),
        max_queue_hours=reader.integer("max_queue_hours", 48, 1, 24 * 30),
        retry_base_seconds=reader.integer("retry_base_seconds", 60, 1, 86400),
        retry_max_seconds=reader.integer("retry_max_seconds", 3600, 1, 86400),
    )
    reader.reject_unknown()
    return settings


def read_tickets(reader: Reader) -> TicketSettings:
    """[tickets]: an upper-case prefix and a subject tag that has a place for the number."""
    prefix = reader.string("prefix", "ZS")
    if prefix is not None and not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", prefix):
        reader.problem("prefix", f"expected 1-10 capital letters or digits, got {prefix!r}")
    tag = reader.string("subject_tag", "[Z-Support #{number}]")
    if tag is not None and SUBJECT_TAG_FIELD not in tag:
        reader.problem("subject_tag", f"expected a template containing {SUBJECT_TAG_FIELD}")
    settings = TicketSettings(
        prefix=prefix or "ZS",
        number_width=reader.integer("number_width", 6, 1, 12),
        subject_tag=tag or "[Z-Support #{number}]",
        reopen_days=reader.integer("reopen_days", 14, 0, 3650),
    )
    reader.reject_unknown()
    return settings


def read_staff(reader: Reader) -> StaffSettings:
    """[staff]: addresses and domains, normalised as the intake compares them."""
    addresses = {read_address(reader, "addresses", a) for a in reader.strings("addresses")}
    domains = set()
    for domain in reader.strings("domains"):
        try:
            domains.add(normalize_domain(domain))
        except AddressError as exc:
            reader.problem("domains", f"expected domain names: {exc}")
    reader.reject_unknown()
    return StaffSettings(addresses=frozenset(a for a in addresses if a), domains=frozenset(domains))


def read_processing(reader: Reader) -> ProcessingSettings:
    """[processing], every key bounded and defaulted."""
    settings = ProcessingSettings(
        max_attempts=reader.integer("max_attempts", 5, 1, 100),
        retry_base_seconds=reader.integer("retry_base_seconds", 30, 1, 86400),
        claim_lease_seconds=reader.integer("claim_lease_seconds", 300, 1, 86400),
        background_nice=reader.integer("background_nice", 10, 0, 19),
    )
    reader.reject_unknown()
    return settings


def read_safety(reader: Reader) -> SafetySettings:
    """[safety]; $ZSUPPORT_SECRET wins over the file, so the secret can stay out of it."""
    secret = os.environ.get("ZSUPPORT_SECRET") or reader.string("secret")
    if secret is not None and len(secret) < 16:
        reader.problem("secret", "expected at least 16 characters")
    settings = SafetySettings(
        secret=secret,
        max_auto_replies_per_day=reader.integer("max_auto_replies_per_day", 10, 1, 10000),
    )
    reader.reject_unknown()
    return settings


def read_scoring(reader: Reader) -> ScoringSettings:
    """[scoring]: the required items must be ones an extractor knows."""
    required = reader.strings("required", DEFAULT_REQUIRED)
    unknown = [key for key in required if key not in ITEM_KEYS]
    if unknown:
        reader.problem("required", f"unknown items {unknown}; expected some of {list(ITEM_KEYS)}")
    amount = reader.number("surcharge_amount", 100)
    counts = reader._get(
        "record_counts_as_furnished", True, "true or false", lambda v: isinstance(v, bool)
    )
    register = reader._get(
        "register_counts_as_furnished", True, "true or false", lambda v: isinstance(v, bool)
    )
    current = reader.string("current_mx_version")
    if current is not None and not re.fullmatch(r"\d{1,2}\.\d{1,2}(\.\d{1,3})?", current):
        reader.problem("current_mx_version", f"expected a version like 17.0.10, got {current!r}")
    reader.reject_unknown()
    return ScoringSettings(
        required=tuple(k for k in required if k in ITEM_KEYS),
        surcharge_amount=amount if amount is not None else Decimal(100),
        record_counts_as_furnished=bool(counts),
        current_mx_version=current,
        register_counts_as_furnished=bool(register),
    )


def _imap_password(reader: Reader) -> str | None:
    """Exactly one of password or password_file; the file's trailing newline is dropped."""
    password, path = reader.string("password"), reader.string("password_file")
    if (password is None) == (path is None):
        reader.problem("password", "expected exactly one of password or password_file")
        return None
    if path is None:
        return str(password)
    try:
        secret = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reader.problem("password_file", f"cannot read {path!r}: {exc}")
        return None
    if not secret:
        reader.problem("password_file", f"{path!r} is empty")
    return secret or None


def _read_imap_mailbox(reader: Reader) -> ImapMailboxSettings | None:
    host = reader.string("host", REQUIRED)
    tls = reader.string("tls", "ssl", choices=IMAP_TLS_MODES)
    port = reader.integer("port", 993 if tls == "ssl" else 143, 1, 65535)
    user = reader.string("user", REQUIRED)
    password = _imap_password(reader)
    folder = reader.string("folder", "INBOX")
    processed = reader.string("processed_folder", "Processed")
    poll_seconds = reader.integer("poll_seconds", 60, 1, 3600)
    reader.reject_unknown()
    for key, value in (("host", host), ("user", user), ("folder", folder)):
        if value == "":
            reader.problem(key, "expected a non-empty string")
    if tls == "none" and host and not is_loopback(host):
        reader.problem(
            "tls", f"none (plaintext) is refused for {host!r}: use ssl or starttls off loopback"
        )
    if processed is not None and processed in ("", folder):
        reader.problem("processed_folder", "expected a folder name other than `folder`")
    values = (host, tls, port, user, folder, processed, poll_seconds)
    if password is None or any(value is None or value == "" for value in values):
        return None
    return ImapMailboxSettings(host, port, tls, user, password, folder, processed, poll_seconds)


def read_imap(reader: Reader) -> ImapSettings:
    """[imap]: each mailbox at most once, as its key names its saved state and its lock."""
    mailboxes = [m for m in map(_read_imap_mailbox, reader.tables("mailboxes")) if m]
    reader.reject_unknown()
    keys = [m.key for m in mailboxes]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        reader.problem("mailboxes", f"{key} is listed more than once")
    for key in keys:
        if len(key) > 320:  # the inbox's mailbox column
            reader.problem("mailboxes", f"{key[:60]}...: user, host and folder are too long")
    return ImapSettings(tuple(mailboxes))


def read_security(reader: Reader) -> SecuritySettings:
    """[security]; requiring authentication needs a trusted authserv-id to believe."""
    required = reader._get(
        "require_authentication", False, "true or false", lambda v: isinstance(v, bool)
    )
    ids = frozenset(v.strip().lower() for v in reader.strings("trusted_authserv_ids"))
    if required and not ids:
        reader.problem(
            "trusted_authserv_ids",
            "expected the authserv-id of at least one MTA when require_authentication is true",
        )
    default_exempt = tuple(str(n) for n in DEFAULT_EXEMPT_NETWORKS)
    settings = SecuritySettings(
        require_authentication=bool(required),
        trusted_authserv_ids=ids,
        max_messages_per_ip_per_minute=reader.integer(
            "max_messages_per_ip_per_minute", 0, 0, 100000
        )
        or 0,
        max_messages_per_sender_per_hour=reader.integer(
            "max_messages_per_sender_per_hour", 0, 0, 100000
        )
        or 0,
        rate_limit_exempt_ips=read_networks(reader, "rate_limit_exempt_ips", default_exempt),
    )
    reader.reject_unknown()
    return settings


def read_monitoring(reader: Reader) -> MonitoringSettings:
    """[monitoring]: off unless a port is given."""
    host = reader.string("host", "127.0.0.1")
    if host == "":
        reader.problem("host", "expected an address to listen on")
    settings = MonitoringSettings(
        host=host or "127.0.0.1", port=reader.integer("port", 0, 0, 65535) or 0
    )
    reader.reject_unknown()
    return settings
