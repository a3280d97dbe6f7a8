"""One IMAP session as the edge needs it: connect over TLS, log in, manage folders, move mail.

TLS uses ``ssl.create_default_context()`` (certificate and host name checked against the system
trust store) and never falls back to plaintext: with ``starttls`` a server that does not offer
STARTTLS, or a failed handshake, ends the attempt before the password is sent. ``tls = "none"``
is only accepted by the config for loopback hosts. The module also reads what the server
announces (new mail, BYE), and ``describe`` is what ``imap check`` prints.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
from collections.abc import Sequence
from typing import Any

from imapclient import SEEN, IMAPClient
from imapclient.exceptions import CapabilityError, LoginError

from zsupport_mail.edges.oauth2 import TokenError, token_source
from zsupport_mail.settings import ImapMailboxSettings

IO_TIMEOUT_SECONDS = 60.0


class TlsError(Exception):
    """TLS could not be established; nothing was sent in the clear."""


class FolderMissing(Exception):
    """The watched folder does not exist on the server."""


class ConnectionLost(Exception):
    """The server ended the session (BYE) or the socket closed."""


def connect(mailbox: ImapMailboxSettings, timeout: float = IO_TIMEOUT_SECONDS) -> Any:
    """A logged-in IMAPClient (UIDs, aware INTERNALDATEs) for one configured mailbox.

    Raises:
        TlsError: the TLS handshake failed or STARTTLS is not offered.
        imapclient.exceptions.LoginError: the server refused the user or password.
        OSError, IMAPClient.Error: the server is unreachable or misbehaved.
    """
    context = ssl.create_default_context()
    try:
        client = IMAPClient(
            mailbox.host,
            mailbox.port,
            ssl=mailbox.tls == "ssl",
            ssl_context=context if mailbox.tls == "ssl" else None,
            timeout=timeout,
        )
    except ssl.SSLError as exc:
        raise TlsError(f"TLS handshake with {mailbox.host}:{mailbox.port} failed: {exc}") from exc
    try:
        if mailbox.tls == "starttls":
            _starttls(client, context)
        _login(client, mailbox)
    except BaseException:
        close(client)
        raise
    client.normalise_times = False  # INTERNALDATE with its offset, not naive local time
    _keepalive(client.socket())
    return client


def _login(client: Any, mailbox: ImapMailboxSettings) -> None:
    """The password, or an OAuth2 access token by XOAUTH2 or OAUTHBEARER (RFC 7628)."""
    if mailbox.oauth2 is None:
        client.login(mailbox.user, mailbox.password)
        return
    source = token_source(mailbox.oauth2)
    token = source.access_token()
    try:
        if mailbox.oauth2.mechanism == "oauthbearer":
            client.oauthbearer_login(mailbox.user, token)
        else:
            client.oauth2_login(mailbox.user, token)
    except LoginError:
        source.invalidate()  # revoked early, perhaps: the next attempt gets a fresh token
        raise


def _keepalive(sock: socket.socket) -> None:
    """Turn on TCP keepalive: a server that vanished without closing is noticed in minutes.

    Without it a silent network drop goes unseen until the next IDLE renewal (25 minutes).
    The timings use Linux's option names; elsewhere the OS defaults apply.
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    for name, value in (("TCP_KEEPIDLE", 60), ("TCP_KEEPINTVL", 15), ("TCP_KEEPCNT", 4)):
        if hasattr(socket, name):
            sock.setsockopt(socket.IPPROTO_TCP, getattr(socket, name), value)


def _starttls(client: Any, context: ssl.SSLContext) -> None:
    try:
        client.starttls(context)
    except CapabilityError as exc:
        raise TlsError(
            "the server does not offer STARTTLS; refusing to log in in the clear"
        ) from exc
    except (ssl.SSLError, IMAPClient.Error) as exc:
        raise TlsError(f"STARTTLS failed: {exc}") from exc


def close(client: Any) -> None:
    """Log out, or just drop the connection when it is already broken."""
    try:
        client.logout()
    except Exception:
        with contextlib.suppress(Exception):
            client.shutdown()


def ensure_folder(client: Any, folder: str) -> bool:
    """Create folder if it is missing; returns True when this call created it."""
    if client.folder_exists(folder):
        return False
    try:
        client.create_folder(folder)
    except IMAPClient.Error:
        if not client.folder_exists(folder):
            raise
        return False  # another poller created it a moment ago
    return True


def move_messages(client: Any, uids: list[int], folder: str) -> None:
    r"""Flag \Seen, then MOVE (RFC 6851), or COPY + \Deleted + EXPUNGE where MOVE is missing.

    Without UIDPLUS the fallback's plain EXPUNGE also removes any other message someone
    flagged \Deleted in the watched folder, as a mail client closing the folder would.
    """
    client.add_flags(uids, [SEEN], silent=True)
    if client.has_capability("MOVE"):
        client.move(uids, folder)
        return
    client.copy(uids, folder)
    client.delete_messages(uids, silent=True)
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(uids)
    else:
        client.expunge()


def announced_new_mail(client: Any) -> bool:
    """Take the EXISTS announcements imaplib has kept from earlier command responses.

    The server reports mail that arrived during a command at that command's end; imapclient
    leaves such untagged responses in imaplib's store, and the server will not repeat them in
    IDLE. Without this check a message arriving during the last SEARCH waits for the next one.
    """
    untagged = getattr(getattr(client, "_imap", None), "untagged_responses", {})
    return untagged.pop("EXISTS", None) is not None


def has_buffered_input(client: Any) -> bool:
    """Whether imaplib already holds server data that poll() on the socket cannot see.

    imaplib reads through a buffered file: lines that came in the same packet as the one it
    asked for wait in that buffer, and imapclient's idle_check (which polls the socket) would
    not report them until the next event, up to the IDLE renewal 25 minutes later.
    """
    reader: Any = getattr(getattr(client, "_imap", None), "file", None)
    if not hasattr(reader, "peek"):
        return False
    sock = client.socket()
    timeout = sock.gettimeout()
    sock.setblocking(False)  # peek on an empty buffer reads the socket: must not block
    try:
        return bool(reader.peek(1))
    except (BlockingIOError, ssl.SSLWantReadError):
        return False
    finally:
        sock.settimeout(timeout)


def new_mail_in(responses: Sequence[tuple[Any, ...]]) -> bool:
    """Whether IDLE responses announce new mail ("* OK Still here" keepalives do not).

    Raises:
        ConnectionLost: the server said BYE (shutting down, or the folder was deleted).
    """
    if any(r and r[0] == b"BYE" for r in responses):
        raise ConnectionLost("the server said BYE")
    return any(len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses)


def describe(mailbox: ImapMailboxSettings) -> dict[str, Any]:
    """Log in and report what `imap check` shows: folders, IDLE/MOVE support, waiting mail."""
    report: dict[str, Any] = {
        "mailbox": mailbox.key,
        "ok": False,
        "error": None,
        "tls": mailbox.tls,
        "folder": mailbox.folder,
        "processed_folder": mailbox.processed_folder,
        "login": False,
        "folder_exists": None,
        "processed_folder_exists": None,
        "idle": None,
        "move": None,
        "messages": None,
        "unseen": None,
    }
    try:
        client = connect(mailbox, timeout=30)
    except LoginError as exc:
        return {**report, "error": f"login failed: {exc}"}
    except TokenError as exc:
        return {**report, "error": f"no OAuth2 token: {exc}"}
    except TlsError as exc:
        return {**report, "error": str(exc)}
    except (OSError, IMAPClient.Error) as exc:
        return {**report, "error": f"cannot connect to {mailbox.host}:{mailbox.port}: {exc}"}
    try:
        report.update(_inspect(client, mailbox))
    except (OSError, IMAPClient.Error) as exc:
        report["error"] = f"lost the connection: {exc}"
    finally:
        close(client)
    return report


def _inspect(client: Any, mailbox: ImapMailboxSettings) -> dict[str, Any]:
    exists = bool(client.folder_exists(mailbox.folder))
    found: dict[str, Any] = {
        "ok": exists,
        "error": None if exists else f"folder {mailbox.folder!r} does not exist",
        "login": True,
        "folder_exists": exists,
        "processed_folder_exists": bool(client.folder_exists(mailbox.processed_folder)),
        "idle": bool(client.has_capability("IDLE")),
        "move": bool(client.has_capability("MOVE")),
    }
    if exists:
        status = client.folder_status(mailbox.folder, ["MESSAGES", "UNSEEN"])
        found["messages"], found["unseen"] = int(status[b"MESSAGES"]), int(status[b"UNSEEN"])
    return found
