"""The plausible company: a cue that keeps the company from being charged as missing.

With a contact record, any word of the client's name (four letters or more, not a legal form)
in the sender's own text, also as spelled without umlauts ("Mueller" for "Müller"). Without one
(a sender we do not know yet): the sender's domain written as a name ("Initech Dental" for
initech-dental.example), or a line ending in a legal form ("Initech Inc."). Such a finding is
low-confidence: echoed for confirmation, never charged (see plausible.py).
"""

from __future__ import annotations

import re

from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_COMPANY_SUFFIXES = frozenset({"gmbh", "corp", "corporation", "inc", "group", "company", "ltd"})
_UMLAUTS = re.compile("[äöüÄÖÜß]")
_SPELLED = {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
_LEGAL_FORM = re.compile(
    r"^[ \t]*([A-ZÄÖÜ][\w&'. -]{1,40}?[ \t,]+(?:Inc|LLC|Ltd|Corp|Corporation|GmbH|AG|KG|S\.?A"
    r"|S\.?L|SARL|SAS|Co)\.?)[ \t]*$",
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
    own = prepared.text[: len(prepared.text) - len(prepared.item.forwarded)]
    pattern = "|".join(re.escape(w) for w in sorted({*words, *spelled}))
    for match in re.finditer(rf"(?<![@.\w])(?:{pattern})(?!\.\w|\w)", own, re.I):
        return [_low(name, _around(prepared.text, *match.span()))]
    return []


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
    return [_low(legal.group(1).strip(), legal.group(0))] if legal else []
