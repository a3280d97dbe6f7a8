"""OAuth2 for mailboxes and the relay: a local token endpoint, Dovecot's oauth2 passdb and a
relay offering AUTH XOAUTH2, all real servers on loopback.

The token endpoint plays the Microsoft identity platform or Google: the daemon trades the
configured refresh token for access tokens; Dovecot and the relay ask its introspection
endpoint whether the token they were shown is live.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterator

import pytest
import trustme
from structlog.testing import capture_logs

from tests.helpers import SUPPORT, make_mail
from tests.servers.auth_relay import AuthRelay
from tests.servers.dovecot import DovecotServer
from tests.servers.fixtures import server_dir
from tests.servers.oauth2_endpoint import OAuth2Endpoint, dovecot_oauth2_config
from zsupport_mail.edges import imap_client
from zsupport_mail.edges.oauth2 import TokenError, TokenSource, token_problems, token_source
from zsupport_mail.mail.replies import ReplyRenderer
from zsupport_mail.queues.outbox import deliver_due
from zsupport_mail.queues.status import read_queue_status
from zsupport_mail.runtime.metrics import Metrics
from zsupport_mail.runtime.monitoring import Monitor
from zsupport_mail.runtime.pipeline import Pipeline
from zsupport_mail.settings.clock import utc_now

USER = "support"


@pytest.fixture
def endpoint() -> Iterator[OAuth2Endpoint]:
    server = OAuth2Endpoint(USER, "refresh-0").start()
    yield server
    server.stop()


@pytest.fixture
def oauth2_dovecot(endpoint) -> Iterator[DovecotServer]:
    with server_dir("dovecot") as base_dir:
        server = DovecotServer(
            base_dir, extra_config=dovecot_oauth2_config(base_dir, endpoint.introspection_url)
        )
        try:
            server.start()
            yield server
        finally:
            server.stop()


def _provider(endpoint, tmp_path, mechanism: str = "xoauth2") -> dict:
    refresh = tmp_path / "m365.refresh"
    refresh.write_text(endpoint.refresh_token + "\n")
    secret = tmp_path / "m365.secret"
    secret.write_text("client-secret-value\n")
    return {
        "token_url": endpoint.token_url,
        "client_id": "zsupport-desk",
        "client_secret_file": str(secret),
        "refresh_token_file": str(refresh),
        "scope": "https://outlook.office365.com/IMAP.AccessScope offline_access",
        "mechanism": mechanism,
    }


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_a_mailbox_logs_in_with_an_oauth2_token(
    mechanism, endpoint, oauth2_dovecot, make_settings, tmp_path
):
    settings = make_settings(
        oauth2={"m365": _provider(endpoint, tmp_path, mechanism)},
        imap={
            "mailboxes": [
                {
                    "host": "127.0.0.1",
                    "port": oauth2_dovecot.port,
                    "tls": "none",
                    "user": USER,
                    "oauth2": "m365",
                }
            ]
        },
    )
    [mailbox] = settings.imap.mailboxes

    client = imap_client.connect(mailbox, timeout=10)
    try:
        assert client.folder_exists("INBOX")
    finally:
        imap_client.close(client)

    [grant] = endpoint.grants
    assert grant["grant_type"] == "refresh_token"
    assert grant["client_secret"] == "client-secret-value"
    assert endpoint.introspected == ["access-1"]  # Dovecot checked the token we presented


def test_a_revoked_token_fails_the_login_and_the_next_one_is_fresh(
    endpoint, oauth2_dovecot, make_settings, tmp_path
):
    settings = make_settings(
        oauth2={"m365": _provider(endpoint, tmp_path)},
        imap={"mailboxes": [{"host": "127.0.0.1", "port": oauth2_dovecot.port, "tls": "none",
                             "user": USER, "oauth2": "m365"}]},
    )  # fmt: skip
    [mailbox] = settings.imap.mailboxes
    imap_client.close(imap_client.connect(mailbox, timeout=10))
    endpoint.revoke_all()  # e.g. the tenant revoked the app's sessions

    refused = imap_client.describe(mailbox)
    again = imap_client.describe(mailbox)

    assert refused["login"] is False
    assert "login failed" in refused["error"]
    assert again["login"] is True  # the refused token was dropped and a fresh one fetched
    assert endpoint.introspected == ["access-1", "access-1", "access-2"]


def test_tokens_are_refreshed_before_they_expire_and_rotation_is_kept(
    endpoint, make_settings, tmp_path
):
    endpoint.lifetime, endpoint.rotate = 600, True
    [provider] = make_settings(oauth2={"m365": _provider(endpoint, tmp_path)}).oauth2
    now = [1000.0]
    source = TokenSource(provider, clock=lambda: now[0])

    first = source.access_token()
    now[0] += 299  # 600 s tokens are renewed 300 s before they expire
    assert source.access_token() == first
    assert len(endpoint.grants) == 1
    now[0] += 2
    second = source.access_token()

    assert second != first
    assert len(endpoint.grants) == 2
    assert endpoint.grants[1]["refresh_token"] == "refresh-access-1"  # the rotated one was used
    assert provider.refresh_token_file.read_text().strip() == "refresh-access-2"


def test_a_failed_refresh_is_logged_and_fails_the_health_check(
    endpoint, make_settings, sessions, tmp_path
):
    settings = make_settings(oauth2={"m365": _provider(endpoint, tmp_path)})
    endpoint.refusing = True
    source = token_source(settings.oauth2[0])  # this process's cache, as serve's health sees

    with capture_logs() as logs, pytest.raises(TokenError, match="invalid_grant"):
        source.access_token()

    [event] = [e for e in logs if e["event"] == "oauth2_refresh_failed"]
    assert event["provider"] == "m365"
    assert "refresh token revoked" in event["reason"]
    assert "refresh-0" not in json.dumps(logs)  # the credential never reaches the log

    async def read_queues():
        with sessions.begin() as session:
            return read_queue_status(session, utc_now())

    monitor = Monitor(Metrics(), read_queues, lambda: True, settings.oauth2)
    status, body = asyncio.run(monitor.health())
    assert status == 503
    assert body["failing"] == ["oauth2"]
    assert "invalid_grant" in body["oauth2"]["m365"]
    endpoint.refusing = False
    source.access_token()
    assert token_problems(settings.oauth2) == {}
    assert asyncio.run(monitor.health())[0] == 200


@pytest.fixture
def oauth2_relay(endpoint, tmp_path) -> Iterator[tuple[AuthRelay, str]]:
    ca = trustme.CA()
    ca_file, cert, key = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    issued = ca.issue_cert("127.0.0.1")
    issued.cert_chain_pems[0].write_to_path(str(cert))
    issued.private_key_pem.write_to_path(str(key))
    with contextlib.ExitStack() as stack:
        relay = AuthRelay(
            stack.enter_context(server_dir("relay")), "starttls", (cert, key), USER, "x"
        )
        relay.introspection_url = endpoint.introspection_url
        stack.callback(relay.stop)
        yield relay.start(), str(ca_file)


@pytest.mark.parametrize("mechanism", ["xoauth2", "oauthbearer"])
def test_replies_leave_through_a_relay_that_takes_oauth2(
    mechanism, endpoint, oauth2_relay, make_settings, sessions, tmp_path
):
    relay, ca_file = oauth2_relay
    settings = make_settings(
        oauth2={"google": _provider(endpoint, tmp_path, mechanism)},
        outbound={"mode": "smtp", "relay_host": relay.host, "relay_port": relay.port,
                  "relay_security": "starttls", "relay_ca_file": ca_file,
                  "relay_username": USER, "relay_oauth2": "google"},
    )  # fmt: skip
    Pipeline(settings, sessions, ReplyRenderer(settings), utc_now).ingest(
        make_mail(), source="smtp", mailbox=SUPPORT
    )

    report = deliver_due(sessions, settings.outbound, utc_now())

    assert report.sent == 1
    [(facts, _)] = relay.messages()
    assert facts["login"] == USER
    assert facts["encrypted"] is True
    assert endpoint.introspected == ["access-1"]
