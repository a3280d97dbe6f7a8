"""A submission relay as hosted smarthosts run it: TLS (STARTTLS or implicit) and AUTH required.

It is aiosmtpd in a process of its own (``python -m tests.servers.auth_relay``), so the daemon
talks to it over a real socket and a real TLS handshake, as it would to Microsoft 365's
smtp.office365.com:587 or Gmail's smtp.gmail.com:465. Each accepted mail is written to the
spool dir as N.eml with N.json beside it: envelope, whether the session was encrypted, and
who logged in. ``security="plain"`` runs a relay that offers neither STARTTLS nor AUTH, the
downgrade a man in the middle would try.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import signal
import ssl
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from tests.servers.ports import free_port, signal_group, wait_for_port


class AuthRelay:
    """The relay process; ``messages()`` reads what it accepted."""

    def __init__(
        self, spool: Path, security: str, cert: tuple[Path, Path] | None, user: str, password: str
    ) -> None:
        self.spool, self.security, self.cert = spool, security, cert
        self.user, self.password = user, password
        self.introspection_url: str | None = None  # also accept XOAUTH2 tokens it calls live
        self.host, self.port = "127.0.0.1", free_port()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> AuthRelay:
        """Start the process and wait until it listens (and greets, when not implicit TLS)."""
        self.spool.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "tests.servers.auth_relay", "--port", str(self.port)]
        command += ["--spool", str(self.spool), "--security", self.security]
        command += ["--user", self.user, "--password", self.password]
        if self.cert is not None:
            command += ["--cert", str(self.cert[0]), "--key", str(self.cert[1])]
        if self.introspection_url is not None:
            command += ["--introspect", self.introspection_url]
        self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, process_group=0)
        greeting = b"" if self.security == "tls" else b"220"
        wait_for_port(self.host, self.port, timeout=20, process=self._process, greeting=greeting)
        return self

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            signal_group(process.pid, signal.SIGTERM)
            process.wait(timeout=10)

    def messages(self) -> list[tuple[dict[str, Any], bytes]]:
        """(session facts, raw bytes) of every accepted mail, in arrival order."""
        found = sorted(self.spool.glob("*.json"), key=lambda p: int(p.stem))
        return [(json.loads(p.read_text()), p.with_suffix(".eml").read_bytes()) for p in found]


class _Spool:
    """The aiosmtpd handler: keep each mail with the facts of the session that brought it."""

    def __init__(self, spool: Path) -> None:
        self.spool = spool
        self.counter = itertools.count(1)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        number = next(self.counter)
        facts = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "encrypted": server.transport.get_extra_info("ssl_object") is not None,
            "login": session.auth_data.login.decode() if session.authenticated else None,
        }
        (self.spool / f"{number}.eml").write_bytes(envelope.original_content)
        (self.spool / f"{number}.json").write_text(json.dumps(facts))
        return "250 2.0.0 queued"


def _live_user(introspection_url: str, token: str) -> str | None:
    """Whose token this is, if the authorization server says it is live (RFC 7662)."""
    data = urllib.parse.urlencode({"token": token}).encode()
    with urllib.request.urlopen(introspection_url, data=data, timeout=10) as response:
        answer = json.loads(response.read())
    return str(answer["username"]) if answer.get("active") == "true" else None


def _serve(args: argparse.Namespace) -> None:
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

    class OAuthSMTP(SMTP):
        """aiosmtpd with AUTH XOAUTH2 (Microsoft 365, Gmail) and OAUTHBEARER (RFC 7628)."""

        async def _oauth(self, arguments: list[str]) -> Any:
            if len(arguments) < 2 or args.introspect is None:
                return AuthResult(success=False)
            parts = base64.b64decode(arguments[1]).decode().split("\x01")
            fields = dict(part.split("=", 1) for part in parts[1:] if "=" in part)
            if parts[0].startswith("n,a="):  # OAUTHBEARER's GS2 header names the user
                fields["user"] = parts[0][4:].rstrip(",")
            else:
                fields.update(dict([parts[0].split("=", 1)]) if "=" in parts[0] else {})
            token = fields.get("auth", "").removeprefix("Bearer ")
            user = await asyncio.to_thread(_live_user, args.introspect, token)
            login = LoginPassword(fields.get("user", "").encode(), b"")
            ok = user is not None and user == fields.get("user")
            return AuthResult(success=ok, handled=False, auth_data=login)

        async def auth_XOAUTH2(self, _: Any, arguments: list[str]) -> Any:
            return await self._oauth(arguments)

        async def auth_OAUTHBEARER(self, _: Any, arguments: list[str]) -> Any:
            return await self._oauth(arguments)

    class OAuthController(Controller):
        def factory(self) -> Any:
            return OAuthSMTP(self.handler, **self.SMTP_kwargs)

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            args.user.encode(),
            args.password.encode(),
        )
        return AuthResult(success=ok, handled=False, auth_data=data)

    context = None
    if args.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    kwargs: dict[str, Any] = {}
    if args.security == "starttls":
        kwargs = {"tls_context": context, "require_starttls": True}
    if args.security != "plain":
        kwargs |= {"authenticator": authenticator, "auth_required": True}
        # aiosmtpd only counts STARTTLS as TLS; an implicit-TLS session is encrypted from the start.
        kwargs["auth_require_tls"] = args.security == "starttls"
    controller = OAuthController(
        _Spool(Path(args.spool)),
        hostname="127.0.0.1",
        port=args.port,
        ssl_context=context if args.security == "tls" else None,
        **kwargs,
    )
    controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    for name in ("port", "spool", "security", "user", "password", "cert", "key", "introspect"):
        parser.add_argument(f"--{name}", type=int if name == "port" else str)
    _serve(parser.parse_args())
