"""A local OAuth2 authorization server: the token endpoint and RFC 7662 token introspection.

It plays the Microsoft identity platform or Google for the tests: the daemon trades a refresh
token for access tokens at /token, and Dovecot's oauth2 passdb (and the test relay) ask
/introspect whether a token is live and whose it is. A real HTTP server on loopback.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class OAuth2Endpoint:
    """Issues access-N tokens for one refresh token; can rotate it, or refuse every refresh."""

    def __init__(self, username: str, refresh_token: str, lifetime: int = 3600) -> None:
        self.username, self.refresh_token, self.lifetime = username, refresh_token, lifetime
        self.rotate = False  # answer each refresh with a new refresh token
        self.refusing = False  # answer 400 invalid_grant, as for a revoked consent
        self.grants: list[dict[str, str]] = []  # every /token form received
        self.introspected: list[str] = []
        self._live: dict[str, float] = {}  # access token -> expiry (monotonic)
        self._numbers = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self.token_url = f"http://127.0.0.1:{self.port}/token"
        self.introspection_url = f"http://127.0.0.1:{self.port}/introspect"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> OAuth2Endpoint:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def revoke_all(self) -> None:
        """Every access token issued so far stops working."""
        self._live.clear()

    def _grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        self.grants.append(form)
        if self.refusing or form.get("refresh_token") != self.refresh_token:
            return 400, {"error": "invalid_grant", "error_description": "refresh token revoked"}
        token = f"access-{next(self._numbers)}"
        self._live[token] = time.monotonic() + self.lifetime
        answer: dict[str, Any] = {"access_token": token, "token_type": "Bearer"}
        answer["expires_in"] = self.lifetime
        if self.rotate:
            self.refresh_token = f"refresh-{token}"
            answer["refresh_token"] = self.refresh_token
        return 200, answer

    def _introspect(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        token = form.get("token", "")
        self.introspected.append(token)
        live = self._live.get(token, 0) > time.monotonic()
        return 200, {"active": "true" if live else "false", "username": self.username}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                route = {"/token": endpoint._grant, "/introspect": endpoint._introspect}
                action = route.get(self.path.split("?", 1)[0])
                status, body = action(form) if action else (404, {"error": "not_found"})
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        return Handler


def dovecot_oauth2_config(base_dir: Path, introspection_url: str) -> str:
    """Dovecot config lines for its oauth2 passdb, checking tokens at introspection_url."""
    settings = base_dir / "dovecot-oauth2.conf.ext"
    settings.write_text(
        "introspection_mode = post\n"
        f"introspection_url = {introspection_url}\n"
        "force_introspection = yes\n"
        "username_attribute = username\n"
        "active_attribute = active\n"
        "active_value = true\n"
    )
    settings.chmod(0o644)  # read by Dovecot's auth process, not root
    return (
        "\nauth_mechanisms = plain login xoauth2 oauthbearer\n"
        "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
        f"  args = {settings}\n}}\n"
    )
