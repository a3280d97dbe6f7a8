"""Plausible contact details: the cues that keep a contact item from being charged as missing.

A name under a closing or matching the sender's address, the sender's own address written in
the mail, a phone number after a phone word or in the sign-off lines. Each is a low-confidence
finding: echoed for confirmation, never charged (see plausible.py, which runs them).
"""

from __future__ import annotations

import re

from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_CLOSING = re.compile(
    r"^\s*(?:thanks|thank you|thx|regards|best|cheers|kind regards|br|sincerely|danke"
    r"|gr(?:ü|ue)(?:ß|ss)e|mfg|viele gr|saludos|gracias|atentamente|merci|cordialement"
    r"|bien (?:à|a) vous|-+)\b",
    re.IGNORECASE,
)
_NAME_LINE = re.compile(
    r"^\s*-*\s*([A-ZÄÖÜÉ][\w'\u2019.-]+(?:\s+[A-ZÄÖÜÉ][\w'\u2019.-]+){0,2})\s*,?\s*$"
)
_NAME_AFTER = re.compile(  # a name on the closing's own line
    r"[ \t]*[,!.:/\u2013-]*[ \t]+([A-ZÄÖÜÉ][\w'\u2019.-]+(?:[ \t]+[A-ZÄÖÜÉ][\w'\u2019.-]*){0,2})"
    r"[ \t]*[!.]?[ \t]*$"
)
_INTRODUCED = re.compile(
    r"\b(?:[Tt]his is|[Mm]y name is|[Ss]ent by|[Hh]ier ist|[Ii]ch bin|[Mm]ein [Nn]ame ist|[Ss]oy"
    r"|[Mm]e llamo|[Jj]e suis|[Jj]e m'appelle)"
    r"\s+([A-ZÄÖÜÉ][a-zäöüßéñ]+(?:\s[A-ZÄÖÜÉ][a-zäöüßéñ]+)?)"
)
_INTRODUCTIONS = (
    "this is", "my name", "sent by", "hier ist", "ich bin", "name ist", "soy ", "me llamo",
    "je suis", "m'appelle",
)  # fmt: skip
_HEADER_LINE = re.compile(
    r"^[ \t>*]*(?:from|to|cc|von|an|de|para|à|a|sent|reply-to)[ \t*]*:", re.IGNORECASE
)
_REACH_ME = re.compile(
    r"\b(?:call me|reach me|ring me|text me|call ?back|r(?:ü|ue)ckruf|erreichbar|joignable"
    r"|ll(?:á|a)m(?:a|e)me|appelez-moi)\b",
    re.IGNORECASE,
)
_CONTACT_LABEL = re.compile(
    r"^[ \t|*>-]*(?:contact|kontakt|contacto|ansprechpartner\w*|contact person|your contact)\b",
    re.IGNORECASE,
)
_SPELLED_AT = re.compile(r"\s*[\[(]\s*at\s*[\])]\s*")
_SPELLED_DOT = re.compile(r"\s*[\[(]\s*dot\s*[\])]\s*")
_FAX = re.compile(r"fax|telefax", re.IGNORECASE)
_PHONE_LABEL = re.compile(
    r"\b(?:tel|tél|phone|cell|mobile|mob|direct|office|desk|call me|reach me|ring me|m|t|p|o|c"
    r"|my number|number is|call ?back|call me back|reachable|r(?:ü|ue)ckruf|erreichbar|nummer"
    r"|n(?:ú|u)mero|num(?:é|e)ro|joignable|rappel\w*|ph|cel"
    r"|tel(?:é|e)fono|m(?:ó|o)vil|celular|telefon|handy|mobil|portable|t(?:é|e)l(?:é|e)phone"
    r"|appelez-moi|appelle-moi|ll(?:á|a)m(?:a|e)me|rufen sie mich|ruf mich|erreichen sie mich"
    r"|me joindre|text me)\b",
    re.IGNORECASE,
)
_CALL_WORDS = re.compile(
    r"call(?:ed|ing|er)?\b|dial|rang|from|to\b|did\b|route|trunk|forward|anruf|llamad|appel",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_FORWARD_FROM = re.compile(r"^[ \t>*]*(?:from|von|de)[ \t*]*:.*$", re.IGNORECASE | re.MULTILINE)


def _low(value: str, source: str) -> Evidence:
    return Evidence(value, " ".join(source.split())[:120], "text", "low")


def _around(text: str, start: int, end: int, width: int = 40) -> str:
    return text[max(0, start - width) : end + width]


def contact_name_cue(prepared: Prepared, results: dict[str, ItemResult]) -> list[Evidence]:
    local = re.split(r"[._+-]", prepared.item.sender_address.partition("@")[0])
    names = [part for part in local if len(part) >= 3 and part.isalpha()]
    text = f"{prepared.item.text}\n{prepared.item.signature}"
    if forwarded_by_her(prepared):  # her own earlier mail, forwarded: its sign-off is hers
        text = f"{text}\n{prepared.item.forwarded}"
    for name in names:
        match = re.search(rf"\b{re.escape(name)}\b", text, re.IGNORECASE)
        if match and "@" not in _around(text, match.start(), match.end(), 1):
            return [_low(match.group(0), _around(text, *match.span()))]
    lower = text.lower()
    introduced = (  # "This is Hank from Globex IT", "Sent by Hank"
        _INTRODUCED.search(text) if any(cue in lower for cue in _INTRODUCTIONS) else None
    )
    if introduced:
        return [_low(introduced.group(1), _around(text, *introduced.span()))]
    lines = [line for line in text.splitlines() if line.strip()]
    last = lines[-6:]
    for index, line in enumerate(last):
        closing = _CLOSING.match(line)
        if not closing:
            continue
        same = _NAME_AFTER.match(line, closing.end())  # "Cheers Dana!", "Saludos, Dana"
        name = same or (_NAME_LINE.match(last[index + 1]) if index + 1 < len(last) else None)
        if name and len(name.group(1)) > 2 and not _CLOSING.match(name.group(1)):
            return [_low(name.group(1), line)]
    return []


def contact_email_cue(prepared: Prepared, results: dict[str, ItemResult]) -> list[Evidence]:
    item = prepared.item
    own = item.sender_address.lower()
    local, _, domain = own.partition("@")
    mine = {part for part in re.split(r"[._+-]", local) if len(part) >= 3}
    for evidence in results["contact_name"].evidence:  # "d.smith@" from Dana Smith at dana@
        mine.update(word for word in evidence.value.lower().split() if len(word) >= 3)
    text = f"{item.text}\n{item.signature}\n{item.forwarded}"
    spelled = "at)" in text or "at]" in text or "AT)" in text or "AT]" in text
    for line in text.splitlines():
        if ("@" not in line and not spelled) or _HEADER_LINE.match(line):  # not "To: dana@"
            continue
        lower = line.lower()
        if spelled:  # "dana (at) acmedental (dot) example"
            lower = _SPELLED_AT.sub("@", _SPELLED_DOT.sub(".", lower))
        if own in lower:
            return [_low(own, line)]
        for found in _EMAIL.finditer(lower):  # "dana.smith@", "dsmith@" for a mail from "dana@"
            name, _, where = found.group(0).partition("@")
            if where == domain and any(part in name for part in mine):
                return [_low(found.group(0), line)]
    return []


def forwarded_by_her(prepared: Prepared) -> bool:
    """Whether the report forwarded inside the mail is the sender's own earlier mail."""
    author = _FORWARD_FROM.search(prepared.item.forwarded[:400])
    return author is not None and prepared.item.sender_address.lower() in author.group(0).lower()


def contact_phone_cue(prepared: Prepared, results: dict[str, ItemResult]) -> list[Evidence]:
    forwarded = prepared.item.forwarded
    hers = forwarded_by_her(prepared)
    own_end = len(prepared.text) - (0 if hers else len(forwarded))
    calls = " ".join(e.source for e in results["call_examples"].evidence)
    own = prepared.item.sender_address.lower()
    body_end = len(prepared.item.subject) + 1 + len(prepared.item.text)
    tail = prepared.text.rfind("\n", 0, max(0, body_end - 160))  # the sign-off lines
    for phone in prepared.phones:
        start = prepared.text.rfind("\n", 0, phone.start) + 1
        line = prepared.text[start : prepared.text.find("\n", phone.end) % (own_end + 1)]
        labelled = _PHONE_LABEL.search(line[: phone.start - start])
        signed = phone.start > tail and not _CALL_WORDS.search(line)
        # "Contact - Hank Scorpio, hank@globex.example, 312-555-0119": her contact line
        hers_line = own in line.lower() or _CONTACT_LABEL.match(line) is not None
        if (
            phone.start < own_end
            and (labelled or signed or hers_line)
            and not _FAX.search(line)
            # her own contact line, or "call me back at ...", even when the number was read
            # as a call's party (a checklist block or a call-back sentence read as one call)
            and (phone.raw not in calls or hers_line or _REACH_ME.search(line) is not None)
        ):
            return [_low(phone.e164, line)]
    return []
