"""Opening a session with the outbound relay: implicit TLS, STARTTLS or clear text, then login.

A hosted smarthost (Microsoft 365, Google Workspace, an ISP's submission port) wants TLS and a
login. Certificates are always verified, against ``relay_ca_file`` when set and the system's
store otherwise. When STARTTLS is required and the relay does not offer it, the session ends
with a clear reason: the mail is never sent in clear text instead. Failures here concern the
relay, not the mail, so they surface as ``RelayUnavailable``: every queued mail waits (until
its deadline) for the relay or its configuration to be fixed.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager

from zsupport_mail.settings import OutboundSettings


class RelaySecurityError(smtplib.SMTPException):
    """The relay cannot give the transport security the configuration requires."""


def tls_context(settings: OutboundSettings) -> ssl.SSLContext:
    """A verifying client context: the private CA when configured, else the system's store."""
    cafile = str(settings.relay_ca_file) if settings.relay_ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _connect(settings: OutboundSettings, timeout: float) -> smtplib.SMTP:
    host, port = settings.relay_host, settings.relay_port
    if settings.relay_security == "tls":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=tls_context(settings))
    client = smtplib.SMTP(host, port, timeout=timeout)
    if settings.relay_security != "starttls":
        return client
    try:
        client.ehlo()
        if not client.has_extn("starttls"):
            raise RelaySecurityError(
                f"relay {host}:{port} offers no STARTTLS and relay_security is starttls:"
                " refusing to send in clear text"
            )
        client.starttls(context=tls_context(settings))
        client.ehlo()  # RFC 3207: forget what was learnt before TLS
    except BaseException:
        client.close()
        raise
    return client


def _login(client: smtplib.SMTP, settings: OutboundSettings) -> None:
    if settings.relay_username is None or settings.relay_password is None:
        return
    try:
        client.login(settings.relay_username, settings.relay_password)
    except smtplib.SMTPAuthenticationError as exc:
        raise RelaySecurityError(
            f"relay refused the login of {settings.relay_username!r}:"
            f" {exc.smtp_code} {exc.smtp_error!r}"
        ) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise RelaySecurityError(
            f"relay offers no AUTH mechanism for relay_username {settings.relay_username!r}"
        ) from exc


@contextmanager
def relay_session(settings: OutboundSettings, timeout: float = 30.0) -> Iterator[smtplib.SMTP]:
    """An SMTP session with the relay, secured and logged in as configured; QUIT at the end.

    Raises:
        RelaySecurityError: no STARTTLS when required, or the login refused or impossible.
        ssl.SSLError: the relay's certificate did not verify (an OSError).
        OSError, smtplib.SMTPException: the relay could not be reached or talked to.
    """
    client = _connect(settings, timeout)
    with client:
        _login(client, settings)
        yield client
