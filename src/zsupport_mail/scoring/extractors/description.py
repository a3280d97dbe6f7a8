"""description and reproducible: is there a real account of the problem, and does it recur?

A detailed description is prose about the problem beyond a greeting, a signature and form
lines: at least MIN_WORDS words. Reproducibility must be stated: yes, no or sometimes; negated
forms ("cannot reproduce") are checked before the positive ones they contain.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.scoring.text import parse_form
from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

MIN_WORDS = 12
_GREETING = re.compile(
    r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon)|guten tag|hallo|hola|bonjour|"
    r"thanks?|thank you|regards|best|cheers|danke|gracias|merci|mit freundlichen)\b.*$",
    re.IGNORECASE | re.MULTILINE,
)
_WORD = re.compile(r"[^\W\d_]{2,}")
# A question and its answer: "Can you reproduce it: yes", "Reproducible? no, only once"
_ASKED = r"reproduc\w*(?:\s+(?:it|this|that|the (?:issue|problem)))?\s*[?:]+\s*"
_NO = re.compile(
    r"\b(?:can(?:no|')t|could(?:n't| not)|unable to|not able to|am not able to|cannot)\s+"
    r"(?:be\s+)?(?:reproduc|replicat|recreat)\w*|\bnot\s+reproduc\w*|\bnon-?reproducible\b"
    r"|\b(?:happened|occurred) (?:only )?once\b|\bonly (?:happened )?once\b|\bone-?(?:time|off)\b"
    r"|\bnot (?:happened|occurred) (?:again|since)\b|\bhas(?:n't| not) (?:happened|recurred)\b"
    r"|\bnicht reproduzierbar\b|\b(?:bisher|nur) einmal\b|\bno (?:se )?(?:puede|podemos) "
    rf"reproducir\b|\bpas reproductible\b|\breproducible\s*[:=]\s*no\b|\b{_ASKED}(?:no|nein)\b"
    r"|\bnicht\s+(?:gezielt\s+|bewusst\s+)?(?:auslösen|nachstellen|reproduzieren|nachvollziehen)"
    r"|\bnur\s+(?:dieses\s+)?eine?s?\s*mal\b|\bimpossible\s+(?:à|a)\s+reproduire\b"
    r"|\b(?:qu['\u2019]une|une\s+seule)\s+fois\b(?!\s+sur)",
)
_SOMETIMES = re.compile(
    r"\b(?:intermittent(?:ly)?|sometimes|occasionally|sporadic(?:ally)?|random(?:ly)?|at random"
    r"|from time to time|now and then|comes and goes|not always|not (?:every|all) (?:time|calls?)"
    r"|some of the (?:calls|time)|a few times|several times|a lot|every few \w+"
    r"|\d+\s*(?:in|out of|of)\s*\d+\s*calls?|(?:one|two|three|\d+) (?:\w+ )?(?:in|out of) "
    r"(?:ten|five|four|three|\d+)|\d+ or \d+ (?:calls|times)"
    r"|(?:maybe|about|roughly) (?:a )?(?:half|quarter|third)"
    r"|(?:twice|three times|\d+ times) (?:in|a|per)|not all (?:\w+ )?(?:calls|users)"
    r"|manchmal|sporadisch|gelegentlich|unregelmäßig|ab und zu|a veces|de vez en cuando"
    r"|parfois|de temps en temps|un appel sur \w+|most (?:mornings|days|afternoons|of the time)"
    r"|on and off|hit (?:or|and) miss|half (?:of )?the (?:time|calls)|usually (?:happens|fails)"
    r"|a menudo|con frecuencia|frecuentemente|fr(?:é|e)quemment|par moments|zeitweise|meistens"
    r"|(?:happens|occurs|fails) (?:quite )?(?:often|frequently)|intermitente"
    r"|no (?:pasa|ocurre|sucede) (?:con|en) tod[ao]s|algunas llamadas|nicht (?:bei allen|immer)"
    r"|jede[sn]? (?:zweite|dritte|vierte|fünfte|zehnte)\w*"
    r"|every (?:second|other|third|fourth|fifth|tenth) (?:call|time|day))\b"
    r"|\breproducible\s*[:=]\s*(?:sometimes|intermittent)",
)
_YES = re.compile(
    r"\b(?:(?:can|could|able to|we|i)\s+(?:easily\s+|always\s+)?reproduc\w*|reproducible"
    r"|reproduces|every (?:single )?time|each time|consistently|100\s*%"
    r"|(?:happens|occurs|fails|failing|broken)\s+(?:on|for|with|at|in)\s+(?:each|every|all)\b"
    r"|every (?:single )?(?:attempt|login|test call|call attempt)s?\b"
    r"|reproduzierbar|jedes\s?mal|bei jedem (?:anruf|versuch)|siempre|cada vez|à chaque fois"
    r"|(?:jederzeit|immer|problemlos)\s+(?:nachstell|reproduzier|nachvollzieh)\w*"
    r"|every (?:single )?(?:evening|morning|night|day)s?"
    rf"|toujours|{_ASKED}(?:yes|ja|s(?:í|i)|oui)\b)\b",
)
_FORM_ANSWER = {
    "yes": "yes",
    "y": "yes",
    "ja": "yes",
    "sí": "yes",
    "si": "yes",
    "oui": "yes",
    "no": "no",
    "n": "no",
    "nein": "no",
    "non": "no",
    "sometimes": "sometimes",
    "intermittent": "sometimes",
    "manchmal": "sometimes",
}


def prose(text: str) -> str:
    """Text without greetings, sign-offs and our form's lines."""
    form_lines = {f"{v}" for values in parse_form(text).values() for v in values}
    lines = [
        line
        for line in text.splitlines()
        if not _GREETING.match(line) and not any(v in line for v in form_lines)
    ]
    return "\n".join(lines)


def reproducibility(text: str) -> tuple[str, str] | None:
    """("yes"|"no"|"sometimes", the words that said so), or None when not stated.

    The patterns are lower case and searched in the lower-cased text: three times faster than
    IGNORECASE on every mail (a text whose length lower() changes is searched case-blind)."""
    lower = text.lower()
    for answer, pattern in (("no", _NO), ("sometimes", _SOMETIMES), ("yes", _YES)):
        if len(lower) == len(text):
            match = pattern.search(lower)
            if match:
                return answer, text[match.start() : match.end()]
        elif match := re.compile(pattern.pattern, re.IGNORECASE).search(text):
            return answer, match.group(0)
    return None


@dataclass(frozen=True)
class DescriptionExtractor:
    """Whether the client described the problem and said whether it recurs."""

    keys: tuple[str, ...] = ("description", "reproducible")

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """A description of at least MIN_WORDS words; reproducibility from the form, else text."""
        item = prepared.item
        body = prose(f"{item.text}\n{item.forwarded}")
        words = _WORD.findall(body) + _WORD.findall(" ".join(item.form.get("description", [])))
        description: tuple[Evidence, ...] = ()
        if len(words) >= MIN_WORDS:
            first = next(
                (line.strip() for line in body.splitlines() if len(line.split()) > 3),
                " ".join(words[:12]),
            )
            description = (Evidence(f"{len(words)} words", first[:160]),)
        reproducible: tuple[Evidence, ...] = ()
        for value in item.form.get("reproducible", []):
            answer = (  # "yes, every hold": what it says, else the answer's first word
                _FORM_ANSWER.get(value.strip().lower().rstrip("."))
                or (reproducibility(value) or (None, ""))[0]
                or _FORM_ANSWER.get(re.split(r"[\s,;.:!(-]", value.strip().lower(), maxsplit=1)[0])
            )
            if answer:
                reproducible = (Evidence(answer, value, "form"),)
                break
        if not reproducible:
            found = reproducibility(f"{item.subject}\n{item.text}\n{item.forwarded}")
            if found:
                reproducible = (Evidence(found[0], found[1]),)
        return [ItemResult("description", description), ItemResult("reproducible", reproducible)]
