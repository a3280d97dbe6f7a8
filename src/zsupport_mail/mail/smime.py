"""S/MIME "opaque" signed mail (application/pkcs7-mime; smime-type=signed-data) opened up.

Clear-signed S/MIME (multipart/signed) needs nothing: its text is an ordinary part and its
smime.p7s an ordinary attachment. Opaque signing, which Outlook uses when "send clear
signed" is off, wraps the whole body inside the signature, so a MIME parser sees only an
smime.p7m blob and no text. Here the signed content is taken out of the CMS structure
(asn1crypto, a maintained pure-Python ASN.1/CMS parser) and put back under the original
headers; the signature itself is kept as an attachment. We read the signed content; we do
not verify the signature (the contract authorises senders by address, not by certificate).
Encrypted S/MIME (enveloped-data) cannot be read without our private key and is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

PKCS7_MIME = ("application/pkcs7-mime", "application/x-pkcs7-mime")
_HEADER_END = re.compile(rb"\r?\n\r?\n")
_CONTENT_HEADER = re.compile(rb"^content-[^:]*:.*(?:\r?\n[ \t].*)*\r?\n", re.IGNORECASE | re.M)


@dataclass(frozen=True)
class Unwrapped:
    """The mail with its signed content in place of the blob, and the blob itself."""

    raw: bytes
    signature: bytes


def _decoded(headers: Message, body: bytes) -> bytes:
    """The body without its transfer encoding (base64, as a rule)."""
    message = Message()
    message["Content-Transfer-Encoding"] = str(headers.get("content-transfer-encoding", ""))
    message.set_payload(body)
    payload = message.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else body


def _signed_content(der: bytes) -> bytes | None:
    # Imported here: asn1crypto's x509 tables cost about 0.1 s, paid by every CLI call and
    # every child of serve at start, while opaque-signed mail is rare.
    from asn1crypto import cms

    try:
        info = cms.ContentInfo.load(der)
        if info["content_type"].native != "signed_data":
            return None
        content = info["content"]["encap_content_info"]["content"].native
    except Exception:  # asn1crypto raises many types on DER it cannot read: not a signature
        return None
    return content if isinstance(content, bytes) and content else None


def unwrap_opaque_signed(raw: bytes) -> Unwrapped | None:
    """raw with an opaque S/MIME signature opened, or None when raw is not such a mail."""
    end = _HEADER_END.search(raw)
    if end is None:
        return None
    head, body = raw[: end.start()] + b"\r\n", raw[end.end() :]
    headers = BytesHeaderParser(policy=compat32).parsebytes(head)
    if headers.get_content_type() not in PKCS7_MIME:
        return None
    smime_type = str(headers.get_param("smime-type", "") or "").lower()
    if smime_type not in ("signed-data", ""):
        return None  # enveloped-data (encrypted) or a certificate bundle
    der = _decoded(headers, body)
    content = _signed_content(der)
    if content is None:
        return None
    return Unwrapped(_CONTENT_HEADER.sub(b"", head) + content, der)
