"""company, contact_name, contact_email, contact_phone: who the report is from.

The mail furnishes them in a signature, a form line or the text; what we already hold in the
authorised contact's record counts as furnished too when configured (charging a client for not
retyping what we hold starts billing disputes). Many mail programs leave the signature in the
body, so the sign-off block is found by its shape: the last line near the end that reads like a
person's name (or what follows a "Thanks," / "Regards,"). A contact phone is the sender's own
number (in that block, or after phone/tel/cell/call me), never a number from a call example
and never a fax.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import cast

from zsupport_mail.scoring.extractors.calls import examples_of
from zsupport_mail.scoring.spans import find_phones
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_PHONE_CUE = re.compile(
    r"(?:\b(?:phone|tel|telephone|cell|mobile|direct|office|call me|reach me|callback"
    r"|call back|telefon|handy|mobil|tél|téléphone|teléfono|móvil|celular|fon|ph)\.?"
    r"\s*(?:at|on|is|number|no\.?|#)?\s*[:.]?|(?:^|\s)[TMDOP]\s*:"
    r"|(?:rufen sie mich|erreichen sie mich|erreichbar)[^\n]{0,30}?unter)\s*$",
    re.IGNORECASE,
)
_FAX = re.compile(r"\bfax\b[^\n]{0,12}$", re.IGNORECASE)
# The lookbehind makes a match start only where a run of address characters starts: without
# it, a long run with no "@" (a 1 MB line of letters) is rescanned from every position (n^2).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]+(?:\.[\w-]+)+")
_NAME = r"[A-ZÀ-Ý][a-zà-ÿ'\u2019-]+"  # \u2019: the typographic apostrophe
_NAME_LINE = re.compile(  # "-- Dana Smith", "Dr. Lee Jones (front desk)", "i.A. Jana Müller"
    r"^\s*(?:--\s*|[\u2013\u2014]\s*)?(?:(?:Dr|Mr|Mrs|Ms|Fr|Hr|i\.\s?A|i\.\s?V)\.\s+)?"
    rf"(?P<name>{_NAME}(?:\s+(?:[A-Z]\.\s+)?{_NAME}){{1,2}})"
    r"\s*(?:[,|/(\u2013\u2014-].*)?$"
)
_SHORT_NAME_LINE = re.compile(rf"^\s*[-\u2013\u2014~]+\s*(?P<name>{_NAME})\s*$")
_LONE_NAME = re.compile(rf"^\s*(?P<name>{_NAME})\s*$")
_SIGN_OFF = re.compile(
    r"^\s*(?:thanks|thank you|many thanks|regards|best regards|kind regards|best|cheers"
    r"|sincerely|danke|vielen dank|viele grüße|mit freundlichen grüßen|gruß|saludos|gracias"
    r"|cordialement|merci|bien à vous)[\s,.!]*$",
    re.IGNORECASE,
)
_SIGN_OFF_AND_NAME = re.compile(  # "Thanks - Dana Smith", "Regards, Lee"
    rf"^\s*(?:thanks|thank you|regards|best|cheers|danke|gracias|merci)[\s,.!\u2013-]+"
    rf"(?P<name>{_NAME}(?:\s+{_NAME})?)\s*$",
    re.IGNORECASE,
)
_SELF_NAME = re.compile(
    r"\b(?:my name is|this is|i am|i'm|ich bin|me llamo|je suis)\s+"
    r"([A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)
_NOT_NAMES = frozenset(
    {
        "Best Regards",
        "Kind Regards",
        "Many Thanks",
        "Thank You",
        "Thanks Again",
        "Mit Freundlichen",
        "Freundliche Grüße",
        "Viele Grüße",
        "Sent From",
        "Get Outlook",
        "Front Desk",
        "Main Office",
        "Call Examples",
        "Internal Ticket",
        "Board Serial",
        "Software Version",
        "Appliance Serial",
        "Guten Tag",
        "Hello Team",
        "Hi Team",
    }
)
_TAIL_LINES = 10


@dataclass(frozen=True)
class SignOff:
    """Where the sender's sign-off begins, the name it gives (if any) and the line it is on."""

    start: int  # offset in prepared.text where the sender's sign-off block begins
    name: str | None
    line: str


def sign_off(prepared: Prepared) -> SignOff | None:
    """The sender's closing block (name, title, company, phone) at the end of their text."""
    cached = prepared.shared.get("sign_off", False)
    if cached is not False:
        return cached  # type: ignore[return-value]
    found = _find_sign_off(prepared)
    prepared.shared["sign_off"] = found
    return found


def _find_sign_off(prepared: Prepared) -> SignOff | None:
    item = prepared.item
    base = len(item.subject) + 1
    signature = _in_lines(item.signature, base + len(item.text) + 1)
    return signature or _in_lines(item.text, base)


def _name_match(tail: list[tuple[int, str]], index: int) -> re.Match[str] | None:
    line = tail[index][1]
    match = _NAME_LINE.match(line) or _SHORT_NAME_LINE.match(line) or _SIGN_OFF_AND_NAME.match(line)
    near_end = index >= len(tail) - 3
    after_sign_off = index > 0 and _SIGN_OFF.match(tail[index - 1][1])
    if match is None and (near_end or after_sign_off):
        match = _LONE_NAME.match(line)  # "Lee" alone on a closing line
    return match if match and match.group("name") not in _NOT_NAMES else None


def _in_lines(text: str, base: int) -> SignOff | None:
    """The last name-like line (or what follows a sign-off) among the last lines of text."""
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]*\S[^\n]*", text)]
    tail = lines[-_TAIL_LINES:]
    for index in range(len(tail) - 1, -1, -1):
        offset, line = tail[index]
        match = _name_match(tail, index)
        if match is not None:
            return SignOff(base + offset, match.group("name"), line.strip())
        if _SIGN_OFF.match(line) and index + 1 < len(tail):
            return SignOff(base + tail[index + 1][0], None, tail[index + 1][1].strip())
    return None


def call_parties(prepared: Prepared) -> set[str]:
    """Numbers that appear as a side of a call example: not the sender's own phone."""
    examples = [e for e in examples_of(prepared) if e.when is not None]
    return {value.split(" ext ")[0] for e in examples for value in (e.calling, e.called) if value}


def contact_phones(prepared: Prepared) -> list[Evidence]:
    """The sender's own phone numbers in the mail (form line, sign-off block, "call me at")."""
    cached = prepared.shared.get("contact_phones")
    if cached is None:
        cached = prepared.shared["contact_phones"] = _contact_phones(prepared)
    return list(cast(list[Evidence], cached))


def _contact_phones(prepared: Prepared) -> list[Evidence]:
    item = prepared.item
    block = sign_off(prepared)
    own_end = len(item.subject) + len(item.text) + len(item.signature) + 2
    signature_start = own_end - len(item.signature) if item.signature else None
    starts = [s for s in (block.start if block else None, signature_start) if s is not None]
    evidence = [
        Evidence(hit.e164, value, "form")
        for value in item.form.get("contact_phone", [])
        for hit in find_phones(value, item.region)[:1]
    ]
    parties = call_parties(prepared)
    for phone in prepared.phones:
        before = prepared.text[max(0, phone.start - 40) : phone.start]
        in_block = phone.start < own_end and any(phone.start >= start for start in starts)
        if phone.start >= own_end or phone.e164 in parties or _FAX.search(before):
            continue
        if (in_block or _PHONE_CUE.search(before)) and phone.e164 not in {
            e.value for e in evidence
        }:
            evidence.append(Evidence(phone.e164, phone.raw.strip()))
    return evidence


def _name_evidence(prepared: Prepared) -> list[Evidence]:
    item = prepared.item
    evidence = [Evidence(v, v, "form") for v in item.form.get("contact_name", [])]
    block = sign_off(prepared)
    if block is not None and block.name:
        evidence.append(Evidence(block.name, block.line))
    spoken = _SELF_NAME.search(item.text)
    if spoken:
        evidence.append(Evidence(spoken.group(1), spoken.group(0)))
    record = item.record.name
    if not evidence and record and record.lower() in prepared.text.lower():
        evidence.append(Evidence(record, record))
    return evidence


def _company_evidence(prepared: Prepared) -> list[Evidence]:
    item = prepared.item
    evidence = [Evidence(v, v, "form") for v in item.form.get("company", [])]
    company = item.record.company
    if company:  # in her own words (or her own forwarded report), never inside an address
        hers = item.sender_address.lower() in item.forwarded[:400].lower()
        own = prepared.text if hers else prepared.text[: len(prepared.text) - len(item.forwarded)]
        name = re.compile(rf"(?<![@.\w]){re.escape(company)}(?!\.\w)", re.IGNORECASE)
        match = name.search(own)
        if match:
            evidence.append(Evidence(company, match.group(0)))
    return evidence


def _email_evidence(prepared: Prepared) -> list[Evidence]:
    evidence = [Evidence(v, v, "form") for v in prepared.item.form.get("contact_email", [])]
    own = prepared.item.sender_address.lower()
    for match in _EMAIL.finditer(prepared.item.signature + "\n" + prepared.item.text):
        if match.group(0).lower() == own:
            evidence.append(Evidence(match.group(0).lower(), match.group(0)))
            break
    return evidence


def _with_record(key: str, evidence: list[Evidence], value: str | None) -> ItemResult:
    """Text evidence first; the record's value after it, marked origin="record"."""
    if value and value not in {e.value for e in evidence}:
        evidence = [*evidence, Evidence(value, "our contact record", "record")]
    return ItemResult(key, tuple(evidence))


@dataclass(frozen=True)
class ContactExtractor:
    """The four who-is-it items, from the text and then from our contact record."""

    keys: tuple[str, ...] = ("company", "contact_name", "contact_email", "contact_phone")

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """Each item's evidence from the mail, with the record's value added after it."""
        record = prepared.item.record
        return [
            _with_record("company", _company_evidence(prepared), record.company),
            _with_record("contact_name", _name_evidence(prepared), record.name),
            _with_record("contact_email", _email_evidence(prepared), record.email),
            _with_record("contact_phone", contact_phones(prepared), record.phone),
        ]
