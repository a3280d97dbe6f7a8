"""The typed, frozen shape of the configuration: one dataclass per TOML section, and Settings.

Nothing here reads files; ``loader`` validates a TOML document into these objects.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from zsupport_mail.scoring.score import DEFAULT_REQUIRED
from zsupport_mail.settings.features import BillingSettings, PortalSettings, RetentionSettings
from zsupport_mail.sla.clocks import Measure, SlaPolicy

# Re-exported (with every name defined below) so the section readers import one module.
__all__ = ["BillingSettings", "PortalSettings", "RetentionSettings"]

DEFAULT_CONFIG_PATH = Path("/etc/zsupport-mail/config.toml")
CONTACT_ROLES = ("primary", "backup", "other")
AUTHORIZED_ROLES = frozenset({"primary", "backup"})
OUTBOUND_MODES = ("maildir", "smtp")
RELAY_SECURITY_MODES = ("none", "starttls", "tls")
IMAP_TLS_MODES = ("ssl", "starttls", "none")
# Postfix (or any local MTA) hands every message over from loopback: never throttle it.
DEFAULT_EXEMPT_NETWORKS = (
    ipaddress.ip_network("127.0.0.0/8"),
    ipaddress.ip_network("::1/128"),
)
HOLIDAY_CODE = re.compile(r"^[A-Z]{2}(-[A-Z0-9]{1,3})?$")
SUBJECT_TAG_FIELD = "{number}"


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
    sites: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (site name, its register serials)
    business_hours: tuple[tuple[int, str | None], ...] = ()  # (weekday 0-6, "HH:MM-HH:MM"|None)
    closed_days: tuple[str, ...] = ()  # ISO dates closed on top of the public holidays
    working_holidays: tuple[str, ...] = ()  # ISO dates of public holidays this client works
    hourly_rate: Decimal | None = None  # overrides billing.hourly_rate for this client

    def known_serials(self) -> dict[str, str]:
        """The client's register of serials: serial -> "board" or "appliance"."""
        register = dict.fromkeys(self.board_serials, "board")
        register.update(dict.fromkeys(self.appliance_serials, "appliance"))
        return register


@dataclass(frozen=True)
class DatabaseSettings:
    """Where the database is ([database]): an SQLAlchemy URL, SQLite or PostgreSQL."""

    url: str
    busy_timeout_seconds: int = 30  # SQLite: how long a write waits for another process's lock


@dataclass(frozen=True)
class SmtpSettings:
    """The SMTP listener ([smtp]): where it listens, the support addresses it accepts, limits."""

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
    """How our mail leaves ([outbound]): a maildir or an SMTP relay, and how long we retry."""

    mode: str
    maildir: Path
    relay_host: str
    relay_port: int
    from_address: str
    max_queue_hours: int
    retry_base_seconds: int
    retry_max_seconds: int
    relay_security: str = "none"  # "none", "starttls" or "tls" (implicit TLS, port 465)
    relay_username: str | None = None  # AUTH at the relay; only over TLS off loopback
    relay_password: str | None = field(default=None, repr=False)  # from relay_password_file
    relay_ca_file: Path | None = None  # a private CA; the system's store otherwise
    dkim: DkimSettings | None = None  # sign every mail that leaves with this key
    relay_oauth2: OAuth2Settings | None = None  # log in with a token instead of a password


@dataclass(frozen=True)
class DkimSettings:
    """The DKIM key our mail is signed with ([outbound] dkim_*); the key never appears in a repr."""

    domain: str
    selector: str
    private_key: bytes = field(repr=False)


# The contract's support lines (Option #2 - Support), for mail telling clients how to call.
DEFAULT_SUPPORT_PHONES = (
    "Denver, Colorado: (303) 957-2884, option 2",
    "Kansas City, Kansas: (913) 204-0482, option 2",
    "Fort Collins, Colorado: (970) 212-1411, option 2",
    "San Diego, California: (619) 436-5000, option 2",
)
# How clients write that everything is down; a new problem report saying one is critical.
DEFAULT_CRITICAL_KEYWORDS = (
    "phones down",
    "phones are down",
    "phones are all down",
    "system down",
    "system is down",
    "cannot make or receive calls",
    "can't make or receive calls",
    "can not make or receive calls",
    "no calls in or out",
    "no incoming or outgoing calls",
    "no inbound or outbound calls",
    "totalausfall",
)


@dataclass(frozen=True)
class TicketSettings:
    """How tickets are numbered and tagged in subjects ([tickets]), and how long one reopens."""

    prefix: str
    number_width: int
    subject_tag: str
    reopen_days: int = 14
    support_phones: tuple[str, ...] = DEFAULT_SUPPORT_PHONES  # how to reach us in an outage

    def format_number(self, ticket_id: int) -> str:
        """The public ticket number for a database id, e.g. ``ZS-000123``."""
        return f"{self.prefix}-{ticket_id:0{self.number_width}d}"

    def format_tag(self, number: str) -> str:
        """The subject tag that carries the number, e.g. ``[Z-Support #ZS-000123]``."""
        return self.subject_tag.replace(SUBJECT_TAG_FIELD, number)


def in_networks(
    ip: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]
) -> bool:
    """Whether ip (an IPv4-mapped IPv6 address counts as its IPv4 one) is in any network."""
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


@dataclass(frozen=True)
class StaffSettings:
    """Who is staff ([staff]) and where staff mail goes.

    ``addresses`` and ``domains`` say whom a mail may claim to be from; staff authority also
    needs a proof (intake/authority.py). ``trusted_relays`` are our own submission hosts: mail
    handed to our SMTP listener from one of them was submitted by staff. Every client message
    is copied to ``queue_addresses`` (default: every listed address) and the ticket's
    assignee; critical tickets and SLA breaches also reach ``pager_addresses``. Times in staff
    mail are shown in ``timezone``; attachments up to ``copy_attachment_max_bytes`` each ride
    along in the copy, larger ones are only listed.
    """

    addresses: frozenset[str]
    domains: frozenset[str]
    trusted_relays: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    queue_addresses: tuple[str, ...] = ()
    pager_addresses: tuple[str, ...] = ()
    timezone: str = "UTC"
    support_name: str = "Z-Support"
    copy_attachment_max_bytes: int = 5_000_000
    portal_url: str | None = None  # "https://desk.example/tickets/{number}", once a portal runs

    def relayed(self, peer: str | None) -> bool:
        """Whether the SMTP client address peer is one of the trusted staff relays."""
        return peer is not None and in_networks(peer, self.trusted_relays)


@dataclass(frozen=True)
class ProcessingSettings:
    """The inbox worker ([processing]): retries before quarantine, claim lease, priority."""

    max_attempts: int
    retry_base_seconds: int
    # A claim older than this belongs to a dead worker and is taken over (inbox.claim). It
    # must exceed the longest processing of one message: a live worker's row is locked while
    # it works, but a shorter lease only makes takeover after a crash quicker.
    claim_lease_seconds: int = 300
    # serve's processing and delivery processes run at this nice value (0-19): the edges,
    # where a client waits for its 250, come first when the CPUs are busy.
    background_nice: int = 10
    # Worker processes that parse and score the next due messages while the processing
    # child writes the one in hand (runtime/prefetch.py); 0: one per core; 1: none (the
    # default: on 2 shared cores the read-ahead made serve slower, docs/BENCHMARKS.md).
    jobs: int = 1
    # Due messages serve's worker claims and applies in one transaction (runtime/batch.py):
    # one commit for several; 1, the default, is one transaction per message.
    batch_size: int = 1

    def job_count(self) -> int:
        """The number of prefetch workers this setting asks for (0 means every core)."""
        return self.jobs or (os.cpu_count() or 1)


@dataclass(frozen=True)
class SlaSettings:
    """When the contract's clocks start: "complete" (proper notification) or "first_receipt"."""

    clock_start: str = "complete"
    tick_seconds: int = 60  # how often serve checks warnings, breaches and auto-close
    restoration_measure: str = "elapsed"  # the contract's plain "Hours"; or "business"
    reminder_hours: int = 24  # business hours waiting on the client before a reminder
    auto_close_hours: int = 48  # business hours waiting on the client before closing
    # a new problem report mentioning one is critical at once
    critical_keywords: tuple[str, ...] = DEFAULT_CRITICAL_KEYWORDS

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
        return in_networks(ip, self.rate_limit_exempt_ips)


@dataclass(frozen=True)
class ScoringSettings:
    """The contract's required-information checklist and its surcharge."""

    required: tuple[str, ...]
    surcharge_amount: Decimal
    record_counts_as_furnished: bool
    current_mx_version: str | None
    register_counts_as_furnished: bool = True


@dataclass(frozen=True)
class OAuth2Settings:
    """One token endpoint and the credentials that obtain tokens there ([oauth2.NAME])."""

    name: str
    token_url: str
    client_id: str
    refresh_token_file: Path
    scope: str = ""
    mechanism: str = "xoauth2"  # or "oauthbearer"
    client_secret: str | None = field(default=None, repr=False)


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
    oauth2: OAuth2Settings | None = None  # log in with a token instead of the password

    @property
    def key(self) -> str:
        """Names the mailbox in the inbox and its saved state: ``imap:user@host:port/FOLDER``."""
        return f"imap:{self.user}@{self.host}:{self.port}/{self.folder}"


@dataclass(frozen=True)
class ImapSettings:
    """The IMAP mailboxes serve polls ([[imap.mailboxes]]); none by default."""

    mailboxes: tuple[ImapMailboxSettings, ...] = ()


@dataclass(frozen=True)
class MonitoringSettings:
    """The HTTP endpoint for /healthz and /metrics; port 0 (the default) turns it off."""

    host: str = "127.0.0.1"
    port: int = 0

    @property
    def enabled(self) -> bool:
        """Whether serve opens the endpoint at all."""
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
    billing: BillingSettings = field(default_factory=BillingSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    oauth2: tuple[OAuth2Settings, ...] = ()  # every [oauth2.NAME], refreshed by serve
    portal: PortalSettings | None = None
