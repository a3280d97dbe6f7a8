"""One reader per daemon section: each validates its TOML table into its dataclass.

Sections: smtp, tickets, staff, processing, safety, scoring, imap, security, monitoring,
retention.
The clients live in ``clients``, [outbound] in ``outbound``; the sla, templates and logging
tables are small enough to stay in ``loader``.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zsupport_mail.mail.addresses import (
    AddressError,
    normalize_domain,
)
from zsupport_mail.scoring.score import DEFAULT_REQUIRED
from zsupport_mail.scoring.types import ITEM_KEYS
from zsupport_mail.settings.durations import parse_duration
from zsupport_mail.settings.oauth2 import named_provider
from zsupport_mail.settings.reader import (
    REQUIRED,
    Reader,
    existing_file,
    is_loopback,
    read_address,
    read_networks,
    secret_file,
)
from zsupport_mail.settings.schema import (
    DEFAULT_EXEMPT_NETWORKS,
    DEFAULT_SUPPORT_PHONES,
    IMAP_TLS_MODES,
    SUBJECT_TAG_FIELD,
    BillingSettings,
    ImapMailboxSettings,
    ImapSettings,
    MonitoringSettings,
    OAuth2Settings,
    PortalSettings,
    ProcessingSettings,
    RetentionSettings,
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
        support_phones=reader.strings("support_phones", DEFAULT_SUPPORT_PHONES),
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
    listed = frozenset(a for a in addresses if a)
    relays = read_networks(reader, "trusted_relays", ())
    queue = _address_list(reader, "queue_addresses", sorted(listed))
    settings = StaffSettings(
        addresses=listed,
        domains=frozenset(domains),
        trusted_relays=relays,
        queue_addresses=queue,
        pager_addresses=_address_list(reader, "pager_addresses", []),
        timezone=_timezone(reader, "timezone"),
        support_name=reader.string("support_name", "Z-Support") or "Z-Support",
        copy_attachment_max_bytes=reader.integer(
            "copy_attachment_max_bytes", 5_000_000, 0, 100_000_000
        ),
        portal_url=_portal_url(reader),
    )
    reader.reject_unknown()
    return settings


def _address_list(reader: Reader, key: str, default: list[str]) -> tuple[str, ...]:
    """A list of mail addresses, normalised and deduplicated in the order given."""
    found = [read_address(reader, key, a) for a in reader.strings(key, default)]
    return tuple(dict.fromkeys(a for a in found if a))


def _timezone(reader: Reader, key: str) -> str:
    name = reader.string(key, "UTC") or "UTC"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        reader.problem(key, f"expected an IANA time zone like Europe/London, got {name!r}")
        return "UTC"
    return str(name)


def _portal_url(reader: Reader) -> str | None:
    url = reader.string("portal_url")
    if url is not None and "{number}" not in url:
        reader.problem("portal_url", "expected a URL template containing {number}")
    return str(url) if url else None


def read_processing(reader: Reader) -> ProcessingSettings:
    """[processing], every key bounded and defaulted."""
    settings = ProcessingSettings(
        max_attempts=reader.integer("max_attempts", 5, 1, 100),
        retry_base_seconds=reader.integer("retry_base_seconds", 30, 1, 86400),
        claim_lease_seconds=reader.integer("claim_lease_seconds", 300, 1, 86400),
        background_nice=reader.integer("background_nice", 10, 0, 19),
        jobs=reader.integer("jobs", 1, 0, 64),
        batch_size=reader.integer("batch_size", 1, 1, 64),
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


def read_billing(reader: Reader) -> BillingSettings:
    """[billing]: the hourly rate billable time is charged at (none: hours only)."""
    settings = BillingSettings(hourly_rate=reader.number("hourly_rate", None))
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


def _imap_password(reader: Reader, oauth2: bool) -> str | None:
    """Exactly one of password or password_file (or neither, with oauth2); the file's trailing
    newline is dropped."""
    password, path = reader.string("password"), reader.string("password_file")
    if oauth2 and password is None and path is None:
        return ""
    if (password is None) == (path is None) or oauth2:
        reader.problem(
            "password", "expected exactly one of password or password_file (or oauth2 instead)"
        )
        return None
    if path is None:
        return str(password)
    return secret_file(reader, "password_file", path)


def _read_imap_mailbox(
    reader: Reader, providers: dict[str, OAuth2Settings]
) -> ImapMailboxSettings | None:
    host = reader.string("host", REQUIRED)
    tls = reader.string("tls", "ssl", choices=IMAP_TLS_MODES)
    port = reader.integer("port", 993 if tls == "ssl" else 143, 1, 65535)
    user = reader.string("user", REQUIRED)
    oauth2 = named_provider(reader, "oauth2", providers)
    password = _imap_password(reader, reader.string("oauth2") is not None)
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
    return ImapMailboxSettings(
        host, port, tls, user, password, folder, processed, poll_seconds, oauth2
    )


def read_imap(reader: Reader, providers: dict[str, OAuth2Settings] | None = None) -> ImapSettings:
    """[imap]: each mailbox at most once, as its key names its saved state and its lock."""
    tables = reader.tables("mailboxes")
    mailboxes = [m for m in (_read_imap_mailbox(t, providers or {}) for t in tables) if m]
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


def read_retention(reader: Reader) -> RetentionSettings:
    """[retention]: keep_raw_after_close, a duration such as "365d"; absent keeps everything."""
    text = reader.string("keep_raw_after_close")
    keep = None
    if text is not None:
        try:
            keep = parse_duration(text)
        except ValueError as exc:
            reader.problem("keep_raw_after_close", str(exc))
    reader.reject_unknown()
    return RetentionSettings(keep_raw_after_close=keep)


def read_portal(reader: Reader) -> PortalSettings:
    """[portal]: where the web portal listens and the address its sign-in links point to."""
    host = reader.string("host", "127.0.0.1") or "127.0.0.1"
    port = reader.integer("port", 8080, 1, 65535) or 8080
    base_url = (reader.string("base_url", f"http://{host}:{port}") or "").rstrip("/")
    if not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", base_url):
        reader.problem("base_url", f"expected an http:// or https:// URL, got {base_url!r}")
    settings = PortalSettings(
        host=host,
        port=port,
        base_url=base_url,
        max_signins_per_address_per_hour=reader.integer(
            "max_signins_per_address_per_hour", 5, 1, 1000
        )
        or 5,
        max_signins_per_ip_per_hour=reader.integer("max_signins_per_ip_per_hour", 30, 1, 100000)
        or 30,
    )
    reader.reject_unknown()
    return settings
