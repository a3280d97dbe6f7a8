"""Deterministic generator of realistic Z-Support trouble-report e-mails for benchmarks.

``python bench/corpus.py --out DIR --count 1000 --seed 1`` writes DIR/0000.eml ... as raw
RFC 5322 bytes (CRLF line ends, built with the stdlib ``email`` package under ``policy.SMTP``),
DIR/manifest.json describing every message (shape, size, charset, transfer encoding, sender class,
which of the contract's required fields the body carries, attachments, thread) and DIR/clients.toml
holding the ``[[clients]]`` tables of the fictional companies the mail comes from, in the daemon's
config format. The mix follows the benchmark issue: a quarter with CSV/PDF/WAV attachments of
10 KB-1 MB, half multipart/alternative, a quarter replies with quoted text, utf-8 and latin-1
bodies in quoted-printable, base64 and 8bit, 85% known clients, 10% unknown senders on client
domains and 5% unknown domains. Quotas are exact (apportioned, then shuffled), not sampled.

One seed always gives the same bytes: every draw comes from a seeded ``random.Random`` (one per
message, so messages are independent of each other's draws), Date and Message-ID derive from the
seed, and MIME boundaries are set explicitly because the stdlib would draw them from the global
RNG. Only reserved example domains and 555-01xx numbers are used.
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import random
import struct
import sys
import textwrap
import time
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SUPPORT = Address("Z-Support", "support", "zsupport.example")
SUPPORT_PHONE = "(303) 555-0123, Option #2"
AGENTS = ("Chris Walker", "Sam Ortiz", "Jamie Lindgren", "Pat Kowalski")
START = date(2025, 3, 3)  # a Monday; the eight weeks span the US DST change on 9 March
DAYS = 56
MIN_ATTACHMENT = 10_240  # 10 KiB: at least 10 KB in either unit
MAX_ATTACHMENT = 1_000_000  # 1 MB: at most 1 MB in either unit
FIELDS = (
    "company",
    "contact_name",
    "contact_email",
    "contact_phone",
    "board_serial",
    "appliance_serial",
    "software_version",
    "description",
    "reproducible",
    "call_examples",
    "internal_ticket",
    "notes",
    "call_logs",
)  # the contract's "VERY IMPORTANT!" checklist, in its order


# --------------------------------------------------------------------------- data shapes


@dataclass(frozen=True)
class Contact:
    """An authorised IT contact of a client."""

    name: str
    email: str
    phone: str
    role: str


@dataclass(frozen=True)
class Client:
    """A fictional client company, its phone system and its people."""

    name: str
    domains: tuple[str, ...]
    timezone: str
    holidays: str
    monthly_fee: float
    area: str
    lang: str
    contacts: tuple[Contact, ...]
    board_serial: str
    appliance_serial: str
    mx_version: str
    mx_patch: str
    mxie_build: str
    main_line: str
    extensions: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Sender:
    """Who writes a message; ``client`` owns the domain, ``about`` is the client concerned."""

    name: str
    email: str
    phone: str
    klass: str
    client: Client | None
    about: Client
    timezone: str
    person: bool = True  # False for role accounts such as "Front Desk": no contact name


@dataclass(frozen=True)
class Topic:
    """A kind of trouble report with its phrase tables."""

    key: str
    weight: int
    subjects: tuple[str, ...]
    details: tuple[str, ...]
    repro: tuple[str, ...]
    notes: tuple[str, ...]
    outcomes: tuple[str, ...]


@dataclass(frozen=True)
class Para:
    """A paragraph that a mailer may wrap."""

    text: str


@dataclass(frozen=True)
class Lines:
    """Lines kept as written (forms, call examples, signatures)."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    """Quoted earlier mail: ``> `` prefixed (Gmail, Apple) or an Outlook header block."""

    header: tuple[str, ...]
    blocks: tuple[Para | Lines | Quote, ...]
    prefixed: bool


Block = Para | Lines | Quote


@dataclass(frozen=True)
class Mailer:
    """The sending client: its headers, line wrapping and MIME boundary style."""

    key: str
    header: tuple[str, str] | None
    wrap: int | None


@dataclass(frozen=True)
class Thread:
    """A ticket that a reply can answer."""

    ticket: str
    subject: str
    message_id: str
    sent: datetime
    author: str
    excerpt: str
    topic: str
    file: str | None


@dataclass
class Plan:
    """The drawn properties of one message, before its text exists."""

    sender: Sender
    when: datetime
    alternative: bool = False
    attachments: tuple[str, ...] = ()
    is_reply: bool = False
    charset: str = "utf-8"
    cte: str = "8bit"


@dataclass
class Draft:
    """The composed content of one message."""

    subject: str
    blocks: list[Block]
    fields: set[str]
    topic: str
    style: str
    ticket: str | None = None
    thread: Thread | None = None
    desk_id: str | None = None
    urgent: bool = False
    excerpt: str = ""


@dataclass
class State:
    """What the generator remembers across messages: the tickets replies may answer."""

    seed: int
    clients: tuple[Client, ...]
    threads: dict[str, list[Thread]] = field(default_factory=dict)
    next_ticket: int = 1001


# --------------------------------------------------------------------------- phrase tables

# name, domains, timezone, holidays, monthly fee, area code, quote language, primary, backup
_CLIENT_ROWS: tuple[tuple[str, tuple[str, ...], str, str, float, str, str, str, str], ...] = (
    (
        "Acme Dental",
        ("acmedental.example",),
        "America/Denver",
        "US-CO",
        450.0,
        "303",
        "en",
        "Dana Smith",
        "Luis Ortega",
    ),
    (
        "Müller Logistics",
        ("mueller-logistics.example", "muellerlog.example"),
        "America/Chicago",
        "US-KS",
        825.0,
        "913",
        "de",
        "Jürgen Müller",
        "Anja Schröder",
    ),
    (
        "Société Générale de Plomberie",
        ("sgplomberie.example",),
        "America/Toronto",
        "CA-QC",
        600.0,
        "514",
        "fr",
        "Amélie Gagnon",
        "François Lefèvre",
    ),
    (
        "Front Range Title & Escrow",
        ("frontrangetitle.example",),
        "America/Denver",
        "US-CO",
        390.0,
        "970",
        "en",
        "Megan O'Brien",
        "Tyler Hughes",
    ),
    (
        "Peña & Ibáñez Law Group",
        ("penaibanez-law.example",),
        "America/Los_Angeles",
        "US-CA",
        720.0,
        "619",
        "en",
        "José Peña",
        "Lucía Ibáñez",
    ),
    (
        "Blue Sky Veterinary",
        ("blueskyvet.example",),
        "America/Denver",
        "US-CO",
        300.0,
        "720",
        "en",
        "Karen Walsh",
        "Zoë Carter",
    ),
    (
        "Heartland Insurance Partners",
        ("heartland-ins.example",),
        "America/Chicago",
        "US-MO",
        540.0,
        "816",
        "en",
        "Greg Patterson",
        "Nina Alvarez",
    ),
    (
        "Coastal Pediatrics",
        ("coastalpeds.example",),
        "America/Los_Angeles",
        "US-CA",
        480.0,
        "858",
        "en",
        "Priya Raman",
        "Ben Whitaker",
    ),
    (
        "Summit Credit Union",
        ("summitcu.example.org",),
        "America/Denver",
        "US-CO",
        1150.0,
        "719",
        "en",
        "Howard Kim",
        "Renée Dubois",
    ),
    (
        "Desert Sun Realty",
        ("desertsunrealty.example",),
        "America/Phoenix",
        "US-AZ",
        350.0,
        "480",
        "en",
        "Carlos Mendoza",
        "Tracy Nguyen",
    ),
    (
        "Great Plains Ag Supply",
        ("gpagsupply.example",),
        "America/Chicago",
        "US-NE",
        410.0,
        "402",
        "en",
        "Dale Jorgensen",
        "Ashley Brandt",
    ),
    (
        "Lakeshore Family Medicine",
        ("lakeshorefm.example", "lakeshore-fm.example.net"),
        "America/Chicago",
        "US-IL",
        690.0,
        "312",
        "en",
        "Michelle Novak",
        "Raj Patel",
    ),
    (
        "Rocky Mountain Orthopedics",
        ("rmortho.example",),
        "America/Denver",
        "US-CO",
        980.0,
        "303",
        "en",
        "Steve Lindqvist",
        "Hélène Moreau",
    ),
    (
        "Bayview Property Management",
        ("bayviewpm.example.net",),
        "America/Los_Angeles",
        "US-CA",
        275.0,
        "415",
        "en",
        "Angela Chen",
        "Marcus Reid",
    ),
    (
        "Crème de la Crème Bakery",
        ("cremedelacreme.example",),
        "America/New_York",
        "US-NY",
        225.0,
        "212",
        "fr",
        "Céline Bouchard",
        "Noël Fontaine",
    ),
    (
        "Østergaard Engineering",
        ("ostergaard-eng.example",),
        "America/Chicago",
        "US-MN",
        560.0,
        "612",
        "en",
        "Søren Østergaard",
        "Ingrid Dahl",
    ),
    (
        "Kansas City Freight Brokers",
        ("kcfreight.example",),
        "America/Chicago",
        "US-KS",
        495.0,
        "913",
        "en",
        "Bill Hendricks",
        "Tasha Greene",
    ),
    (
        "San Diego Surf Outfitters",
        ("sdsurf.example.com",),
        "America/Los_Angeles",
        "US-CA",
        180.0,
        "619",
        "en",
        "Kai Nakamura",
        "Brooke Sullivan",
    ),
    (
        "Pinnacle Accounting",
        ("pinnaclecpa.example",),
        "America/Denver",
        "US-CO",
        330.0,
        "970",
        "en",
        "Laura Bennett",
        "Devon Price",
    ),
    (
        "Gulf Coast Marine Services",
        ("gulfcoastmarine.example",),
        "America/Chicago",
        "US-TX",
        760.0,
        "713",
        "en",
        "Ray Thibodeaux",
        "Mónica Garza",
    ),
)
_MX_VERSIONS = (("15.0.4", "15150"), ("16.0.6", "16235"), ("17.0.4", "17093"), ("17.0.10", "17161"))
_FIRST = (
    "Anna",
    "Brian",
    "Chloé",
    "David",
    "Erin",
    "Felix",
    "Gina",
    "Hugo",
    "Iris",
    "Jon",
    "Kara",
    "Léa",
    "Mark",
    "Nora",
    "Omar",
    "Paula",
    "Quinn",
    "Rosa",
    "Seth",
    "Tanya",
)
_LAST = (
    "Adams",
    "Brooks",
    "Castillo",
    "Dubé",
    "Evans",
    "Fischer",
    "García",
    "Hayes",
    "Ito",
    "Jensen",
    "Khan",
    "Larsen",
    "Martínez",
    "Nilsson",
    "Owens",
    "Park",
    "Ruiz",
    "Stone",
)
_STAFF = (
    ("Front Desk", "frontdesk"),
    ("Reception", "reception"),
    ("Kim Nguyen", "kim.nguyen"),
    ("Billing Office", "billing"),
    ("Jordan Ellis", "jellis"),
    ("IT Helpdesk", "helpdesk"),
    ("María Fernández", "maria.fernandez"),
    ("Office Manager", "office"),
    ("Pat Morgan", "pmorgan"),
    ("Éloïse Martin", "eloise.martin"),
)
_OUTSIDERS = (
    ("Brightpath IT", "tickets@brightpath-it.example"),
    ("Mike Rossi", "mike@rossi-consulting.example"),
    ("NOC", "noc@carrier-one.example"),
    ("Tom Becker", "tbecker@example.org"),
    ("Jenny Park", "jenny.park@mail.example.com"),
    ("Alex Ivanov", "alex@fastfiber-isp.example"),
    ("François Petit", "fpetit@example.net"),
    ("D. Smith", "dsmith1975@example.com"),
)
_ROLE_ACCOUNTS = (
    "Front Desk",
    "Reception",
    "Billing Office",
    "IT Helpdesk",
    "Office Manager",
    "NOC",
    "Brightpath IT",
)
_US_ZONES = ("America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles")
_AREAS = (
    "303",
    "720",
    "970",
    "719",
    "913",
    "816",
    "619",
    "858",
    "415",
    "212",
    "312",
    "480",
    "402",
    "612",
    "713",
    "800",
    "888",
)
_TITLES = (
    "IT Manager",
    "Office Manager",
    "Systems Administrator",
    "Director of Operations",
    "Network Administrator",
    "Practice Administrator",
    "IT Coordinator",
)
_SITES = ("front desk", "warehouse", "billing office", "call center", "second floor", "lab")
_SINCE = (
    "since Monday",
    "since this morning",
    "since the upgrade last night",
    "since Friday",
    "for about a week",
    "since the power outage yesterday",
)
_MODELS = ("ZIP 33G", "ZIP 37G", "ZIP 47G")
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_FR_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
_FR_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_DE_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
_DE_MONTHS = (
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
)
_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ø": "o", "Ø": "O", "'": "", ".": ""}
)
# Outlook's autocorrect punctuation has no latin-1 code point: such bodies get plain ASCII.
_LATIN1_FALLBACK = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "--",
        "\u2026": "...",
        "\u20ac": "EUR",
        "\U0001f44d": ":-)",
    }
)
_DISCLAIMERS = (
    "CONFIDENTIALITY NOTICE: This e-mail message, including any attachments, is for the sole use "
    "of the intended recipient(s) and may contain confidential and privileged information. Any "
    "unauthorized review, use, disclosure or distribution is prohibited. If you are not the "
    "intended recipient, please contact the sender by reply e-mail and destroy all copies.",
    "This message may contain protected health information (PHI). If you received it in error, "
    "notify the sender immediately and delete it; do not forward or copy.",
)

_TOPICS = (
    Topic(
        "dropped_calls",
        14,
        (
            "Dropped calls",
            "Calls dropping after about 30 seconds",
            "Calls disconnecting mid-conversation",
            "Dropped calls at the {site}",
        ),
        (
            "Several users report that calls drop in the middle of the conversation. It happens "
            "mostly on outbound calls, usually right around the 30-second mark: the line goes "
            "silent and then the call disconnects.",
            "We have had calls dropping at the {site} {since}. {user} (ext {ext}) had three calls "
            "drop this morning alone, and callers say they get cut off without warning.",
            "Calls are randomly disconnecting, inbound and outbound, maybe 1 in 10 calls. The MX "
            "status page shows the trunk as up the whole time.",
        ),
        (
            "Yes, several times a day, but we cannot make it happen on demand.",
            "Every long outbound call: anything over 15 minutes drops.",
            "Not reliably \u2013 it seems random.",
        ),
        (
            "We replaced the switch at the {site} last month, not sure if related.",
            "It started after the firewall firmware update on the weekend.",
            "Internal calls never drop, only calls over the SIP trunk (route 'Outbound-LD', "
            "prefix 9).",
        ),
        ("dropped after about 30 seconds", "dropped at 14 minutes", "cut off mid-sentence"),
    ),
    Topic(
        "one_way_audio",
        12,
        (
            "One-way audio on outside calls",
            "Callers can't hear us",
            "ONE WAY AUDIO",
            "No audio on some calls",
        ),
        (
            "We are getting one-way audio on outside calls: we can hear the caller but they "
            "cannot hear us. It has been happening {since} and mostly affects the {site}.",
            "Some inbound calls connect but there is no audio in either direction. The caller ID "
            "shows up and the timer runs, but nobody hears anything.",
            "{user} at ext {ext} reports that on about half of her outbound calls the other party "
            "can\u2019t hear her. Restarting the {model} did not help.",
        ),
        (
            "Yes \u2013 call our main line from a cell phone and about every third call has no "
            "audio.",
            "Intermittent, maybe 20% of calls.",
            "Every time from the MXIE softphone, never from the desk phone.",
        ),
        (
            "Our ISP replaced the router last week.",
            "SIP ALG is disabled on the firewall as far as we know.",
            "Remote users on the VPN seem to be the worst.",
        ),
        ("caller could not hear us", "no audio either way", "dead air for the whole call"),
    ),
    Topic(
        "mxie_registration",
        12,
        (
            "MXIE not registering",
            "MXIE won't log in after update",
            "MXIE keeps saying server not available",
            "MXIE disconnects every few minutes",
        ),
        (
            "MXIE is not registering for several users. The client sits at 'Connecting...' and "
            "then shows 'Server not available'. Desk phones work fine.",
            "After the update last night, {count} users can't log into MXIE. They get 'Login "
            "failed: version mismatch' and the client closes.",
            "{user} (ext {ext}) keeps getting kicked out of MXIE every few minutes, then it logs "
            "back in by itself. Presence shows {user} as offline to everyone else.",
        ),
        (
            "Yes, every time for the affected users.",
            "Rebooting the PC fixes it for an hour or so, then it comes back.",
            "Only off-site, over the VPN.",
        ),
        (
            "We tried reinstalling MXIE on one PC, no change.",
            "Firewall rules were not changed as far as I know.",
            "All affected users are on Windows 11.",
        ),
        (
            "MXIE showed 'Server not available'",
            "MXIE logged out during the call",
            "the softphone never rang",
        ),
    ),
    Topic(
        "voicemail_email",
        11,
        (
            "Voicemail to email not working",
            "Voicemail notifications stopped",
            "VM to email failing",
            "Not receiving voicemails by email",
        ),
        (
            "Voicemail to email has not worked {since}. Messages are left in the mailboxes and "
            "the light comes on, but nobody gets the e-mail with the WAV attached.",
            "Our voicemails are not being e-mailed anymore. We changed our password policy last "
            "week, maybe the SMTP account on the MX expired?",
            "Only some mailboxes get their voicemail e-mails. {user} at ext {ext} gets them, but "
            "the {site} mailbox does not.",
        ),
        (
            "Yes, leave a voicemail on any mailbox and no e-mail arrives.",
            "No voicemail has been e-mailed {since}.",
            "It seems to affect only the group mailboxes.",
        ),
        (
            "We checked the spam/junk folders, nothing there.",
            "The SMTP relay is smtp.mail.example.com port 587.",
            "The voicemail box for the {site} is ext {ext}.",
        ),
        (
            "voicemail left, no e-mail received",
            "e-mail arrived with an empty attachment",
            "notification came 3 hours late",
        ),
    ),
    Topic(
        "sip_trunk_down",
        9,
        (
            "SIP trunk down - no inbound calls",
            "URGENT: all circuits busy",
            "Trunk down, can't make outside calls",
            "No dial tone on outside lines",
        ),
        (
            "Our SIP trunk appears to be down. Inbound callers get a fast busy or 'all circuits "
            "are busy' and we cannot dial out. Internal calls still work.",
            "Nobody can call in {since}. The MX shows the trunk registration as failed. "
            "We rebooted the router and the MX, no change.",
            "Outbound calls fail with a recording saying the call cannot be completed. This is "
            "affecting the whole office, please treat as urgent!",
        ),
        (
            "Yes, every single call fails right now.",
            "100% of inbound calls fail.",
            "Outbound fails every time; inbound from some carriers still works.",
        ),
        (
            "Our internet is up, we can browse and e-mail.",
            "Our public IP changed when the ISP swapped the modem this morning.",
            "We are forwarding the main number {main} to a cell phone for now.",
        ),
        ("caller got a fast busy", "'all circuits are busy' recording", "call failed immediately"),
    ),
    Topic(
        "echo",
        6,
        ("Echo on calls", "Callers hear an echo", "Bad echo on outside calls"),
        (
            "Callers hear their own voice echoed back about half a second later. It is worst on "
            "calls to cell phones.",
            "Users at the {site} say there has been a loud echo on most outside calls {since}.",
        ),
        ("Most outside calls, not all.", "Yes, on every call from the {model} at the {site}."),
        (
            "Headsets were replaced at the {site} two weeks ago.",
            "The echo is only heard by the far end.",
        ),
        ("echo heard by the caller", "strong echo on our side"),
    ),
    Topic(
        "auto_attendant",
        7,
        (
            "Auto attendant not routing correctly",
            "After-hours greeting not playing",
            "AA sending callers to the wrong extension",
        ),
        (
            "When callers press 2 for billing on the auto attendant they end up at ext {ext} "
            "instead of the billing group.",
            "The after-hours greeting is not playing. After 5 PM callers still hear the daytime "
            "menu and get sent to voicemail for the {site}.",
        ),
        ("Yes, every time you press 2.", "Every evening after 5 PM."),
        (
            "We changed the holiday schedule last week.",
            "The AA was edited by our previous IT vendor.",
        ),
        ("caller reached the wrong extension", "daytime greeting played after hours"),
    ),
    Topic(
        "caller_id",
        6,
        (
            "Outbound caller ID showing the wrong number",
            "Caller ID shows Unknown",
            "Caller ID wrong on outbound calls",
        ),
        (
            "Our outbound caller ID shows an old number instead of our main line {main}. "
            "Customers are calling back the wrong number.",
            "Outbound calls from the {site} show 'Unknown' or 'Anonymous' on the receiving end.",
        ),
        ("Yes, every outbound call.", "Only calls from the {site} extensions."),
        ("We ported the main number last month.", "The DID range is 555-0140 to 555-0159."),
        ("showed the wrong caller ID", "showed 'Anonymous'"),
    ),
    Topic(
        "phones_rebooting",
        6,
        (
            "{model} phones rebooting",
            "Phones lost registration after power outage",
            "Phones rebooting randomly",
        ),
        (
            "Several {model} phones reboot on their own during the day, sometimes in the middle "
            "of a call.",
            "After the power outage, {count} phones at the {site} show 'No Service' and will not "
            "register.",
        ),
        ("Random, 3-4 times a day per phone.", "Yes, they never register."),
        (
            "The phones are on a PoE switch that was replaced last week.",
            "Unplugging and re-plugging the phone does not help.",
        ),
        ("phone rebooted during the call", "phone showed 'No Service'"),
    ),
    Topic(
        "fax",
        5,
        ("Faxes failing", "Inbound faxes not arriving", "Fax to email not working"),
        (
            "Inbound faxes to our fax DID are not arriving. Senders get a 'communication error'.",
            "Outbound faxes have failed after the first page {since}.",
        ),
        ("Yes, every fax we try.", "About half of the faxes fail."),
        ("The fax line uses T.38 on the SIP trunk.", "The ATA at the {site} was rebooted."),
        ("fax failed after page 1", "sender got a communication error"),
    ),
    Topic(
        "hunt_group",
        6,
        (
            "Call group not ringing all agents",
            "Hunt group skipping agents",
            "ACD queue calls not presenting",
        ),
        (
            "Calls to the {site} call group are not ringing all agents. {user} (ext {ext}) never "
            "gets a call even though she is logged in.",
            "Calls wait in the ACD queue for minutes while agents show as available.",
        ),
        ("Yes, every call to the group.", "Most mornings between 9 and 11."),
        ("We added two agents to the group last week.", "The group is set to ring all."),
        ("call waited 4 minutes in queue", "agent's phone never rang"),
    ),
    Topic(
        "recordings",
        6,
        (
            "Call recordings missing",
            "Can't find recordings in MX-Report",
            "Recorded calls have no audio",
        ),
        (
            "We have not been able to find recordings of calls made {since}. The calls show in the "
            "call log but the recording column is empty.",
            "Recordings play back as silence for calls made from the {site}.",
        ),
        ("Yes, all calls from the {site}.", "Some days are fine, some are missing completely."),
        ("The recording storage shows 40% used.", "We need these for a compliance audit."),
        ("no recording saved", "recording is silent"),
    ),
)
_TOPIC_BY_KEY = {t.key: t for t in _TOPICS}


# --------------------------------------------------------------------------- clients


def _ascii(name: str) -> str:
    """Fold a person's name to the ASCII that mail admins use in local parts."""
    folded = unicodedata.normalize("NFKD", name.translate(_TRANSLIT))
    return folded.encode("ascii", "ignore").decode("ascii")


def _local_part(name: str, style: int) -> str:
    first, last = _ascii(name).lower().split(" ", 1)
    last = last.replace(" ", "")
    return (f"{first}.{last}", first, f"{first[0]}{last}", f"{first}{last[0]}")[style]


def _client(
    index: int, row: tuple[str, tuple[str, ...], str, str, float, str, str, str, str]
) -> Client:
    """One client; its serials, version and extensions come from its own name-seeded RNG."""
    name, domains, tz, holidays, fee, area, lang, primary, backup = row
    rng = random.Random(f"client:{name}")
    people = ((primary, "primary"), (backup, "backup"))
    contacts = tuple(
        Contact(
            person,
            f"{_local_part(person, index % 4)}@{domains[0]}",
            f"+1 {area} 555 {100 + 2 * index + k:04d}",
            role,
        )
        for k, (person, role) in enumerate(people)
    )
    version, patch = rng.choice(_MX_VERSIONS)
    base = rng.choice((100, 200, 1000, 2000, 3000))
    numbers = sorted(rng.sample(range(base + 1, base + 90), 12))
    extensions = tuple((str(n), f"{rng.choice(_FIRST)} {rng.choice(_LAST)}") for n in numbers)
    return Client(
        name=name,
        domains=domains,
        timezone=tz,
        holidays=holidays,
        monthly_fee=fee,
        area=area,
        lang=lang,
        contacts=contacts,
        board_serial=f"{rng.randrange(100, 1000)}{_letters(rng, 2)}",
        appliance_serial=f"{rng.randrange(1000, 10000)}{_letters(rng, 1)}",
        mx_version=version,
        mx_patch=patch,
        mxie_build=f"{version}-2.{rng.randrange(10, 60)}",
        main_line=f"{area}-555-{140 + index:04d}",
        extensions=extensions,
    )


def _letters(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(n))


def build_clients() -> tuple[Client, ...]:
    """The fixed client directory; it does not depend on the corpus seed."""
    return tuple(_client(i, row) for i, row in enumerate(_CLIENT_ROWS))


def _toml_str(value: str) -> str:
    # JSON string escapes (\" \\ \n \uXXXX) are all valid in TOML basic strings.
    return json.dumps(value, ensure_ascii=False)


def clients_toml(clients: tuple[Client, ...]) -> str:
    """Render the clients as the daemon's ``[[clients]]`` config tables."""
    out = [
        "# Fictional clients of the benchmark corpus (bench/corpus.py).\n"
        "# Reserved example domains and 555-01xx numbers only.\n"
    ]
    for c in clients:
        domains = ", ".join(_toml_str(d) for d in c.domains)
        out.append(
            f"[[clients]]\nname = {_toml_str(c.name)}\ndomains = [{domains}]\n"
            f"timezone = {_toml_str(c.timezone)}\nholidays = {_toml_str(c.holidays)}\n"
            f"monthly_fee = {c.monthly_fee:.1f}\n"
        )
        for p in c.contacts:
            out.append(
                f"  [[clients.contacts]]\n  name = {_toml_str(p.name)}\n"
                f"  email = {_toml_str(p.email)}\n  phone = {_toml_str(p.phone)}\n"
                f"  role = {_toml_str(p.role)}\n"
            )
    return "\n".join(out)


# --------------------------------------------------------------------------- planning


def _spread(rng: random.Random, n: int, weights: dict[str, float]) -> list[str]:
    """Exactly ``n`` labels apportioned by weight (largest remainder), in shuffled order."""
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: n - sum(counts.values())]:
        counts[k] += 1
    labels = [k for k, c in counts.items() for _ in range(c)]
    rng.shuffle(labels)
    return labels


def _flags(rng: random.Random, n: int, fraction: float) -> list[bool]:
    return [x == "y" for x in _spread(rng, n, {"y": fraction, "n": 1 - fraction})]


def _make_sender(rng: random.Random, klass: str, clients: tuple[Client, ...]) -> Sender:
    # Some clients write far more often than others, as in a real support inbox.
    client = rng.choices(clients, weights=[1 / (1 + 0.15 * i) for i in range(len(clients))])[0]
    if klass in ("primary", "backup"):
        p = client.contacts[0 if klass == "primary" else 1]
        return Sender(p.name, p.email, p.phone, klass, client, client, client.timezone)
    phone = f"+1 {client.area} 555 {rng.randrange(160, 200):04d}"
    if klass == "unknown_known_domain":
        name, local = rng.choice(_STAFF)
        email = f"{local}@{rng.choice(client.domains)}"
        return Sender(
            name, email, phone, klass, client, client, client.timezone, name not in _ROLE_ACCOUNTS
        )
    name, email = rng.choice(_OUTSIDERS)
    return Sender(
        name, email, phone, klass, None, client, rng.choice(_US_ZONES), name not in _ROLE_ACCOUNTS
    )


def _pick_time(rng: random.Random, tz: ZoneInfo) -> datetime:
    """A local send time: mostly business hours on weekdays, some evenings and weekends."""
    day = START + timedelta(days=rng.randrange(DAYS))
    while day.weekday() >= 5 and rng.random() < 0.75:
        day = START + timedelta(days=rng.randrange(DAYS))
    minute = rng.randrange(450, 1050) if rng.random() < 0.8 else rng.randrange(1440)
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60, rng.randrange(60))
    # Round-trip through UTC so a time in the spring-forward gap becomes a real local time.
    return naive.replace(tzinfo=tz).astimezone(UTC).astimezone(tz)


def _attachment_sets(rng: random.Random, n: int) -> list[tuple[str, ...]]:
    """A quarter of the messages carry attachments; one in ten of those carries two."""
    has = _flags(rng, n, 0.25)
    firsts = iter(_spread(rng, sum(has), {"csv": 0.45, "pdf": 0.30, "wav": 0.25}))
    seconds = iter(_flags(rng, sum(has), 0.10))
    out: list[tuple[str, ...]] = []
    for h in has:
        if not h:
            out.append(())
            continue
        kind = next(firsts)
        other = rng.choice([k for k in ("csv", "pdf", "wav") if k != kind])
        out.append((kind, other) if next(seconds) else (kind,))
    return out


def plan_corpus(rng: random.Random, count: int, clients: tuple[Client, ...]) -> list[Plan]:
    """Draw every message's sender, time and shape; the list is in send-time order."""
    classes = _spread(
        rng,
        count,
        {"primary": 0.60, "backup": 0.25, "unknown_known_domain": 0.10, "unknown_domain": 0.05},
    )
    senders = [_make_sender(rng, k, clients) for k in classes]
    plans = [Plan(s, _pick_time(rng, ZoneInfo(s.timezone))) for s in senders]
    plans.sort(key=lambda p: p.when)
    columns = zip(
        _flags(rng, count, 0.5),
        _flags(rng, count, 0.25),
        _spread(rng, count, {"utf-8": 0.65, "iso-8859-1": 0.35}),
        _spread(rng, count, {"quoted-printable": 0.40, "base64": 0.25, "8bit": 0.35}),
        _attachment_sets(rng, count),
        strict=True,
    )
    for plan, (alt, reply, charset, cte, attachments) in zip(plans, columns, strict=True):
        plan.alternative, plan.is_reply, plan.charset = alt, reply, charset
        plan.cte, plan.attachments = cte, attachments
    return plans


# --------------------------------------------------------------------------- small phrases


def _h12(t: datetime, rng: random.Random) -> str:
    hour = t.hour % 12 or 12
    suffix = "AM" if t.hour < 12 else "PM"
    if rng.random() < 0.7:
        return f"{hour}:{t.minute:02d} {suffix}"
    return f"{hour}:{t.minute:02d}{suffix.lower()}"


def _phone(area: str, line: str, rng: random.Random) -> str:
    """A 555 number in one of the many ways people write them."""
    style = rng.randrange(8)
    return (
        f"({area}) 555-{line}",
        f"{area}-555-{line}",
        f"{area}.555.{line}",
        f"+1 {area} 555 {line}",
        f"+1 ({area}) 555-{line}",
        f"{area} 555 {line}",
        f"1-{area}-555-{line}",
        f"{area}555{line}",
    )[style]


def _external(rng: random.Random) -> str:
    return _phone(rng.choice(_AREAS), f"01{rng.randrange(100):02d}", rng)


def _sender_phone(sender: Sender, rng: random.Random) -> str:
    area, line = sender.phone.split()[1], sender.phone.split()[3]
    text = _phone(area, line, rng)
    return f"{text} x{rng.choice(sender.about.extensions)[0]}" if rng.random() < 0.2 else text


def _relative_day(t: datetime, now: datetime, rng: random.Random) -> str:
    days = (now.date() - t.date()).days
    if days == 0:
        return f"Today at {_h12(t, rng)}"
    if days == 1:
        return f"Yesterday around {_h12(t, rng)}"
    return f"{_WEEKDAYS[t.weekday()]} {t.month}/{t.day} at {_h12(t, rng)}"


def _call_example(rng: random.Random, client: Client, now: datetime, topic: Topic) -> str:
    """One call example with date/time, calling and called party, in a varied format."""
    t = now - timedelta(minutes=rng.randrange(20, 3 * 1440))
    if not 7 <= t.hour < 19 and rng.random() < 0.85:  # most calls happen in office hours
        t = t.replace(hour=rng.randrange(8, 18))
        t = t if t < now else t - timedelta(days=1)
    ext, user = rng.choice(client.extensions)
    ext2 = rng.choice(client.extensions)[0]
    num, outcome = _external(rng), rng.choice(topic.outcomes)
    style = rng.randrange(6)
    if style == 0:
        return f"{t.month}/{t.day} at {_h12(t, rng)} ext {ext} called {num}"
    if style == 1:
        return f"{t:%m/%d/%Y %H:%M} - Ext. {ext} ({user}) -> {num} - {outcome}"
    if style == 2:
        return (
            f"{_MONTHS[t.month - 1][:3]} {t.day}, {_h12(t, rng)}: inbound from {num} to our "
            f"main line {client.main_line}, rang ext {ext} ({user}), {outcome}"
        )
    if style == 3:
        return f"{t:%Y-%m-%d %H:%M} {t.tzname()}, from x{ext} to x{ext2} (internal), {outcome}"
    if style == 4:
        return f"{_relative_day(t, now, rng)}, {user} (ext {ext}) called {num} \u2013 {outcome}"
    return f"{t:%m/%d %H:%M:%S} {num} -> {client.main_line} -> {ext}, {outcome}"


def _fill(template: str, rng: random.Random, client: Client) -> str:
    ext, user = rng.choice(client.extensions)
    return template.format(
        ext=ext,
        user=user,
        site=rng.choice(_SITES),
        since=rng.choice(_SINCE),
        model=rng.choice(_MODELS),
        count=rng.randrange(3, 25),
        main=client.main_line,
    )


def _internal_ticket(rng: random.Random) -> str:
    n = rng.randrange(10**7)
    return rng.choice(
        (
            f"INC{n:07d}",
            f"RITM{n:07d}",
            f"HD-{n % 10000:04d}",
            f"#{n % 100000}",
            f"2025-{n % 10000:04d}",
            f"CS{n % 10**6:06d}",
        )
    )


def _version_text(rng: random.Random, client: Client) -> str:
    mx = f"MX {client.mx_version} patch {client.mx_patch}"
    return rng.choice(
        (
            mx,
            f"{mx}, MXIE {client.mxie_build}",
            f"version {client.mx_version}",
            f"{mx} / MX-Administrator {client.mx_version}",
        )
    )


# --------------------------------------------------------------------------- report bodies

# Chance that each checklist item is given, per writing style.
_INCLUDE: dict[str, dict[str, float]] = {
    style: dict(zip(FIELDS[:7] + FIELDS[8:12], probs, strict=True))
    for style, probs in (
        ("form", (0.95, 0.95, 0.85, 0.9, 0.85, 0.8, 0.85, 0.85, 0.85, 0.7, 0.6)),
        ("narrative", (0.6, 0.95, 0.35, 0.8, 0.4, 0.35, 0.5, 0.6, 0.65, 0.3, 0.4)),
        ("terse", (0.25, 0.7, 0.05, 0.35, 0, 0, 0, 0, 0.15, 0, 0)),  # a line and a name
    )
}
_ATTACH_NOTE = {
    "csv": "I attached the call log export from MX-Report ({name}).",
    "pdf": "The call detail report is attached as a PDF ({name}).",
    "wav": "I attached the recording of the call ({name}).",
}


def _chosen_fields(rng: random.Random, style: str, plan: Plan) -> set[str]:
    chosen = {f for f, p in _INCLUDE[style].items() if rng.random() < p}
    chosen.add("description")
    if not plan.sender.person:
        chosen.discard("contact_name")  # "Front Desk" names nobody
    if plan.sender.klass == "unknown_domain":
        chosen.discard("contact_email")  # an outsider's own address is not the client's contact
    return chosen


def _facts(rng: random.Random, plan: Plan, topic: Topic) -> dict[str, str]:
    client, sender = plan.sender.about, plan.sender
    examples = [_call_example(rng, client, plan.when, topic) for _ in range(rng.randrange(1, 4))]
    return {
        "company": client.name,
        "contact_name": sender.name,
        "contact_email": sender.email,
        "contact_phone": _sender_phone(sender, rng),
        "board_serial": client.board_serial,
        "appliance_serial": client.appliance_serial,
        "software_version": _version_text(rng, client),
        "description": _fill(rng.choice(topic.details), rng, client),
        "reproducible": _fill(rng.choice(topic.repro), rng, client),
        "call_examples": "\n".join(examples),
        "internal_ticket": _internal_ticket(rng),
        "notes": _fill(rng.choice(topic.notes), rng, client),
    }


def _form_lines(rng: random.Random, facts: dict[str, str], chosen: set[str]) -> list[str]:
    labels = {
        "company": ("Company Name:", "Company:"),
        "contact_name": ("Contact Name:", "Contact:"),
        "contact_email": ("Contact Email:", "Email:"),
        "contact_phone": ("Contact Phone:", "Phone:"),
        "board_serial": ("Board S/N:", "Serial # (board):"),
        "appliance_serial": ("Appliance S/N:", "Serial # (appliance):"),
        "software_version": ("Software Version:", "MX Version:"),
        "description": ("Problem Description:", "Description:"),
        "reproducible": ("Can it be reproduced?", "Reproducible:"),
        "internal_ticket": ("Internal Ticket #:", "Our ticket:"),
        "notes": ("Notes:", "Notes:"),
    }
    numbered = rng.random() < 0.3
    out: list[str] = []
    for key in (k for k in FIELDS if k in chosen):
        number = f"{sum(1 for x in out if not x.startswith(' ')) + 1}. " if numbered else ""
        if key == "call_examples":
            out.append(f"{number}Call Examples:")
            out += [f"  {i}. {e}" for i, e in enumerate(facts[key].split("\n"), 1)]
        elif key in labels:
            out.append(f"{number}{labels[key][rng.randrange(2)]} {facts[key]}")
    return out


def _narrative(
    rng: random.Random, plan: Plan, facts: dict[str, str], chosen: set[str]
) -> list[Block]:
    blocks: list[Block] = []
    intro = f"This is {plan.sender.name}" if "contact_name" in chosen else "Writing"
    if "company" in chosen:
        intro += (
            f" from {facts['company']}"
            if plan.sender.klass != "unknown_domain"
            else f", we are the IT provider for {facts['company']}"
        )
    if "contact_name" in chosen or "company" in chosen:
        blocks.append(Para(intro + "."))
    story = facts["description"]
    if "reproducible" in chosen:
        story += " " + facts["reproducible"]
    blocks.append(Para(story))
    if "call_examples" in chosen:
        blocks.append(Lines(("Examples:", *facts["call_examples"].split("\n"))))
    blocks += _system_para(rng, facts, chosen)
    tail = [facts[k] for k in ("notes",) if k in chosen]
    if "internal_ticket" in chosen:
        tail.append(f"Our internal ticket number is {facts['internal_ticket']}.")
    if tail:
        blocks.append(Para(" ".join(tail)))
    return blocks


def _system_para(rng: random.Random, facts: dict[str, str], chosen: set[str]) -> list[Block]:
    parts = []
    if "software_version" in chosen:
        parts.append(f"We are on {facts['software_version']}")
    if "board_serial" in chosen:
        label = rng.choice(("board S/N", "board serial", "SN (board):", "board s/n:"))
        parts.append(f"{label} {facts['board_serial']}")
    if "appliance_serial" in chosen:
        label = rng.choice(("appliance serial", "Appliance S/N", "appliance #", "SN (appliance):"))
        parts.append(f"{label} {facts['appliance_serial']}")
    if not parts:
        return []
    text = ", ".join(parts)
    return [Para(text[0].upper() + text[1:] + rng.choice((".", " if that helps.")))]


def _signature(rng: random.Random, plan: Plan, facts: dict[str, str], chosen: set[str]) -> Lines:
    s = plan.sender
    lines = [rng.choice(("Thanks,", "Regards,", "Thank you,", "Best,", "Please advise."))]
    lines.append(s.name if "contact_name" in chosen or not s.person else s.name[0])
    if s.person and rng.random() < 0.6:
        lines.append(rng.choice(_TITLES))
    if "company" in chosen:
        lines.append(facts["company"])
    if "contact_phone" in chosen:
        label = rng.choice(("Office: ", "Direct: ", "Tel ", "P: ", ""))
        mobile = f" | Mobile: {_external(rng)}" if rng.random() < 0.3 else ""
        lines.append(f"{label}{facts['contact_phone']}{mobile}")
    if "contact_email" in chosen:
        lines.append(facts["contact_email"])
    return Lines(tuple(lines))


def compose_report(rng: random.Random, plan: Plan, mailer: Mailer, names: list[str]) -> Draft:
    """A new trouble report in form, narrative or terse style."""
    topic = rng.choices(_TOPICS, weights=[t.weight for t in _TOPICS])[0]
    style = rng.choices(("form", "narrative", "terse"), weights=(30, 45, 25))[0]
    chosen = _chosen_fields(rng, style, plan)
    facts = _facts(rng, plan, topic)
    greeting = rng.choice(("Hi,", "Hello Support,", "Good morning,", "Z-Support team,", "Hi all,"))
    blocks: list[Block] = [Para(greeting)]
    if style == "form":
        blocks += [
            Para("Please open a ticket for the following issue:"),
            Lines(tuple(_form_lines(rng, facts, chosen))),
        ]
    elif style == "narrative":
        blocks += _narrative(rng, plan, facts, chosen)
    else:
        blocks, chosen = _terse(rng, facts, chosen)
    blocks += _attachment_notes(plan, names)
    if style == "terse" and mailer.key == "iphone":
        chosen -= {"company", "contact_name", "contact_phone", "contact_email"}  # no signature
    else:
        blocks += _closing(rng, plan, facts, chosen)
    if mailer.key == "iphone":
        blocks.append(Para("Sent from my iPhone"))
    return Draft(
        _report_subject(rng, plan, topic, facts, chosen),
        blocks,
        chosen | _logs(plan),
        topic.key,
        style,
        urgent=topic.key == "sip_trunk_down",
        excerpt=facts["description"],
    )


def _terse(
    rng: random.Random, facts: dict[str, str], chosen: set[str]
) -> tuple[list[Block], set[str]]:
    """One line of trouble, perhaps one call example; the only fields left are the sender's."""
    text = facts["description"].split(". ")[0].rstrip(".") + "."
    if "call_examples" in chosen:
        text += f" E.g. {facts['call_examples'].split(chr(10))[0]}."
    text += rng.choice((" Please call me ASAP.", " Please help!", " Can someone call me?"))
    kept = {
        "company",
        "contact_name",
        "contact_phone",
        "contact_email",
        "description",
        "call_examples",
    }
    return [Para(text)], chosen & kept


def _attachment_notes(plan: Plan, names: list[str]) -> list[Block]:
    if not names:
        return []
    notes = (_ATTACH_NOTE[k].format(name=n) for k, n in zip(plan.attachments, names, strict=True))
    return [Para(" ".join(notes))]


def _closing(
    rng: random.Random, plan: Plan, facts: dict[str, str], chosen: set[str]
) -> list[Block]:
    blocks: list[Block] = [_signature(rng, plan, facts, chosen)]
    if rng.random() < 0.25:
        blocks.append(Para(rng.choice(_DISCLAIMERS)))
    return blocks


def _logs(plan: Plan) -> set[str]:
    return {"call_logs"} if {"csv", "pdf"} & set(plan.attachments) else set()


def _report_subject(
    rng: random.Random, plan: Plan, topic: Topic, facts: dict[str, str], chosen: set[str]
) -> str:
    subject = _fill(rng.choice(topic.subjects), rng, plan.sender.about)
    if topic.key == "sip_trunk_down" and not subject.startswith("URGENT") and rng.random() < 0.5:
        subject = rng.choice(("URGENT: ", "URGENT - ", "!! ")) + subject
    if "internal_ticket" in chosen and rng.random() < 0.3:
        subject = f"[{facts['internal_ticket']}] {subject}"
    if rng.random() < 0.25:
        subject += f" - {plan.sender.about.name}"
    return subject.lower() if rng.random() < 0.05 else subject


# --------------------------------------------------------------------------- replies

_REPLY_TEXT = {
    "followup": (
        "Any update on this one? We're still seeing the problem and users are getting frustrated.",
        "Just checking in on this ticket \u2013 is there an ETA?",
        "Has anyone had a chance to look at this yet?",
    ),
    "resolved": (
        "Thanks, that did it. Calls are working normally now, you can close this ticket.",
        "Confirmed working after the change. Thank you!",
        "All good on our end now. Please close.",
    ),
    "question": (
        "Do we need to schedule a maintenance window for this? We're open until 6 PM.",
        "Will the upgrade require rebooting the phones? Please let me know before you start.",
    ),
}
_DESK_TEXT = (
    "Thank you for contacting Z-Support. Ticket {ticket} has been opened for your request. To "
    "troubleshoot we need the serial numbers of the Zultys system (board and appliance), the MX "
    "software version and specific call examples (date/time, calling and called number).",
    "We reviewed the logs on your MX and made a change to the SIP trunk profile. Please test and "
    "let us know if the problem persists.",
    "We have escalated this issue to Zultys Tier 2 support (case 00{case}). We will update you as "
    "soon as we hear back.",
)
_DESK_FOR = {"info": 0, "attach": 0, "update": 1, "resolved": 1, "question": 1, "followup": 2}


def _reply_lead(
    rng: random.Random, plan: Plan, kind: str, topic: Topic, names: list[str]
) -> tuple[list[Block], set[str]]:
    client = plan.sender.about
    if kind == "info":
        facts = _facts(rng, plan, topic)
        chosen = {
            f
            for f in (
                "board_serial",
                "appliance_serial",
                "software_version",
                "call_examples",
                "internal_ticket",
            )
            if rng.random() < 0.7
        }
        chosen = chosen or {"call_examples"}
        lines = _form_lines(rng, facts, chosen)
        return [Para("Here is the information you asked for:"), Lines(tuple(lines))], chosen
    if kind == "update":
        example = _call_example(rng, client, plan.when, topic)
        return [Para(f"This happened again. {example}.")], {"call_examples"}
    if kind == "attach":
        return _attachment_notes(plan, names), set()
    text = rng.choice(_REPLY_TEXT[kind])
    if kind == "resolved" and plan.charset == "utf-8" and rng.random() < 0.3:
        text += " \U0001f44d"
    return [Para(text)], set()


def _desk_blocks(rng: random.Random, thread: Thread, agent: str, kind: str) -> list[Block]:
    """The support desk's message that the ``kind`` of reply answers, quoting the original."""
    first = thread.author.split(" <")[0].split()[0]
    text = _DESK_TEXT[_DESK_FOR[kind]].format(ticket=thread.ticket, case=rng.randrange(10**6))
    blocks: list[Block] = [
        Para(f"Hello {first},"),
        Para(text),
        Para(f"Please keep [Z-Support #{thread.ticket}] in the subject line when replying."),
        Lines(("Regards,", agent, "Z-Support", SUPPORT_PHONE)),
    ]
    if rng.random() < 0.6:
        head = f"On {_gmail_date(thread.sent)}, {thread.author} wrote:"
        blocks.append(Quote((head,), (Para(thread.excerpt),), prefixed=True))
    return blocks


def _gmail_date(t: datetime) -> str:
    hour = t.hour % 12 or 12
    return (
        f"{_WEEKDAYS[t.weekday()][:3]}, {_MONTHS[t.month - 1][:3]} {t.day}, {t.year} at "
        f"{hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"
    )


def _outlook_date(t: datetime, lang: str) -> str:
    hour = t.hour % 12 or 12
    if lang == "fr":
        return f"{_FR_DAYS[t.weekday()]} {t.day} {_FR_MONTHS[t.month - 1]} {t.year} {t:%H:%M}"
    if lang == "de":
        return f"{_DE_DAYS[t.weekday()]}, {t.day}. {_DE_MONTHS[t.month - 1]} {t.year} {t:%H:%M}"
    return (
        f"{_WEEKDAYS[t.weekday()]}, {_MONTHS[t.month - 1]} {t.day}, {t.year} "
        f"{hour}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"
    )


def _attribution(
    rng: random.Random, mailer: Mailer, lang: str, sent: datetime, to: str, subject: str
) -> tuple[tuple[str, ...], bool]:
    """The quote header a mailer writes, and whether it prefixes quoted lines with ``>``."""
    desk = str(SUPPORT)
    if mailer.key == "outlook":
        keys = {
            "en": ("From:", "Sent:", "To:", "Subject:"),
            "fr": ("De :", "Envoyé :", "À :", "Objet :"),
            "de": ("Von:", "Gesendet:", "An:", "Betreff:"),
        }[lang]
        rule = {
            "en": rng.choice(("-----Original Message-----", "_" * 32)),
            "fr": "-----Message d'origine-----",
            "de": "-----Ursprüngliche Nachricht-----",
        }
        values = (desk, _outlook_date(sent, lang), to, subject)
        return (rule[lang], *(f"{k} {v}" for k, v in zip(keys, values, strict=True))), False
    if lang == "fr":
        head = (
            f"Le {_FR_DAYS[sent.weekday()][:3]}. {sent.day} {_FR_MONTHS[sent.month - 1]} "
            f"{sent.year} à {sent:%H:%M}, {desk} a écrit :"
        )
    elif lang == "de":
        head = (
            f"Am {_DE_DAYS[sent.weekday()][:2]}., {sent.day}. {_DE_MONTHS[sent.month - 1]} "
            f"{sent.year} um {sent:%H:%M} Uhr schrieb {desk}:"
        )
    elif mailer.key in ("apple", "iphone"):
        clock = _gmail_date(sent).split(" at ")[1]
        day = f"{_MONTHS[sent.month - 1][:3]} {sent.day}, {sent.year}"
        head = f"On {day}, at {clock}, {desk} wrote:"
    elif mailer.key == "thunderbird":
        clock = _gmail_date(sent).split(" at ")[1]
        head = f"On {sent.month}/{sent.day}/{sent:%y} {clock}, Z-Support wrote:"
    else:
        head = f"On {_gmail_date(sent)} {desk} wrote:"
    return (head,), True


def _pick_thread(rng: random.Random, plan: Plan, state: State) -> Thread:
    known = state.threads.get(plan.sender.about.name)
    if known and rng.random() < 0.85:
        return rng.choice(known[-8:])
    topic = rng.choice(_TOPICS)
    client = plan.sender.about
    domain = plan.sender.email.split("@")[1]
    contact = client.contacts[rng.randrange(2)]
    return Thread(
        ticket=f"ZS-{rng.randrange(100, 1000):06d}",
        subject=_fill(rng.choice(topic.subjects), rng, client),
        message_id=f"<{rng.getrandbits(64):016x}@{domain}>",
        sent=plan.when - timedelta(hours=rng.randrange(4, 24 * 14)),
        author=f"{contact.name} <{contact.email}>",
        excerpt=_fill(rng.choice(topic.details), rng, client),
        topic=topic.key,
        file=None,
    )


def compose_reply(
    rng: random.Random, plan: Plan, state: State, mailer: Mailer, names: list[str]
) -> Draft:
    """A reply to the desk, top-posted over the quoted desk message."""
    thread = _pick_thread(rng, plan, state)
    kind = (
        "attach"
        if plan.attachments
        else rng.choices(
            ("info", "update", "followup", "resolved", "question"), weights=(35, 25, 15, 15, 10)
        )[0]
    )
    lead, chosen = _reply_lead(rng, plan, kind, _TOPIC_BY_KEY[thread.topic], names)
    span = max((plan.when - thread.sent).total_seconds(), 60.0)
    sent = thread.sent + timedelta(seconds=int(span * rng.uniform(0.2, 0.9)))
    sent = sent.astimezone(ZoneInfo(plan.sender.timezone))
    tag = f"[Z-Support #{thread.ticket}] {thread.subject}"
    lang = plan.sender.about.lang if rng.random() < 0.7 else "en"
    header, prefixed = _attribution(rng, mailer, lang, sent, thread.author, tag)
    agent = rng.choice(AGENTS)
    quote = Quote(header, tuple(_desk_blocks(rng, thread, agent, kind)), prefixed)
    greeting: list[Block] = [Para(rng.choice(("Hi,", "Hello,", f"Hi {agent.split()[0]},")))]
    sig: Block = Lines((rng.choice(("Thanks,", "Thank you,", "--")), plan.sender.name))
    if mailer.key == "iphone":
        sig = Para("Sent from my iPhone")
    prefix = {"outlook": "RE: "}.get(mailer.key, rng.choice(("Re: ", "Re: ", "Re: Re: ")))
    prefix = "AW: " if lang == "de" and mailer.key == "outlook" else prefix
    return Draft(
        prefix + tag,
        [*greeting, *lead, sig, quote],
        chosen | _logs(plan),
        thread.topic,
        f"reply:{kind}",
        ticket=thread.ticket,
        thread=thread,
        desk_id=f"<{thread.ticket}.{rng.randrange(1, 5)}.{state.seed}@zsupport.example>",
    )


# --------------------------------------------------------------------------- rendering


def render_text(blocks: list[Block] | tuple[Block, ...], wrap: int | None) -> str:
    """Plain text: blank lines between blocks, optional wrapping, ``>`` or Outlook quoting."""
    return "\n\n".join(_text_block(b, wrap) for b in blocks) + "\n"


def _text_block(block: Block, wrap: int | None) -> str:
    if isinstance(block, Para):
        return textwrap.fill(block.text, wrap) if wrap else block.text
    if isinstance(block, Lines):
        return "\n".join(block.lines)
    inner = render_text(block.blocks, wrap).rstrip("\n")
    if block.prefixed:
        inner = "\n".join(_quote_line(line) for line in inner.split("\n"))
        return "\n".join(block.header) + "\n" + inner
    return "\n".join(block.header) + "\n\n" + inner


def _quote_line(line: str) -> str:
    if not line:
        return ">"
    return ">" + line if line.startswith(">") else "> " + line


def render_html(blocks: list[Block], charset: str, outlook: bool) -> str:
    """An HTML alternative in the rough shape of Outlook's or a webmail's markup."""
    body = "\n".join(_html_block(b) for b in blocks)
    head = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
    if outlook:
        style = (
            "<style><!--p.MsoNormal, li.MsoNormal {margin:0in;font-size:11.0pt;"
            'font-family:"Calibri",sans-serif;} div.WordSection1 {page:WordSection1;}'
            "--></style>"
        )
        return (
            f'<html><head>{head}<meta name="Generator" content="Microsoft Word 15 (filtered '
            f'medium)">{style}</head><body lang="EN-US" link="#0563C1" vlink="#954F72">'
            f'<div class="WordSection1">\n{body}\n</div></body></html>\n'
        )
    return f'<html><head>{head}</head><body><div dir="ltr">\n{body}\n</div></body></html>\n'


def _html_block(block: Block) -> str:
    if isinstance(block, Para):
        return f'<p class="MsoNormal">{html.escape(block.text, quote=False)}</p>'
    if isinstance(block, Lines):
        return "<p>" + "<br>\n".join(html.escape(x, quote=False) for x in block.lines) + "</p>"
    inner = "\n".join(_html_block(b) for b in block.blocks)
    head = "<br>\n".join(html.escape(x, quote=False) for x in block.header)
    if block.prefixed:
        return (
            f'<div class="gmail_quote"><div class="gmail_attr">{head}</div>\n'
            '<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc '
            f'solid;padding-left:1ex">\n{inner}\n</blockquote></div>'
        )
    return (
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0in 0in 0in">'
        f'<p class="MsoNormal">{head}</p></div>\n{inner}'
    )


def _for_charset(text: str, charset: str) -> str:
    if charset == "utf-8":
        return text
    return text.translate(_LATIN1_FALLBACK)


# --------------------------------------------------------------------------- attachments


def attachment_size(rng: random.Random) -> int:
    """Log-uniform between 10 KiB and 1 MB: many small files, a few large ones."""
    return int(MIN_ATTACHMENT * (MAX_ATTACHMENT / MIN_ATTACHMENT) ** rng.random())


_CSV_HEADER = (
    "Call ID,Start Time,Duration,Direction,Calling Number,Calling Name,Calling Ext,"
    "Called Number,Called Name,Called Ext,Trunk,Disposition,Release Cause"
)
_CAUSES = (
    "16 Normal Clearing",
    "16 Normal Clearing",
    "16 Normal Clearing",
    "17 User Busy",
    "19 No Answer",
    "41 Temporary Failure",
    "BYE from remote",
)


def make_csv(rng: random.Random, target: int, client: Client, end: datetime) -> bytes:
    """Call-detail records as an MX-Report CSV export, at least ``target`` bytes long."""
    rows = [_CSV_HEADER]
    size = len(_CSV_HEADER)
    for row in _cdr_rows(rng, client, end - timedelta(days=rng.randrange(1, 8))):
        if size >= target:
            break
        rows.append(row)
        size += len(row) + 2
    bom = "\ufeff" if rng.random() < 0.3 else ""  # Excel's "CSV UTF-8" writes a BOM
    return (bom + "\r\n".join(rows) + "\r\n").encode("utf-8")


def _cdr_rows(rng: random.Random, client: Client, start: datetime) -> Iterator[str]:
    """Endless call records from ``start`` on; drawn in batches, as a 1 MB log has 9,000."""
    own = [f"{client.main_line.replace('-', '')},{user},{ext}" for ext, user in client.extensions]
    others = [f"{area}55501{n:02d},," for area in _AREAS for n in range(100)]
    midnight = datetime(start.year, start.month, start.day)
    secs, call_id = start.hour * 3600 + start.minute * 60, rng.randrange(10**6, 10**7)
    days: dict[int, str] = {}
    while True:
        batch = zip(
            rng.choices(range(5, 240), k=256),
            rng.choices(own, k=256),
            rng.choices(others, k=256),
            rng.choices(_CAUSES, k=256),
            [int(rng.expovariate(1 / 150)) for _ in range(256)],
            strict=True,
        )
        for gap, ours, theirs, cause, dur in batch:
            secs, call_id = secs + gap, call_id + 1 + gap % 3
            day, sec = divmod(secs, 86400)
            if day not in days:
                days[day] = f"{midnight + timedelta(days=day):%Y-%m-%d}"
            inbound = gap % 2 == 0
            parties = f"Inbound,{theirs},{ours}" if inbound else f"Outbound,{ours},{theirs}"
            yield (
                f"{call_id},{days[day]} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d},"
                f"{dur // 3600:02d}:{dur // 60 % 60:02d}:{dur % 60:02d},{parties},SIP-Trunk-1,"
                f"{'ANSWERED' if dur else 'NO ANSWER'},{cause}"
            )


def _pdf_text(value: str) -> bytes:
    escaped = value.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("cp1252", "replace")


def make_pdf(rng: random.Random, target: int, title: str, lines: list[str]) -> bytes:
    """A one-page PDF 1.4 with text and a grey noise image, with an exact xref table."""
    width = 256
    height = max(8, (target - 1200) // width)
    text = b"BT /F1 16 Tf 50 740 Td (" + _pdf_text(title) + b") Tj /F1 10 Tf"
    for line in lines:
        text += b" 0 -14 Td (" + _pdf_text(line) + b") Tj"
    text += f" ET q 512 0 0 {min(height, 560)} 50 100 cm /Im1 Do Q".encode()
    image = rng.randbytes(width * height)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R"
        b" >> /XObject << /Im1 6 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        _pdf_stream(b"", text),
        _pdf_stream(
            f"/Type /XObject /Subtype /Image /Width {width} /Height {height} "
            "/ColorSpace /DeviceGray /BitsPerComponent 8".encode(),
            image,
        ),
        b"<< /Producer (MX-Report) /Title (" + _pdf_text(title) + b") >>",
    ]
    return _pdf_file(objects)


def _pdf_stream(entries: bytes, data: bytes) -> bytes:
    head = b"<< " + entries + f" /Length {len(data)} >>\nstream\n".encode()
    return head + data + b"\nendstream"


def _pdf_file(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
        f"startxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


# A quiet hiss: the high byte of each little-endian sample becomes 0x00 or 0xFF (sign only).
_QUIET = bytes(0 if b < 128 else 255 for b in range(256))


def make_wav(rng: random.Random, target: int) -> bytes:
    """An 8 kHz 16-bit mono PCM WAV (a phone recording) of low-level noise."""
    n = (target - 44) // 2 * 2
    data = bytearray(rng.randbytes(n))
    data[1::2] = bytes(data[1::2]).translate(_QUIET)
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
    header = b"RIFF" + struct.pack("<I", 36 + n) + b"WAVEfmt " + fmt + b"data"
    return header + struct.pack("<I", n) + bytes(data)


def _attachment_name(rng: random.Random, kind: str, plan: Plan) -> str:
    t, ext = plan.when, rng.choice(plan.sender.about.extensions)[0]
    if kind == "csv":
        german = plan.sender.about.lang == "de" and rng.random() < 0.5
        return (
            "Anrufliste_März.csv"
            if german
            else rng.choice(
                (f"call_log_{t:%Y-%m-%d}.csv", f"CDR export {t.month}-{t.day}.csv", "calls.csv")
            )
        )
    if kind == "pdf":
        return rng.choice((f"Call_Detail_Report_{t:%Y-%m}.pdf", f"MX-Report {t:%m%d%Y}.pdf"))
    return rng.choice(
        (
            f"vm_{ext}_{t:%Y%m%d_%H%M}.wav",
            f"recording-{rng.randrange(10**6)}.wav",
            "one-way-audio-sample.wav",
        )
    )


def _add_attachment(
    rng: random.Random, msg: EmailMessage, kind: str, plan: Plan, name: str
) -> dict[str, Any]:
    target, client = attachment_size(rng), plan.sender.about
    if kind == "csv":
        data = make_csv(rng, min(target, MAX_ATTACHMENT - 400), client, plan.when)
        ctype = rng.choice(("text/csv", "text/csv", "application/vnd.ms-excel"))
    elif kind == "pdf":
        lines = [
            client.name,
            f"Period: {plan.when:%Y-%m-01} to {plan.when:%Y-%m-%d}",
            f"Generated by MX-Report {client.mx_version}",
        ]
        data = make_pdf(rng, target, "Zultys MX - Call Detail Report", lines)
        ctype = "application/pdf"
    else:
        data, ctype = make_wav(rng, target), rng.choice(("audio/wav", "audio/x-wav"))
    maintype, subtype = ctype.split("/")
    params = {"charset": "utf-8"} if maintype == "text" else None  # the CSV has accented names
    msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name, params=params)
    return {"filename": name, "content_type": ctype, "size": len(data)}


# --------------------------------------------------------------------------- assembly

_MAILERS = (
    (Mailer("outlook", ("X-Mailer", "Microsoft Outlook 16.0"), None), 45),
    (Mailer("gmail", None, None), 25),
    (Mailer("apple", ("X-Mailer", "Apple Mail (2.3774.400.31)"), None), 10),
    (Mailer("iphone", ("X-Mailer", "iPhone Mail (21D61)"), None), 10),
    (
        Mailer(
            "thunderbird",
            (
                "User-Agent",
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:115.0) "
                "Gecko/20100101 Thunderbird/115.8.0",
            ),
            72,
        ),
        10,
    ),
)


def _boundary(rng: random.Random, mailer: Mailer, depth: int) -> str:
    """A boundary in the sending mailer's own style, drawn from the message's RNG."""
    hexa = f"{rng.getrandbits(128):032x}"
    if mailer.key == "outlook":
        return f"_{depth * 4:03d}_{hexa.upper()}namprd11prod_"
    if mailer.key == "gmail":
        return "000000000000" + hexa[:12]
    if mailer.key in ("apple", "iphone"):
        uuid = "-".join((hexa[:8], hexa[8:12], hexa[12:16], hexa[16:20], hexa[20:])).upper()
        return f"Apple-Mail={uuid}"
    return "------------" + hexa[:24]


def _received(rng: random.Random, plan: Plan) -> list[str]:
    domain = plan.sender.email.split("@")[1]
    t = plan.when.astimezone(UTC)
    queue_id = "".join(
        rng.choice("BCDFGHJKLMNPQRSTVWXYZbcdfghjkmnpqrstvwxz0123456789") for _ in range(15)
    )
    outer = (
        f"from mail.{domain} (mail.{domain} [198.51.100.{rng.randrange(2, 250)}]) by "
        f"mx1.zsupport.example (Postfix) with ESMTPS id {queue_id} for "
        f"<support@zsupport.example>; {format_datetime(t + timedelta(seconds=4))}"
    )
    inner = (
        f"from WKS-{rng.randrange(100, 999)} (192.0.2.{rng.randrange(2, 250)}) by "
        f"mail.{domain} with ESMTPSA; {format_datetime(plan.when + timedelta(seconds=1))}"
    )
    return [outer, inner]


def _headers(
    rng: random.Random, msg: EmailMessage, plan: Plan, draft: Draft, mailer: Mailer, msg_id: str
) -> None:
    for value in _received(rng, plan):
        msg["Received"] = value
    name = plan.sender.name
    if mailer.key == "outlook" and " " in name and rng.random() < 0.3:
        first, last = name.split(" ", 1)
        name = f"{last}, {first}"  # Outlook's "Last, First" display names need quoting
    msg["From"] = Address(name, addr_spec=plan.sender.email)
    msg["To"] = SUPPORT
    cc = _cc(rng, plan)
    if cc:
        msg["Cc"] = cc
    _set_folded(msg, "Subject", draft.subject)
    msg["Date"] = format_datetime(plan.when)
    msg["Message-ID"] = msg_id
    if draft.thread and draft.desk_id:
        msg["In-Reply-To"] = draft.desk_id
        _set_folded(msg, "References", f"{draft.thread.message_id} {draft.desk_id}")
    if mailer.header:
        msg[mailer.header[0]] = mailer.header[1]
    if mailer.key == "outlook":
        _set_folded(msg, "Thread-Topic", draft.subject.split("] ", 1)[-1])
        msg["Thread-Index"] = _thread_index(rng)
    if draft.urgent:
        msg["X-Priority"] = "1"
        msg["Importance"] = "High"


def _set_folded(msg: EmailMessage, name: str, value: str) -> None:
    """Fold an ASCII header at spaces, as mail clients do.

    The stdlib folds a value that fits on one continuation line by moving all of it there
    (``Subject:`` CRLF SP ``Re: ...``), which real clients never write and which leaves a leading
    space in the value that ``policy.default`` parses back. Non-ASCII values still go through the
    stdlib, which writes RFC 2047 encoded words.
    """
    if not value.isascii():
        msg[name] = value
        return
    lines = textwrap.wrap(
        f"{name}: {value}",
        width=78,
        subsequent_indent=" ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    msg.set_raw(name, "\n".join(lines)[len(name) + 2 :])  # SMTP policy writes CRLF


def _thread_index(rng: random.Random) -> str:
    return base64.b64encode(rng.randbytes(22)).decode("ascii")


def _cc(rng: random.Random, plan: Plan) -> str | None:
    """Sometimes the backup contact, and now and then an employee (against the contract)."""
    roll = rng.random()
    client = plan.sender.client
    if roll < 0.03:
        agent = rng.choice(AGENTS)
        return f"{agent} <{_local_part(agent, 0)}@zsupport.example>"
    if roll < 0.15 and client:
        backup = client.contacts[1]
        return None if backup.email == plan.sender.email else f"{backup.name} <{backup.email}>"
    return None


def _set_body(msg: EmailMessage, plan: Plan, draft: Draft, mailer: Mailer) -> None:
    text = _for_charset(render_text(draft.blocks, mailer.wrap), plan.charset)
    msg.set_content(text, charset=plan.charset, cte=plan.cte)
    if plan.alternative:
        markup = render_html(draft.blocks, plan.charset, mailer.key == "outlook")
        msg.add_alternative(
            _for_charset(markup, plan.charset), subtype="html", charset=plan.charset, cte=plan.cte
        )


def _finish_mime(rng: random.Random, msg: EmailMessage, mailer: Mailer) -> None:
    """Set deterministic boundaries; drop the MIME-Version the stdlib copies into subparts."""
    for depth, part in enumerate(msg.walk()):
        if part is not msg:
            del part["MIME-Version"]
        if part.is_multipart():
            part.set_boundary(_boundary(rng, mailer, depth))


def build_message(plan: Plan, index: int, state: State) -> tuple[bytes, dict[str, Any]]:
    """Compose, assemble and serialise one message; return its bytes and manifest entry."""
    rng = random.Random(f"corpus:{state.seed}:{index}")
    mailer = rng.choices([m for m, _ in _MAILERS], weights=[w for _, w in _MAILERS])[0]
    names = [_attachment_name(rng, kind, plan) for kind in plan.attachments]
    if plan.is_reply:
        draft = compose_reply(rng, plan, state, mailer, names)
    else:
        draft = compose_report(rng, plan, mailer, names)
        _remember(state, plan, draft, index)
    msg = EmailMessage(policy=policy.SMTP)
    msg_id = f"<bench-{index:04d}.{state.seed}@corpus.example>"
    _headers(rng, msg, plan, draft, mailer, msg_id)
    _set_body(msg, plan, draft, mailer)
    attachments = [
        _add_attachment(rng, msg, k, plan, n) for k, n in zip(plan.attachments, names, strict=True)
    ]
    if mailer.key == "outlook":
        msg["Content-Language"] = "en-US"  # after the body: set_content drops Content-* headers
    _finish_mime(rng, msg, mailer)
    raw = msg.as_bytes()
    return raw, _entry(index, raw, plan, draft, mailer, msg_id, attachments)


def _remember(state: State, plan: Plan, draft: Draft, index: int) -> None:
    ticket = f"ZS-{state.next_ticket:06d}"
    state.next_ticket += 1
    draft.ticket = ticket
    thread = Thread(
        ticket,
        draft.subject,
        f"<bench-{index:04d}.{state.seed}@corpus.example>",
        plan.when,
        f"{plan.sender.name} <{plan.sender.email}>",
        draft.excerpt,
        draft.topic,
        f"{index:04d}.eml",
    )
    state.threads.setdefault(plan.sender.about.name, []).append(thread)


def _entry(
    index: int,
    raw: bytes,
    plan: Plan,
    draft: Draft,
    mailer: Mailer,
    msg_id: str,
    attachments: list[dict[str, Any]],
) -> dict[str, Any]:
    kind = "+".join(("alternative" if plan.alternative else "plain", *sorted(plan.attachments)))
    return {
        "file": f"{index:04d}.eml",
        "kind": kind,
        "size": len(raw),
        "has_attachment": bool(attachments),
        "charset": plan.charset,
        "cte": plan.cte,
        "is_reply": plan.is_reply,
        "sender": plan.sender.email,
        "sender_class": plan.sender.klass,
        "client": plan.sender.client.name if plan.sender.client else None,
        "mailer": mailer.key,
        "topic": draft.topic,
        "style": draft.style,
        "fields": [f for f in FIELDS if f in draft.fields],
        "subject": draft.subject,
        "date": plan.when.isoformat(),
        "message_id": msg_id,
        "ticket": draft.ticket,
        "thread": draft.thread.file if draft.thread else None,
        "attachments": attachments,
    }


# --------------------------------------------------------------------------- corpus


def summarize(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per property and the size distribution of a generated corpus."""
    sizes = sorted(e["size"] for e in entries)
    att_sizes = sorted(a["size"] for e in entries for a in e["attachments"])

    def pct(values: list[int], p: float) -> int:
        return values[min(len(values) - 1, int(p * len(values)))] if values else 0

    def count(key: str) -> dict[str, int]:
        return dict(sorted(Counter(str(e[key]) for e in entries).items()))

    return {
        "messages": len(entries),
        "total_bytes": sum(sizes),
        "size": {
            "min": pct(sizes, 0),
            "p10": pct(sizes, 0.1),
            "median": pct(sizes, 0.5),
            "p90": pct(sizes, 0.9),
            "max": sizes[-1] if sizes else 0,
        },
        "attachment_size": {
            "count": len(att_sizes),
            "min": pct(att_sizes, 0),
            "median": pct(att_sizes, 0.5),
            "max": att_sizes[-1] if att_sizes else 0,
        },
        **{
            key: count(key)
            for key in (
                "kind",
                "has_attachment",
                "is_reply",
                "charset",
                "cte",
                "sender_class",
                "mailer",
                "style",
            )
        },
    }


def generate(out: Path, count: int, seed: int) -> dict[str, Any]:
    """Write the corpus, manifest.json and clients.toml into ``out``; return the summary."""
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.eml"):
        if stale.stem.isdigit():  # our own files from an earlier, larger run
            stale.unlink()
    clients = build_clients()
    state = State(seed=seed, clients=clients)
    plans = plan_corpus(random.Random(f"plan:{seed}"), count, clients)
    entries = []
    for index, plan in enumerate(plans):
        raw, entry = build_message(plan, index, state)
        (out / str(entry["file"])).write_bytes(raw)
        entries.append(entry)
    summary = summarize(entries)
    manifest = {
        "generator": "bench/corpus.py",
        "seed": seed,
        "count": count,
        "summary": summary,
        "messages": entries,
    }
    (out / "manifest.json").write_text(
        json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (out / "clients.toml").write_text(clients_toml(clients), encoding="utf-8")
    return summary


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; prints the corpus summary and the generation time as JSON."""
    parser = argparse.ArgumentParser(description="Write a deterministic benchmark corpus.")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--count", type=int, default=1000, help="number of messages")
    parser.add_argument("--seed", type=int, default=1, help="seed; same seed, same bytes")
    args = parser.parse_args(argv)
    if args.count < 1 or args.count > 9999:
        parser.error("--count must be between 1 and 9999 (file names have four digits)")
    started = time.perf_counter()
    summary = generate(args.out, args.count, args.seed)
    summary["seconds"] = round(time.perf_counter() - started, 3)
    json.dump(summary, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
