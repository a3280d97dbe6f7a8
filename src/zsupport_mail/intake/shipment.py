"""RMA shipment details in a client's words: parcel tracking numbers and the RMA number.

A tracking number is a carrier's number (UPS ``1Z...``, FedEx 12 or 15 digits, DHL 20 digits,
USPS 22 or 26 digits starting with 9) or a token with digits after a tracking label. "I will
send the tracking information" names none, and purchase-order numbers (``PO 45871``) are not
tracking numbers, however long.
"""

from __future__ import annotations

import re

_CARRIER = re.compile(
    r"\b(1Z[0-9A-Z]{16}|9\d{21}(?:\d{4})?|\d{20}|\d{15}|\d{12})\b",
    re.IGNORECASE,
)
_LABELLED = re.compile(
    r"\b(?:tracking|sendungsnummer|seguimiento|suivi)\s*(?:number|no\.?|nr\.?|#|id|nummer)?"
    r"\s*(?:is|:|=)?\s*#?\s*([A-Z0-9][A-Z0-9 ]{6,34}[A-Z0-9])\b",
    re.IGNORECASE,
)
_NOT_TRACKING = re.compile(
    r"\b(?:p\.?\s?o\.?|purchase\s+order|order|invoice|inc|ticket|rma)\s*(?:number|no\.?|#)?"
    r"\s*[:#]?\s*$",
    re.IGNORECASE,
)
# A carrier's name before a number written in groups ("UPS 1Z 999 AA1 01 2345 6784").
_CARRIER_NAMED = re.compile(
    r"\b(?:ups|fedex|dhl|usps)\s*(?:tracking)?\s*(?:number|no\.?|#|:)?\s*"
    r"([0-9A-Z]{1,4}(?: [0-9A-Z]{1,6}){2,8})\b",
    re.IGNORECASE,
)
_RMA = re.compile(r"\bRMA\s*(?:number|no\.?|nr\.?)?\s*[#:]?\s*(\d{3,10})\b", re.IGNORECASE)


def _is_tracking(token: str, text: str, start: int) -> bool:
    if sum(ch.isdigit() for ch in token) < 6:
        return False
    return _NOT_TRACKING.search(text[max(0, start - 24) : start]) is None


def tracking_numbers(text: str) -> list[str]:
    """Every parcel tracking number in text, in order, without spaces; [] when none."""
    found: list[str] = []
    for match in _LABELLED.finditer(text):
        token = match.group(1).strip()
        compact = token.replace(" ", "")
        if _CARRIER.fullmatch(compact) or (
            " " not in token and _is_tracking(token, text, match.start(1))
        ):
            found.append(compact.upper())
    for match in _CARRIER_NAMED.finditer(text):
        compact = match.group(1).replace(" ", "")
        if _CARRIER.fullmatch(compact):
            found.append(compact.upper())
    for match in _CARRIER.finditer(text):
        if _is_tracking(match.group(1), text, match.start(1)):
            found.append(match.group(1).upper())
    return list(dict.fromkeys(found))


def rma_number(text: str) -> str | None:
    """The RMA number written after "RMA" (``RMA #30122`` -> ``30122``), or None."""
    match = _RMA.search(text)
    return match.group(1) if match else None
