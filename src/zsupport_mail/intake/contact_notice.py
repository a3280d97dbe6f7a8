"""What a client's written notice of a contact change asks for: who becomes primary or backup,
who is no longer authorised, read into rows staff can check and confirm with one command.

The contract lets the authorised contacts be "changed in the future by written notice"; staff
confirm such a notice before it takes effect (``contacts import --ticket``). Reading it for them
saves retyping names and addresses into a CSV. The reading is deliberately literal: each person
the notice names (by address, by a name next to an address or matching one, by a name in the
client's directory, or as "I", the sender) gets the role or the removal written nearest to them
("Add Carl Bauer as our backup", "Primary: Lee Jones, lee@...", "make Pat our backup instead
of Lee", "Lee's last day was Friday"). What it cannot read (a new person without an address) is
shown as a problem, and staff write the CSV instead. Pure: no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from zsupport_mail.scoring.text import own_text

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_CLAUSE = re.compile(r"(?<=[.;!?])\s+|\n+")
# A prose line wrapped by the mail client ("... and Pat\nReception as backup") is one clause;
# a form's or a list's lines are short, or end in a number or an address, and stay apart.
_WRAPPED = re.compile(r"(?<=[a-zäöüéß,])[ \t]*\n(?=[ \t]*\S)|[ \t]*\n(?=[ \t]*[a-z])")
_PHONE = re.compile(r"\+?\(?\d[\d ().-]{7,}\d")
_NAME_BEFORE = re.compile(r"((?:[A-ZÄÖÜÉ][\w'-]+\s+){0,2}[A-ZÄÖÜÉ][\w'-]+)[\s,:(<\"]*$")
# A newcomer named without an address: "add Robin Hale as ...", "Robin Hale will be our ...".
_NEWCOMER = re.compile(
    r"\b(?i:add|make|appoint|name|nominate|welcome)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+){1,2})"
    r"|\b([A-Z][\w'-]+\s+[A-Z][\w'-]+)\s+(?:as|will\s+be|is\s+now|becomes)\s+(?:our|the|new)\b"
)
_SELF = re.compile(r"\b(?:I(?:'m|'ll)?|me|(?i:ich|mich|yo|je|moi))\b")
# A person named without an address, by title or as leaving: "Frau Klein", "Carl Bauer has left".
_TITLED = re.compile(r"\b(?:Herr|Frau|Mr\.?|Mrs\.?|Ms\.?|Sr\.|Sra\.|Mme)\s+([A-ZÄÖÜ][\w'-]+)")
_LEAVER = re.compile(
    r"\b([A-Z][\w'-]+\s+[A-Z][\w'-]+)\s+(?:is\s+no\s+longer|has\s+left|left\s+|is\s+leaving|"
    r"retires|will\s+leave)"
)
# A later return to the old set ("Dana goes back to primary on June 8") is not this change.
_LATER_REVERT = re.compile(
    r"\b(?:go(?:es)?\s+back|switch(?:es)?\s+back|return(?:s|ing)?\s+(?:to|as)|when\s+\w+\s+"
    r"(?:is|comes)\s+back|zur[üu]ck|vuelve|de\s+retour)\b",
    re.IGNORECASE,
)
_ROLE = {
    "primary": re.compile(
        r"\b(?:primary|main|principal)\b|\bhaupt\w*|\bprincipal\w*", re.IGNORECASE
    ),
    "backup": re.compile(
        r"\bback-?up\b|\bsecondary\b|\bdeputy\b|\bstellvertret\w*|\bvertret\w*|\brespaldo\b|"
        r"\bsecours\b|\bsupl\w+",
        re.IGNORECASE,
    ),
}
_REMOVE = re.compile(
    r"\bremove\w*|\bno\s+longer\b|\bleft\s+(?:the\s+company|us|acme|globex)\b|\blast\s+day\b|"
    r"\bretir\w+|\bleaving\s+(?:the|us|our)\b|\bdon'?t\s+act\b|\bdelete\b|\bnicht\s+mehr\b|"
    r"\bentfern\w*|\bausgeschieden\b|\bentf[äa]llt\b|\bscheidet\s+aus\b|\bya\s+no\b|"
    r"\beliminar\b|\bretirer\b|\bquitt\w+|\bnot\s+allowed\b",
    re.IGNORECASE,
)
_REPLACED = re.compile(
    r"(?:\binstead\s+of|\breplacing|\breplaces|\bin\s+place\s+of|\bstatt|\banstelle\s+von|"
    r"\ben\s+lugar\s+de|\bà\s+la\s+place\s+de|\ben\s+remplacement\s+de)\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ProposedContact:
    """One person the notice names and what it asks: ``role`` primary/backup, or ``removed``."""

    name: str
    email: str | None
    role: str | None  # the role asked for; None with removed
    removed: bool
    phone: str | None
    evidence: str  # the clause it was read from, for staff to check

    def line(self) -> str:
        """The proposal as staff read it: ``+ Carl Bauer <carl@x> backup``."""
        who = f"{self.name} <{self.email}>" if self.email else f"{self.name} (no address given)"
        if self.removed:
            return f"- {who} no longer authorised"
        return f"+ {who} {self.role}"


@dataclass
class _Person:
    name: str
    email: str | None
    phone: str | None = None


@dataclass(frozen=True)
class _Mention:
    person: _Person
    start: int
    end: int


def _title(local: str) -> str:
    return " ".join(p.capitalize() for p in re.split(r"[._-]+", local) if p.isalpha())


def _people(text: str, sender: tuple[str, str], directory: Mapping[str, str]) -> dict[str, _Person]:
    """Everyone the notice can name, keyed by lower-case name and first name."""
    people: dict[str, _Person] = {}

    def add(name: str, email: str | None) -> _Person:
        key = name.lower()
        person = people.get(key) or next(
            (p for p in people.values() if email and p.email == email), None
        )
        if person is None:
            person = _Person(name, email)
        person.email = person.email or email
        people[key] = person
        first = key.split()[0] if " " in key else None
        if first and (first not in people or people[first] is person):
            people[first] = person
        return person

    for email, name in directory.items():
        add(name, email.lower())
    sender_name, sender_email = sender
    if sender_name:
        add(sender_name, sender_email.lower())
    for match in _EMAIL.finditer(text):
        email = match.group(0).lower().rstrip(".")
        if email in {p.email for p in people.values()}:
            continue
        local = _title(email.partition("@")[0])
        before = _NAME_BEFORE.search(text[max(0, match.start() - 60) : match.start()])
        if local and re.search(rf"\b{re.escape(local)}\b", text, re.IGNORECASE):
            found = re.search(rf"\b{re.escape(local)}\b", text, re.IGNORECASE)
            add(found.group(0) if found else local, email)
        elif before is not None:
            add(before.group(1), email)
        else:
            add(local or email, email)
    named = [m.group(1) or m.group(2) for m in _NEWCOMER.finditer(text)]
    named += [m.group(1) for m in (*_TITLED.finditer(text), *_LEAVER.finditer(text))]
    for name in named:
        if name.lower() not in people:
            add(name, None)
    return people


def _mentions(clause: str, people: dict[str, _Person], sender: _Person) -> list[_Mention]:
    """The people a clause names, in order; adjacent mentions of one person merged."""
    found: list[_Mention] = []
    for key, person in people.items():
        pattern = rf"\b{re.escape(key)}(?:'s)?\b"
        found += [_Mention(person, m.start(), m.end()) for m in re.finditer(pattern, clause, re.I)]
    for match in _EMAIL.finditer(clause):
        email = match.group(0).lower().rstrip(".")
        owner = next((p for p in people.values() if p.email == email), None)
        if owner is not None:
            found.append(_Mention(owner, match.start(), match.end()))
    found += [_Mention(sender, m.start(), m.end()) for m in _SELF.finditer(clause)]
    found.sort(key=lambda m: (m.start, -m.end))
    merged: list[_Mention] = []
    for mention in found:
        last = merged[-1] if merged else None
        if last and mention.start < last.end:
            continue  # "Lee" inside "Lee Jones"
        gap = clause[last.end : mention.start] if last else ""
        if last and last.person is mention.person and re.fullmatch(r"[\s,(<\"]*", gap):
            merged[-1] = _Mention(last.person, last.start, mention.end)  # Lee Jones, lee@...
        else:
            merged.append(mention)
    return merged


def _read_window(window: str) -> tuple[bool, str | None]:
    removed = _REMOVE.search(window) is not None
    role = next((r for r, p in _ROLE.items() if p.search(window)), None)
    return removed, role


def _clause(clause: str, mentions: list[_Mention]) -> list[tuple[_Person, bool, str | None]]:
    """What the clause says of each person named in it: (person, removed, role)."""
    said: list[tuple[_Person, bool, str | None]] = []
    clause_role = next((r for r, p in _ROLE.items() if p.search(clause)), None)
    replaced = [bool(_REPLACED.search(clause[: m.start])) for m in mentions]
    for index, mention in enumerate(mentions):
        if replaced[index]:
            said.append((mention.person, True, None))
            continue
        after_end = mentions[index + 1].start if index + 1 < len(mentions) else len(clause)
        before_start = mentions[index - 1].end if index else 0
        after = clause[mention.end : after_end]
        if (phone := _PHONE.search(after)) is not None and mention.person.phone is None:
            mention.person.phone = phone.group(0).strip()
        removed, role = _read_window(after)
        if not removed and role is None:
            removed, role = _read_window(clause[before_start : mention.start])
        if not removed and role is None and any(replaced):
            role = clause_role  # "I am replacing Hank as primary": the role is the replacer's
        if removed or role is not None:
            said.append((mention.person, removed, None if removed else role))
    return said


def _unwrap(text: str) -> str:
    lines = text.split("\n")
    out = lines[:1]
    for line in lines[1:]:
        previous = out[-1]
        joined = f"{previous}\n{line}"
        if len(previous) > 60 and _WRAPPED.search(joined, len(previous) - 2):
            out[-1] = f"{previous.rstrip()} {line.strip()}"
        else:
            out.append(line)
    return "\n".join(out)


def read_contact_change(
    subject: str,
    text: str,
    *,
    sender: tuple[str, str],
    directory: Mapping[str, str],
) -> tuple[ProposedContact, ...]:
    """Read what a contact-change notice asks, person by person (the last word on each wins).

    Args:
        subject: the mail's subject.
        text: the mail's text (quoted history is left out here).
        sender: the sender's (name, address), for "I am retiring" or "I am replacing ...".
        directory: the client's known contacts, address -> name, so "Lee" is Lee Jones.

    Returns:
        One ProposedContact per person whose role or removal the notice states, in order.
    """
    own, _signature, forwarded = own_text(text, subject)
    body = f"{own}\n{forwarded}".strip() or text
    people = _people(body, sender, directory)
    me = people.get(sender[0].lower()) if sender[0] else None
    me = me or _Person(sender[0] or sender[1], sender[1].lower())
    result: dict[int, ProposedContact] = {}
    for clause in _CLAUSE.split(_unwrap(body)):
        if _LATER_REVERT.search(clause):
            continue
        for person, removed, role in _clause(clause, _mentions(clause, people, me)):
            result.pop(id(person), None)  # the later word counts, in its place
            result[id(person)] = ProposedContact(
                person.name, person.email, role, removed, person.phone, clause.strip()[:200]
            )
    return tuple(result.values())
