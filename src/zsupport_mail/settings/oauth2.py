"""[oauth2.NAME]: token endpoints that mailboxes (``oauth2 = "NAME"``) and the relay
(``relay_oauth2 = "NAME"``) log in through, instead of a password.

The client secret may come from a file, and the refresh token always does: it is a
long-lived credential, and the daemon writes a rotated one back to the same file.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from zsupport_mail.settings.reader import REQUIRED, Reader, existing_file, is_loopback
from zsupport_mail.settings.schema import OAuth2Settings

OAUTH2_MECHANISMS = ("xoauth2", "oauthbearer")
_NAME = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def _secret(reader: Reader) -> str | None:
    path = existing_file(reader, "client_secret_file")
    if path is None:
        return None
    secret = path.read_text(encoding="utf-8").strip()
    if not secret:
        reader.problem("client_secret_file", f"{str(path)!r} is empty")
    return secret or None


def _read_one(name: str, reader: Reader) -> OAuth2Settings | None:
    url = reader.string("token_url", REQUIRED)
    client_id = reader.string("client_id", REQUIRED)
    refresh_file = existing_file(reader, "refresh_token_file")
    if reader.string("refresh_token_file") is None:
        reader.problem("refresh_token_file", "missing; expected the file holding the refresh token")
    scope = reader.string("scope", "")
    mechanism = reader.string("mechanism", "xoauth2", choices=OAUTH2_MECHANISMS)
    secret = _secret(reader)
    reader.reject_unknown()
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and is_loopback(parts.hostname or "")
        ):
            reader.problem(
                "token_url", f"expected an https:// URL (http only on loopback), got {url!r}"
            )
            return None
    if not _NAME.match(name):
        reader.problem("", f"expected a name of letters, digits, - and _, got {name!r}")
        return None
    if None in (url, client_id, refresh_file, mechanism):
        return None
    assert isinstance(refresh_file, Path)
    return OAuth2Settings(name, url, client_id, refresh_file, scope or "", mechanism, secret)


def read_oauth2(reader: Reader) -> dict[str, OAuth2Settings]:
    """Every [oauth2.NAME] table, by name."""
    found = {}
    for name in reader.names():
        settings = _read_one(name, reader.table(name))
        if settings is not None:
            found[name] = settings
    reader.reject_unknown()
    return found


def named_provider(
    reader: Reader, key: str, providers: dict[str, OAuth2Settings]
) -> OAuth2Settings | None:
    """The provider a mailbox or the relay names in key, or None (a problem if unknown)."""
    name = reader.string(key)
    if name is None:
        return None
    if name not in providers:
        known = ", ".join(sorted(providers)) or "none"
        reader.problem(key, f"no [oauth2.{name}] table (defined: {known})")
        return None
    return providers[name]
