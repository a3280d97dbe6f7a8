"""Drive the portal of a real ``serve`` over HTTP: forms with their CSRF token, and sign-in by
the link the daemon mailed into the test's maildir (the only way in, as for a person)."""

from __future__ import annotations

import email
import re
import time
from email.policy import default
from pathlib import Path

import httpx

from tests.servers.ports import free_port

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_TOKEN = re.compile(r'name="token" value="([^"]+)"')
_LINK = re.compile(r"(https?://\S+/signin\?token=\S+)")


def portal_overrides(**portal: object) -> dict[str, object]:
    """Config sections turning the portal on at a free loopback port."""
    port = free_port()
    return {
        "portal": {
            "host": "127.0.0.1",
            "port": port,
            "base_url": f"http://127.0.0.1:{port}",
            **portal,
        }
    }


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = _CSRF.search(html)
    assert match, html[:2000]
    return match.group(1)


def mails(outbox: Path) -> list[Path]:
    """Delivered mail files, oldest first."""
    return sorted((outbox / "new").glob("*"), key=lambda p: p.stat().st_mtime_ns)


def wait_for_mail(outbox: Path, to: str, before: set[Path], timeout: float = 20):
    """The first new mail to `to` since `before` (an email.message.EmailMessage)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in mails(outbox):
            if path in before:
                continue
            message = email.message_from_bytes(path.read_bytes(), policy=default)
            if message["To"] == to:
                return message
        time.sleep(0.1)
    raise AssertionError(f"no mail to {to} within {timeout}s")


class Browserless:
    """An HTTP client with a cookie jar, as a browser would use the portal."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def get(self, path: str) -> httpx.Response:
        return self.http.get(path)

    def post_form(self, page: str, action: str, data: dict[str, str], **kw) -> httpx.Response:
        """GET page for its CSRF token, then POST data to action with it."""
        token = csrf_of(self.get(page).text)
        return self.http.post(action, data={"csrf": token, **data}, **kw)

    def request_link(self, address: str) -> httpx.Response:
        return self.post_form("/", "/login", {"email": address})

    def sign_in_with(self, link: str) -> httpx.Response:
        """Open the mailed link and press its button."""
        page = self.get(link.replace(self.base_url, ""))
        token = _TOKEN.search(page.text)
        assert token, page.text[:2000]
        return self.http.post("/signin", data={"csrf": csrf_of(page.text), "token": token.group(1)})

    def sign_in(self, address: str, outbox: Path) -> str:
        """Sign in as address through a mailed link; returns the link (spent)."""
        before = set(mails(outbox))
        assert self.request_link(address).status_code == 200
        link = link_of(wait_for_mail(outbox, address, before))
        response = self.sign_in_with(link)
        assert response.status_code == 303, response.text[:2000]
        return link

    def close(self) -> None:
        self.http.close()


def link_of(message) -> str:
    """The sign-in link in a sign-in mail."""
    match = _LINK.search(message.get_content())
    assert match, message.get_content()
    return match.group(1)
