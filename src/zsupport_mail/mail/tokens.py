"""Signed Message-IDs: our outbound mail names its ticket in a token only we can make.

``<zs.ZS-000123.5f2c9a.8c1d2e3f4a5b@support.example>``: the ticket number, a random part and
an HMAC-SHA256 of both under the configured secret. A reply that references such an ID
proves which ticket it answers, even when a provider rewrote the subject, and nobody can forge
one for a ticket they guessed. Without a secret, plain random Message-IDs are used.

Mail that only staff receive (the staff copy of a ticket, an SLA alert) carries the audience
in the token, ``<zs.ZS-000123.staff.5f2c9a.8c1d2e3f4a5b@support.example>``, inside the HMAC:
a reply that threads to it proves the writer received staff mail, which a client's copy or a
guess cannot give. This is what staff authority rests on (see intake's sender rules).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

_TOKEN = re.compile(r"^<zs\.([A-Z0-9]+-\d+)\.(?:(staff)\.)?([0-9a-f]{12})\.([0-9a-f]{16})@[^>]+>$")
CLIENT, STAFF = "client", "staff"


def _signature(secret: str, number: str, nonce: str, audience: str = CLIENT) -> str:
    # A client token signs "number.nonce" as it always has, so IDs already sent still verify.
    signed = f"{number}.{nonce}" if audience == CLIENT else f"{number}.{audience}.{nonce}"
    digest = hmac.new(secret.encode(), signed.encode(), hashlib.sha256)
    return digest.hexdigest()[:16]


def make_message_id(number: str, domain: str, secret: str | None, *, audience: str = CLIENT) -> str:
    """A fresh Message-ID for mail on ticket `number`; signed when a secret is set.

    ``audience=STAFF`` marks mail that only staff receive; replies to it prove staff.
    """
    nonce = secrets.token_hex(6)
    if not secret:
        return f"<zs.{secrets.token_hex(12)}@{domain}>"
    part = "" if audience == CLIENT else f"{audience}."
    return f"<zs.{number}.{part}{nonce}.{_signature(secret, number, nonce, audience)}@{domain}>"


def signed_for(message_id: str, secret: str | None) -> tuple[str, str] | None:
    """(ticket number, audience) a Message-ID of ours was signed for, or None if not ours."""
    if not secret:
        return None
    match = _TOKEN.match(message_id)
    if match is None:
        return None
    number, staff, nonce, signature = match.groups()
    audience = STAFF if staff else CLIENT
    expected = _signature(secret, number, nonce, audience)
    return (number, audience) if hmac.compare_digest(expected, signature) else None


def ticket_of(message_id: str, secret: str | None) -> str | None:
    """The ticket number a Message-ID of ours was signed for (any audience), or None."""
    signed = signed_for(message_id, secret)
    return signed[0] if signed else None


def is_staff_message_id(message_id: str, secret: str | None) -> bool:
    """Whether the ID is one we signed for mail that only staff received."""
    signed = signed_for(message_id, secret)
    return signed is not None and signed[1] == STAFF
