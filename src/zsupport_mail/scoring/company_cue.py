"""The plausible company: a cue that keeps the company from being charged as missing.

With a contact record that does not count as furnished (``record_counts_as_furnished =
false``), the client's name in the sender's own text: its words together ("Müller Logistik"
for Müller Logistik GmbH; one word for a one-word name), also as spelled without umlauts
("Mueller"), never as someone's surname ("Jana Müller"). Without one
(a sender we do not know yet): the sender's domain written as a name ("Initech Dental" for
initech-dental.example), or a line ending in a legal form ("Initech Inc."). Such a finding is
low-confidence: echoed for confirmation, never charged (see plausible.py).
"""

from __future__ import annotations

import re

from zsupport_mail.scoring.contact_cues import forwarded_by_her
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_COMPANY_SUFFIXES = frozenset({"gmbh", "corp", "corporation", "inc", "group", "company", "ltd"})
_UMLAUTS = re.compile("[äöüÄÖÜß]")
_SPELLED = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
_LEGAL_FORM = re.compile(
    r"^[ \t]*([A-ZÄÖÜ][\w&'. -]{1,40}?[ \t,]+(?:Inc|LLC|Ltd|Corp|Corporation|GmbH|AG|KG|S\.?A"
    r"|S\.?L|SARL|SAS|Co|PLC|LLP|Pty|B\.?V|N\.?V|S\.?r\.?l|S\.?p\.?A|GbR|UG|e\.K|Oy|AB|SE)\.?)"
    r"[ \t]*$",
    re.MULTILINE,
)


def _low(value: str, source: str) -> Evidence:
    return Evidence(value, " ".join(source.split())[:120], "text", "low")


def _around(text: str, start: int, end: int, width: int = 40) -> str:
    return text[max(0, start - width) : end + width]


def company_cue(prepared: Prepared, results: dict[str, ItemResult]) -> list[Evidence]:
    """The client's name in the mail, as a plausible company (see the module doc)."""
    name = prepared.item.record.company
    if not name:
        return _company_unknown(prepared)
    words = [w for w in re.findall(r"[^\W\d_]{4,}", name) if w.lower() not in _COMPANY_SUFFIXES]
    spelled = {_UMLAUTS.sub(lambda m: _SPELLED[m.group(0)], w) for w in words}  # Mueller
    if not words:
        return []
    own = prepared.text  # her own words, and her own earlier mail when she forwards it
    if not forwarded_by_her(prepared):
        own = own[: len(own) - len(prepared.item.forwarded)]
    pattern = "|".join(re.escape(w) for w in sorted({*words, *spelled}))
    if len(words) > 1:  # "Müller Logistik", "Acme-Dental", "Acme<br>Dental": words together
        pattern = rf"(?:{pattern})(?:(?:[ \t]+|-|[ \t]*\n[ \t]*)(?:{pattern}))+"
    company = re.compile(rf"(?<![@.\w])(?:{pattern})(?!\.\w|\w)", re.I)
    match = company.search(own)
    while match:  # "Jana Müller\nMüller Logistik": past her surname, the company's name
        if not _in_a_persons_name(own, match, company):
            return [_low(name, _around(prepared.text, *match.span()))]
        match = company.search(own, match.start() + 1)
    return []


_BUSINESS = re.compile(
    r"\b(?:dental|dentistry|clinic|cl(?:í|i)nica|klinik|praxis|medical|logisti[ck]\w*|logística"
    r"|group|gruppe|grupo|groupe|partners|associates|services|solutions|consulting|hotel|school"
    r"|bank|insurance|realty|law|legal|pharmacy|apotheke|farmacia|cabinet|soci(?:é|e)t(?:é|e)"
    r"|company|corporation|enterprises|industries|manufacturing|holding)\b",
    re.IGNORECASE,
)
_NOT_A_NAME = re.compile(r"[\d@:]|https?://|www\.")
_FIRST_NAME = re.compile(r"[A-ZÄÖÜÉ][a-zäöüßé]+[ \t]$")


def _in_a_persons_name(text: str, match: re.Match[str], company: re.Pattern[str]) -> bool:
    """ "Jana Müller" is a person of Müller Logistik: a company word right after a capitalised
    word that is not the company's, with no company word after it, is someone's surname."""
    before = _FIRST_NAME.search(text, max(0, match.start() - 20), match.start())
    if before is None or company.match(before.group(0).strip()):
        return False
    after = re.match(r"[ \t]+(\w+)", text[match.end() : match.end() + 40])
    return not (after and company.fullmatch(after.group(1)))


def _company_unknown(prepared: Prepared) -> list[Evidence]:
    """Without a record (a sender we do not know yet): the sender's domain written as a name
    ("Initech Dental" for initech-dental.example), or a line ending in a legal form."""
    domain = prepared.item.sender_address.rpartition("@")[2].split(".")
    label = re.sub(r"[^a-z]", "", domain[-2] if len(domain) > 1 else "")
    own = prepared.text[: len(prepared.text) - len(prepared.item.forwarded)]
    words = list(re.finditer(r"(?<![@.\w/])[^\W\d_]{3,}(?![.@]\w)", own))
    for index, word in enumerate(words):
        joined = ""
        for following in words[index : index + 3]:
            joined += _UMLAUTS.sub(lambda m: _SPELLED[m.group(0)], following.group(0)).lower()
            if len(label) >= 4 and (joined == label or (len(joined) >= 5 and joined in label)):
                return [
                    _low(
                        own[word.start() : following.end()],
                        _around(own, word.start(), following.end()),
                    )
                ]
    legal = _LEGAL_FORM.search(own)
    if legal:
        return [_low(legal.group(1).strip(), legal.group(0))]
    for line in [line.strip() for line in own.splitlines() if line.strip()][-6:]:
        # a sign-off line that names a business ("Acme Dental", "Clínica Sonrisa")
        if len(line.split()) <= 6 and not _NOT_A_NAME.search(line) and _BUSINESS.search(line):
            return [_low(line, line)]
    return []
