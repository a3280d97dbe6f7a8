"""When a fault we are sure of is still not a sure problem report: the evidence against it.

The surcharge needs a sure problem report on a first contact. A mail that names a fault in so
many words ("calls drop") may still be something else: thanks for a fix, a credit request, an
answer to our notice, a shipment, a meeting or a network change, a question of how something
works, a question about a ticket we already hold, or trouble with another system than the
phone system; or it tells a fault that is over (a past account). Then the ticket opens and
asks, and nothing is charged (intake/kind.py), unless the sentence that names the fault says
it is going on now ("right now", "since this morning", "currently"): a fault clearly new and
current is reported whatever else the mail says. Pure: no state.
"""

from __future__ import annotations

import re

from zsupport_mail.intake import kind_words as words
from zsupport_mail.intake.kind_shape import ASKS_FOR, REQUEST, network_change
from zsupport_mail.intake.malfunction import (
    _SENTENCE,
    _WRAPPED,
    AGAIN_FINE,
    QUESTION,
    SYSTEM_PART,
    WHY,
)


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# The fault is going on while the mail is written: said so, or said in the present tense.
NOW = _words(
    r"\bright\s+now\b|\bcurrently\b|\bat\s+the\s+moment\b|\bas\s+we\s+speak\b",
    r"\b(?:but|and|yet)\s+now\b|^\W*now\b|\bnow\s+(?!(?:fine|ok|okay|good|working|resolved|fixed)\b)\w+",
    r"\bsince\b(?!\s+(?:we|you|i|they|it['\u2019]s|there)\b)|\b(?:nobody|no\s+one)\s+can\b",
    r"\b(?:was|were|worked)\s+(?:\w+\s+)?(?:fine|ok|okay|good|working)\b",
    r"\bagain\b|\bit['\u2019]?s\s+back\b|\bwieder\b|\bde\s+nuevo\b|\botra\s+vez\b|\b[àa]\s+nouveau\b",
    r"\bstill\b|\bkeeps?\b|\bcontinu\w+|\bongoing\b|\bpersist\w*|\banymore\b|\bany\s+more\b",
    r"\bno\s+longer\b|\bnicht\s+mehr\b|\bya\s+no\b|\bne\s+\w+\s+plus\b",
    r"\bgerade\b|\bmomentan\b|\bseit\b|\bimmer\s+noch\b|\bjetzt\b|\b(?:geht|gehen|kann|"
    r"k[öo]nnen|funktioniert|funktionieren)\b",
    r"\bahora\b|\ben\s+este\s+momento\b|\bdesde\b|\btodav[íi]a\b|\bsigue\w*|\b(?:est[áa]n?|"
    r"no\s+(?:funciona|funcionan|entra|entran|sale|salen|suena|suenan|podemos|puedo))\b",
    r"\ben\s+ce\s+moment\b|\bactuellement\b|\bdepuis\b|\btoujours\b|\bmaintenant\b|"
    r"\bne\s+\w+\s+(?:pas|plus)\b",
)

# A fault said of a condition or in a question of how to do something, not as it happens.
HYPOTHETICAL = _words(
    r"\bif\b|\bin\s+case\b|\bin\s+the\s+event\b|\bwhat\s+happens\b|\bsuppos\w+|\bwhether\b",
    r"\bfalls\b|\bwenn\b|\ben\s+caso\b|\bsi\b|\bau\s+cas\b",
)

# Said anywhere in the mail, these put its fault in the present ("It is happening right now").
RIGHT_NOW = _words(
    r"\bright\s+now\b|\bcurrently\b|\bat\s+the\s+moment\b|\bas\s+we\s+speak\b",
    r"\bgerade\s+(?:jetzt|eben)\b|\bmomentan\b|\ben\s+este\s+momento\b|\ben\s+ce\s+moment\b",
    r"\bactuellement\b",
)

_CONTRAST = re.compile(r"\b(?:but|however|aber|jedoch|pero|mais)\b", re.IGNORECASE)

# A fault told as over: a past time far enough back, with no word that it goes on.
PAST_TIME = _words(
    r"\blast\s+(?:week|month|year|quarter|summer|winter|spring|fall|autumn)\b",
    r"\b(?:a|two|three|few|couple\s+of|several)\s+(?:\w+\s+)?(?:weeks|months|years|week|month|"
    r"year)\s+ago\b|\ba\s+while\s+(?:ago|back)\b|\bback\s+in\b|\bpreviously\b|\bin\s+the\s+past\b",
    r"\b(?:in|im|en|back\s+in)\s+(?:january|february|march|april|june|july|august|september|"
    r"october|november|december|januar|februar|m[äa]rz|juni|juli|oktober|dezember|enero|febrero|"
    r"marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|janvier|"
    r"f[ée]vrier|mars|avril|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)\b",
    r"\bearlier\s+this\s+(?:year|month)\b|\bonce\s+before\b|\bat\s+the\s+time\b|\bused\s+to\b",
    r"\bletzte[nrs]?\s+(?:woche|monat|jahr)\b|\bvor\s+(?:einigen|ein\s+paar|zwei|drei)\b",
    r"\bel\s+(?:mes|a[ñn]o)\s+pasado\b|\bla\s+semana\s+pasada\b|\bhace\s+(?:unas|unos|dos|tres)\b",
    r"\ble\s+mois\s+dernier\b|\bla\s+semaine\s+derni[èe]re\b|\bl'ann[ée]e\s+derni[èe]re\b",
    r"\bil\s+y\s+a\s+(?:quelques|deux|trois)\b",
)

# Thanks for help given, a fix confirmed.
THANKED = _words(
    r"\b(?:thanks?|thank\s+you|danke|gracias|merci)\b[^.!?]{0,30}?\b(?:fix\w*|resolv\w*|"
    r"sort\w*|solv\w*|quick|help\w*|support|work|getting|restor\w*|look\w*|hilfe|ayuda|aide)",
)

# A fix confirmed, for this fault or another ("all good now", "back to normal").
FIXED = _words(
    r"\b(?:fine|ok|okay|good|normal|stable)\s+(?:now|again)\b|\bback\s+to\s+normal\b",
    r"\b(?:been|is|are|stayed|stays)\s+(?:up\s+)?(?:solid|clean|stable|rock\s+solid)\b",
    r"\btodo\s+bien\b|\btout\s+va\s+bien\b|\balles\s+(?:gut|ok|in\s+ordnung)\b|"
    r"\bwent\s+(?:fine|well|smoothly|ok|okay)\b|\ball\s+good\b|\b(?:works?|working)\s+again\b|\bcame\s+back\b|\bback\s+(?:up|online)\b",
    r"\b(?:fixed|resolved|solved)\b|\bwieder\s+(?:gut|ok|in\s+ordnung)\b|\b(?:behoben|gel[öo]st|"
    r"resuelto|arreglado|r[ée]solu|r[ée]par[ée])\b",
)

# A bill or a charge: "the $100 charges on the dropped-calls tickets" reports nothing.
BILLING = _words(
    r"\$\s?\d|\b(?:sur)?charges?\b|\binvoice\w*|\bbill(?:ed|ing|s)?\b|\brechnung\w*|\bfactura\w*",
    r"\bfacture\w*|\bgeb[üu]hr\w*|\bcargo\w*",
)

# Mail meant for someone else: "this was for our printer technician, not for you".
MISDIRECTED = _words(
    r"\bnot\s+(?:meant\s+)?for\s+you\b|\bwrong\s+(?:address|recipient|person)\b|\bby\s+mistake\b",
    r"\bplease\s+ignore\b|\bera\s+para\b|\bno\s+para\s+ustedes\b|\bpor\s+error\b",
    r"\bfalsche[nr]?\s+(?:adresse|empf[äa]nger)\b|\bversehentlich\b|\bpar\s+erreur\b",
)

# A question of how something works or how to do it.
HOW = _words(
    r"\bhow\s+(?:do|can|could|would|should|does)\s+(?:i|we|you|they|one|it|the)\b"
    r"(?!\s+(?:fix|repair|solve|get\s+rid|stop\s+(?:it|this|that)|make\s+it\s+stop)\b)",
    r"\b(?:quick\s+)?question\b|\bpregunta\b|\bfrage\b|\bqu['\u2019]est-ce\s+qui\b|\bqu[ée]\s+causa\b",
    r"\bwhat\s+(?:causes|usually\s+causes)\b|\bis\s+there\s+a\s+way\b|\bhow\s+to\b|\bis\s+it\s+possible\b|\bwhat\s+does\b[^.?!]*\bmean\b",
    r"\bwie\s+(?:kann|k[öo]nnen|funktioniert)\b|\bc[óo]mo\s+(?:puedo|podemos|se|funciona)\b",
    r"\bcomment\s+(?:puis|pouvons|faire|fonctionne)\b",
)

# A question about a ticket we hold already: a follow-up, not a first contact.
STATUS = _words(
    r"\b(?:any|an)\s+update\b|\bstatus\s+(?:of|on)\b|\bfollow(?:ing)?[- ]up\b|\bwhere\s+are\s+we\b",
    r"\bstill\s+waiting\b|\bheard\s+back\b|\b(?:our|my|the|open|existing)\s+(?:ticket|case)\b",
    r"\bticket\s*(?:#|no\.?|number)\s*\d|\bcase\s*(?:#|no\.?|number)\s*\d",
    r"\bstand\s+(?:der|des|von)\b|\bnachfrage\b|\bseguimiento\s+(?:del|de\s+la)\b",
    r"\bsuivi\s+(?:du|de\s+la)\b",
)

# Another system than the phone system.
OTHER_SYSTEM = _words(
    r"\be-?mail\b|\boutlook\b|\binternet\b|\bwi-?fi\b|\bwireless\b|\bprinters?\b|\bcopiers?\b",
    r"\bwebsite\b|\bweb\s*site\b|\bcomputers?\b|\blaptops?\b|\bpcs?\b|\bcrm\b|\behr\b|\bemr\b",
    r"\bexchange\b|\boffice\s*365\b|\bm365\b|\bteams\b|\bzoom\b|\bsharepoint\b|\bsalesforce\b",
    r"\bdrucker\b|\bkopierer\b|\bimpresora\b|\bcorreo\b|\bimprimante\b|\bcourriel\b",
)


def sentence_doubt(sentence: str) -> str | None:
    """Why one sentence naming a fault does not report it as happening: a past account, a
    condition, a question of how (or whether), another system than the phones."""
    past = PAST_TIME.search(sentence)
    if past is not None and NOW.search(sentence) is None:
        return f"a past account ({past.group(0)!r})"
    if not _CONTRAST.search(sentence) and (fixed := FIXED.search(sentence)) is not None:
        return f"a fix confirmed ({fixed.group(0)!r})"
    if (thanks := THANKED.search(sentence)) is not None:
        return f"thanks for a fix or help ({thanks.group(0)!r})"
    # "Our Outlook keeps crashing when I open voicemail": what fails is named before the fault.
    fault = words.FAULT.search(sentence)
    head = _CONTRAST.split(sentence[: fault.end()] if fault is not None else sentence)[-1]
    other = OTHER_SYSTEM.search(head)
    if other is None and SYSTEM_PART.search(head) is None:
        other = OTHER_SYSTEM.search(sentence)  # "No funciona la impresora"
    if other is not None and SYSTEM_PART.search(head) is None:
        return f"about another system ({other.group(0)!r})"
    if (bill := BILLING.search(sentence)) is not None:
        return f"about a bill ({bill.group(0)!r})"
    if (how := HOW.search(sentence)) is not None:
        return f"a question of how ({how.group(0)!r})"
    if (condition := HYPOTHETICAL.search(sentence)) is not None:
        return f"a condition ({condition.group(0)!r})"
    if QUESTION.search(sentence) and WHY.search(sentence) is None:
        return "a question"
    return None


def follows_up(text: str, prefix: str) -> bool:
    """Whether the mail asks about one of our tickets by its number ("where are we on
    ZS-104988?"): what it says of the fault is that ticket's, not a new report."""
    ticket = re.search(rf"\b{re.escape(prefix)}-\d+\b", text, re.IGNORECASE)
    return ticket is not None and STATUS.search(text) is not None


def live(sentences: list[str], text: str) -> list[str]:
    """The sentences naming a fault that report it as it happens (the whole sentence each
    clause was taken from)."""
    whole = _SENTENCE.split(_WRAPPED.sub(" ", text))
    told = [_context(clause, whole) for clause in sentences]
    return [sentence for sentence in told if sentence_doubt(sentence) is None]


# For the charge only (intake/kind.py reads the kind without them): a sentence naming a fault
# that says it is over or of another time ...
TOLD_OVER = _words(
    r"\bis\s+history\b|\bthing\s+of\s+the\s+past\b|\bno\s+(?:more\s+)?\w+\s+all\s+(?:week|day)\b",
    r"\bno\s+more\s+(?:echo|static|noise|crackl\w*|hiss\w*|buzz\w*|drops|dropped\s+calls|problems?|"
    r"issues?)\b|\bkein\w*\s+(?:echo|rauschen|knacken|abbr[üu]che)\s+mehr\b|\bcan\s+be\s+closed\b",
    r"\bya\s+no\s+(?:se\s+corta|hay\s+eco)\w*",
    r"\bplus\s+de\s+(?:coupures?|gr[ée]sillements?|[ée]cho|bruit)\b",
    r"\b(?:you\s+)?can\s+close\b|\bcrystal\s+clear\b|\bpost[- ]?mortem\b",
    r"\bnothing\s+(?:for\s+you\s+)?to\s+do\b",
    r"\blast\s+(?:move|upgrade|update|swap|cutover|change|migration|year)\b",
    r"\bon\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b",
    r"\bbefore\s+we\s+(?:schedule|upgrade|move|book)\b",
)
# ... and a mail that says its matter is settled.
SETTLED = _words(
    r"\b(?:thanks?|thank\s+you|cheers|danke|gracias|merci)\b[^.!?]{0,30}?\b(?:fix\w*|resolv\w*|"
    r"sort\w*|solv\w*|restor\w*|hilfe|ayuda|aide|intervention)",
    r"\b(?:works?|working|sounds?|is|are|been)\s+(?:\w+\s+)?(?:fine|great|perfect\w*|clear|stable|"
    r"normal)\s+(?:now|again|since)\b|\bback\s+to\s+normal\b|\ball\s+good\s+now\b",
    r"\b(?:you\s+)?can\s+(?:now\s+)?close\b|\bcan\s+be\s+closed\b|\bcrystal\s+clear\b|\bis\s+history\b",
    r"\b(?:wieder\s+(?:gut|ok|in\s+ordnung)|funktioniert\s+wieder|l[äa]uft\s+wieder)\b",
    r"\b(?:ya\s+funciona|funciona\s+bien|tout\s+fonctionne|fonctionne\s+(?:bien|de\s+nouveau))\b",
)
# Something new beside the settled matter.
FRESH = _words(
    r"(?:^|[.!?:]\s*|\n\s*)but\b|\bproblem\s+now\b|\bbigger\b|\bdifferent\s+(?:problem|issue)\b|\bnew\s+\w+\s+problem\b",
    r"\bbut\s+now\b|\bnow\s+(?:a|the|our|we)\b|\bunrelated\b|\bnew\s+(?:problem|issue)\b|\banother\b",
    r"\balso\b|\bby\s+the\s+way\b|\bbtw\b|\bseparately\b|\bsomething\s+(?:else|new)\b",
    r"\bunfortunately\b|\bhowever\b|\ballerdings\b|\bleider\b|\baber\b|\bpero\b|\bmais\b",
    r"\bau[ßs]erdem\b|\badem[áa]s\b|\baussi\b|\bpar\s+contre\b",
)


def doubt(
    sentences: list[str],
    text: str,
    *,
    prefix: str,
    event: bool = False,
    notice: bool = False,
    subject: str = "",
) -> str | None:
    """Why a mail naming a fault in so many words should be asked about, not charged: the
    evidence against a sure first report; None when there is none, or when a sentence
    naming the fault says it is going on now (in an answer to our notice, only a new matter
    going on now: a fault after our own maintenance or upgrade is not billed as missing
    information).

    Args:
        sentences: the sentences (or clauses) that name a fault, in order.
        text: all of the mail's own words (subject, new text, forwarded text).
        prefix: our ticket numbers' prefix (``ZS``).
        event: the mail carries an invitation (a calendar part).
        notice: the mail answers one of our notices.
        subject: the mail's subject, even a reply's (it names our ticket).
    """
    whole = _SENTENCE.split(_WRAPPED.sub(" ", text))
    told = [_context(clause, whole) for clause in sentences]
    doubts = [sentence_doubt(sentence) for sentence in told]
    live = [sentence for sentence, why in zip(told, doubts, strict=True) if why is None]
    if not live:
        return next((why for why in doubts if why is not None), "no fault as it happens")
    # Read here only, for the charge (never for what the mail is): a fault sentence that
    # itself says the fault is over or was another time, and a mail that says the matter is
    # settled with nothing new in it (unless the fault is said to go on: "since 7:50", "still").
    current = [sentence for sentence in live if TOLD_OVER.search(sentence) is None]
    if not current:
        over = TOLD_OVER.search(live[0])
        return f"the fault told as over or past ({over.group(0) if over else ''!r})"
    live = current
    rest_said = [sentence for sentence in whole if sentence not in live]
    settled = next((m for m in (SETTLED.search(s) for s in rest_said) if m is not None), None)
    strong = any(RIGHT_NOW.search(s) or words.ONGOING.search(s) for s in live)
    if settled is not None and FRESH.search(text) is None and not strong:
        return f"the mail says the matter is settled ({settled.group(0)!r}), nothing new"
    # "Everything works right now" says the opposite of a fault going on.
    said_now = (s for s in whole if not (FIXED.search(s) or AGAIN_FINE.search(s)))
    now = any(NOW.search(s) or words.ONGOING.search(s) for s in live) or any(
        RIGHT_NOW.search(s) for s in said_now
    )
    new = words.NEW_MATTER.search(text) is not None
    ticket = re.search(rf"\b{re.escape(prefix)}-\d+\b", f"{subject}\n{text}", re.IGNORECASE)
    if ticket is not None and not (now and new):
        return f"a follow-up on our ticket {ticket.group(0)}, no new fault going on now"
    if notice:
        return None if now and new else "an answer to our notice, no new fault going on now"
    if now:
        return None
    # Only what the rest of the mail says competes: "during our meeting the bridge dropped
    # everyone" names a meeting, it asks for none.
    rest = "\n".join(sentence for sentence in whole if sentence not in live)
    if words.RMA.search(text) and words.SHIPMENT.search(text):
        return "an RMA shipment"
    return _against(rest, prefix, event=event)


def _context(clause: str, sentences: list[str]) -> str:
    """The whole sentence a clause was taken from (mail wraps lines inside sentences)."""
    key = " ".join(clause.split())
    return next((s for s in sentences if key and key in " ".join(s.split())), clause)


def _against(text: str, prefix: str, *, event: bool) -> str | None:
    """The competing evidence the mail holds, if any."""
    checks: tuple[tuple[str, re.Pattern[str]], ...] = (
        ("a mail meant for someone else", MISDIRECTED),
        ("thanks for a fix or help", THANKED),
        ("a fix confirmed", words.RESOLVED),
        ("a fix confirmed", FIXED),
        ("a credit request", words.CREDIT),
        ("a question of how something works", HOW),
        ("a question about a ticket we hold", STATUS),
        ("a question about a ticket we hold", re.compile(rf"\b{re.escape(prefix)}-\d+\b", re.I)),
        ("a contact change", words.CONTACT_CHANGE),
    )
    for what, pattern in checks:
        if (found := pattern.search(text)) is not None:
            return f"{what} ({found.group(0).strip()!r})"
    if event:
        return "a meeting asked for (an invitation)"
    for sentence in _SENTENCE.split(text):
        # A meeting asked for, not one named ("before our Thursday meeting").
        meeting = words.MEETING.search(words.MEETING_PLACE.sub(" ", sentence))
        if meeting is not None and (REQUEST.search(sentence) or ASKS_FOR.search(sentence)):
            return f"a meeting asked for ({meeting.group(0)!r})"
    if network_change(text):
        return "a network change"
    return None
