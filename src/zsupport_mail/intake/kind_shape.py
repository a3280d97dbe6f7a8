"""The shape of a mail, beyond its words: what intake/kind.py needs to tell a plan from a
report, a follow-up from a new matter, a note for the record from a request.

- A network change is a network part in a sentence that changes it or plans to ("we replace
  the router on the 27th"); naming it in a past account ("root cause was the ISP") is none.
- A mail that tells a fault for the record, says all is well and asks nothing (or tells of
  another system's trouble, "nothing to do with the phones") reports nothing to us.
- A mail about the phones that names none of their faults is asked about only when it states
  something: a question ("is 17.0.12 supported on Windows 11?"), a plan or a follow-up on one
  of our tickets ("where are we on ZS-104950?") is not a report.
- A meeting's day is the one named beside the meeting, before any other day the mail names.

Pure: no state.
"""

from __future__ import annotations

import re
from datetime import date

from zsupport_mail.intake import kind_words as words
from zsupport_mail.intake.dates import requested_day
from zsupport_mail.intake.malfunction import AGAIN_FINE, QUESTION, planned


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n\s*\n|\n(?=\s*(?:\d+[.)]|[-*•])\s)")

# Changing a network part, or bringing a new one in.
CHANGE = _words(
    r"\b(?:replac\w+|swap\w*|chang\w+|switch(?:ing|es)?\s+(?:to|from|over)|mov(?:e|es|ing)|"
    r"migrat\w+|add(?:ing)?|install\w*|upgrad\w+|cut\s*over|cutover|go(?:es|ing)?\s+live|"
    r"new|open(?:ing)?|roll(?:ing)?\s+out|re-?ip\w*|set(?:ting)?\s+up)\b",
    r"\b(?:tausch\w*|wechsel\w*|umstell\w*|umzug|neue[nrsm]?|einricht\w*|ersetz\w*)\b",
    r"\b(?:cambi\w+|nuev[oa]s?|reemplaz\w+|instal\w+|migr\w+|mudanza)\b",
    r"\b(?:rempla\w+|nouve\w+|bascul\w+|d[ée]m[ée]nag\w+)\b",
)

PAST_QUESTION = re.compile(
    r"^\W*(?:did|has|have|was|were|hat|haben|wurde|ist|ha|han|se\s+ha|a-t-on|est-ce\s+qu)\b",
    re.IGNORECASE,
)

REQUEST = _words(
    r"\b(?:can|could|would|will|shall)\s+(?:we|you|someone)\b|\bplease\b|\bpossible\b",
    r"\bif\s+we\b|\bis\s+(?:it|that)\s+(?:ok|okay|alright|fine)\b|\bany\s+(?:concerns?|objections?)\b",
    r"\b(?:k[öo]nnen|k[öo]nnten)\s+(?:wir|sie)\b|\bbitte\b|\bpodemos\b|\bpueden\b|\bpor\s+favor\b",
    r"\bpouvons-nous\b|\bpouvez-vous\b",
)

# Nothing for us to do: told for the record, or another system's trouble.
NOTHING_ASKED = _words(
    r"\bnothing\s+(?:to\s+do|for\s+you\s+to\s+do|needed)\b|\bno\s+action\s+(?:needed|required)\b",
    r"\bnothing\s+to\s+do\s+with\b|\bnot\s+related\s+to\s+(?:the|our)\s+(?:phones?|phone\s+system)",
    r"\bnichts\s+(?:zu\s+tun|mit\s+der\s+telefon\w*\s+zu\s+tun)\b|\bkein\s+handlungsbedarf\b",
    r"\bnada\s+que\s+(?:hacer|ver\s+con)\b|\brien\s+(?:[àa]\s+faire|[àa]\s+voir\s+avec)\b",
)

# Asking for something (a document, a setting, a new extension) states nothing about the phones.
ASKS_FOR = _words(
    r"\b(?:send|share|provide|forward|e-?mail)\s+(?:me|us)\b|\bplease\s+(?:send|share|provide|"
    r"add|create|set\s+up|change|update|remove|rename|move|enable|disable)\b",
    r"\b(?:we|i)\s+(?:need|want)\s+(?:a|an|the|another|\d+|to)\b|\b(?:we|i)['\u2019]?d\s+like\b",
    r"\b(?:give|assign)\s+(?:him|her|them|us|me)\b|\bwould\s+like\b|\bbitte\s+(?:senden|schicken|einrichten|anlegen|[äa]ndern)\b",
    r"\b(?:wir|ich)\s+(?:brauchen|ben[öo]tigen|h[äa]tten\s+gern)\b|\bnecesitamos\b|\bnous\s+avons\s+besoin\b",
)

# Follow-ups on a ticket we hold already.
_FOLLOW_UP = r"\b{prefix}-\d+\b"


def network_change(text: str) -> bool:
    """Whether a sentence changes a network part, or plans to."""
    for sentence in _SENTENCE.split(text):
        if not words.NETWORK_CHANGE.search(sentence) or words.NO_CHANGE.search(sentence):
            continue
        # "Did something change with the voice VLAN?", "new VLAN?" ask whether, they plan
        # nothing; "can we move the VLAN next week?" asks for it.
        if QUESTION.search(sentence) and (
            PAST_QUESTION.search(sentence) or not (REQUEST.search(sentence) or planned(sentence))
        ):
            continue
        if CHANGE.search(sentence) or planned(sentence):
            return True
    return False


def for_the_record(text: str) -> bool:
    """Whether the mail says there is nothing for us to do and that all is well."""
    return NOTHING_ASKED.search(text) is not None and AGAIN_FINE.search(text) is not None


_REPLY = re.compile(r"^\s*(?:re|aw|sv|rv|r)\s*:", re.IGNORECASE)
# Praise: the thanks beside it are for something that went well.
_PRAISE = _words(
    r"\b(?:looks?|great|love[sd]?|loving|awesome|perfect|excellent|happy\s+with|nice|wonderful)\b",
    r"\b(?:super|toll|prima|genial|excelente|perfecto|parfait|g[ée]nial)\b",
)


def without_courtesy(text: str, subject: str) -> str:
    """The mail's words without thanks said as a courtesy ("Thanks!", "Thanks in advance",
    "thx"), which tell no more than "Hi"; kept when the mail is a reply, says something is
    fixed, praises or asks a question, for its thanks are then for that."""
    if _REPLY.match(subject) or "?" in text:
        return text
    if AGAIN_FINE.search(text) or words.RESOLVED.search(text) or _PRAISE.search(text):
        return text
    return words.COURTESY_THANKS.sub(" ", text)


def states_about_the_phones(text: str, prefix: str) -> bool:
    """Whether a sentence states something about the phone system (not a question, a plan, or
    a follow-up on one of our tickets)."""
    if re.search(_FOLLOW_UP.format(prefix=re.escape(prefix)), text, re.IGNORECASE):
        return False
    for sentence in _SENTENCE.split(text):
        if not words.PHONE_TOPIC.search(sentence) or words.NOT_A_REPORT.search(sentence):
            continue
        if QUESTION.search(sentence) or planned(sentence) or ASKS_FOR.search(sentence):
            continue
        return True
    return False


def day_asked(text: str, written: date) -> date | None:
    """The day a scheduling request asks for: beside the meeting it asks for, if it names
    one there ("a call on Thursday before the router change on the 20th"), else the first."""
    for sentence in _SENTENCE.split(text):
        if words.MEETING.search(sentence):
            day = requested_day(sentence, written)
            if day is not None:
                return day
    return requested_day(text, written)
