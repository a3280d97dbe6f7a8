"""[outbound]: how our mail leaves, the relay's transport security and login, and DKIM.

Certificates are always verified (against ``relay_ca_file`` or the system's store), and a
login is only sent over TLS unless the relay is on loopback, so a password never crosses a
network in clear text. The DKIM key is tried once here, so a bad key fails at start-up and in
``check-config``, not at the first reply.
"""

from __future__ import annotations

import os
from pathlib import Path

import dkim

from zsupport_mail.settings.oauth2 import named_provider
from zsupport_mail.settings.reader import (
    Reader,
    existing_file,
    is_loopback,
    read_address,
    secret_file,
)
from zsupport_mail.settings.schema import (
    OUTBOUND_MODES,
    RELAY_SECURITY_MODES,
    DkimSettings,
    OAuth2Settings,
    OutboundSettings,
    SmtpSettings,
)

RELAY_PASSWORD_ENV = "ZSUPPORT_RELAY_PASSWORD"  # wins over relay_password_file
_DEFAULT_SECURITY = {465: "tls", 587: "starttls"}


def default_relay_security(host: str, port: int) -> str:
    """Implicit TLS on 465, STARTTLS on 587; elsewhere none on loopback and STARTTLS off it."""
    if port in _DEFAULT_SECURITY:
        return _DEFAULT_SECURITY[port]
    return "none" if is_loopback(host) else "starttls"


def _relay_password(reader: Reader) -> str | None:
    """The relay password from the environment or relay_password_file (trailing newline off)."""
    path = reader.string("relay_password_file")
    if os.environ.get(RELAY_PASSWORD_ENV):
        return os.environ[RELAY_PASSWORD_ENV]
    if path is None:
        return None
    return secret_file(reader, "relay_password_file", path)


def _check_login(
    reader: Reader, host: str, security: str, user: str | None, pw: str | None, oauth2: bool
) -> None:
    if oauth2 and pw is not None:
        reader.problem("relay_oauth2", "expected either relay_oauth2 or a relay password, not both")
    if oauth2 and user is None:
        reader.problem("relay_username", "expected the account that relay_oauth2 logs in as")
    if user is not None and pw is None and not oauth2:
        reader.problem("relay_password_file", "expected a password file for relay_username")
    if user is None and pw is not None:
        reader.problem("relay_username", "expected a user name for the relay password")
    if user is not None and security == "none" and not is_loopback(host):
        reader.problem(
            "relay_security",
            f"none (clear text) is refused with a login to {host!r}: use starttls or tls",
        )


def read_dkim(reader: Reader) -> DkimSettings | None:
    """dkim_domain, dkim_selector and dkim_private_key_file, all three or none."""
    domain, selector = reader.string("dkim_domain"), reader.string("dkim_selector")
    key_path = existing_file(reader, "dkim_private_key_file")
    given = [v is not None for v in (domain, selector, reader.string("dkim_private_key_file"))]
    if not any(given):
        return None
    if not all(given):
        reader.problem(
            "dkim_domain", "dkim_domain, dkim_selector and dkim_private_key_file go together"
        )
        return None
    if key_path is None:
        return None
    try:  # one signature of a tiny mail proves the key is a usable RSA key
        key = key_path.read_bytes()
        dkim.sign(b"From: a@b.example\r\n\r\n", selector.encode(), domain.encode(), key)
    except OSError as exc:
        reader.problem("dkim_private_key_file", f"cannot read {str(key_path)!r}: {exc}")
        return None
    except (dkim.DKIMException, ValueError, TypeError, UnicodeError) as exc:
        reader.problem("dkim_private_key_file", f"not a usable DKIM private key: {exc}")
        return None
    return DkimSettings(domain=domain, selector=selector, private_key=key)


def read_outbound(
    reader: Reader, smtp: SmtpSettings, providers: dict[str, OAuth2Settings] | None = None
) -> OutboundSettings:
    """[outbound]; we send from the first support address unless from_address says otherwise."""
    from_address = read_address(reader, "from_address", reader.string("from_address"))
    host = reader.string("relay_host", "127.0.0.1")
    port = reader.integer("relay_port", 25, 1, 65535)
    security = reader.string(
        "relay_security", default_relay_security(host, port), choices=RELAY_SECURITY_MODES
    )
    user, password = reader.string("relay_username"), _relay_password(reader)
    oauth2 = named_provider(reader, "relay_oauth2", providers or {})
    _check_login(reader, host, security, user, password, reader.string("relay_oauth2") is not None)
    settings = OutboundSettings(
        mode=reader.string("mode", "maildir", choices=OUTBOUND_MODES) or "maildir",
        maildir=Path(reader.string("maildir", "var/outbox")),
        relay_host=host,
        relay_port=port,
        from_address=from_address or (smtp.addresses[0] if smtp.addresses else ""),
        max_queue_hours=reader.integer("max_queue_hours", 48, 1, 24 * 30),
        retry_base_seconds=reader.integer("retry_base_seconds", 60, 1, 86400),
        retry_max_seconds=reader.integer("retry_max_seconds", 3600, 1, 86400),
        relay_security=security,
        relay_username=user,
        relay_password=password,
        relay_ca_file=existing_file(reader, "relay_ca_file"),
        dkim=read_dkim(reader),
        relay_oauth2=oauth2,
    )
    reader.reject_unknown()
    return settings
