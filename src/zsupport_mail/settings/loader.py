"""One frozen, typed Settings object, loaded once from TOML and validated before anything runs.

Every error names the file, the dotted key and what was expected, and all errors are collected
before raising, so an operator fixes a config in one pass instead of one key per restart.
Unknown keys are errors too: a misspelt key silently falling back to a default is the classic
way a mail daemon ends up an open relay or writes replies nowhere.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from zsupport_mail.settings.clients import check_clients, read_client
from zsupport_mail.settings.oauth2 import read_oauth2
from zsupport_mail.settings.outbound import read_outbound
from zsupport_mail.settings.reader import REQUIRED, Reader
from zsupport_mail.settings.schema import (
    DEFAULT_CONFIG_PATH,
    DEFAULT_CRITICAL_KEYWORDS,
    ConfigError,
    DatabaseSettings,
    Settings,
    SlaSettings,
)
from zsupport_mail.settings.sections import (
    read_billing,
    read_imap,
    read_monitoring,
    read_portal,
    read_processing,
    read_retention,
    read_safety,
    read_scoring,
    read_security,
    read_smtp,
    read_staff,
    read_tickets,
)


def parse_settings(data: dict[str, Any], where: str, source: Path | None = None) -> Settings:
    """Validate a decoded TOML document into Settings.

    Raises:
        ConfigError: listing every problem found, each with file and key.
    """
    problems: list[str] = []
    root = Reader(data, "", problems, where)
    database = root.table("database")
    url = database.string("url", None if os.environ.get("ZSUPPORT_DATABASE_URL") else REQUIRED)
    url = os.environ.get("ZSUPPORT_DATABASE_URL") or url
    busy_timeout = database.integer("busy_timeout_seconds", 30, 1, 3600)
    database.reject_unknown()
    smtp = read_smtp(root.table("smtp"))
    providers = read_oauth2(root.table("oauth2"))
    outbound = read_outbound(root.table("outbound"), smtp, providers)
    tickets = read_tickets(root.table("tickets"))
    staff = read_staff(root.table("staff"))
    processing = read_processing(root.table("processing"))
    scoring = read_scoring(root.table("scoring"))
    billing = read_billing(root.table("billing"))
    safety = read_safety(root.table("safety"))
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
        critical_keywords=tuple(
            k.lower() for k in sla_table.strings("critical_keywords", DEFAULT_CRITICAL_KEYWORDS)
        ),
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
    clients = [c for c in (read_client(r) for r in root.tables("clients")) if c is not None]
    imap = read_imap(root.table("imap"), providers)
    monitoring = read_monitoring(root.table("monitoring"))
    security = read_security(root.table("security"))
    retention = read_retention(root.table("retention"))
    portal = read_portal(root.table("portal")) if "portal" in data else None
    root.reject_unknown()
    check_clients(clients, problems, where)
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
        billing=billing,
        retention=retention,
        oauth2=tuple(providers.values()),
        portal=portal,
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
