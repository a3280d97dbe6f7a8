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

from zsupport_mail.edges.oauth2 import TokenError, sasl_string, token_source
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
        try:
            client.starttls(context=tls_context(settings))
        except smtplib.SMTPResponseException as exc:  # 454: the relay's TLS is broken
            raise RelaySecurityError(
                f"relay {host}:{port} refused STARTTLS: {exc.smtp_code} {exc.smtp_error!r}"
            ) from exc
        client.ehlo()  # RFC 3207: forget what was learnt before TLS
    except BaseException:
        client.close()
        raise
    return client


def _oauth2_login(client: smtplib.SMTP, settings: OutboundSettings, user: str) -> None:
    """AUTH XOAUTH2 or OAUTHBEARER with this process's access token for the relay."""
    assert settings.relay_oauth2 is not None
    mechanism = settings.relay_oauth2.mechanism
    try:
        token = token_source(settings.relay_oauth2).access_token()
    except TokenError as exc:
        raise RelaySecurityError(f"no OAuth2 token for the relay: {exc}") from exc
    initial = sasl_string(mechanism, user, token, settings.relay_host, settings.relay_port)

    def respond(challenge: bytes | None = None) -> str:
        return initial if challenge is None else ""  # "" ends a failed exchange (RFC 7628)

    client.ehlo_or_helo_if_needed()
    client.auth(mechanism.upper(), respond, initial_response_ok=True)


def _login(client: smtplib.SMTP, settings: OutboundSettings) -> None:
    user = settings.relay_username
    if user is None or (settings.relay_password is None and settings.relay_oauth2 is None):
        return
    try:
        if settings.relay_oauth2 is not None:
            _oauth2_login(client, settings, user)
        else:
            client.login(user, settings.relay_password or "")
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
