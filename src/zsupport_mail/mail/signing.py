"""DKIM signatures for the mail we send, with dkimpy (RFC 6376, rsa-sha256).

Clients' spam filters rate unsigned replies poorly. We sign at delivery, not when the mail is
queued, so a key rotated in the configuration applies to everything still in the outbox. The
signed headers are the ones a reply's meaning depends on (From, To, Subject, Date, the
threading headers); relaxed canonicalisation survives relays that refold headers.
"""

from __future__ import annotations

import dkim

from zsupport_mail.settings.schema import DkimSettings

SIGNED_HEADERS = (
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"message-id",
    b"in-reply-to",
    b"references",
    b"reply-to",
    b"auto-submitted",
    b"mime-version",
    b"content-type",
    b"content-transfer-encoding",
)


def dkim_sign(raw: bytes, settings: DkimSettings) -> bytes:
    """Return raw with a DKIM-Signature header prepended, signed with the configured key.

    Raises:
        dkim.DKIMException: the message cannot be signed (e.g. it has no From header).
    """
    signature: bytes = dkim.sign(
        raw,
        settings.selector.encode("ascii"),
        settings.domain.encode("ascii"),
        settings.private_key,
        canonicalize=(b"relaxed", b"relaxed"),
        include_headers=list(SIGNED_HEADERS),
        linesep=b"\r\n",
    )
    return signature + raw
