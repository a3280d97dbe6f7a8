"""SIGHUP: re-read the config file and apply its clients, contacts and staff lists.

The running Settings stay frozen; a reload builds a new Settings that takes only the directory
sections (``clients``, ``staff``) from the file and keeps everything else (listeners, database,
outbound), because those cannot change under open connections. Sections that differ but were
not applied are named in the ``config_reloaded`` event, so the operator knows to restart. A
file that does not validate changes nothing and is reported as ``config_reload_failed``.

Contacts imported with ``contacts import`` need no reload (the pipeline re-reads the
authorisation history when it changed), and a reload cannot undo them: ``sync_directory``
leaves an imported client's authorised set alone (contacts/history.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import structlog
from sqlalchemy.orm import Session, sessionmaker

from zsupport_mail.db.repos import sync_directory
from zsupport_mail.handlers.clocks import recompute_open
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings import ConfigError, Settings, load_settings

log = structlog.get_logger("zsupport_mail.runtime.reload")
RELOADED_FIELDS = ("clients", "staff")
_NOT_COMPARED = frozenset({"source", *RELOADED_FIELDS})


@dataclass
class SettingsHolder:
    """The Settings serve currently runs with; swapped whole by a reload, never mutated."""

    current: Settings


def merge_reloadable(running: Settings, loaded: Settings) -> tuple[Settings, list[str]]:
    """(running with loaded's directory sections, the other sections that differ)."""
    merged = dataclasses.replace(
        running, **{name: getattr(loaded, name) for name in RELOADED_FIELDS}
    )
    ignored = [
        f.name
        for f in dataclasses.fields(Settings)
        if f.name not in _NOT_COMPARED and getattr(running, f.name) != getattr(loaded, f.name)
    ]
    return merged, ignored


def reload_settings(
    holder: SettingsHolder, pipeline: Pipeline, sessions: sessionmaker[Session]
) -> bool:
    """Apply the config file's directory sections; returns whether anything was applied.

    Runs between two messages (on the worker), so no message sees half a directory.
    """
    source = holder.current.source
    if source is None:
        log.error("config_reload_failed", problems=["serve was not started from a file"])
        return False
    try:
        loaded = load_settings(source)
    except ConfigError as exc:
        log.error("config_reload_failed", config=str(source), problems=exc.problems)
        return False
    merged, ignored = merge_reloadable(holder.current, loaded)
    try:
        with sessions.begin() as session:
            sync_directory(session, merged)
            recompute_open(session, merged)  # a client's calendar may have changed
    except Exception as exc:  # e.g. the database is briefly unreachable: keep the old lists
        log.error("config_reload_failed", config=str(source), problems=[repr(exc)])
        return False
    holder.current = merged
    pipeline.settings = merged
    pipeline.refresh_directory()
    log.info(
        "config_reloaded",
        config=str(source),
        clients=len(merged.clients),
        contacts=sum(len(c.contacts) for c in merged.clients),
        staff_addresses=len(merged.staff.addresses),
        restart_needed_for=ignored,
    )
    return True
