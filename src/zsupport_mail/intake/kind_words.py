"""The vocabulary intake/kind.py reads a mail's kind by, in English, German, Spanish and French.

Kept apart from the decision so that a new phrasing is a one-line change here, reviewed with
the tuned set's figures (bench/intent_quality.py). Patterns are matched case-insensitively on
the sender's own words (quoted history removed; a forwarded report kept) and the subject.
"""

from __future__ import annotations

import re


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# A call or system fault described as happening (or having happened): the mark of a report.
FAULT = _words(
    # English
    r"\b(?:is|are|was|were|went|been|still|phones?|system|everything|all)\s+down\b",
    r"\bdown\s+(?:again|since)\b",
    r"^\s*(?:phones?\s+)?down\b",
    r"\bno\s+(?:incoming\s+|inbound\s+|outbound\s+|outgoing\s+|outside\s+)?calls?\b"
    r"(?:\s+(?:in|out|are|coming|since|at all))?",
    r"\bno\s+(?:dial\s*tone|service|audio|sound)\b",
    r"\b(?:can'?t|cannot|can\s+not|couldn'?t|unable\s+to)\s+(?:be\s+)?"
    r"(?:hear|dial|call|make|receive|get|log|transfer|connect|reach|place|send)",
    r"\bnobody\s+(?:here\s+)?can\b",
    r"\bdrop(?:s|ped|ping)?\s+(?:the\s+)?(?:calls?|callers|everybody|everyone|out)\b",
    r"\bcalls?\s+(?:drop|fail|go\s+straight)",
    r"\bfail(?:s|ed|ing|ure)\b",
    r"\bnot\s+(?:ringing|working|arriving|saving|booting|available|connecting)\b",
    r"\bnever\s+(?:rings?|arrives?|comes?\s+up)\b",
    r"\b(?:doesn'?t|does\s+not|don'?t|won'?t|isn'?t|aren'?t|didn'?t)\s+"
    r"(?:work|ring|boot|say\s+anything|arrive|save|saving|working|ringing|light)",
    r"\bis\s+dead\b|\bdead\b.*\bphone|\bphone\b.*\bdead\b",
    r"\bcrash(?:es|ed|ing)?\b",
    r"\becho\b",
    r"\bone[- ]way\s+audio\b",
    r"\b(?:is|are|was)\s+(?:silent|empty)\b|\bsilent\s+again\b",
    r"\bfast\s+busy\b|\bbusy\s+signal\b|\bsuena\s+ocupado\b",
    r"\blos(?:ing|es|t|e)\s+(?:their\s+|its\s+)?registration\b",
    r"\bcuts?\s+off\b",
    r"\bit'?s\s+back\b|\bhappen(?:s|ed)\s+again\b",
    r"\bshows?\s+[\"'].*[\"']\s+since\b",
    r"\b(?:call|calls)\s+failed\b|\bcomm\s+error\b|\berror\s+(?:message|code)\b",
    r"\bnot\s+able\s+to\s+(?:hear|dial|call|make|receive|get|log|transfer|connect|reach)",
    r"\bstop(?:ped|s)?\s+(?:working|ringing|recording|forwarding)\b",
    r"\bkeeps?\s+(?:dropping|crashing|rebooting|freezing|restarting|disconnecting|losing)\b",
    r"\bstatic\b(?!\s+(?:ips?|address\w*|routes?|nat))|\b(?:crackl\w*|choppy|garbled|robotic|jitter\w*|distorted|muffled)\b",
    r"\bno\s+(?:ring(?:ing|back)?|voicemail|caller\s+id|music\s+on\s+hold|hold\s+music)\b",
    r"\bbusy\s+tone\b|\bunreachable\b|\boffline\b|\bbroken\b|\bfreez(?:e|es|ing)\b",
    r"\breboot(?:s|ing|ed)\s+(?:itself|on\s+its\s+own|by\s+itself|randomly)\b",
    r"\bdisconnect(?:s|ed|ing)\b|\bdropped\b|\bhung\s+up\s+on\b|\bgoes?\s+dead\b",
    r"\b(?:wrong|incorrect)\s+(?:caller\s*id|number|name|extension|time|date)\b",
    r"\bnot\s+(?:showing|displaying|recording|forwarding|transferring|registering|"
    r"updating|receiving|sending|going\s+through|coming\s+through|getting\s+through)\b",
    r"\b(?:having|have|had|getting|experiencing|seeing)\s+(?:an?\s+|some\s+|the\s+same\s+)?"
    r"(?:issues?|problems?|trouble)\b",
    r"\b(?:issues?|problems?|trouble)\s+with\s+(?:the\s+|our\s+|my\s+)?"
    r"(?:phones?|calls?|voicemail|mxie|fax|lines?|trunk|extension|system|paging|audio)",
    r"\b(?:hear|hears|heard)\s+(?:nothing|only\s+silence|dead\s+air)\b|\bdead\s+air\b",
    r"\b(?:straight|directly)\s+to\s+voice\s*mail\b|\brings?\s+(?:once|forever|and\s+rings)\b",
    r"\b(?:times?|timed)\s+out\b|\blog\s*in\s+(?:fails?|failed)\b|\bwrong\s+greeting\b",
    r"\bno\s+one\s+can\b|\bintermittent(?:ly)?\b",
    r"\bh[öo]ren\s+nichts\b|\bbesetztzeichen\b|\bnur\s+noch\b|\bst[äa]ndig\b",
    r"\bno\s+se\s+puede\b|\bcuelga\b|\bsilencio\b|\braccroche\b|\bn'arrive\s+(?:pas|plus)\b",
    r"\bstuck\b|\bno\s+longer\s+(?:works?(?!\s+(?:here|for|with|at)\b)|rings?|receives?|sends?|"
    r"gets?|opens?|connects?|registers?|shows?|displays?|records?|forwards?|transfers?|plays?|"
    r"answers?|loads?|starts?)\b",
    # A malfunction described by its symptom, whatever the device: it stopped doing something,
    # will not do it, does it by itself, was fine until a day, or callers complain of it.
    r"\bstop(?:ped|s)\s+(?!using\b|paying\b|offering\b|selling\b|by\b)\w+ing\b",
    r"\brings?\s+and\s+rings?\b|\bkick(?:s|ed|ing)?\s+(?:\w+\s+)?out\b",
    r"\b(?:by\s+itself|on\s+its\s+own|by\s+themselves|on\s+their\s+own)\b",
    r"\b(?:won'?t|wont|will\s+not|doesn'?t|does\s+not|can'?t|cannot|isn'?t|aren'?t|didn'?t|"
    r"did\s+not|none\s+of\s+[^.?!]{0,40}?\s+will)\s+(?:\w+\s+)?(?:register|start|open|load|"
    r"launch|connect|answer|show|display|record|transfer|forward|play|sync|pick\s+up|come\s+up|"
    r"log\s*in|go\s+through|hang\s+up)\b",
    r"\bdrop\w*\s+(?:all\s+|every\s+|the\s+|our\s+|my\s+)?(?:calls?|callers|lines?)\b",
    r"\b(?:was|were)\s+(?:fine|working|ok|okay|good)\s+(?:last|until|before|yesterday|this|on)\b",
    r"\bworked\s+(?:fine\s+)?(?:until|before|yesterday|last)\b",
    r"\bstraight\s+to\s+(?:vm|voice\s*mail)\b|\b(?:always\s+busy|busy\s+always)\b",
    r"\bhears?\s+(?:a\s+)?busy\b",
    r"\b(?:callers|customers|patients|clients|users|people|staff)\s+(?:\w+\s+)?complain\w*",
    r"\bsounds?\s+(?:terrible|awful|bad|horrible|weird|strange|robotic)\b",
    r"\bno\s+(?:muestra|muestran|aparece|aparecen|registra|registran|graba|graban|abre|abren|"
    r"carga|cargan|conecta|conectan|contesta|contestan)\b",
    r"\b(?:startet|[öo]ffnet|registriert|verbindet|zeigt)\s+(?:\w+\s+)?nicht\b",
    r"\bne\s+(?:s'affiche|d[ée]marre|s'ouvre|se\s+connecte|r[ée]pond|s'enregistre)\s+(?:pas|plus)\b",
    r"\b(?:lost|losing|loses)\s+(?:all\s+|our\s+|the\s+|their\s+|its\s+)?(?:\w+\s+)?"
    r"(?:calls?|voicemails?|messages?|connection|audio|dial\s*tone|settings|greetings?)\b",
    r"\bfroze\b|\bfrozen\b|\block(?:s|ed)?\s+up\b|\bunresponsive\b|\bnothing\s+happens\b",
    r"\b(?:cuts?|cutting|breaks?|breaking)\s+(?:out|up)\b|\bgreyed\s+out\b|\bgrayed\s+out\b",
    r"\bnot\s+(?:getting|hearing|seeing|responding|answering|loading|playing|syncing)\b",
    r"\bgets?\s+(?:an?\s+)?(?:error|busy|fast\s+busy|message\s+saying|recording\s+saying)\b",
    r"\bsays?\s+[\"'“]?(?:invalid|not\s+in\s+service|unavailable|no\s+service|error|failed|unknown)",
    r"\bnot\s+in\s+service\b|\btoo\s+(?:quiet|loud|low|soft)\b|\bhiss\w*\b|\bbuzz(?:ing|es)\b",
    r"\bflap\w*\b",
    r"\bklappt\s+nicht\b|\bh[äa]ngt\s+sich\s+auf\b|\bfriert\s+ein\b|\beingefroren\b",
    r"\babgehackt\b|\bknack\w*\b|\bbleib(?:t|en)\s+stumm\b|\bstumm\b|\bzu\s+leise\b",
    r"\blandet\s+(?:\w+\s+)?(?:auf|in)\s+der\s+mailbox\b|\bkommen?\s+keine\b|\bvon\s+selbst\b",
    r"\b(?:haben|gibt\s+es)\s+(?:ein|einen|das)\s+problem\b",
    r"\bno\s+(?:sirve|sirven|anda|andan|marca|marcan|recibimos|recibe|reciben)\b",
    r"\bse\s+(?:cuelga|traba|congela|reinicia|reinician|escucha\s+mal|oye\s+mal)\b",
    r"\bentrecortad\w+|\binterferencia\b|\b(?:tenemos|hay)\s+(?:un\s+)?problema\b",
    r"\bpor\s+s[íi]\s+sol[oa]\b|\bplante\b|\bgr[ée]sill\w+|\btout\s+seul\b|\bcoupure\b",
    r"\bne\s+(?:re[çc]oi[st]|re[çc]oivent|fonctionnent)\s+(?:pas|plus)\b|\bde\s+lui-m[êe]me\b",
    r"\b(?:nous\s+avons|il\s+y\s+a)\s+un\s+probl[èe]me\b|\bsonne\s+occup[ée]\b",
    r"\bsilence\b|\bgo(?:es)?\s+silent\b|\bwent\s+silent\b|\bhear\s+(?:ourselves|themselves)\b",
    r"\b(?:nobody|no\s+one)\s+(?:\w+\s+)?(?:hears?|gets?|receives?)\b|\bout\s+of\s+(?:sync|order)\b",
    r"\bnever\s+(?:came|got|gets|showed|shows|reached|reaches|went\s+through|goes\s+through)\b",
    r"\b(?:won'?t|doesn'?t|don'?t|can'?t)\s+stop\s+(?:ringing|beeping|rebooting)\b",
    r"\b(?:shows?|showing|displays?|appears?)\s+(?:as\s+)?(?:everyone\s+|everybody\s+|all\s+)?"
    r"(?:as\s+)?(?:offline|unavailable|logged\s+out|unknown|anonymous|blank|nothing)\b",
    r"\bunregister\w*\b|\bderegister\w*\b",
    r"\b(?:can'?t|cannot|can\s+not|couldn'?t|unable\s+to)\s+(?:\w+\s+)?(?:see|open|access|retrieve|"
    r"listen|page|park|pick\s+up|register|login|record|forward|print)\b",
    r"\bl[äa]uft\s+nicht\b|\bniemand\s+(?:h[öo]rt|kann|bekommt)\b|\bkeiner\s+h[öo]rt\b",
    r"\bnicht\s+(?:mehr\s+)?(?:angezeigt|[üu]bertragen|weitergeleitet|zugestellt|aufgezeichnet|"
    r"verbunden|gespeichert)\b",
    r"\bnadie\s+(?:puede|oye|escucha|contesta)\b|\bdej(?:a|an|[óo])\s+de\s+funcionar\b",
    r"\bsin\s+(?:audio|sonido|l[íi]nea)\b|\bse\s+(?:desconecta|desconectan|apaga|apagan)\b",
    r"\bne\s+(?:peut|peuvent|pouvons)\s+(?:pas|plus)\b|\bpersonne\s+n'|\bsans\s+(?:son|tonalit[ée])\b",
    r"\b(?:a\s+cess[ée]|arr[êe]t[ée])\s+de\s+fonctionner\b|\bse\s+d[ée]connecte\b|\bne\s+s'allume\b",
    # German
    r"\bgeht\s+nicht\b|\bgehen\s+nicht\b|\bkein(?:e|en)?\s+(?:ton|anruf|gespr[äa]ch)",
    r"\bnicht\s+(?:m[öo]glich|zu\s+h[öo]ren|verst[äa]ndlich)\b|\bbricht\s+ab\b",
    r"\bbrechen\s+ab\b|\bf[äa]llt\s+aus\b|\bausgefallen\b|\bprobleme?\s+mit\b",
    r"\brauschen\b|\babgest[üu]rzt\b|\bst[üu]rzt\s+ab\b|\bgetrennt\b|\bdefekt\b",
    r"\bklingeln\s+nicht\b|\bkomm(?:t|en)\s+nicht\s+an\b|\bk[öo]nnen\s+nicht\b",
    r"\bkann\s+nicht\b|\bfehlermeldung\b|\bfunktionieren\s+nicht\b|\bnicht\s+mehr\b",
    r"\bgeht\b.*\bnichts\s+mehr\b|\bkeine\s+(?:eingehenden|ausgehenden|verbindung|anrufe)",
    r"\bklingelt\s+nicht\b|\bfunktioniert\s+nicht\b|\b(?:total)?ausfall\b|\bst[öo]rung\b",
    r"\bnur\s+noch\s+stille\b|\bnicht\s+(?:erreichbar|mehr\s+erreichbar)\b",
    r"\bkein\s+freizeichen\b|\babgebrochen\b",
    # Spanish
    r"\bno\s+(?:entra|entran|funciona|suena|sale|salen)\b|\bse\s+corta\b",
    r"\bca[íi]d[oa]s?\b|\bsin\s+servicio\b|\bno\s+podemos\s+(?:llamar|recibir|o[íi]r)\b",
    r"\bno\s+(?:funcionan|se\s+(?:escucha|oye)|llegan|suenan|puedo|podemos)\b",
    r"\bse\s+(?:cae|caen|cortan)\b|\bfallan?\b|\bfallo\b|\bproblemas?\s+con\s+(?:el|la|los|las)\b",
    r"\bsin\s+tono\b|\bruido\b|\beco\b",
    # French
    r"\bne\s+(?:fonctionne|marche|sonne)\s+(?:pas|plus)\b|\ben\s+panne\b",
    r"\bmauvais\s+num[ée]ro\b|\bpas\s+de\s+tonalit[ée]\b",
    r"\bne\s+(?:fonctionnent|marchent|sonnent|passent|passe)\s+(?:pas|plus)\b|\bpanne\b",
    r"\bcoup[ée]e?s?\b|\bimpossible\s+d[e']\b|\bprobl[èe]mes?\s+(?:avec|de)\b",
    r"\berreur\b|\bplus\s+de\s+tonalit[ée]\b|\bn'entend|\baucun\s+appel\b|\b[ée]cho\b",
)

# Symptoms that often, not always, mean a fault ("is it normal that the phones beep?"): read as
# a problem report we are not sure of, so the ticket opens and we ask, and nothing is charged.
SYMPTOM = _words(
    r"\bcomplain\w*\b|\bis\s+(?:it|this|that)\s+normal\b|\bbeep\w*\s+every\b",
    # A trouble come back, told in passing: "heads up the caller id thing is back".
    r"\b(?:issue|problem|thing|trouble|glitch|bug|fault|error|static|buzz\w*|noise|crackl\w+)"
    r"\s+(?:is|are|has|have|'s)\s+(?:come\s+)?back\b|^\W*still\s+(?:happening|going\s+on)\b",
    r"(?:^\W*|\b(?:it|this|that|they|problem|issue)\s+)started\s+(?:after|on|when|yesterday|today|this|"
    r"last|\w+day)\b",
    r"\bagain\s+and\s+again\b|\bover\s+and\s+over\b|\bstarts?\s+over\b|\bconnecting\.\.\.",
    r"\b(?:is|are|was|were)(?:n'?t|\s+not)\s+(?!going\b|using\b|planning\b|sure\b|asking\b|"
    r"looking\b|expecting\b)\w+ing\b",
    r"\bsince\s+(?:the\s+|your\s+|our\s+)?(?:upgrade|update|power\s+outage|outage|reboot|"
    r"restart|move|firewall|change|patch)\b",
    r"\bwhy\s+(?:do|does|is|are|did|can'?t|won'?t|doesn'?t|isn'?t)\b|\bis\s+there\s+a\s+reason\b",
    r"\boutage\b|\bmissing\b|\b(?:empty|blank)\b|\b(?:delay|lag|latency)\b",
    r"\bwarum\b|\bpor\s+qu[ée]\b|\bpourquoi\b|\bfehler\b|\berror\b",
    r"\b(?:reboot|restart)(?:s|ed)\b|\b(?:blinking|flashing)\b",
    r"\bhear(?:s|ing)?\s+(?:a|an)\s+(?:\w+\s+)?(?:tone|noise|click|clicks|beep|buzz|hum|recording)\b",
    r"\bseit\s+(?:dem|der)\s+(?:update|upgrade|umzug|stromausfall)\b",
)

# A plea about the phones that names no fault: a problem report, but we are not sure of it.
PLEA = _words(
    r"\bcall\s+me\b.*\b(?:asap|urgent|phones?)\b",
    r"\b(?:can|could)\s+(?:you|someone|somebody)\s+(?:fix|look)",
    r"\bfix\s+(?:it|this|that)\b|\btake\s+a\s+(?:look|peek|quick\s+look)\b|\bschauen\s+sie\s+sich\b",
    r"\burgent\b|\bdringend\b|\burgente\b|\basap\b",
    # a trouble unchanged: "still the same as yesterday, please send someone"
    r"\bstill\s+(?:happening|broken)\b|\bstill\s+the\s+same\s+(?:as\s+(?:yesterday|before|"
    r"this\s+morning|last\s+\w+)|problem|issue|thing)\b",
    # A terse cry about a part of the phone system: "phones??", "fax!!"
    r"^\W*(?:the\s+|our\s+)?(?:phones?|lines?|calls?|fax|voicemail|paging|mx|trunks?)\s*[?!]{2,}",
    r"\b(?:ever\s+)?since\s+(?:yesterday|this\s+morning|today|last\s+\w+|the\s+weekend|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
    r"\bseit\s+(?:gestern|heute|montag|dienstag|mittwoch|donnerstag|freitag|dem\s+wochenende)\b",
    r"\bdesde\s+(?:ayer|hoy|esta\s+ma[ñn]ana|el\s+(?:lunes|martes|mi[ée]rcoles|jueves|viernes))\b",
    r"\bdepuis\s+(?:hier|ce\s+matin|aujourd'hui|lundi|mardi|mercredi|jeudi|vendredi)\b",
    r"\bplease\s+(?:help|advise|check|investigate|look\s+into)\b|\bhilfe\b|\bayuda\b",
)

# Thanks for help given is not a plea for help ("Vielen Dank für die schnelle Hilfe!").
THANKS_FOR_HELP = _words(
    r"\b(?:thanks?|thank\s+you|danke|dank|gracias|merci)\b[^.!?]{0,40}?"
    r"\b(?:help|hilfe|ayuda|aide)\b",
)

# The phone system's own nouns: a mail about them that is nothing else may be a report.
PHONE_TOPIC = _words(
    r"\bphones?\b|\bcalls?\b|\bextensions?\b|\bext\.?\s*\d|\bvoice\s*mail\b|\bmxie\b",
    r"\bfax\b|\btrunk\b|\bpaging\b|\bhandset\b|\bheadset\b|\bhunt\s+group\b|\bacd\b",
    r"\btelefon\w*|\banruf\w*|\bnebenstelle\b|\bllamadas?\b|\btel[ée]fonos?\b",
    r"\bappels?\b|\bt[ée]l[ée]phones?\b|\bposte\b",
)

# Mail that is only thanks, greetings or a question about something other than a fault.
# Thanks as a courtesy ("Thanks in advance", "Thanks!", "thx"), not for something done: it
# says nothing about what the mail is.
COURTESY_THANKS = _words(
    r"\b(?:thanks|thank\s+you|thx|danke|gracias|merci)\b(?:\s+(?:in\s+advance|vorab|de\s+"
    r"antemano|d['\u2019]avance))?(?!\s+(?:so\s+much\s+|again\s+|a\s+lot\s+)?(?:for|f[üu]r|por|"
    r"pour)\b)",
)

NOT_A_REPORT = _words(
    r"\bthank(?:s|\s+you)\b|\bdanke\b|\bgracias\b|\bmerci\b",
    r"\bhow\s+(?:do|can|would)\s+(?:i|we)\b|\bis\s+there\s+a\s+way\b|\bquick\s+question\b",
    r"\bquote\b|\bpricing\b|\bprice\b|\binvoice\b|\bcontract\b|\blicen[cs]es?\b",
    r"\bholiday\b|\bgreetings\b|\bfrohe\b|\bfeliz\b|\bjoyeux\b|\bout\s+of\s+(?:the\s+)?office\b",
    r"\bis\s+[^.?!]*\bcompatible\b|\bbefore\s+we\s+(?:pick|schedule|choose|book)\b",
    r"\bi'?m\s+out\b|\bi\s+am\s+out\b|\bwill\s+be\s+out\b|\bheads[- ]up\b|\bon\s+vacation\b",
    r"\bwie\s+kann\s+ich\b|\bc[óo]mo\s+(?:puedo|se)\b|\bcomment\s+(?:puis|faire)\b",
    r"\bdifference\s+between\b|\bwhat'?s\s+the\s+(?:difference|best|right)\b",
    r"\bbill(?:ed|ing)?\b|\bmonthly\s+fee\b|\bfor\s+our\s+(?:books|records)\b",
    r"\b(?:sur)?charge[ds]?\b|\$\s?\d",
)

# A sentence saying a fault is over; it does not count as a report.
RESOLVED = _words(
    r"\b(?:is|are|has\s+been)\s+fixed\b",
    r"\b(?:works|working)\s+(?:fine|again|great)\b",
    r"\bhasn'?t\s+(?:come\s+back|happened\s+again|occurred|recurred|returned)\b",
    r"\bnicht\s+mehr\s+(?:aufgetreten|vorgekommen|passiert)\b|\bno\s+ha\s+vuelto\b",
    r"\bn'est\s+plus\s+(?:revenu|r[ée]apparu|apparu)\b",
    r"\bnothing\s+is\s+broken\b|\b(?:is|are)\s+(?:resolved|solved)\b|\bgone\s+since\b",
    # A symptom gone is a fix; a call, a caller or a greeting gone is the fault itself.
    r"\b(?:echo|static|noise|crackl\w*|hum|buzz\w*|hiss\w*|problems?|issues?|drops|delay|lag|"
    r"feedback|beep\w*|errors?|it|that|this|trouble)\s+(?:is|are|has\s+been|have\s+been)\s+"
    r"(?:\w+\s+)?gone\b|\b(?:is|are)\s+gone\s+(?:now|since|for\s+good)\b",
    r"\bno\s+more\s+(?:echo|drops|static|noise|problems?|issues?|crackl\w*|hiss\w*|buzz\w*|hum)\b",
    r"\b(?:geht|klingelt|l[äa]uft)\s+wieder\b|\bwieder\s+normal\b",
    r"\bya\s+funciona\b|\bya\s+no\b",
    r"\bfunktioniert\s+wieder\b",
    r"\bfonctionne\s+(?:de\s+nouveau|à\s+nouveau)\b",
)

# Phrases that look like a fault but speak of a proposed time ("Sunday doesn't work for us").
NOT_A_FAULT = _words(
    r"\b(?:in\s+case|to\s+avoid|make\s+sure|so\s+that|so\s+the|might|would"
    r"(?!\s+(?:like|love|appreciate|be\s+(?:great|grateful|glad|nice|helpful))))\b[^.?!]*",
    r"\bwill\b[^.?!]*\bbe\s+down\b",
    r"\b(?:time|date|day|night|morning|evening|window|slot|that|it|this)\s+"
    r"(?:doesn'?t|does\s+not|won'?t|will\s+not)\s+work\b",
    r"\b(?:doesn'?t|does\s+not|won'?t)\s+work\s+for\s+(?:us|me|you)\b",
    # A fault denied: "no calls dropped", "nothing was lost".
    r"\b(?:no|not\s+a\s+single|not\s+one)\s+(?:calls?|phones?|one|messages?|voicemails?)\s+"
    r"(?:were\s+|was\s+|got\s+)?(?:dropped|lost|affected|missed|failed|went\s+down)\b",
    r"\bnothing\s+(?:was\s+|got\s+)?(?:dropped|lost|broke|failed|went\s+down)\b",
    r"\bfail(?:s|ed|ing)?[\s-]+over\b|\bfailover\b",
    r"\b(?:don'?t|do\s+not)\s+want\s+(?:\w+\s+)?to\b[^.?!]*",
    # A fault denied: "it's not an outage", "ce n'est pas une panne".
    r"\b(?:it'?s|it\s+is|this\s+is|that'?s|ce\s+n'est|das\s+ist|no\s+es)\s+(?:not|pas|kein\w*|no)\s+"
    r"(?:an?\s+|une?\s+|ein\w*\s+|una?\s+)?(?:fault|problem|issue|outage|panne|probl[èe]me|"
    r"st[öo]rung|problem|fehler|falla|aver[íi]a|problema)\b",
)

# An outage that is going on while the mail is written (credit demands in it are rule 3's).
ONGOING = _words(
    r"\bsince\s+(?:about\s+|ca\.?\s+)?(?:\d|this|today|yesterday|the\s+weekend)",
    r"\bright\s+now\b|\bcurrently\b|\bstill\s+down\b|\bdown\s+again\b",
    r"\bstill\s+(?:down|dead|not|no|broken|happening|dropping|failing|out)\b|\bat\s+the\s+moment\b",
    r"\bas\s+we\s+speak\b|\bimmer\s+noch\b|\btodav[íi]a\b|\btoujours\b",
    r"\bseit\s+(?:ca\.?\s+)?\d|\bdesde\s+(?:las|esta|hoy)\b",
)

CREDIT = _words(
    r"\b(?:sla|service|restoration)\s+credits?\b",
    r"\bcredits?\s+(?:request|for\s+(?:the|this|both|all|that)|under|per|amount)\b",
    r"\b(?:request|requests|requesting|want|like|apply|expect)\b[^.]{0,40}\bcredits?\b",
    r"\bgutschrift\b",
    r"\bcr[ée]dito\b|\bnota\s+de\s+cr[ée]dito\b",
    r"\bavoir\b|\bcr[ée]dit\s+(?:de\s+service|sla)\b",
)

CONTACT_CHANGE = _words(
    r"\b(?:allowed|authori[sz]ed|permitted)\s+to\s+open\s+tickets\b",
    r"\bremove\s+\w+(?:\s+\w+)?\s+from\s+(?:the\s+|our\s+|your\s+)?(?:authori[sz]ed\s+)?"
    r"contacts?\b",
    r"\bauthori[sz]ed\s+(?:it\s+|i\.t\.\s+)?contacts?\b",
    r"\b(?:primary|backup|back-up)\s+(?:it\s+|i\.t\.\s+)?(?:contact|administrator|admin)\b",
    r"\b(?:as|our|make\s+\w+\s+our)\s+(?:new\s+)?(?:primary|backup|back-up)\b",
    r"\bansprechpartner\w*(?!\s*:)",  # ("Ansprechpartner: Jana Müller" fills our form in)
    r"\bcontacto\s+(?:autorizado|principal|de\s+respaldo)\b",
    r"\bcontact\s+(?:autoris[ée]|principal|de\s+secours)\b",
)

# Our notices, when a mail names them without replying in their thread.
NOTICE_MENTION = _words(
    r"\b(?:your|the)\s+(?:e-?mail|note|notice|message|reminder|announcement)\s+"
    r"(?:about|on|regarding|re)\b",
    r"\b(?:planned|scheduled|announced|upcoming)\s+(?:maintenance|outage|upgrade)\b",
    r"\bmaintenance\s+(?:window|this|next|on)\b|\bwartungsfenster\b|\bgeplante\s+wartung\b",
    r"\bventana\s+de\s+mantenimiento\b|\bmantenimiento\s+programado\b",
    r"\bmaintenance\s+pr[ée]vue\b|\bintervention\s+pr[ée]vue\b",
    r"\bre\s+your\s+(?:note|e-?mail|notice|message|reminder)\b",
    r"\bgot\s+your\s+(?:e-?mail|note|notice|message|reminder)\b",
    r"\bihre[rn]?\s+(?:e-?mail|nachricht|erinnerung|ank[üu]ndigung)\b",
    r"\bsu\s+(?:correo|aviso|recordatorio)\b",
)
NOTICE_TOPIC = {
    "outage": _words(
        r"\bmaintenance\b|\bwartung\b|\bmantenimiento\b|\bplanned\s+outage\b|\bwindow\b"
    ),
    "upgrade": _words(r"\bupgrade\b|\bupdate\b|\b\d+\.\d+\.\d+\b|\bactualizaci[óo]n\b"),
    "reminder": _words(r"\breminder\b|\berinnerung\b|\brecordatorio\b|\brappel\b"),
}
# The subjects our own notices carry (templates outage, upgrade, pending_reminder).
NOTICE_SUBJECT = {
    "outage": _words(r"\[Z-Support\]\s+Planned\s+maintenance"),
    "upgrade": _words(r"\[Z-Support\][^\n]*\bis\s+available:\s+please\s+schedule"),
    "reminder": _words(r"\[Z-Support\s+#[^\]]+\]\s+Reminder:"),
}
# In a reply to our reminder, a new fault is told apart from the answer we asked for.
NEW_MATTER = _words(
    r"\bbut\b|\balso\b|\banother\b|\bnew\s+(?:problem|issue)\b|\baber\b|\bpero\b",
    r"\bunrelated\b|\bseparately\b|\bby\s+the\s+way\b|\bbtw\b|\bin\s+addition\b",
    r"\badditionally\b|\bone\s+more\s+thing\b|\bdifferent\s+(?:problem|issue|matter)\b",
    r"\bau[ßs]erdem\b|\bzus[äa]tzlich\b|\bnoch\s+etwas\b|\bandere[sn]?\s+problem\b",
    r"\badem[áa]s\b|\botra\s+cosa\b|\btambi[ée]n\b|\bpar\s+ailleurs\b|\baussi\b|\bautre\b",
)

RMA = _words(r"\brma\b|\br[üu]cksendung\b|\breturn\s+merchandise\b")
SHIPMENT = _words(
    r"\btracking\b|\bsendungsnummer\b|\bseguimiento\b|\bsuivi\b",
    r"\bship(?:ped|ping|ment)?\b|\bwent\s+(?:out|back)\b|\bgoes\s+out\b|\breturn(?:ed)?\b",
    r"\breplacement\b|\bups\b|\bfedex\b|\bdhl\b|\busps\b|\bpacked\b",
)

# A room named after a meeting is a place, not a meeting asked for ("the meeting room phone").
MEETING_PLACE = _words(
    r"\b(?:meeting|conference|training|board)\s+rooms?\b|\bbesprechungs(?:raum|zimmer)\b",
    r"\bschulungsraum\b|\bsala\s+de\s+(?:reuniones|juntas|formaci[óo]n)\b",
    r"\bsalle\s+de\s+(?:r[ée]union|formation|conf[ée]rence)\b",
    # the record of a meeting held, not one asked for: "Meeting notes 3/10", "training recap"
    r"\b(?:meeting|call|training)\s+(?:notes|minutes|recap|summary)\b",
)
MEETING = _words(
    r"\bmeeting\b|\bconference\s+call\b|\bwebinar\b|\btraining\b|\bkick-?off\b",
    # ("get on a call" asks for one; "even when they are on a call" is being on one)
    r"\b(?:get|be|hop|jump)\s+on\s+a\s+(?:short\s+|quick\s+)?call\b",
    r"\b(?:have|do|book|schedule)\s+a\s+(?:short\s+|quick\s+)?call\b",
    # ("park a call on 701", "a call on hold" name no meeting)
    r"\bcall\s+(?:with|this|next)\b|\bcall\s+on\s+(?!hold\b|speaker|(?:ext\w*\.?\s*)?\d{3,})",
    r"\binvite\b|\bsession\b",
    r"\bappointment\b|\bwalk\s*-?\s*through\b|\bdemo\b|\bonboarding\b|\bworkshop\b",
    r"\bzoom\b|\bteams\s+(?:call|meeting)\b|\btime\s+slot\b|\bare\s+you\s+available\b",
    r"\bset\s+up\s+a\s+(?:call|meeting|session)\b|\bbook\s+(?:a|an|some)\b",
    r"\beinweisung\b|\bcita\b|\bagendar\b|\bprogramar\b|\bformaci[óo]n\b",
    r"\brendez-vous\b|\bvisioconf[ée]rence\b|\bplanifier\b",
    r"\bschulung\b|\btelefonkonferenz\b|\btermin\b|\bbesprechung\b",
    r"\bcapacitaci[óo]n\b|\breuni[óo]n\b|\bformation\b|\br[ée]union\b",
    r"^BEGIN:VCALENDAR",
)
# A network named without a change to it ("a list of the firewall ports for our auditor").
NO_CHANGE = _words(
    r"\bnothing\s+is\s+changing\b|\bno\s+changes?\s+(?:is|are)?\s*planned\b",
    r"\bjust\s+for\s+(?:the\s+|our\s+)?(?:documentation|records|auditor|audit)\b",
)
NETWORK_CHANGE = _words(
    r"\bfirewall\b|\brouting\b|\bospf\b|\bvlan\b|\bsubnet\b|\bmpls\b|\bvpn\b",
    r"\bisp\b|\bcutover\b|\bcircuit\b|\bswitching\s+(?:from|to)\b|\bfortigate\b|\bsonicwall\b",
    r"\brouter\b|\bnew\s+switch(?:es)?\b|\bswitch\s+replacement\b|\b(?:public|new)\s+ips?\b",
    r"\bip\s+address(?:es)?\s+change\b|\bsd-?wan\b|\bre-?ip\b|\bdhcp\b",
    r"\b(?:internet|service)\s+provider\b|\bprovider\s*wechsel\b|\banbieterwechsel\b",
    r"\bcambio\s+de\s+proveedor\b|\bchangement\s+de\s+fournisseur\b|\bpare-?feu\b",
    r"\bnetzwerk\b|\bred\b\s+(?:nueva|de\s+voz)|\br[ée]seau\b",
)

# Automatic mail that carries no Auto-Submitted header, told by its words.
AUTOMATIC = _words(
    # An auto-reply's subject line form ("Automatic reply: ...", "Out of Office AutoReply: ...");
    # "Out of office greeting plays all day" or "Automatic reply not working" is a person's.
    r"^\s*auto:|^\s*(?:automatic\s+reply|automatische\s+antwort|out\s+of\s+(?:the\s+)?office|"
    r"respuesta\s+autom[áa]tica|r[ée]ponse\s+automatique|abwesenheitsnotiz|auto-?reply)"
    r"\s*(?:auto-?reply|reply|notification|notice)?\s*(?::|$)",
    # Domino's "<name> is out of the office (returning 03/30/2026)" opens the mail; a person
    # writing "Dana is out of the office today, returning tomorrow, so ..." is not an auto-reply.
    # "(returning Monday), so I'm writing" is a person's: Domino writes a date.
    r"^[^\n]*\bis\s+out\s+of\s+the\s+office\s*\(returning\s+(?:on\s+)?\d",
    r"\bthis\s+is\s+an\s+automated\s+(?:message|response)\b",
    r"\bconfirm\s+(?:that\s+)?you\s+are\s+(?:a\s+)?human\b|\bchallenge[- ]response\b",
    r"\bplease\s+do\s+not\s+reply\s+to\s+this\s+message\b",
)
