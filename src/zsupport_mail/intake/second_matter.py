"""A fault told as a second matter beside a request: "Please add Mary as our backup. Also the
fax has not received anything since Thursday."

intake/kind.py reads the requests a mail makes in so many words (a contact change, our notice
named, a shipment, a meeting, a network change, a credit) before a fault it only recognises by
its shape, because a request often talks about the phones without reporting anything ("the
phones can't be down during business hours"). A fault the sender marks as another matter
("also", "separately", "by the way", "meanwhile") or as going on today ("since this morning",
"right now") is reported all the same: the mail is a problem report we are not sure of (the
ticket opens and asks, nothing is charged), so the report is not lost in the request's
handling. Pure: no state.
"""

from __future__ import annotations

import re

from zsupport_mail.intake import kind_shape as shape
from zsupport_mail.intake import kind_words as words
from zsupport_mail.intake.doubt import sentence_doubt
from zsupport_mail.intake.malfunction import _WRAPPED, AGAIN_FINE, QUESTION, malfunction, planned


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# The sender turns to another matter.
ANOTHER = _words(
    r"\balso\b|\bseparately\b|\bmeanwhile\b|\bin\s+the\s+meantime\b|\bby\s+the\s+way\b|\bbtw\b",
    r"\bunrelated(?:ly)?\b|\bin\s+addition\b|\badditionally\b|\bone\s+more\s+thing\b",
    r"\banother\s+(?:thing|matter|problem|issue)\b|\bon\s+(?:a|another)\s+(?:different\s+|"
    r"separate\s+|other\s+)?note\b|\b(?:different|new|bigger|other)\s+(?:problem|issue)\b",
    r"\bsomething\s+(?:else|new)\b|\bproblem\s+now\b|^\W*p\.?s\.?\b|\bwhile\s+I\s+have\s+you\b",
    r"^\W*(?:and|but)\s+(?:today|now|this\s+morning|since)\b",
    r"\bau[ßs]erdem\b|\bzus[äa]tzlich\b|\b[üu]brigens\b|\bnoch\s+etwas\b|\bandere[sn]?\s+problem\b",
    r"\badem[áa]s\b|\bpor\s+cierto\b|\botra\s+cosa\b|\baparte\b",
    r"\bpar\s+contre\b|\ben\s+revanche\b|\bsin\s+embargo\b|\ballerdings\b|\bpar\s+ailleurs\b|\ben\s+plus\b|\bautre\s+(?:chose|probl[èe]me)\b|\bd'autre\s+part\b",
)

# The fault is going on today.
TODAY = _words(
    r"\bsince\s+(?:this\s+(?:morning|afternoon)|today|yesterday|(?:mon|tues|wednes|thurs|fri|satur|sun)day|\d{1,2}(?::\d\d)?\s*(?:am|pm)?\b)",
    r"\b(?:right\s+now|currently|at\s+the\s+moment|as\s+we\s+speak|this\s+morning|today|since\s+then|seitdem|desde\s+entonces)\b|\bdepuis(?:\s*,|\s+lors\b)",
    # a time that reaches now: "has been flashing a red light for two days", "for the past hour"
    r"\b(?:has|have|'s|'ve)\s+been\b[^.!?]{0,60}\bfor\s+(?:the\s+(?:past|last)\s+)?(?:\w+\s+)?"
    r"(?:minutes?|hours?|days?|weeks?)\b|\bfor\s+the\s+(?:past|last)\s+(?:\w+\s+)?(?:minutes?|"
    r"hours?|days?)\b|\bfor\s+(?:\w+\s+)?(?:minutes?|hours?|days?)\s+now\b",
    r"\b(?:seit\s+heute|heute|gerade|momentan|jetzt)\b|\b(?:desde\s+esta\s+ma[ñn]ana|hoy|ahora)\b",
    r"\b(?:depuis\s+ce\s+matin|aujourd'hui|en\s+ce\s+moment|actuellement)\b",
)

_SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n\s*\n")
_SINCE_THEN = re.compile(
    r"\bsince\s+then\b|\bseitdem\b|\bdesde\s+entonces\b|\bdepuis(?:\s*,|\s+lors\b|\s+(?:cela|[çc]a)\b)",
    re.IGNORECASE,
)
# A past before the past, with nothing said to go on: "the unit had been showing a red light".
_BEFORE_THEN = re.compile(r"\bhad\s+been\b(?![^.!?]*\b(?:still|now)\b)", re.IGNORECASE)
# A question asked after a statement in one sentence: ", do we need", " - should we".
_ASKED_AFTER = re.compile(
    r"[,;]\s+(?=(?:do|does|did|should|shall|can|could|would|will|is|are|what|how|why|when)\b)"
    r"|\s[-\u2013\u2014]\s+(?=\w+\s)",
    re.IGNORECASE,
)


def second_matter(text: str, *, today: bool = True) -> str | None:
    """The sentence that reports a fault as another matter (or, with ``today``, as going on
    today), told as happening: not a plan, a condition, a question of how, a past account,
    another system's trouble or a fault said to be over. None when no sentence does."""
    lead = False  # "Bigger problem now: nobody can call in": the mark leads the next part
    for sentence in _SENTENCE.split(_WRAPPED.sub(" ", text)):
        marked = lead or ANOTHER.search(sentence) or (today and TODAY.search(sentence))
        lead = sentence.rstrip().endswith(":") and bool(marked)
        if not marked or words.RESOLVED.search(sentence) or AGAIN_FINE.search(sentence):
            continue
        if sentence.rstrip().endswith("?"):
            # "Meanwhile the gateway started dropping calls too, do we need another RMA?": the
            # statement before the question is told as it stands.
            sentence = _ASKED_AFTER.split(sentence, maxsplit=1)[0]
        if sentence_doubt(sentence) is not None or _BEFORE_THEN.search(sentence):
            continue
        # ("Since then" marks the time, it is not the fault: "since then the team loves it".)
        told = _SINCE_THEN.sub(" ", sentence)
        fault = words.FAULT.search(words.NOT_A_FAULT.sub(" ", told))
        if (fault is not None and not planned(told)) or malfunction(told) is not None:
            return sentence.strip()
    return None


# A fault told in the past: a past auxiliary, a past participle, a day gone by.
_PAST = _words(
    r"\b(?:was|were|had|went|did|got|came|used\s+to|yesterday|last|ago|earlier|previously)\b",
    r"\b\w{3,}ed\b|\bon\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b\d{1,2}[./]\d{1,2}\b",
    r"\b(?:war|waren|hatte|hatten|gestern|letzte\w*|fue|fueron|ayer|[ée]tait|hier)\b",
)


def told_now(sentences: list[str]) -> bool:
    """Whether a sentence naming a fault tells it in the present, or says it goes on (a note
    for the record tells its fault in the past: "calls dropped on Tuesday, fine since")."""
    for sentence in sentences:
        if sentence_doubt(sentence) is not None:
            continue
        if words.ONGOING.search(sentence) or TODAY.search(sentence):
            return True
        if re.search(r"\bstill\b", sentence, re.IGNORECASE) or _PAST.search(sentence) is None:
            return True
    return False


def changed_and_broke(text: str) -> bool:
    """Whether a network change told as done ("We added the new voice VLAN as discussed") is
    followed by a fault going on now ("The phones on the 3rd floor now get no IP address"):
    a report (the labelling rules' "a network change that already happened and broke the
    calls"), not a change to schedule. A change planned or asked for in any sentence is not
    done; a fault told in the past is none going on."""
    changes = [
        s for s in _SENTENCE.split(_WRAPPED.sub(" ", text)) if words.NETWORK_CHANGE.search(s)
    ]
    if not changes or not any(shape.CHANGE.search(s) for s in changes):
        return False
    if any(planned(s) or shape.REQUEST.search(s) or QUESTION.search(s) for s in changes):
        return False
    broken = malfunction(text)
    return broken is not None and told_now([broken])
