"""How well intake/kind.py tells what a mail is, on the labelled intent sets.

The tuned sets (tests/fixtures/intent, then every tests/fixtures/intent_tuned*) may be read;
the held-out set (tests/fixtures/intent_heldout) is only ever run, and only its aggregate
figures are printed or asserted (never its per-mail errors). The harness registers the
Message-IDs of our notices that the mails answer (``<notice.KIND.N@zsupport.example>``) as
known notices of that kind, as the daemon's notice records do.

The issue's two targets, on every set:
- no mail that is not a problem report gets the missing-information notice or the charge
  (only a *sure* problem report gets them);
- at least 95% of problem reports are recognised as problem reports (sure or not: an unsure
  one still opens a ticket and asks).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from zsupport_mail.intake.kind import KINDS, KindReading, read_kind
from zsupport_mail.mail.message import parse_message

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TUNED = FIXTURES / "intent"


def heldout_sets() -> list[Path]:
    """The held-out sets: tests/fixtures/intent_heldout, then intent_heldout2, ... Only their
    aggregate figures are ever printed; whoever tunes never opens them."""
    found = [p.parent for p in FIXTURES.glob("intent_heldout*/labels.json")]
    return sorted(found, key=lambda folder: (len(folder.name), folder.name))


def tuned_sets() -> list[Path]:
    """The tuned sets: tests/fixtures/intent, then intent_tuned2, intent_tuned3, ... (only
    folders with a labels.json)."""
    more = [p.parent for p in FIXTURES.glob("intent_tuned*/labels.json")]
    return [TUNED, *sorted(more, key=lambda folder: (len(folder.name), folder.name))]


_NOTICE_ID = re.compile(r"<notice\.(outage|upgrade|reminder)\.\d+@zsupport\.example>")


@dataclass
class Tally:
    """Counts for one kind (or one detail)."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Result:
    """The figures of one labelled set; ``errors`` only ever filled for the tuned set."""

    messages: int = 0
    kinds: dict[str, Tally] = field(default_factory=lambda: {k: Tally() for k in KINDS})
    problem_reports: int = 0
    problems_recognised: int = 0
    problems_charged: int = 0
    non_problem: int = 0
    non_problem_charged: int = 0
    automatic: Tally = field(default_factory=Tally)
    details: dict[str, Tally] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    @property
    def recognised_share(self) -> float:
        return self.problems_recognised / self.problem_reports if self.problem_reports else 1.0


def notices_of(references: tuple[str, ...]) -> dict[str, str]:
    """Our notices a mail refers to, as the daemon's notice records would register them."""
    return {ref: m.group(1) for ref in references if (m := _NOTICE_ID.fullmatch(ref))}


def read_file(path: Path) -> KindReading:
    """The kind the daemon reads for one labelled mail."""
    msg = parse_message(path.read_bytes())
    return read_kind(msg, notices=notices_of(msg.referenced_ids))


def _count(tally: Tally, predicted: bool, expected: bool) -> None:
    tally.tp += predicted and expected
    tally.fp += predicted and not expected
    tally.fn += expected and not predicted


def _details(result: Result, label: dict[str, Any], reading: KindReading) -> list[str]:
    """Compare the kind's details (only when the kind itself is right)."""
    wrong: list[str] = []
    checks: list[tuple[str, object, object]] = []
    if label["kind"] == "notice_reply":
        checks.append(("notice", reading.notice, label["notice"]))
    if label["kind"] == "scheduling_request":
        checks.append(("network_change", reading.network_change, label["network_change"]))
        asked = reading.requested_date.isoformat() if reading.requested_date else None
        checks.append(("requested_date", asked, label["requested_date"]))
    if label["kind"] == "credit_request":
        checks.append(("tickets", set(reading.tickets), set(label["tickets"])))
        period = reading.period
        got_period = {"start": str(period[0]), "end": str(period[1])} if period else None
        checks.append(("period", got_period, label["period"]))
    if label["kind"] == "rma_shipment":
        want = {t.replace(" ", "").upper() for t in label["tracking"]}
        checks.append(("tracking", set(reading.tracking), want))
        checks.append(("rma", reading.rma, label["rma"]))
    for name, got, want in checks:
        tally = result.details.setdefault(name, Tally())
        _count(tally, got == want, True)
        if got != want:
            wrong.append(f"{name}: got {got!r}, want {want!r}")
    return wrong


def evaluate(folder: Path, *, keep_errors: bool) -> Result:
    """Read every labelled mail of a set and tally the figures."""
    result = Result()
    for label in json.loads((folder / "labels.json").read_text(encoding="utf-8")):
        reading = read_file(folder / label["file"])
        want, got = label["kind"], reading.kind
        result.messages += 1
        for kind, tally in result.kinds.items():
            _count(tally, got == kind, want == kind)
        _count(result.automatic, reading.automatic, label["auto_reply"])
        if want == "problem_report":
            result.problem_reports += 1
            result.problems_recognised += got == "problem_report"
            result.problems_charged += reading.chargeable
        else:
            result.non_problem += 1
            result.non_problem_charged += reading.chargeable
        wrong = _details(result, label, reading) if got == want else []
        if keep_errors and (got != want or wrong):
            result.errors.append(f"{label['file']}: {got} ({reading.reason}); want {want} {wrong}")
    return result


def report(name: str, result: Result) -> str:
    """The figures of one set as Markdown (what docs/SCORING.md publishes)."""
    lines = [
        f"**{name}** ({result.messages} mails)",
        "",
        "| kind | precision | recall |",
        "| --- | --- | --- |",
    ]
    for kind, tally in result.kinds.items():
        lines.append(f"| `{kind}` | {tally.precision:.3f} | {tally.recall:.3f} |")
    auto = result.automatic
    lines.append(f"| automatic mail | {auto.precision:.3f} | {auto.recall:.3f} |")
    lines += [
        "",
        f"- non-problem mails given the notice or the charge: "
        f"{result.non_problem_charged} of {result.non_problem} (target 0)",
        f"- problem reports recognised: {result.problems_recognised} of "
        f"{result.problem_reports} = {result.recognised_share:.3f} (target >= 0.95); "
        f"of them sure (checklist, notice, surcharge): {result.problems_charged}",
    ]
    for detail, tally in sorted(result.details.items()):
        lines.append(
            f"- `{detail}` right when the kind is right: {tally.tp} of {tally.tp + tally.fn}"
        )
    return "\n".join(lines)


DOC = Path(__file__).resolve().parents[1] / "docs" / "SCORING.md"
START, END = "<!-- intent-figures:start -->", "<!-- intent-figures:end -->"


def figures() -> str:
    """Every set's figures, as docs/SCORING.md publishes them between the markers."""
    parts = [
        report(f"Tuned set, tests/fixtures/{folder.name}", evaluate(folder, keep_errors=False))
        for folder in tuned_sets()
    ]
    parts += [
        report(f"Held-out set, tests/fixtures/{folder.name}", evaluate(folder, keep_errors=False))
        for folder in heldout_sets()
    ]
    return "\n\n".join(parts)


def doc_figures(text: str) -> str:
    """The figures docs/SCORING.md holds now (between the markers)."""
    return text.split(START, 1)[1].split(END, 1)[0].strip()


def with_figures(text: str, generated: str) -> str:
    """The doc with its intent figures replaced by generated ones."""
    head, rest = text.split(START, 1)
    tail = rest.split(END, 1)[1]
    return f"{head}{START}\n{generated}\n{END}{tail}"
