"""A unit received under an RMA that does not work: a fault report, not shipment details.

"The replacement came today, no lights at all", "the unit we got back does the same", "the
replacement you sent also drops calls", "the swap did not fix it": the mail talks about an
RMA shipment, but what it tells is a fault of the unit received, which the desk must take as
a report (one we are not sure of: the ticket opens and asks). Not such a fault: what goes back
and why ("the appliance that kept rebooting is on its way back"), tracking numbers, a
replacement that works. Pure: no state.
"""

from __future__ import annotations

import re

from zsupport_mail.intake import kind_words as words
from zsupport_mail.intake.doubt import sentence_doubt
from zsupport_mail.intake.malfunction import _WRAPPED, AGAIN_FINE, malfunction
from zsupport_mail.intake.second_matter import ANOTHER, told_now
from zsupport_mail.intake.shipment import tracking_numbers


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n\s*\n")


# What goes back or is on its way, or the fault a returned unit had ("the appliance that kept
# rebooting is on its way back"): the shipment's matter, not a fault of the unit received.
_SHIPPED = _words(
    r"\brma\b|\btracking\b|\bship\w*|\bgo(?:es|ing)?\s+(?:back|out)\b|\bwent\s+(?:back|out)\b",
    r"\bon\s+(?:its|their)\s+way\b|\bin\s+(?:a|the|two)\s+box(?:es)?\b|\breturn\w*|\bups\b|"
    r"\bfedex\b|\bdhl\b|\busps\b|\bsent\b|\bpacked\b|\bzur[üu]ck\w*|\bsendung\w*",
    r"\b(?:that|which|who)\s+(?:kept|was|were|had|used\s+to)\b|\bthe\s+ones?\s+with\b|\bfaulty\b",
)
# The unit received: "the replacement came today", "the new unit arrived".
_RECEIVED = _words(
    r"\b(?:replacement|new\s+(?:unit|one|phone|handset|appliance|board)|it)\s+(?:\w+\s+)?"
    r"(?:came|arrived|got\s+here|was\s+delivered|showed\s+up)\b",
    r"\b(?:received|got)\s+the\s+(?:replacement|new\s+unit)\b|\bplugged\s+(?:it|the\s+\w+)\s+in\b",
    r"\b(?:ersatz\w*|austauschger[äa]t)\b[^.]{0,40}\b(?:kam|ist\s+(?:heute\s+)?(?:da|angekommen))\b",
    # "got the unit back from you", "the unit we got back", "the replacement you sent".
    r"\b(?:got|received)\s+(?:the|our)\s+(?:\w+\s+)?(?:unit|one|phone|appliance|board)\s+back\b",
    r"\b(?:unit|one|replacement|phone|appliance|board)\s+(?:that\s+)?(?:we|you)\s+"
    r"(?:got|received|sent)\b|\binstalled\s+(?:it|the\s+(?:replacement|new\s+\w+))\b",
)
# The unit received has the fault again: "also drops calls", "does the same", "same problem".
_SAME = _words(
    r"\b(?:did\s*n[o']t|does\s*n[o']t|didn't|doesn't)\s+(?:fix|help|solve|change)\b|\bno\s+better\b",
    r"\bwhat\s+the\s+(?:old|first|previous)\s+(?:one|unit)\s+did\b|\bsame\s+story\b",
    r"\b(?:just\s+)?like\s+the\s+(?:old|first|previous)\s+(?:one|unit)\b",
    r"\bsame\s+as\s+(?:the\s+)?(?:old|first|previous|original)\b",
    r"\b(?:does|did|doing|has|had|have|shows?|showing|gives?)\s+(?:exactly\s+)?the\s+same\b",
    r"\bsame\s+(?:problem|issue|fault|error|thing|symptoms?|behaviou?r)\b",
    r"\bdas\s+gleiche\b|\bdenselben\s+fehler\b|\bmismo\s+problema\b|\bm[êe]me\s+probl[èe]me\b",
)
_ALSO = _words(r"\b(?:also|too|as\s+well|again|auch|tambi[ée]n|aussi)\b")
# What the shipment words say about the unit received, not about what goes back.
_UNIT_BACK = _words(r"\b(?:you|they)\s+sent(?:\s+us)?\b|\bgot\s+back\b|\bwe\s+got\b")


# The unit received, named: "the replacement", "the new handset", "the swapped unit".
_UNIT_NEW = _words(
    r"\breplacement\b|\b(?:new|swapped|exchanged|refurbished|repaired|second)\s+"
    r"(?:unit|one|phone|handset|appliance|board|box|power\s+supply|psu|card|gateway)\b",
    r"\bthe\s+swap\b|\bafter\s+(?:the\s+)?swap(?:ping)?\b|\b(?:ersatz|austausch)ger[äa]t\b",
)
# A unit dead on arrival, in words that name no part: "but it won't power on".
_DEAD = _words(
    r"\b(?:won'?t|will\s+not|does\s*n[o']t|did\s*n[o']t|doesn't|didn't)\s+"
    r"(?:power|turn|boot|start|come)\s*(?:on|up)?\b|\bno\s+(?:lights?|power|display|leds?)\b",
    r"\bdead\s+on\s+arrival\b|\bDOA\b|\bout\s+of\s+the\s+box\b",
)
# The unit received works: "all phones registered, no more crackle".
_FINE = _words(
    r"\bno\s+more\b|\bworks?\s+(?:fine|great|well|perfectly)\b|\ball\s+good\b",
    r"\b(?:up|working|running|online)\s+again\b|\bback\s+(?:up|online|to\s+normal)\b",
)
# The unit that goes back, named: its fault is why it goes back, not a new report.
_OLD_UNIT = _words(
    r"\b(?:old|faulty|defective|broken|original|bad|dead)\s+(?:one|unit|phone|handset|"
    r"appliance|board|box|power\s+supply|psu|card)\b|\b(?:that|which)\s+(?:kept|had|was)\b",
)
# Clauses of a sentence: "We received the replacement (UPS 1Z...) but it won't power on".
_CLAUSE = re.compile(
    r",?\s+\b(?:but|however|though|although|yet|aber|pero|mais)\b|;|\s[-\u2013\u2014]\s|[()]",
    re.IGNORECASE,
)


def _unit_fault(clause: str, about_new: bool) -> str | None:
    """The fault a clause tells of the unit received, or None."""
    shipped = _SHIPPED.search(_UNIT_BACK.sub(" ", clause)) is not None
    if shipped and (not about_new or _OLD_UNIT.search(clause)):
        return None  # what goes back, and why
    fault = words.FAULT.search(words.NOT_A_FAULT.sub(" ", clause))
    dead = about_new and _DEAD.search(clause) is not None
    if dead or _SAME.search(clause) or (fault and (_ALSO.search(clause) or about_new)):
        return clause.strip()
    return None if shipped else malfunction(clause)


def received_dead(text: str) -> str | None:
    """In a mail about an RMA shipment that says the unit was received, the sentence that
    says the unit received does not work (not what goes back, nor the fault it was sent
    back for); None otherwise."""
    if _RECEIVED.search(text) is None and _UNIT_NEW.search(text) is None:
        return None
    # The subject line (reported() puts it first) is a sentence of its own.
    parts = text.split("\n", 1)
    sentences = [s for part in parts for s in _SENTENCE.split(_WRAPPED.sub(" ", part))]
    for sentence in sentences:
        if sentence_doubt(sentence) is not None or _FINE.search(sentence):
            continue
        if words.RESOLVED.search(sentence) or AGAIN_FINE.search(sentence):
            continue
        about_new = _UNIT_NEW.search(sentence) is not None
        for clause in _CLAUSE.split(sentence):
            found = _unit_fault(clause, about_new)
            if found is not None:
                return sentence.strip() if found == clause.strip() else found
    return None


# Something other than the unit that goes back: "the second gateway", "the loaner", "now".
_ELSEWHERE = _words(
    r"\b(?:second|other|another|different|remaining|rest\s+of\s+the|loaner|spare|"
    r"temporary)\b|\bnow\b|\bwhile\s+we\s+wait\b|\bzweite\w*|\bandere\w*|\bjetzt\b",
    r"\bsegund\w*|\botr[oa]s?\b|\bmientras\s+tanto\b|\bahora\b|\bdeuxi[èe]me\b|\bautre\w*",
)


# Asking for a return to begin: "Please start an RMA and send a replacement", "Do we need an
# RMA for ...", "Can you ship a replacement under warranty?".
_RMA_ASKED = _words(
    r"\b(?:start|open|issue|create|request|need|get|set\s+up)\s+(?:us\s+)?(?:an?\s+|the\s+)?rma\b",
    r"\brma\s+(?:request|needed)\b|\b(?:send|ship)\s+(?:us\s+)?(?:an?\s+)?(?:new\s+|replacement\s+)?"
    r"(?:replacement|ersatzger[äa]t|reemplazo|remplacement)\b|\bunder\s+warranty\b",
    r"\bbitte\s+senden\s+sie\s+ein\s+ersatz\w*|\bnecesitamos\s+un\s+rma\b",
)


def _asked_for(text: str) -> str | None:
    """In a mail asking for a return to begin (nothing shipped yet, no tracking number), the
    fault the unit has: a hardware fault report, not shipment details."""
    if _RMA_ASKED.search(text) is None or tracking_numbers(text):
        return None
    for sentence in _SENTENCE.split(_WRAPPED.sub(" ", text)):
        if sentence_doubt(_ASKED_AFTER_QUESTION.sub("", sentence)) is not None:
            continue
        if words.RESOLVED.search(sentence) or AGAIN_FINE.search(sentence) or _FINE.search(sentence):
            continue
        fault = words.FAULT.search(words.NOT_A_FAULT.sub(" ", sentence))
        if fault is not None or malfunction(sentence) is not None:
            return sentence.strip()
    return None


# "Do we need an RMA for a phone whose cord crackles?": the question is about the return.
_ASKED_AFTER_QUESTION = re.compile(r"\?\s*$")


def fault_beside(text: str) -> str | None:
    """In a mail about an RMA shipment, a clause that tells a fault going on now of something
    other than what is shipped ("Tracking: 1Z4005. The auto attendant plays the night
    greeting all day", "since we took the old unit out, the fax line has been dead"); not
    what goes back and why, nor a fault told in the past. The sentence marks the fault as
    another unit's or another matter ("the spare phone", "also", "now", a "since ..." beside
    it), since an unmarked one is most often the returned unit's ("it won't power on"). None
    when no clause does. A mail asking for the return to begin tells the unit's fault."""
    if (asked := _asked_for(text)) is not None:
        return asked
    for part in text.split("\n", 1):
        for sentence in _SENTENCE.split(_WRAPPED.sub(" ", part)):
            if sentence_doubt(sentence) is not None or _FINE.search(sentence):
                continue
            if words.RESOLVED.search(sentence) or AGAIN_FINE.search(sentence):
                continue
            returned = _SHIPPED.search(_UNIT_BACK.sub(" ", sentence)) or _OLD_UNIT.search(sentence)
            for clause in _COMMA_CLAUSE.split(sentence):
                if _beside(sentence, clause, bool(returned)):
                    return sentence.strip()
    return None


# Clauses split at commas too: "since we took the old unit out, the fax line has been dead".
_COMMA_CLAUSE = re.compile(rf"{_CLAUSE.pattern}|,", re.IGNORECASE)
# The other words of a sentence say since when: a time that reaches now.
_SINCE = _words(r"\bsince\b|\bseit\b|\bdesde\b|\bdepuis\b")
# The unit the sentence ships, referred to: "the defective phone, which keeps rebooting, ...".
_REFERS = _words(r"^\W*(?:it|they|which|that|who)\b|\b(?:which|that)\s+\w+s\b")


def _beside(sentence: str, clause: str, returned: bool) -> bool:
    """Whether the clause tells, marked, a fault going on now of something not shipped."""
    if _SHIPPED.search(_UNIT_BACK.sub(" ", clause)) or _OLD_UNIT.search(clause):
        return False
    if returned and _REFERS.search(clause):
        return False
    fault = words.FAULT.search(words.NOT_A_FAULT.sub(" ", clause))
    told = clause if fault is not None else malfunction(clause)
    if told is None or not told_now([told]):
        return False
    rest = sentence.replace(clause, " ")
    marks = (_ELSEWHERE, _ALSO, ANOTHER)
    return any(m.search(sentence) for m in marks) or _SINCE.search(rest) is not None


def sent_back(sentences: list[str], text: str) -> str | None:
    """In a mail about an RMA shipment, the fault its sentences name when every one is the
    fault of the unit that goes back ("The defective phone, which keeps rebooting, goes back
    today via UPS"): the reason for the return, never a report to charge. None otherwise."""
    if not (words.RMA.search(text) and words.SHIPMENT.search(text)) or not sentences:
        return None
    for sentence in sentences:
        if not (_SHIPPED.search(_UNIT_BACK.sub(" ", sentence)) or _OLD_UNIT.search(sentence)):
            return None
    return sentences[0].strip()
