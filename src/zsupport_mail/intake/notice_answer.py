"""Whether a client's answer to one of our notices needs staff: it is kept on the notice's
record and opens no ticket, so unless staff are told, "can you do Monday night instead?" or
"please schedule it for Friday the 20th" would wait for nobody.

An answer that only acknowledges ("ok thanks", "noted", "go ahead") needs nothing. One that asks
something, asks to move or cancel, asks to be called, or (for an upgrade notice) gives the
time to book, does. Pure: only the sender's own words are read.
"""

from __future__ import annotations

import re

from zsupport_mail.scoring.text import split_reply


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_MOVE = _words(
    r"\breschedul\w*|\bpostpone\b|\bmove\s+(?:it|the|this)\b|\bcancel\w*",
    r"\b(?:another|different|other)\s+(?:day|date|time|night|window|slot)\b",
    r"\b(?:does\s*n[o']t|doesn'?t|won'?t|will\s+not|can'?t|cannot)\s+(?:work|do)\b",
    r"\bnot\s+a\s+good\s+(?:time|day|night)\b|\binstead\b|\bconflict\w*",
    r"\bverschieben\b|\bpasst\s+(?:uns\s+)?(?:leider\s+)?nicht\b|\bstattdessen\b",
    r"\baplazar\b|\bcambiar\s+la\s+fecha\b|\bno\s+nos\s+(?:va|viene)\b|\ben\s+su\s+lugar\b",
    r"\breporter\b|\bd[ée]caler\b|\bne\s+nous\s+convient\s+pas\b",
)
_CALL = _words(
    r"\bcall\s+me\b|\bplease\s+(?:call|contact|phone|advise|confirm|let\s+(?:me|us)\s+know)\b",
    r"\brufen\s+sie\b|\bll[áa]me\w*\b|\bappelez\b",
)
_SCHEDULE = _words(
    r"\bschedule\b|\bbook\b|\bplan\b|\beinplanen\b|\bprogramar\b|\bplanifier\b",
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\bweekend\b|\bweeknight\b",
    r"\b\d{1,2}(?:st|nd|rd|th)\b|\b\d{1,2}[./]\d{1,2}\b|\b\d{1,2}\s*(?:am|pm|uhr|h)\b",
    r"\bsamstag\b|\bsonntag\b|\bs[áa]bado\b|\bdomingo\b|\bsamedi\b|\bdimanche\b",
)


def staff_action(text: str, notice: str) -> str | None:
    """Why staff must act on this answer to our notice, or None when it only acknowledges.

    Args:
        text: the answer's text (quoted history is left out here).
        notice: the notice's kind: ``outage``, ``upgrade`` or ``reminder``.
    """
    own = split_reply(text)[0] or text
    if _MOVE.search(own):
        return "asks to move or cancel it"
    if "?" in own or "¿" in own:
        return "asks a question"
    if _CALL.search(own):
        return "asks to be called or answered"
    if notice == "upgrade" and _SCHEDULE.search(own):
        return "gives the time to book the upgrade"
    return None
