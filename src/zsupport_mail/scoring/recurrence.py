"""Does the mail plausibly say how often the problem happens? The reproducibility cue.

The confident reading (yes / no / sometimes from known phrasings) is in
extractors/description.py. This module answers the weaker question for the plausible layer: is
there any wording about recurrence at all, in EN/ES/DE/FR ("every single call", "maybe a
quarter", "ab und an", "de vez en cuando", "100%")? It runs on most mails, so it matches word
stems and phrases with C-level string operations instead of one large case-insensitive regex
(which cost 3 ms a mail).
"""

from __future__ import annotations

import re

_STEMS_NO = ("once", "never", "einmal", "nie", "jamais", "isolated", "einmalig")
_STEMS_YES = (
    "always", "constant", "consistent", "every", "each", "immer", "siempre", "toujours",
    "chaque", "jederzeit", "jedes", "jeden", "cada", "reliabl", "systematique", "systématique",
    "ständig", "staendig",
    "daily", "täglich", "taeglich", "regardless", "todas", "todos", "whenever",
)  # fmt: skip
_STEMS = (
    *_STEMS_NO, *_STEMS_YES,
    "reproduc", "reproduz", "reproduis", "reprodui", "repeatab", "repro", "replicat", "repeat",
    "recreat", "nachstell", "wiederhol", "nachvollzieh", "twice", "intermit", "sporad",
    "esporád", "random", "aleatori", "aléatoire", "aleatoire", "zufällig", "zufaellig",
    "sometimes", "occasional", "ocasional", "manchmal", "gelegentlich", "selten", "parfois",
    "frequent", "often", "oft", "häufig", "haeufig", "rarely", "rare", "seldom", "again", "flak",
    "spotty", "inconsistent", "handful", "regelmäßig", "regelmaessig", "vereinzelt", "souvent",
    "rarement", "certains", "algunos", "algunas", "mayoría", "mayoria", "majority", "persist",
    "ongoing", "predictabl", "weekly", "hourly", "dauerhaft", "durchgehend", "permanent",
    "wiederholt", "mehrmals", "mehrfach", "öfter", "oefter", "repetidamente", "constam",
    "régulièrement", "regulierement", "regularly", "several", "multiple", "usually", "mostly",
    "typically", "generally", "normally", "zeitweise", "teilweise", "meistens",
    "frecuen", "fréquem", "frequem", "continu", "kontinuierlich", "nunca", "jamás",
    "dauernd", "andauernd", "keeps", "recurr", "periodic", "quelquefois",
    "unpredict", "erratic", "unregelm", "irregul", "irrégul", "imprévisib", "impredecib",
    "nonstop", "trigger", "occurrence", "fréquen", "quotidien", "diari", "nightly", "monthly",
)  # fmt: skip
_PHRASES = (
    "now and then", "from time to time", "some calls", "some of the", "a few", "several times",
    "jedes mal", "ab und zu", "ab und an", "hin und wieder", "a veces", "cada vez", "de vez en",
    "una vez", "de temps", "une fois", "a lot", "hit or miss", "hit and miss", "on and off",
    "off and on", "here and there", "not always", "still happen", "keeps happening",
    "keep happening", "à chaque", "a chaque", "on demand", "at will", "test call",
    "without fail", "can make it", "can trigger", "can force", "odd call", "couple of",
    "one-off", "one off", "single occurrence", "single incident", "just the once",
    "en ocasiones", "se repite", "la plupart", "no matter", "many times", "multiple times",
    "numerous times", "jeden tag", "bei jedem", "alle anrufe", "half of", "half the",
    "a quarter", "quarter of", "a third", "third of", "most of", "most calls", "all calls",
    "all the calls", "all the time", "any time", "anytime", "all inbound", "all outbound",
    "all incoming", "all external", "all internal", "any call", "one time", "first time",
    "all day", "all morning", "whole day", "without exception", "ever since", "every now",
    "bei allen", "jeder anruf", "varias veces", "tout le temps", "plusieurs fois",
    "most mornings", "most days", "most afternoons", "all week", "a menudo", "par moments",
    "de temps à autre", "muchas veces", "cada tanto", "50/50", "same result", "same thing",
    "happen again", "happens again", "not consistent", "two times", "three times",
    "four times", "five times", "each and every", "over and over", "immer wieder",
    "now and again", "tous les appels", "à tous les coups", "out of ten", "in ten calls",
    "von zehn", "sur dix", "de cada diez", "percent", "per cent", "prozent", "por ciento",
    "pour cent",
    "non-stop", "24/7", "one-time", "now & then", "on & off", "todo el", "on purpose",
    "both times", "still doing", "still does", "no pattern", "all of them",
    "dozen", "bunch of", "lots of", "many calls", "numerous", "on occasion", "at times",
    "all afternoon", "all evening", "the whole time", "only one call", "one call so far",
    "replica", "zweimal", "dreimal", "dos veces", "tres veces", "deux fois", "trois fois",
    "seule fois", "regular basis", "tous les jours",
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+")
# "every user", "each phone", "todos los usuarios": who or what is hit, not how often
_SCOPE = re.compile(
    r"(?:every|each|all|cada|chaque|tous les|todos los|todas las|jede[rsn]?)\s+(?:single\s+)?"
    r"(?:user|phone|pc|desk|extension|employee|agent|site|office|location|device|handset|seat"
    r"|colleague|person|people|department|team|branch|computer|laptop|workstation|usuari|tel(?:é|e)"
    r"|poste|nebenstelle|mitarbeiter|benutzer|standort|ger(?:ä|ae)t|appareil|utilisateur|empleado)"
)
_DENOMINATORS = frozenset(
    {"two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "twenty", "dos"}
    | {"tres", "cuatro", "cinco", "diez", "zwei", "drei", "vier", "fünf", "zehn", "deux"}
    | {"trois", "quatre", "cinq", "dix"}
)
_RATIO_WORDS = re.compile(  # searched only when a denominator word is in the text
    # "one call in ten", "two out of five", "una de cada diez", "einer von zehn"
    r"\b(?:one|two|three|a|una?|eine[rn]?|zwei|drei|un|deux|trois)\s+(?:\w+\s+)?(?:in|out of"
    r"|of every|de cada|von|sur)\s+(?:two|three|four|five|six|seven|eight|nine|ten|twenty|dos"
    r"|tres|cuatro|cinco|diez|zwei|drei|vier|fünf|zehn|deux|trois|quatre|cinq|dix|\d+)\b"
)
_NUMERIC = re.compile(
    r"(?<![\w.])\d{1,2} ?x\b|\b\d+\s*/\s*\d+\s+(?:calls|times|attempts|tries)\b"
    r"|\d+\s*(?:in|of|out of|von|sur|de)\s*\d+\b|\d+\s*%|\b\d+\s+(?:calls|times|mal|veces|fois)\b"
    r"|reproduc\w*\s*[:?]+\s*(?:yes|no|y|n|ja|nein|sí|si|oui|non)\b"
)


def recurrence_cue(text: str) -> tuple[str, int, int] | None:
    """("yes"|"no"|"sometimes" as a guess, start, end) of the first wording about recurrence."""
    lower = text.lower()
    words = set(_WORD.findall(lower))
    stems = {word for word in words if word.startswith(_STEMS)}
    hits = (
        [
            (m.start(), m.end())
            for m in _WORD.finditer(lower)
            if m.group(0) in stems and not _SCOPE.match(lower, m.start())
        ]
        if stems
        else []
    )
    hits += [(at, at + len(p)) for p in _PHRASES if (at := lower.find(p)) >= 0]
    numeric = _NUMERIC.search(lower)
    if numeric:
        hits.append(numeric.span())
    ratio = _RATIO_WORDS.search(lower) if not _DENOMINATORS.isdisjoint(words) else None
    if ratio:
        hits.append(ratio.span())
    if not hits:
        return None
    start, end = min(hits)
    phrase = lower[start:end]
    if phrase.startswith(_STEMS_NO) or "cannot" in lower[max(0, start - 20) : start]:
        return "no", start, end
    return ("yes" if phrase.startswith(_STEMS_YES) else "sometimes"), start, end
