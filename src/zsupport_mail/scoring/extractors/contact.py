"""company, contact_name, contact_email, contact_phone: who the report is from.

The mail furnishes them in a signature, a form line or the text; what we already hold in the
authorised contact's record counts as furnished too when configured (charging a client for not
retyping what we hold starts billing disputes). A contact phone is the sender's own number
(in the signature, or after phone/tel/cell/call me), never a number from a call example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.scoring.extractors.calls import examples_of
from zsupport_mail.scoring.spans import find_phones
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_PHONE_CUE = re.compile(
    r"(?:\b(?:phone|tel|telephone|cell|mobile|direct|office|call me|reach me|callback"
    r"|call back|telefon|handy|mobil|tél|téléphone|teléfono|móvil|celular|fon|ph)\.?"
    r"\s*(?:at|on|is|number|no\.?|#)?\s*[:.]?|(?:^|\s)[TMDOP]\s*:)\s*$",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_NAME_LINE = re.compile(  # \u2019 and \u2013: typographic apostrophe and dash
    r"^\s*(?:--\s*)?([A-ZÀ-Ý][a-zà-ÿ'\u2019-]+(?:\s+[A-ZÀ-Ý][a-zà-ÿ'\u2019.-]+){1,2})"
    r"\s*(?:[,|/\u2013-].*)?$"
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
        "Acme Dental",
    }
)


def call_parties(prepared: Prepared) -> set[str]:
    """Numbers that appear as a side of a call example: not the sender's own phone."""
    examples = examples_of(prepared)
    return {value.split(" ext ")[0] for e in examples for value in (e.calling, e.called) if value}


def _phone_evidence(prepared: Prepared) -> list[Evidence]:
    item = prepared.item
    signature_start = prepared.text.rfind(item.signature) if item.signature else -1
    evidence = [
        Evidence(hit.e164, value, "form")
        for value in item.form.get("contact_phone", [])
        for hit in find_phones(value, item.region)[:1]
    ]
    party_numbers = call_parties(prepared)
    for phone in prepared.phones:
        if phone.e164 in party_numbers:
            continue
        in_signature = signature_start >= 0 and phone.start >= signature_start
        before = prepared.text[max(0, phone.start - 24) : phone.start]
        if (in_signature or _PHONE_CUE.search(before)) and phone.e164 not in {
            e.value for e in evidence
        }:
            evidence.append(Evidence(phone.e164, phone.raw.strip()))
    return evidence


def _name_evidence(prepared: Prepared) -> list[Evidence]:
    item = prepared.item
    evidence = [Evidence(v, v, "form") for v in item.form.get("contact_name", [])]
    for line in item.signature.splitlines()[:4]:
        match = _NAME_LINE.match(line)
        if match and match.group(1) not in _NOT_NAMES:
            evidence.append(Evidence(match.group(1), line.strip()))
            break
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
    if company:
        index = prepared.text.lower().find(company.lower())
        if index >= 0:
            evidence.append(Evidence(company, prepared.text[index : index + len(company)]))
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
    keys: tuple[str, ...] = ("company", "contact_name", "contact_email", "contact_phone")

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        record = prepared.item.record
        return [
            _with_record("company", _company_evidence(prepared), record.company),
            _with_record("contact_name", _name_evidence(prepared), record.name),
            _with_record("contact_email", _email_evidence(prepared), record.email),
            _with_record("contact_phone", _phone_evidence(prepared), record.phone),
        ]
