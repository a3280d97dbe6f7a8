"""Signed Message-IDs: our outbound mail names its ticket in a token only we can make.

``<zs.ZS-000123.5f2c9a.8c1d2e3f4a5b@support.example>``: the ticket number, a random part and
an HMAC-SHA256 of both under the configured secret. A reply that references such an ID
proves which ticket it answers, even when a provider rewrote the subject, and nobody can forge
one for a ticket they guessed. Without a secret, plain random Message-IDs are used.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_TOKEN = re.compile(r"^<zs\.([A-Z0-9]+-\d+)\.([0-9a-f]{12})\.([0-9a-f]{16})@[^>]+>$")


def _signature(secret: str, number: str, nonce: str) -> str:
    digest = hmac.new(secret.encode(), f"{number}.{nonce}".encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def make_message_id(number: str, domain: str, secret: str | None) -> str:
    """A fresh Message-ID for mail on ticket `number`; signed when a secret is set."""
    nonce = secrets.token_hex(6)
    if not secret:
        return f"<zs.{secrets.token_hex(12)}@{domain}>"
    return f"<zs.{number}.{nonce}.{_signature(secret, number, nonce)}@{domain}>"


def ticket_of(message_id: str, secret: str | None) -> str | None:
    """The ticket number a Message-ID of ours was signed for, or None."""
    if not secret:
        return None
    match = _TOKEN.match(message_id)
    if match is None:
        return None
    number, nonce, signature = match.groups()
    expected = _signature(secret, number, nonce)
    return number if hmac.compare_digest(expected, signature) else None
