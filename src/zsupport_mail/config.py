"""One frozen, typed Settings object, loaded once from TOML and validated before anything runs.

Every error names the file, the dotted key and what was expected, and all errors are collected
before raising, so an operator fixes a config in one pass instead of one key per restart.
Unknown keys are errors too: a misspelt key silently falling back to a default is the classic
way a mail daemon ends up an open relay or writes replies nowhere.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zsupport_mail.addresses import (
    AddressError,
    lookalike_problem,
    normalize_address,
    normalize_domain,
)
from zsupport_mail.scoring.score import DEFAULT_REQUIRED
from zsupport_mail.scoring.types import ITEM_KEYS
from zsupport_mail.sla.clocks import Measure, SlaPolicy

DEFAULT_CONFIG_PATH = Path("/etc/zsupport-mail/config.toml")
CONTACT_ROLES = ("primary", "backup", "other")
AUTHORIZED_ROLES = frozenset({"primary", "backup"})
OUTBOUND_MODES = ("maildir", "smtp")
IMAP_TLS_MODES = ("ssl", "starttls", "none")
# Postfix (or any local MTA) hands every message over from loopback: never throttle it.
DEFAULT_EXEMPT_NETWORKS = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)
_HOLIDAY_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
_SUBJECT_TAG_FIELD = "{number}"


class ConfigError(Exception):
    """The configuration cannot be used; `problems` lists every reason, one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ContactConfig:
    """A person at a client, as named in the contract's authorised-contacts list."""

    name: str
    email: str
    phone: str | None
    role: str

    @property
    def authorized(self) -> bool:
        """Primary and backup IT contacts may open tickets; anyone else is billable hourly."""
        return self.role in AUTHORIZED_ROLES


@dataclass(frozen=True)
class ClientConfig:
    """A client organisation: its mail domains, calendar and contacts."""

    name: str
    domains: tuple[str, ...]
    timezone: str
    holidays: str | None
    monthly_fee: Decimal
    contacts: tuple[ContactConfig, ...]
    board_serials: tuple[str, ...] = ()
    appliance_serials: tuple[str, ...] = ()
    business_hours: tuple[tuple[int, str | None], ...] = ()  # (weekday 0-6, "HH:MM-HH:MM"|None)
    closed_days: tuple[str, ...] = ()  # ISO dates closed on top of the public holidays
    working_holidays: tuple[str, ...] = ()  # ISO dates of public holidays this client works

    def known_serials(self) -> dict[str, str]:
        """The client's register of serials: serial -> "board" or "appliance"."""
        register = dict.fromkeys(self.board_serials, "board")
        register.update(dict.fromkeys(self.appliance_serials, "appliance"))
        return register


@dataclass(frozen=True)
class DatabaseSettings:
    url: str
    busy_timeout_seconds: int = 30  # SQLite: how long a write waits for another process's lock


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    addresses: tuple[str, ...]
    max_message_bytes: int
    timeout_seconds: int
    max_sessions: int = 100
    max_messages_per_connection: int = 100
    max_recipients: int = 50
    tls_cert: Path | None = None
    tls_key: Path | None = None


@dataclass(frozen=True)
class OutboundSettings:
    mode: str
    maildir: Path
    relay_host: str
    relay_port: int
    from_address: str
    max_queue_hours: int
    retry_base_seconds: int
    retry_max_seconds: int


@dataclass(frozen=True)
class TicketSettings:
    prefix: str
    number_width: int
    subject_tag: str
    reopen_days: int = 14

    def format_number(self, ticket_id: int) -> str:
        """The public ticket number for a database id, e.g. ``ZS-000123``."""
        return f"{self.prefix}-{ticket_id:0{self.number_width}d}"

    def format_tag(self, number: str) -> str:
        """The subject tag that carries the number, e.g. ``[Z-Support #ZS-000123]``."""
        return self.subject_tag.replace(_SUBJECT_TAG_FIELD, number)


@dataclass(frozen=True)
class StaffSettings:
    addresses: frozenset[str]
    domains: frozenset[str]


@dataclass(frozen=True)
class ProcessingSettings:
    max_attempts: int
    retry_base_seconds: int
    # A claim older than this belongs to a dead worker and is taken over (inbox.claim). It
    # must exceed the longest processing of one message: a live worker's row is locked while
    # it works, but a shorter lease only makes takeover after a crash quicker.
    claim_lease_seconds: int = 300
    # serve's processing and delivery processes run at this nice value (0-19): the edges,
    # where a client waits for its 250, come first when the CPUs are busy.
    background_nice: int = 10


@dataclass(frozen=True)
class SlaSettings:
    """When the contract's clocks start: "complete" (proper notification) or "first_receipt"."""

    clock_start: str = "complete"
    tick_seconds: int = 60  # how often serve checks warnings, breaches and auto-close
    restoration_measure: str = "elapsed"  # the contract's plain "Hours"; or "business"
    reminder_hours: int = 24  # business hours waiting on the client before a reminder
    auto_close_hours: int = 48  # business hours waiting on the client before closing
    critical_keywords: tuple[str, ...] = ()  # a new report mentioning one is critical at once

    def policy(self) -> SlaPolicy:
        """The contract's numbers with this configuration's choices."""
        return SlaPolicy(
            restoration_measure=Measure(self.restoration_measure),
            reminder_after=timedelta(hours=self.reminder_hours),
            auto_close_after=timedelta(hours=self.auto_close_hours),
        )


@dataclass(frozen=True)
class SafetySettings:
    """Loop and forgery protection."""

    secret: str | None  # signs our Message-IDs (HMAC); $ZSUPPORT_SECRET overrides
    max_auto_replies_per_day: int  # automatic replies per sender address per 24 hours


@dataclass(frozen=True)
class SecuritySettings:
    """Sender authentication and SMTP rate limits ([security]); the defaults change nothing."""

    require_authentication: bool = False  # contacts and staff must pass DKIM or SPF
    trusted_authserv_ids: frozenset[str] = frozenset()  # whose Authentication-Results count
    max_messages_per_ip_per_minute: int = 0  # MAIL commands per client IP; 0 = no limit
    max_messages_per_sender_per_hour: int = 0  # MAIL commands per envelope sender; 0 = none
    rate_limit_exempt_ips: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = (
        DEFAULT_EXEMPT_NETWORKS
    )

    def exempt(self, ip: str) -> bool:
        """Whether a client IP is one of our own relays, never rate-limited."""
        try:
            address = ipaddress.ip_address(ip.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        return any(address in network for network in self.rate_limit_exempt_ips)


@dataclass(frozen=True)
class ScoringSettings:
    """The contract's required-information checklist and its surcharge."""

    required: tuple[str, ...]
    surcharge_amount: Decimal
    record_counts_as_furnished: bool
    current_mx_version: str | None


@dataclass(frozen=True)
class ImapMailboxSettings:
    """One watched IMAP folder ([[imap.mailboxes]]); the password never appears in a repr."""

    host: str
    port: int
    tls: str
    user: str
    password: str = field(repr=False)
    folder: str = "INBOX"
    processed_folder: str = "Processed"
    poll_seconds: int = 60

    @property
    def key(self) -> str:
        """Names the mailbox in the inbox and its saved state: ``imap:user@host:port/FOLDER``."""
        return f"imap:{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class ImapSettings:
    mailboxes: tuple[ImapMailboxSettings, ...] = ()


@dataclass(frozen=True)
class MonitoringSettings:
    """The HTTP endpoint for /healthz and /metrics; port 0 (the default) turns it off."""

    host: str = "127.0.0.1"
    port: int = 0

    @property
    def enabled(self) -> bool:
        return self.port != 0


@dataclass(frozen=True)
class Settings:
    """Everything the daemon needs, validated. Pass it down explicitly; never a global."""

    source: Path | None
    database: DatabaseSettings
    smtp: SmtpSettings
    outbound: OutboundSettings
    tickets: TicketSettings
    staff: StaffSettings
    processing: ProcessingSettings
    clients: tuple[ClientConfig, ...]
    scoring: ScoringSettings = field(
        default_factory=lambda: ScoringSettings(DEFAULT_REQUIRED, Decimal(100), True, None)
    )
    safety: SafetySettings = field(default_factory=lambda: SafetySettings(None, 10))
    sla: SlaSettings = field(default_factory=SlaSettings)
    templates_dir: Path | None = None
    log_level: str = "info"
    own_addresses: frozenset[str] = field(default_factory=frozenset)
    imap: ImapSettings = field(default_factory=ImapSettings)
    monitoring: MonitoringSettings = field(default_factory=MonitoringSettings)
    security: SecuritySettings = field(default_factory=SecuritySettings)


class _Reader:
    """Walks one TOML table, recording problems with full dotted keys instead of raising."""

    def __init__(self, table: dict[str, Any], path: str, problems: list[str], where: str) -> None:
        self._table = table
        self._path = path
        self._problems = problems
        self._where = where
        self._seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def problem(self, key: str, message: str) -> None:
        self._problems.append(f"{self._where}: {self._key(key)}: {message}")

    def _get(self, key: str, default: Any, kind: str, check: Callable[[Any], bool]) -> Any:
        self._seen.add(key)
        if key not in self._table:
            if default is _REQUIRED:
                self.problem(key, f"missing; expected {kind}")
            return None if default is _REQUIRED else default
        value = self._table[key]
        if not check(value):
            self.problem(key, f"expected {kind}, got {value!r}")
            return None if default is _REQUIRED else default
        return value

    def string(self, key: str, default: Any = None, *, choices: tuple[str, ...] = ()) -> Any:
        kind = f"one of {', '.join(choices)}" if choices else "a string"
        return self._get(
            key, default, kind, lambda v: isinstance(v, str) and (not choices or v in choices)
        )

    def integer(self, key: str, default: Any, low: int, high: int) -> Any:
        kind = f"an integer from {low} to {high}"
        ok = lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high  # noqa: E731
        return self._get(key, default, kind, ok)

    def strings(self, key: str, default: Any = ()) -> tuple[str, ...]:
        ok = lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v)  # noqa: E731
        value = self._get(key, default, "a list of strings", ok)
        return tuple(value or ())

    def number(self, key: str, default: Any) -> Decimal | None:
        ok = lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= 0  # noqa: E731
        value = self._get(key, default, "a number >= 0", ok)
        try:
            return None if value is None else Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - guarded by the type check
            return None

    def table(self, key: str) -> _Reader:
        self._seen.add(key)
        value = self._table.get(key, {})
        if not isinstance(value, dict):
            self.problem(key, f"expected a table, got {value!r}")
            value = {}
        return _Reader(value, self._key(key), self._problems, self._where)

    def tables(self, key: str) -> Iterator[_Reader]:
        self._seen.add(key)
        value = self._table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(key, "expected an array of tables ([[...]])")
            return
        for index, item in enumerate(value):
            yield _Reader(item, f"{self._key(key)}[{index}]", self._problems, self._where)

    def reject_unknown(self) -> None:
        for key in sorted(set(self._table) - self._seen):
            self.problem(key, "unknown key")


_REQUIRED = object()


def _address(reader: _Reader, key: str, value: str | None) -> str | None:
    if value is None:
        return None
    problem = lookalike_problem(value)
    if problem is not None:
        reader.problem(key, f"expected an e-mail address without look-alike characters: {problem}")
        return None
    try:
        return normalize_address(value)
    except AddressError as exc:
        reader.problem(key, f"expected an e-mail address: {exc}")
        return None


def _read_contact(reader: _Reader) -> ContactConfig | None:
    name = reader.string("name", _REQUIRED)
    email = _address(reader, "email", reader.string("email", _REQUIRED))
    phone = reader.string("phone")
    role = reader.string("role", "other", choices=CONTACT_ROLES)
    reader.reject_unknown()
    if name is None or email is None or role is None:
        return None
    return ContactConfig(name=name, email=email, phone=phone, role=role)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WINDOW = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def _business_hours(reader: _Reader) -> tuple[tuple[int, str | None], ...]:
    """``{mon = "08:00-17:00", sat = "09:00-12:00", fri = "closed"}``: changes to Mon-Fri 8-17."""
    table = reader.table("business_hours")
    found = []
    for index, day in enumerate(_WEEKDAYS):
        value = table.string(day)
        if value is None:
            continue
        if value != "closed" and not _WINDOW.match(value):
            table.problem(day, f'expected "HH:MM-HH:MM" or "closed", got {value!r}')
            continue
        found.append((index, None if value == "closed" else value))
    table.reject_unknown()
    return tuple(found)


def _dates(reader: _Reader, key: str) -> tuple[str, ...]:
    values = reader.strings(key)
    for value in values:
        try:
            date.fromisoformat(value)
        except ValueError:
            reader.problem(key, f"expected ISO dates like 2026-10-12, got {value!r}")
    return values


def _read_client(reader: _Reader) -> ClientConfig | None:
    name = reader.string("name", _REQUIRED)
    domains = []
    for domain in reader.strings("domains"):
        try:
            domains.append(normalize_domain(domain))
        except AddressError as exc:
            reader.problem("domains", f"expected domain names: {exc}")
    timezone = reader.string("timezone", "UTC")
    try:
        ZoneInfo(timezone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        reader.problem(
            "timezone", f"expected an IANA time zone like America/Denver, got {timezone!r}"
        )
    holidays = reader.string("holidays")
    if holidays is not None and not _HOLIDAY_CODE.match(holidays):
        reader.problem("holidays", f"expected a code like US or US-CO, got {holidays!r}")
    fee = reader.number("monthly_fee", 0)
    business_hours = _business_hours(reader)
    closed_days = _dates(reader, "closed_days")
    working_holidays = _dates(reader, "working_holidays")
    board_serials = tuple(v.upper() for v in reader.strings("board_serials"))
    appliance_serials = tuple(v.upper() for v in reader.strings("appliance_serials"))
    contacts = [_read_contact(c) for c in reader.tables("contacts")]
    reader.reject_unknown()
    if name is None or fee is None:
        return None
    return ClientConfig(
        name=name,
        domains=tuple(domains),
        timezone=timezone or "UTC",
        holidays=holidays,
        monthly_fee=fee,
        contacts=tuple(c for c in contacts if c is not None),
        board_serials=board_serials,
        appliance_serials=appliance_serials,
        business_hours=business_hours,
        closed_days=closed_days,
        working_holidays=working_holidays,
    )


def _check_clients(clients: list[ClientConfig], problems: list[str], where: str) -> None:
    """Names, domains and contact addresses must each belong to exactly one client."""
    seen: set[tuple[str, str]] = set()
    for client in clients:
        keys = [("name", client.name)]
        keys += [("domain", domain) for domain in client.domains]
        keys += [("contact e-mail", contact.email) for contact in client.contacts]
        for key in keys:
            if key in seen:
                problems.append(f"{where}: clients: {key[0]} {key[1]!r} is listed more than once")
            seen.add(key)


def _existing_file(reader: _Reader, key: str) -> Path | None:
    value = reader.string(key)
    if value is None:
        return None
    if not Path(value).is_file():
        reader.problem(key, f"no such file {value!r}")
        return None
    return Path(value)


def _read_smtp(reader: _Reader) -> SmtpSettings:
    addresses = [_address(reader, "addresses", a) for a in reader.strings("addresses")]
    settings = SmtpSettings(
        host=reader.string("host", "127.0.0.1"),
        port=reader.integer("port", 8025, 1, 65535),
        addresses=tuple(a for a in addresses if a),
        max_message_bytes=reader.integer("max_message_bytes", 35 * 1024 * 1024, 1024, 2**31),
        timeout_seconds=reader.integer("timeout_seconds", 300, 1, 3600),
        max_sessions=reader.integer("max_sessions", 100, 1, 10000),
        max_messages_per_connection=reader.integer("max_messages_per_connection", 100, 1, 100000),
        max_recipients=reader.integer("max_recipients", 50, 1, 1000),
        tls_cert=_existing_file(reader, "tls_cert"),
        tls_key=_existing_file(reader, "tls_key"),
    )
    if (settings.tls_cert is None) != (settings.tls_key is None):
        reader.problem("tls_cert", "tls_cert and tls_key must be set together")
    if not settings.addresses:
        reader.problem("addresses", "expected at least one support address")
    reader.reject_unknown()
    return settings


def _read_outbound(reader: _Reader, smtp: SmtpSettings) -> OutboundSettings:
    from_address = _address(reader, "from_address", reader.string("from_address"))
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


def _read_tickets(reader: _Reader) -> TicketSettings:
    prefix = reader.string("prefix", "ZS")
    if prefix is not None and not re.fullmatch(r"[A-Z][A-Z0-9]{0,9}", prefix):
        reader.problem("prefix", f"expected 1-10 capital letters or digits, got {prefix!r}")
    tag = reader.string("subject_tag", "[Z-Support #{number}]")
    if tag is not None and _SUBJECT_TAG_FIELD not in tag:
        reader.problem("subject_tag", f"expected a template containing {_SUBJECT_TAG_FIELD}")
    settings = TicketSettings(
        prefix=prefix or "ZS",
        number_width=reader.integer("number_width", 6, 1, 12),
        subject_tag=tag or "[Z-Support #{number}]",
        reopen_days=reader.integer("reopen_days", 14, 0, 3650),
    )
    reader.reject_unknown()
    return settings


def _read_staff(reader: _Reader) -> StaffSettings:
    addresses = {_address(reader, "addresses", a) for a in reader.strings("addresses")}
    domains = set()
    for domain in reader.strings("domains"):
        try:
            domains.add(normalize_domain(domain))
        except AddressError as exc:
            reader.problem("domains", f"expected domain names: {exc}")
    reader.reject_unknown()
    return StaffSettings(addresses=frozenset(a for a in addresses if a), domains=frozenset(domains))


def _read_processing(reader: _Reader) -> ProcessingSettings:
    settings = ProcessingSettings(
        max_attempts=reader.integer("max_attempts", 5, 1, 100),
        retry_base_seconds=reader.integer("retry_base_seconds", 30, 1, 86400),
        claim_lease_seconds=reader.integer("claim_lease_seconds", 300, 1, 86400),
        background_nice=reader.integer("background_nice", 10, 0, 19),
    )
    reader.reject_unknown()
    return settings


def _read_safety(reader: _Reader) -> SafetySettings:
    secret = os.environ.get("ZSUPPORT_SECRET") or reader.string("secret")
    if secret is not None and len(secret) < 16:
        reader.problem("secret", "expected at least 16 characters")
    settings = SafetySettings(
        secret=secret,
        max_auto_replies_per_day=reader.integer("max_auto_replies_per_day", 10, 1, 10000),
    )
    reader.reject_unknown()
    return settings


def _read_scoring(reader: _Reader) -> ScoringSettings:
    required = reader.strings("required", DEFAULT_REQUIRED)
    unknown = [key for key in required if key not in ITEM_KEYS]
    if unknown:
        reader.problem("required", f"unknown items {unknown}; expected some of {list(ITEM_KEYS)}")
    amount = reader.number("surcharge_amount", 100)
    counts = reader._get(
        "record_counts_as_furnished", True, "true or false", lambda v: isinstance(v, bool)
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
    )


def _is_loopback(host: str) -> bool:
    """A literal loopback address or the name localhost (RFC 6761); no DNS lookup."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _imap_password(reader: _Reader) -> str | None:
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


def _read_imap_mailbox(reader: _Reader) -> ImapMailboxSettings | None:
    host = reader.string("host", _REQUIRED)
    tls = reader.string("tls", "ssl", choices=IMAP_TLS_MODES)
    port = reader.integer("port", 993 if tls == "ssl" else 143, 1, 65535)
    user = reader.string("user", _REQUIRED)
    password = _imap_password(reader)
    folder = reader.string("folder", "INBOX")
    processed = reader.string("processed_folder", "Processed")
    poll_seconds = reader.integer("poll_seconds", 60, 1, 3600)
    reader.reject_unknown()
    for key, value in (("host", host), ("user", user), ("folder", folder)):
        if value == "":
            reader.problem(key, "expected a non-empty string")
    if tls == "none" and host and not _is_loopback(host):
        reader.problem(
            "tls", f"none (plaintext) is refused for {host!r}: use ssl or starttls off loopback"
        )
    if processed is not None and processed in ("", folder):
        reader.problem("processed_folder", "expected a folder name other than `folder`")
    values = (host, tls, port, user, folder, processed, poll_seconds)
    if password is None or any(value is None or value == "" for value in values):
        return None
    return ImapMailboxSettings(host, port, tls, user, password, folder, processed, poll_seconds)


def _read_imap(reader: _Reader) -> ImapSettings:
    mailboxes = [m for m in map(_read_imap_mailbox, reader.tables("mailboxes")) if m]
    reader.reject_unknown()
    keys = [m.key for m in mailboxes]
    for key in sorted({k for k in keys if keys.count(k) > 1}):
        reader.problem("mailboxes", f"{key} is listed more than once")
    for key in keys:
        if len(key) > 320:  # the inbox's mailbox column
            reader.problem("mailboxes", f"{key[:60]}...: user, host and folder are too long")
    return ImapSettings(tuple(mailboxes))


def _networks(
    reader: _Reader, key: str, default: tuple[str, ...]
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    networks = []
    for value in reader.strings(key, default):
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            reader.problem(key, f"expected IP addresses or networks like 10.0.0.0/8, got {value!r}")
    return tuple(networks)


def _read_security(reader: _Reader) -> SecuritySettings:
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
        rate_limit_exempt_ips=_networks(reader, "rate_limit_exempt_ips", default_exempt),
    )
    reader.reject_unknown()
    return settings


def _read_monitoring(reader: _Reader) -> MonitoringSettings:
    host = reader.string("host", "127.0.0.1")
    if host == "":
        reader.problem("host", "expected an address to listen on")
    settings = MonitoringSettings(
        host=host or "127.0.0.1", port=reader.integer("port", 0, 0, 65535) or 0
    )
    reader.reject_unknown()
    return settings


def parse_settings(data: dict[str, Any], where: str, source: Path | None = None) -> Settings:
    """Validate a decoded TOML document into Settings.

    Raises:
        ConfigError: listing every problem found, each with file and key.
    """
    problems: list[str] = []
    root = _Reader(data, "", problems, where)
    database = root.table("database")
    url = database.string("url", None if os.environ.get("ZSUPPORT_DATABASE_URL") else _REQUIRED)
    url = os.environ.get("ZSUPPORT_DATABASE_URL") or url
    busy_timeout = database.integer("busy_timeout_seconds", 30, 1, 3600)
    database.reject_unknown()
    smtp = _read_smtp(root.table("smtp"))
    outbound = _read_outbound(root.table("outbound"), smtp)
    tickets = _read_tickets(root.table("tickets"))
    staff = _read_staff(root.table("staff"))
    processing = _read_processing(root.table("processing"))
    scoring = _read_scoring(root.table("scoring"))
    safety = _read_safety(root.table("safety"))
    sla_table = root.table("sla")
    sla = SlaSettings(
        clock_start=sla_table.string(
            "clock_start", "complete", choices=("complete", "first_receipt")
        )
        or "complete",
        tick_seconds=sla_table.integer("tick_seconds", 60, 1, 3600) or 60,
        restoration_measure=sla_table.string(
            "restoration_measure", "elapsed", choices=("elapsed", "business")
        )
        or "elapsed",
        reminder_hours=sla_table.integer("reminder_hours", 24, 1, 1000) or 24,
        auto_close_hours=sla_table.integer("auto_close_hours", 48, 2, 2000) or 48,
        critical_keywords=tuple(k.lower() for k in sla_table.strings("critical_keywords")),
    )
    if sla.reminder_hours >= sla.auto_close_hours:
        sla_table.problem("reminder_hours", "expected fewer hours than sla.auto_close_hours")
    sla_table.reject_unknown()
    templates = root.table("templates")
    templates_dir = templates.string("directory")
    templates.reject_unknown()
    logging = root.table("logging")
    log_level = logging.string("level", "info", choices=("debug", "info", "warning", "error"))
    logging.reject_unknown()
    clients = [c for c in (_read_client(r) for r in root.tables("clients")) if c is not None]
    imap = _read_imap(root.table("imap"))
    monitoring = _read_monitoring(root.table("monitoring"))
    security = _read_security(root.table("security"))
    root.reject_unknown()
    _check_clients(clients, problems, where)
    if templates_dir is not None and not Path(templates_dir).is_dir():
        problems.append(f"{where}: templates.directory: no such directory {templates_dir!r}")
    if problems:
        raise ConfigError(problems)
    return Settings(
        source=source,
        database=DatabaseSettings(url=url, busy_timeout_seconds=busy_timeout or 30),
        smtp=smtp,
        outbound=outbound,
        tickets=tickets,
        staff=staff,
        processing=processing,
        scoring=scoring,
        safety=safety,
        sla=sla,
        clients=tuple(clients),
        templates_dir=Path(templates_dir) if templates_dir else None,
        log_level=log_level or "info",
        own_addresses=frozenset(smtp.addresses) | {outbound.from_address},
        imap=imap,
        monitoring=monitoring,
        security=security,
    )


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    """The config file to read: --config, else $ZSUPPORT_CONFIG, else the system path."""
    if explicit:
        return Path(explicit)
    env = os.environ.get("ZSUPPORT_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG_PATH


def load_settings(path: Path) -> Settings:
    """Read and validate a config file.

    Raises:
        ConfigError: the file is missing, not TOML, or has invalid values.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such file (set --config or ZSUPPORT_CONFIG)"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([f"{path}: cannot read: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    return parse_settings(data, str(path), source=path)
