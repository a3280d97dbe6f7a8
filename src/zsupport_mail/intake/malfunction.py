"""What a problem report is, by its shape rather than by its words.

A report says that something of the client's phone system does not do what it should: a
sentence names a part of the system (phones, calls, voicemail, the fax, MXIE, a queue...) and
says, in the past or present, that it does not work, does the wrong thing or fails, in any
wording. intake/kind_words.FAULT lists the phrasings we are sure of (they are charged); this
reader catches the others, in English, German, Spanish and French, and the mail is then read
as a report we are not sure of: the ticket opens and asks, and nothing is charged until staff
decide. A sentence that speaks of a plan, a wish, a person or a question of how to do
something is not a report, nor is one that says the problem is over. Pure: no state.
"""

from __future__ import annotations

import re

from zsupport_mail.intake import kind_words as words


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# A part of the phone system, or the people who use it through it.
SYSTEM_PART = _words(
    r"\b(?:tele)?phones?\b|\bcalls?\b|\bcallers?\b|\bextensions?\b|\bext\.?\s*\d|\bvoice\s*mails?\b",
    r"\bvm\b|\bmxie\b|\bmx\d*\b|\bdevices?\b|\bhardware\b|\bbox\b|\bdisks?\b|\braid\b|\bfans?\b|"
    r"\bl[üu]fter\b|\bpsu\b|\bpower\s+supply\b|\bnetzteil\b|\bfax\w*|\btrunks?\b|\bsip\b|\bpaging\b|\bpages?\b|\bintercom\b",
    r"\b(?:hand|head)sets?\b|\bspeakers?\b|\bhunt\s+groups?\b|\bacd\b|\bqueues?\b|\bagents?\b",
    r"\bauto[- ]?attendant\b|\bgreetings?\b|\bpresence\b|\bsoft\s*phones?\b|\bapp\b",
    r"\bmailbox\w*|\brecordings?\b|\bcaller\s*id\b|\bdisplay\b|\bscreen\b|\bdial\s*tone\b",
    r"\bline\b|\blines\b|\bnumbers?\b|(?-i:\bDIDs?\b)|\bdid\s+numbers?\b|\bring\w*\b|\baudio\b|\bsound\b|\bvoices?\b",
    r"\bhold\b|\bmusic\b|\bconference\b|\bbridge\b|\btransfer\w*\b|\bpark\w*\b|\bcdrs?\b",
    r"\bsystem\b|\bserver\b|\bappliance\b|\bswitchboard\b|\breception\b|\bfront\s+desk\b",
    r"\bread\s*backs?\b|\bdispatch\w*|\bpsap\b|\be?911\b|\b933\b|\bemergency\s+(?:calls?|address|services?|number)\b|\bdoor\s*(?:phone|"
    r"bell|buzzer|station|release|entry)s?\b|\bwall\s*boards?\b|\bstatus\b|\bbuttons?\b|\bkeys?\b",
    r"\bpatients?\b|\bcustomers?\b|\bclients?\b|\bnobody\b|\bno\s+one\b|\beveryone\b",
    r"\btelefon\w*|\banruf\w*|\bnebenstelle\w*|\bapparat\w*|\bleitung\w*|\banlage\b",
    r"\bdurchwahl\w*|\bwarteschl\w+|\bansage\w*|\bzentrale\b|\banrufer\w*|\bgespr[äa]ch\w*",
    r"\b\w*nummer\w*|\bn[úu]meros?\b|\bnum[ée]ros?\b|\bfaxe?s?\b",
    r"\bkunden\b|\bmailbox\b|\bbildschirm\b|\bklingel\w*|\bton\b|\bh[öo]rer\b|\b\w*ger[äa]te?s?\b",
    r"\bgateways?\b|\bbase\s+stations?\b|\bpri\b|\bt1\b|\bequipos?\b|\baparatos?\b|\bappareils?\b",
    r"\b(?:port|status|power|link|alarm)\s+(?:lights?|leds?)\b|\bleds?\b",
    r"\bllamad\w+|\btel[ée]fonos?\b|\bl[íi]neas?\b|\bextensi[óo]n\w*|\bbuz[óo]n\b|\bcentral\w*",
    r"\bpacientes\b|\bclientes\b|\bconmutador\b|\bpantalla\b|\bcontestadora\b|\bgrabaci\w+",
    r"\bappels?\b|\bt[ée]l[ée]phon\w*|\blignes?\b|\bpostes?\b|\bmessagerie\b|\br[ée]pondeur\b",
    r"\bstandard\b|\bcombin[ée]s?\b|\b[ée]cran\b|\bcorrespondants?\b|\bappelants?\b",
)

# An error message the system shows, quoted: "get 'no licence available' when they log in".
SHOWN_ERROR = _words(
    r"\b(?:gets?|got|getting|shows?|showing|says?|said|saying|displays?|displaying|sees?|seeing|"
    r"see|bekommt|bekommen|zeigt|sagt|aparece|muestra|dice|affiche|indique)\s+(?:\w+\s+){0,3}"
    r"[\"'\u201c\u2018\u201e][^\"'\u201d\u2019\u201c]{0,60}?\b(?:no|not|un\w+|invalid|fail\w*|error|"
    r"denied|busy|offline|kein\w*|nicht|fehler\w*|sin|pas|aucun\w*|impossible)\b",
)

# A negated action or state: it does not do what it should.
NEGATED = _words(
    r"\b(?:not|never|no\s+longer|nothing|nobody|no\s+one|none)\b",
    r"\b\w+n['\u2019]t\b|\b(?:dont|doesnt|didnt|cant|wont|isnt|arent|wasnt|werent|couldnt|hasnt|havent)\b",
    r"\bnicht\b|\bkein\w*\b|\bnichts\b|\bniemand\b|\bnie\b",
    r"\bno\b(?!\s*[,.!?])",
    r"\bnadie\b|\bnada\b|\bning[uú]n\w*|\bnunca\b",
    r"\bne\b|\bn'|\brien\b|\bjamais\b|\baucun\w*",
)

# The ways a part fails or does something wrong, whatever the phrase around them.
FAILS = _words(
    r"\b(?:drop(?:s|ped|ping)?|fail(?:s|ed|ing|ure)?|crash(?:es|ed|ing)?|froze|frozen|"
    r"freez(?:e|es|ing)|hangs|hanging|hung|died|dies|dying|dead|down|broken|breaks|breaking|"
    r"cuts?|cutting|loop(?:s|ed|ing)?|reboot(?:s|ed|ing)?|restart(?:s|ed|ing)|flap\w*|echo\w*|"
    r"nois[ey]|static(?!\s+(?:ips?|address\w*|routes?|nat))|busy|silen(?:t|ce)|empty|blank|"
    r"missing|stuck|gone|lost|lose|loses|losing|disappear\w*|delay(?:s|ed)?|garbled|choppy|"
    r"offline|unreachable|unavailable|invalid|errors?|time[ds]?\s+out|unregister\w*|"
    r"disconnect\w*|hiss\w*|buzz\w*|crackl\w*|distort\w*|muted?|off\s+by|slow|lag(?:s|gy|ging)?|"
    r"dark|degraded|dunkel|apagad[oa]s?|[ée]teint\w*)\b",
    r"\bshould\s+(?:say|show|read|display)\b|\b(?:again|since)\b",
    r"\b(?:ausgefallen|ausfall|abgebrochen|abbr\w+|tot|leer|h[äa]ngt|st[üu]rzt|weg|verschwunden|"
    r"rausch\w*|echo|knack\w*|besetzt|stumm|stille|verz[öo]gert|seit|wieder)\b",
    r"\b(?:cae|caen|cay[óo]|corta\w*|muert\w*|vac[íi]\w+|falla\w*|ruido|eco|ocupad\w+|"
    r"silencio|reinici\w+|congel\w+|perdid\w+|desaparec\w+|desde|otra\s+vez)\b",
    r"\b(?:coup\w*|tomb\w*|mort\w*|vide|plant\w*|bloqu\w+|gel[ée]\w*|red[ée]marr\w+|bruit|"
    r"[ée]cho|occup[ée]\w*|silence|perdu\w*|disparu\w*|hors\s+(?:service|ligne)|fuera\s+de\s+l[íi]nea|depuis|encore)\b",
    r"\bcannot\b|\bcan\s+not\b|\bunable\s+to\b|\bnot\s+able\s+to\b",
    r"\bstop(?:s|ped)?\s+(?!using\b|paying\b|by\b)\w+ing\b|\b(?:and\s+then|then)\s+stops?\b",
    r"\b(?:by\s+itself|on\s+its\s+own|by\s+themselves|on\s+their\s+own|forever)\b",
    r"\brings?\s+and\s+rings?\b|\bkick(?:s|ed|ing)?\s+(?:\w+\s+)?out\b|\bbeep\w*|\bcomplain\w*",
    r"\bsounds?\s+(?:terrible|awful|bad|horrible|weird|strange|robotic|funny)\b",
    r"\bevery\s+(?:\d+|few|couple\s+of)\s+(?:seconds|minutes|secs?|mins?)\b|\bstarts?\s+over\b",
    r"\b(?:was|were|worked)\s+(?:fine|ok|okay|good|working)\s+(?:until|last|before|yesterday)\b",
    r"\b(?:plays?|playing|rings?|ringing|sends?|shows?|repeats?|hears?|heard|gets?)\b[^.,]{0,40}"
    r"\btwice\b|\boverlap\w*",
    r"\bon\s+top\s+of\s+(?:each\s+)?other\b|\b(?:mutes?|hangs?\s+up)\s+(?:itself|on)\b",
    # something wrong or out of the ordinary
    r"\bonly\s+(?:rings?|shows?|plays?|hears?|gets?|works?)\b",
    # what it does in place of what it should, or still as it was before a change
    r"\b(?:hears?|heard|hearing|gets?|got|getting|goes|go|going(?!\s+with)|went|rings?|rang|ringing|plays?|"
    r"played|playing|shows?|showed|showing|says?|said|saying|reads?|reading|lands?|landed|landing|"
    r"routes?|routed|routing|comes?|came|coming|sends?|sent|sending)\b[^.!?]{0,60}\binstead\s+of\b",
    r"\b(?:still|keeps?)\s+(?:shows?|plays?|says?|reads?|displays?|uses?|rings?)\b|\bread\s+out\b",
    r"\b(?:last\s+year['\u2019]?s|outdated|out[- ]of[- ]date)\s+(?:\w+\s+)?(?:greeting|message|"
    r"recording|menu|hours|music|prompt|announcement)\b",
    r"\b(?:our|the|my)\s+old\s+(?:address|number|name|greeting|music|message|ad|recording|hours|"
    r"menu|logo|extension|location)\b",
    r"\breject\w*|\bbounc\w+|\brefus\w+|\bend(?:s|ed)?\s+up\s+(?:back|in|at|on|with)\b",
    r"\b(?:is|are|were|was)\s+(?:all\s+)?(?:0|zero)\s*(?:kb|bytes?|seconds?|secs?)\b",
    r"\bzero[- ]length\b",
    r"\b(?:stopped|quit|died)\b(?!\s+(?:by|using|paying|in|for))|\bnothing\s+comes?\s+(?:out|through)\b",
    r"\b(?:says?|shows?|displays?|tells?\s+(?:me|us))\b[^.?!]{0,40}\bexpired\b|\b(?:is|are)\s+full\b",
    r"\bjust\s+(?:rings?|beeps?|hangs\s+up|clicks?|goes\s+dead)\b",
    r"\b(?:double|half)\s+speed\b|\bsped\s+up\b|\bunderwater\b|\bchipmunks?\b|\brobot(?:ic)?\b",
    r"\bred\s+(?:status\s+|alarm\s+|power\s+)?(?:x|light|led|icon|cross)\b|\bflicker\w*|\bscreech\w*|\bfliegen\b|\brausgeworfen\b",
    r"\b(?:plays?|playing|comes?\s+on|kicks?\s+in|rings?|goes|going|go|went|routed|routing|"
    r"land(?:s|ing|ed)?)\b[^.!?]{0,40}\b(?:during\s+(?:the\s+day|"
    r"business\s+hours|office\s+hours|opening\s+hours)|in\s+the\s+middle\s+of\s+the\s+day)\b",
    # a night or holiday greeting all day: "the auto attendant plays the night greeting all day"
    r"\b(?:plays|playing|comes\s+on|kicks\s+in)\b[^.!?]{0,40}\ball\s+day\b",
    # a light or a state that stays when it should not: "stays lit even after we listen"
    r"\b(?:stays?|staying|remains?)\s+(?:lit|red|solid|stuck)\b|\beven\s+after\b",
    r"\b(?:lights?|lamps?|leds?|indicators?)\s+(?:stays?|staying|remains?)\s+on\b",
    # an app that closes as it opens: "it closes right after login"
    r"\bclos(?:es|ing)\s+(?:right\s+|immediately\s+|straight\s+)?(?:after|when|as\s+soon\s+as)\b",
    # a state shown for everyone, whatever it is: "presence shows everyone as away"
    r"\bshows?\s+(?:everyone|everybody|all\s+(?:of\s+)?(?:us|users|the\s+\w+)|every\s+\w+)\s+as\b",
    # too weak or too strong to use: "the speakerphone is very quiet", "the screen is very dim"
    r"\b(?:very|too|extremely|really|super)\s+(?:quiet|faint|dim|soft|loud)\b|\bbarely\s+"
    r"(?:hear\w*|audible|visible|readable)\b",
    # someone else's greeting or mailbox, a transfer that lands back where it started
    r"\b(?:someone|somebody)\s+else['\u2019]?s\b|\bland(?:s|ing|ed)?\s+back\b",
    r"\bblink\w*\s+(?:amber|orange|red)\b|\bstays?\s+(?:black|dark|blank)\b|\bbleibt\s+(?:schwarz|dunkel|leer|stumm)\b",
    r"\bse\s+queda\s+(?:negr|en\s+blanco|colgad)\w*|\breste\s+(?:noir|bloqu|fig)\w*",
    # a behaviour that began: "It started doing that Monday"
    r"\b(?:started|began)\s+(?:doing|to\s+do)\s+(?:that|this|it)\b",
    r"\bsiguen?\s+sin\b|\bsin\s+(?:funcionar|servicio|tono|se[ñn]al|audio|sonido)\b",
    r"\beven\s+(?:when|though|while)\b|\b(?:just|only)\s+(?:gives?\s+)?(?:a\s+)?(?:click|clicks|beeps?|"
    r"hum|static)\b",
    r"\b(?:wrong|incorrect|weird\w*|strange\w*|odd\w*|funny|garbage|gibberish)\b",
    r"\b(?:acting|playing)\s+up\b|\bmessed\s+up\b|\bglitch\w*|\bbug(?:gy|s)?\b|\bmess\b",
    r"\bkeeps?\s+\w+ing\b|\b(?:randomly|constantly|sporadically|anymore|any\s+more)\b",
    r"\b(?:error|errors|problem|problems|issue|issues|trouble|fault|outage)\b",
    r"\bstatt\b|\bfalsch\w*|\bkomisch\w*|\bseltsam\w*|\bdauernd\b|\bfehler\w*|\bproblem\w*",
    r"\ben\s+(?:lugar|vez)\s+de\b|\bmal\b|\braro\b|\bextra[ñn]\w+|\bequivocad\w+|\bproblema\w*",
    r"\bau\s+lieu\s+de\b|\bmauvais\w*|\bbizarre\w*|\b[ée]trange\w*|\bsouci\w*|\bd[ée]faut\b",
)

# A sentence that is not about something that went wrong: a plan or a wish, a person, a
# question of how to do something, a polite formula, or a problem denied.
NOT_A_MALFUNCTION = _words(
    r"\bduring\s+(?:the\s+|your\s+|our\s+)?(?:maintenance|upgrade|cutover|window|move|update|"
    r"migration|switch\w*|change\w*|swap|replacement|work|outage|downtime)\b",
    r"\bw[äa]hrend\s+(?:der|des)\s+(?:umstellung|wartung|arbeiten|umzug\w*|migration|tausch\w*)\b",
    r"\bdurante\s+(?:el|la)\s+(?:cambio|migraci[óo]n|mantenimiento|mudanza)\b",
    r"\bpendant\s+(?:la|le|les)\s+(?:migration|maintenance|changement|d[ée]m[ée]nagement|travaux)\b",
    r"(?<!even\s)\b(?:until|before|after)\s+(?:we|the\s+(?:cutover|change|move|switch|migration))\b",
    r"\bif\b|\bwhether\b|\bso\s+that\b|\bdamit\b|\bpara\s+que\b|\bafin\s+(?:que|de)\b|\bpour\s+que\b|\bin\s+case\b|\bwhen\s+we\s+(?:do|switch|move|change|upgrade)\b",
    r"\b(?:don'?t|do\s+not|doesn'?t|no)\s+(?:need|want|rush|hurry|worry|worries|idea)\b",
    r"\bnot\s+(?:sure|yet|urgent|needed|necessary|a\s+problem|an\s+issue|in\s+the\s+office)\b",
    r"\bno\s+(?:problem|issue|issues|problems|trouble|complaints?|change|changes)\b",
    r"\bnothing\s+to\s+do\s+with\b|\b(?:not\s+related|unrelated)\s+to\b|"
    r"\bnothing\s+(?:changed|wrong|broken|urgent|else)\b|\bno\s+rush\b|\bnot\s+at\s+all\b",
    # a person's choice or absence ("we don't use the app yet", "I won't be in"), not what
    # they cannot do through the system ("we can't dial out", "we don't get calls")
    r"\b(?:i|we|he|she|they|you)\s+(?:won['\u2019]?t|will\s+not|am\s+not|are\s+not|is\s+not|"
    r"aren['\u2019]?t|isn['\u2019]?t|don['\u2019]?t|didn['\u2019]?t|do\s+not|did\s+not|['\u2019]m\s+not|['\u2019]re\s+not)\s+"
    r"(?:\w+ly\s+)?(?!(?:get|receive|hear|see|have|hear|reach)\b)\w+",
    r"\b(?:i|we|he|she|they)\s+(?:can['\u2019]?t|cannot)\s+(?:make\s+it|attend|join|come|be)\b",
    r"\b(?:won['\u2019]?t|will\s+not|isn['\u2019]?t|is\s+not|not)\s+be\s+(?:in|at|here|there|"
    r"available|around|back|reachable)\b|\b(?:is|are)\s+(?:out|off|away)\b|\bon\s+(?:leave|vacation)\b",
    r"\bhow\s+(?:do|can|could|would|should)\b|\bis\s+there\s+a\s+way\b|\bcan\s+(?:i|we)\b",
    r"\b(?:ich|wir)\s+(?:bin|sind|werden|wollen|m[öo]chten)\b|\bnicht\s+(?:dringend|n[öo]tig)\b",
    r"\bkein\s+(?:problem|stress|eile)\b|\bwie\s+(?:kann|k[öo]nnen)\b|\bwenn\b|\bfalls\b",
    r"\bno\s+(?:hay\s+)?prisa\b|\bsin\s+problema\b|\bc[óo]mo\s+(?:puedo|podemos|se)\b|\bsi\b",
    r"\bpas\s+(?:de\s+souci|urgent|press[ée])\b|\bcomment\s+(?:puis|pouvons|faire)\b",
    r"\bpas\s+de\s+probl[èe]me\b|\bsi\s+(?:vous|nous|on)\b",
    r"\binvoice\w*|\bbill(?:ed|s)?\b|\b(?:sur)?charge[ds]?\b|\bquote\b|\bpric\w+|\brechnung\w*",
    r"\bfactura\w*|\bfacture\w*|\bcontract\b|\bvertrag\b|\bcontrato\b|\bcontrat\b",
    r"\bthank\w*\b|\bdanke\w*\b|\bgracias\b|\bmerci\b",
    # a requirement or a change asked for: "the phones can't be down during business hours",
    # "please set the greeting to say X instead of Y"
    r"\b(?:can['\u2019]?t|cannot|can\s+not|must\s*n['\u2019]?t|must\s+not|should\s*n['\u2019]?t)\s+be\s+"
    r"(?:down|offline|interrupted|out|off|unreachable)\b",
    r"\bplease\s+(?:change|set|make|update|route|switch|move|add|load|use|point|have|turn)\b",
    # a question about a ticket we hold: "where are we on ZS-104950 (the greeting ...)"
    r"\bwhere\s+(?:we\s+are|are\s+we|things\s+stand)\s+on\b|\bstatus\s+(?:of|on)\b|\bany\s+(?:news|update)\b",
)

# A plan or a guess: the future tense or a hedge, unless it is a part refusing ("none of the
# phones will register").
FUTURE = _words(
    # ("must have crashed", "may have dropped": a guess about what happened, not a plan)
    r"(?:\b(?:will|could|should|must|might)\b|(?-i:\bmay\b))"
    r"(?!\s+(?:you|someone|somebody|i|we\s+get|not|have|had|been)\b)",
    # ("going to the wrong mailbox" is where calls go, not a plan)
    r"\bgoing\s+to\s+(?!the\b|an?\b|our\b|my\b|his\b|her\b|their\b|voice\s*mail|vm\b|\d)",
    r"\b(?:shall|gonna|probably|expect(?:ed)?)\b|\w['\u2019]ll\b",
    r"\bnext\s+(?:month|year|quarter)\b",
    r"\b(?:planning|plan|planned|scheduled|next\s+week|tomorrow)\b",
    r"\bonce\s+(?:we|the|our|you)\b|\b(?:need\s+to|needs\s+to|want\s+to|ensure)\b",
    r"\b(?:would\s+like|\w+['\u2019]d\s+(?:like|prefer|love)|hope|hoping|sollte|sollen|m[üu]ssen|debe|deben|deber[íi]a|doit|doivent)\b",
    # ("werden ... getrennt" is the present passive, "are being cut": no plan)
    r"\b(?:wird|werden)\b(?![^.,;!?]*\b(?:\w*ge\w+(?:t|en)|unterbrochen)\b)",
    r"\b(?:k[öo]nnte|vielleicht|voraussichtlich|sobald|noch\s+nicht)\b",
    r"\b(?:ser[áa]|estar[áa]|podr[íi]a|quiz[áa]s?|todav[íi]a\s+no|a[úu]n\s+no)\b",
    r"\b(?:sera|seront|pourrait|peut-[êe]tre|pas\s+encore)\b",
)
# Someone not knowing how to use the system is a training need, not a fault.
UNFAMILIAR = _words(
    r"\b(?:know\w*|understand\w*|familiar|experience\w*|trained|learn\w*|figure\w*|"
    r"remember|sure|used\s+to|walk\s+(?:us|them|me)\s+through|show\s+(?:us|them|me))\b",
    r"\bhow\s+to\b|\bwie\s+man\b|\bc[óo]mo\b|\bcomment\b|\bschulung\b|\bformaci[óo]n\b",
    r"\b(?:wissen|kennen|verstehen)\s+(?:\w+\s+)?nicht\b|\bnicht\s+(?:geschult|eingearbeitet)\b",
    r"\bno\s+(?:saben|conocen|entienden)\b|\bne\s+(?:savent|connaissent|comprennent)\s+pas\b",
)
# A question only reports a fault when it asks why, or names the failure itself: "does MXIE
# not show missed calls?" asks what it can do.
QUESTION = re.compile(r"\?\s*$")
WHY = _words(
    r"\bwhy\b|\bwarum\b|\bwieso\b|\bpor\s+qu[ée]\b|\bpourquoi\b|\bis\s+there\s+a\s+reason\b"
)
AGAIN_FINE = _words(
    r"\ball\s+good\b|\bback\s+to\s+normal\b|\b(?:fine|ok|okay|good|stable)\s+(?:now|again|since)\b",
    r"\bsince\s+(?:your|the)\s+(?:fix|change|patch|visit)\b|\bhas(?:n['\u2019]?t|\s+not)\s+\w+\s+(?:since|again)\b",
    r"\b(?:sounds?|works?|working|runs?|running|been|is|are)\s+(?:\w+ly\s+|now\s+|again\s+)?(?:great|fine|good|well|"
    r"perfect(?:ly)?|normal(?:ly)?|clear|stable)\b|\beinwandfrei\b|\bwieder\s+(?:l[äa]uft|geht|"
    r"funktioniert|klingelt)\b|\bfunciona\s+(?:bien|perfectamente)\b|\bfonctionne\s+(?:bien|parfaitement)\b",
    r"\b(?:is|are|was|were|been|got|now|all)\s+(?:fixed|resolved|solved|closed)\b",
    r"\b(?:fixed|resolved|solved|closed)\s*(?:on\b|since\b|\d|yesterday|today|last|now|[.;]|$)",
    r"\b(?:behoben|erledigt|gel[öo]st|resuelto|arreglado|r[ée]solu|r[ée]par[ée])\b",
    r"\bwieder\s+(?:gut|ok|in\s+ordnung)\b|\bya\s+est[áa]\b|\btout\s+(?:va|marche)\s+bien\b",
)

# A question that is really a fault: "Is it normal that ...?", "Did something change on your
# end?", "What happened to our auto attendant?" (with a part of the system in it or next to it).
ODD_QUESTION = _words(
    r"\bis\s+(?:it|this|that)\s+(?:normal|expected|supposed\s+to|right|correct|ok|okay)\b",
    r"\b(?:are|is)\s+(?:they|the\s+\w+|our\s+\w+|my\s+\w+)\s+supposed\s+to\b",
    r"\bshould\s+(?:the|my|our|it|they|this|that|these|those)\b[^.?!]{0,40}\bbe\s+\w+ing\b",
    r"\b(?:did|has)\s+(?:something|anything|somebody|someone)\s+(?:change|changed|happen\w*)\b",
    r"\bwhat\s+happened\s+to\b|\bwhat['\u2019]?s\s+(?:going\s+on|wrong|happening)\s+with\b",
    r"\bist\s+(?:es|das)\s+normal\b|\bwas\s+ist\s+(?:mit|los)\b|\bhat\s+sich\s+\w+\s+ge[äa]ndert\b",
    r"\b(?:es|est[áa])\s+normal\b|\bqu[ée]\s+(?:pas[óo]|le\s+pasa)\b",
    r"\b(?:est-ce|c['\u2019]est)\s+normal\b|\bqu['\u2019]est-ce\s+qui\s+se\s+passe\b",
)

# A question that opens like one ("Is...", "Why..."); "main number going straight to
# voicemail??" is a statement said anxiously.
ASKING = _words(
    r"^\W*(?:is|are|was|were|do|does|did|can|could|will|would|should|shall|has|have|had|may|"
    r"how|what|when|where|which|who|why|any|anyone|anybody|ist|sind|kann|k[öo]nnen|wie|was|"
    r"wann|warum|gibt|es|est-ce|pouvez|qu|quand|comment|pourquoi|puede|pueden|c[óo]mo|"
    r"cu[áa]ndo|qu[ée]|hay|por)\b|^\W*¿",
)

# (German "wird nicht angezeigt" is the present passive: "is not shown".)
REFUSAL = _words(r"\b(?:not|never|none|nobody|no\s+one|nicht|kein\w*)\b|n['\u2019]t\b")

PRONOUN = re.compile(
    r"\W*(?:it|they|es|sie|er|il|elle|ils|elles|ella|ellos|lo|la)\b", re.IGNORECASE
)
# "On our new Macs it closes right after login": the pronoun after a few words of setting.
_EARLY_IT = re.compile(
    # (Spanish drops the pronoun: "Recibimos el equipo. No enciende.")
    r"\W*(?:(?:on|in|at|with|for)\s+(?:\w+\s+){1,3})(?:it|they)\b|\W*(?:no|tampoco|sigue)\s+\w",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|\n+")
# A line break inside a sentence (mail wraps at about 72 characters): the next line goes on
# in lower case.
_WRAPPED = re.compile(r"(?<=[^\s.!?:;])[ \t]*\r?\n[ \t]*(?=[a-zäöüßáéíóúñàèçâêîôû(])")
_CLAUSE = re.compile(
    r"\b(?:but|however|although|(?<!even\s)though|aber|jedoch|pero|aunque|mais)\b|,", re.IGNORECASE
)


def malfunction(text: str) -> str | None:
    """The first clause that says a part of the phone system does not do what it should, in
    the past or present; None when no clause does."""
    named = False  # the sentence before named a part ("The new phone came. It won't start.")
    thanked_for = AGAIN_FINE.search(text) is not None or words.RESOLVED.search(text) is not None
    for sentence in _SENTENCE.split(_WRAPPED.sub(" ", text)):
        # "It does not boot": the part may be named elsewhere in the sentence, or before.
        part = SYSTEM_PART.search(sentence) is not None
        carried = named and (PRONOUN.match(sentence) or _EARLY_IT.match(sentence)) is not None
        named = part
        if words.RESOLVED.search(sentence) or not (part or carried):
            continue
        if AGAIN_FINE.search(sentence):
            continue
        asks = QUESTION.search(sentence) is not None and WHY.search(sentence) is None
        for clause in _CLAUSE.split(sentence):
            # ("Thanks in advance - callers hear someone else's greeting": a courtesy, no fix)
            kept = words.COURTESY_THANKS.sub(" ", clause) if not thanked_for else clause
            if NOT_A_MALFUNCTION.search(kept) or planned(clause) or UNFAMILIAR.search(clause):
                continue
            said = words.NOT_A_FAULT.sub(" ", clause)  # "Sunday doesn't work for us"
            if FAILS.search(said) or (not asks and NEGATED.search(said)):
                return clause.strip()
    sentences = _SENTENCE.split(_WRAPPED.sub(" ", text))
    for sentence in sentences:
        if SHOWN_ERROR.search(sentence) and not _planned_or_fine(sentence):
            return sentence.strip()
    return odd_question(sentences)


def odd_question(sentences: list[str]) -> str | None:
    """A question that reports a fault by asking whether it is normal, or what changed: the
    part of the system named in it or in the sentence after it; not a plan, nor a question
    of how to do something."""
    for at, sentence in enumerate(sentences):
        rest = ODD_QUESTION.sub(" ", sentence)  # ("should", "expected" are its own words)
        if _planned_or_fine(rest):
            continue
        if UNFAMILIAR.search(sentence) or words.RESOLVED.search(sentence):
            continue
        if NOT_A_MALFUNCTION.search(rest) or words.NOT_A_REPORT.search(rest):
            continue  # "What happened to the quote?", "Did anything change in the contract?"
        around = " ".join(sentences[at : at + 2])
        if rest == sentence:  # no odd question: a fault said as a question, "...??"
            said = words.NOT_A_FAULT.sub(" ", sentence)
            if (
                QUESTION.search(sentence)
                and not ASKING.search(sentence)
                and words.FAULT.search(said)
            ):
                return sentence.strip()
            continue
        if SYSTEM_PART.search(around):
            return sentence.strip()
    return None


def _planned_or_fine(sentence: str) -> bool:
    return planned(sentence) or AGAIN_FINE.search(sentence) is not None


def planned(clause: str) -> bool:
    """Whether a clause speaks of a plan or a guess ("the phones may be offline for an hour")
    rather than of something that happened."""
    return FUTURE.search(clause) is not None and REFUSAL.search(clause) is None
