"""OAuth2 access tokens for mail servers that refuse passwords (Microsoft 365, Google).

A refresh token, obtained once by the operator (see docs/OPERATIONS.md), is traded at the
configured token endpoint for short-lived access tokens (RFC 6749 section 6), which log in to
IMAP and to the relay with XOAUTH2 or OAUTHBEARER (RFC 7628). A token is refreshed before it
expires (REFRESH_MARGIN, or half its lifetime when that is shorter), so a login never
presents a stale one; a rotated refresh token (Microsoft rotates them) is written back to its
file atomically. A failed refresh is logged (``oauth2_refresh_failed``) and makes /healthz
fail until a refresh succeeds.

The grant is one form POST, so it uses the standard library: authlib's and msal's clients
would bring requests or httpx, and msal fits only Microsoft. Each process keeps its own cache
of tokens (``token_source``): serve's IMAP pollers and health check share the main process's,
the outbox sender child has its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

import structlog

from zsupport_mail.settings.schema import OAuth2Settings

log = structlog.get_logger("zsupport_mail.edges.oauth2")
REFRESH_MARGIN_SECONDS = 300.0


class TokenError(Exception):
    """No access token could be had; str(self) says why (never the token itself)."""


def sasl_string(mechanism: str, user: str, token: str, host: str = "", port: int = 0) -> str:
    """The initial client response of XOAUTH2 (Google's and Microsoft's) or OAUTHBEARER."""
    if mechanism == "oauthbearer":
        return f"n,a={user},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01"
    return f"user={user}\x01auth=Bearer {token}\x01\x01"


class TokenSource:
    """Access tokens for one OAuth2Settings, refreshed ahead of expiry; thread-safe."""

    def __init__(
        self, settings: OAuth2Settings, clock: Callable[[], float] = time.time, timeout: float = 15
    ) -> None:
        self.settings, self._clock, self._timeout = settings, clock, timeout
        self._lock = threading.Lock()
        self._token: str | None = None
        self._refresh_at = 0.0
        self.last_error: str | None = None

    def access_token(self) -> str:
        """A token valid for at least the refresh margin.

        Raises:
            TokenError: the endpoint refused or could not be reached.
        """
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._refresh()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """Forget the token (the server refused it): the next use refreshes first."""
        with self._lock:
            self._token = None

    def _refresh(self) -> None:
        try:
            answer = self._post(self._form())
            token = str(answer["access_token"])
            lifetime = float(str(answer.get("expires_in", 3600)))
        except TokenError as exc:
            self._fail(str(exc))
            raise
        except (KeyError, TypeError, ValueError) as exc:
            self._fail(f"the token endpoint's answer has no usable access_token: {exc!r}")
            raise TokenError(self.last_error or "") from exc
        rotated = answer.get("refresh_token")
        if isinstance(rotated, str) and rotated:
            self._store_refresh_token(rotated)
        margin = min(REFRESH_MARGIN_SECONDS, lifetime / 2)
        self._token, self._refresh_at = token, self._clock() + lifetime - margin
        if self.last_error is not None:
            log.info("oauth2_refresh_recovered", provider=self.settings.name)
        self.last_error = None
        log.info("oauth2_token_refreshed", provider=self.settings.name, expires_in=lifetime)

    def _fail(self, reason: str) -> None:
        self.last_error = reason
        log.error("oauth2_refresh_failed", provider=self.settings.name, reason=reason)

    def _form(self) -> dict[str, str]:
        try:
            refresh = self.settings.refresh_token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise TokenError(f"cannot read {self.settings.refresh_token_file}: {exc}") from exc
        form = {"grant_type": "refresh_token", "refresh_token": refresh}
        form["client_id"] = self.settings.client_id
        if self.settings.client_secret:
            form["client_secret"] = self.settings.client_secret
        if self.settings.scope:
            form["scope"] = self.settings.scope
        return form

    def _post(self, form: dict[str, str]) -> dict[str, object]:
        request = urllib.request.Request(
            self.settings.token_url,
            data=urllib.parse.urlencode(form).encode(),
            headers={"Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise TokenError(f"token endpoint answered {exc.code}: {_oauth_error(exc)}") from exc
        except (OSError, ValueError) as exc:
            raise TokenError(f"token endpoint unreachable: {exc}") from exc
        if not isinstance(answer, dict):
            raise TokenError("the token endpoint's answer is not a JSON object")
        return answer

    def _store_refresh_token(self, token: str) -> None:
        """Write a rotated refresh token next to the old one, then rename over it."""
        path = self.settings.refresh_token_file
        if path.read_text(encoding="utf-8").strip() == token:
            return
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        temporary.write_text(token + "\n", encoding="utf-8")
        os.chmod(temporary, path.stat().st_mode & 0o777)
        os.replace(temporary, path)


def _oauth_error(exc: urllib.error.HTTPError) -> str:
    """RFC 6749 section 5.2's error and description (invalid_grant: the refresh token died)."""
    try:
        body = json.loads(exc.read())
        return f"{body.get('error')}: {body.get('error_description', '')}".strip(": ")
    except (OSError, ValueError, AttributeError):
        return str(exc.reason)


_SOURCES: dict[OAuth2Settings, TokenSource] = {}
_SOURCES_LOCK = threading.Lock()


def token_source(settings: OAuth2Settings) -> TokenSource:
    """This process's TokenSource for settings (one cache per process, shared by threads)."""
    with _SOURCES_LOCK:
        if settings not in _SOURCES:
            _SOURCES[settings] = TokenSource(settings)
        return _SOURCES[settings]


def token_problems(providers: tuple[OAuth2Settings, ...]) -> dict[str, str]:
    """Those of providers whose last refresh in this process failed, with why (/healthz)."""
    with _SOURCES_LOCK:
        sources = [_SOURCES[p] for p in providers if p in _SOURCES]
    return {s.settings.name: s.last_error for s in sources if s.last_error is not None}


def refresh_all(providers: tuple[OAuth2Settings, ...]) -> None:
    """Ask every provider for a token now, so each is refreshed ahead of its expiry.

    serve calls this on every scheduler tick; a failure is logged and shown by /healthz
    (token_problems), and the next tick tries again.
    """
    for provider in providers:
        with contextlib.suppress(TokenError):
            token_source(provider).access_token()
