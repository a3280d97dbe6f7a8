"""Settings: the configuration's typed schema, its TOML loader, and the errors an operator reads.

``schema`` holds the frozen dataclasses, ``loader`` turns a file into them (with ``reader``,
``sections`` and ``clients`` doing the per-table work). Import the names from here.
"""

from __future__ import annotations

from zsupport_mail.settings.loader import config_path, load_settings, parse_settings
from zsupport_mail.settings.schema import (
    AUTHORIZED_ROLES,
    CONTACT_ROLES,
    DEFAULT_CONFIG_PATH,
    ClientConfig,
    ConfigError,
    ContactConfig,
    DatabaseSettings,
    ImapMailboxSettings,
    ImapSettings,
    MonitoringSettings,
    OutboundSettings,
    PortalSettings,
    ProcessingSettings,
    RetentionSettings,
    SafetySettings,
    ScoringSettings,
    SecuritySettings,
    Settings,
    SlaSettings,
    SmtpSettings,
    StaffSettings,
    TicketSettings,
)

__all__ = [
    "AUTHORIZED_ROLES",
    "CONTACT_ROLES",
    "DEFAULT_CONFIG_PATH",
    "ClientConfig",
    "ConfigError",
    "ContactConfig",
    "DatabaseSettings",
    "ImapMailboxSettings",
    "ImapSettings",
    "MonitoringSettings",
    "OutboundSettings",
    "PortalSettings",
    "ProcessingSettings",
    "RetentionSettings",
    "SafetySettings",
    "ScoringSettings",
    "SecuritySettings",
    "Settings",
    "SlaSettings",
    "SmtpSettings",
    "StaffSettings",
    "TicketSettings",
    "config_path",
    "load_settings",
    "parse_settings",
]
