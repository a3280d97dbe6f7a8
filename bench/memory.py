"""Peak memory: ``zsupport-mail ingest`` of one message with a 25 MB attachment.

``python bench/memory.py`` writes one message (a short report plus a 25,000,000-byte attachment
of incompressible bytes, base64 in the message) and measures the peak RSS (``ru_maxrss`` of
each child, from ``os.wait4``) of separate processes:

- ``check-config``: the zsupport-mail interpreter with everything imported, no mail;
- read-only: a Python process that only reads the file into memory (the message held once);
- parse-only: reads it and runs mail-parser over it, touching what the daemon reads;
- ``ingest`` of a small corpus message, then of the big one, each on a fresh SQLite database;
- the largest messages of the hostile corpus (``tests/hostile``: 1 MB headers and lines, 2 GiB
  compression bombs): parse-only and ``ingest`` of them all in one process each.

The issue asks that ingesting it is bounded by a small multiple of the message size; we report
(peak of big ingest - peak of small ingest) / message size, beside the same figure for
parse-only over read-only. Every child is separate because a peak RSS never goes down.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import tomllib
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import benchlib

sys.path.insert(0, str(benchlib.ROOT))  # the test suite's hostile corpus generator

ATTACHMENT_BYTES = 25_000_000
HOSTILE_LARGEST = 6  # how many of the hostile corpus' largest messages to measure
SMALL_MULTIPLE = 5.0  # our reading of "a small multiple of the message size"


def big_message(path: Path, corpus_dir: Path, size: int) -> int:
    """Write a report with a ``size``-byte attachment from a known primary contact.

    The sender is the first client's primary contact, so the message takes the full path
    (ticket, stored message, attachment metadata, queued reply), not a quarantine shortcut.
    """
    clients = tomllib.loads((corpus_dir / "clients.toml").read_text(encoding="utf-8"))
    contact = next(c for c in clients["clients"][0]["contacts"] if c["role"] == "primary")
    msg = EmailMessage(policy=policy.SMTP)
    msg["From"] = f"{contact['name']} <{contact['email']}>"
    msg["To"] = "support@zsupport.example"
    msg["Subject"] = "Call recordings for the dropped calls (large attachment)"
    msg["Date"] = "Mon, 03 Mar 2025 09:15:00 -0700"
    msg["Message-ID"] = "<bench-memory-25mb@corpus.example>"
    msg.set_content("Calls drop after 30 seconds since Monday. The recordings are attached.\n")
    data = random.Random("memory:25mb").randbytes(size)  # incompressible, deterministic
    msg.add_attachment(data, maintype="application", subtype="zip", filename="recordings.zip")
    raw = msg.as_bytes()
    path.write_bytes(raw)
    return len(raw)


# Run by a fresh ``python -S`` that imports nothing: it spawns the command and reports the
# command's own ru_maxrss. Linux copies a parent's resident size into a child's ru_maxrss at
# fork/exec, so a child spawned straight from this (large) benchmark process would report at
# least our own RSS; a grandchild of a tiny launcher inherits only the launcher's few MB.
_LAUNCHER = (
    "import os, sys\n"
    "pid = os.posix_spawnp(sys.argv[2], sys.argv[2:], os.environ)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "with open(sys.argv[1], 'w') as out:\n"
    "    out.write(f'{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}')\n"
)


def peak_rss(command: list[str], work: Path, name: str) -> dict[str, Any]:
    """Run ``command`` to completion; its own peak RSS in MiB (ru_maxrss is KiB on Linux)."""
    out, err, report = work / f"{name}.out", work / f"{name}.err", work / f"{name}.rss"
    launcher = [sys.executable, "-S", "-c", _LAUNCHER, str(report), *command]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        subprocess.run(
            launcher,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
            env=benchlib.bench_env(),
            check=True,
            timeout=600,
        )
    code, max_rss_kib = map(int, report.read_text().split())
    if code != 0:
        raise RuntimeError(f"{name} exited {code}:\n{err.read_text()[-3000:]}")
    return {"peak_rss_mb": round(max_rss_kib / 1024, 1), "stdout": out.read_text().strip()}


def _child(mode: str, paths: list[Path]) -> int:
    """The read-only and parse-only children (this script run with ``--child``)."""
    for path in paths:
        raw = path.read_bytes()
        if mode == "parse":
            import mailparser

            mail = mailparser.parse_from_bytes(raw)
            _ = (mail.subject, mail.from_, mail.text_plain, mail.attachments)
        print(len(raw))
    return 0


def _ingest(work: Path, corpus_dir: Path, name: str, *messages: Path) -> dict[str, Any]:
    config = benchlib.write_config(
        work / f"{name}.toml",
        corpus_dir=corpus_dir,
        database=work / f"{name}.db",
        maildir=work / f"{name}-outbox",
        level="warning",
    )
    benchlib.migrate(config)
    command = benchlib.zsupport_command(config, "ingest", *map(str, messages))
    result = peak_rss(command, work, name)
    outcomes = [json.loads(line) for line in result.pop("stdout").splitlines()]
    actions = sorted({o["action"] for o in outcomes})
    return {**result, "action": ", ".join(actions), "reply": outcomes[0]["reply"]}


def hostile_messages(folder: Path) -> list[Path]:
    """The largest messages of the hostile corpus, written to ``folder``."""
    from tests.hostile import largest

    folder.mkdir()
    paths = []
    for case in largest(HOSTILE_LARGEST):
        path = folder / f"{case.category}-{case.name}.eml"
        path.write_bytes(case.raw)
        paths.append(path)
    return paths


def run(corpus_dir: Path, size: int) -> dict[str, Any]:
    """Every measurement; returns the figures as a JSON-able dict."""
    manifest = benchlib.ensure_corpus(corpus_dir, 1000, 1)
    small = benchlib.corpus_files(corpus_dir, manifest)[0]
    with tempfile.TemporaryDirectory(prefix="zs-bench-memory-") as tmp:
        work = Path(tmp)
        big = work / "big.eml"
        message_bytes = big_message(big, corpus_dir, size)
        config = benchlib.write_config(
            work / "idle.toml",
            corpus_dir=corpus_dir,
            database=work / "idle.db",
            maildir=work / "outbox",
            level="warning",
        )
        me = [sys.executable, str(Path(__file__).resolve()), "--child"]
        hostile = hostile_messages(work / "hostile")
        figures = {
            "check_config": peak_rss(
                benchlib.zsupport_command(config, "check-config"), work, "idle"
            ),
            "read_only": peak_rss([*me, "read", str(big)], work, "read"),
            "parse_only": peak_rss([*me, "parse", str(big)], work, "parse"),
            "ingest_small": _ingest(work, corpus_dir, "small", small),
            "ingest_big": _ingest(work, corpus_dir, "big", big),
            "hostile_parse_only": peak_rss([*me, "parse", *map(str, hostile)], work, "h-parse"),
            "hostile_ingest": _ingest(work, corpus_dir, "hostile", *hostile),
        }
        figures["hostile"] = {
            "messages": [p.stem for p in hostile],
            "largest_bytes": max(p.stat().st_size for p in hostile),
            "total_bytes": sum(p.stat().st_size for p in hostile),
        }
    for figure in figures.values():
        figure.pop("stdout", None)
    return _summarise(figures, message_bytes, small.stat().st_size, size)


def _summarise(figures: dict[str, Any], message_bytes: int, small: int, size: int) -> dict:
    mb = message_bytes / 2**20
    ingest_extra = figures["ingest_big"]["peak_rss_mb"] - figures["ingest_small"]["peak_rss_mb"]
    parse_extra = figures["parse_only"]["peak_rss_mb"] - figures["read_only"]["peak_rss_mb"]
    read_extra = figures["read_only"]["peak_rss_mb"] - figures["check_config"]["peak_rss_mb"]
    ingest_multiple = ingest_extra / mb
    return {
        "attachment_bytes": size,
        "message_bytes": message_bytes,
        "message_mb": round(mb, 1),
        "small_message_bytes": small,
        **figures,
        "ingest_extra_mb": round(ingest_extra, 1),
        "ingest_multiple": round(ingest_multiple, 2),
        "parse_extra_over_read_mb": round(parse_extra, 1),
        "parse_multiple": round((parse_extra + mb) / mb, 2),
        "read_extra_mb": round(read_extra, 1),
        "target_multiple": SMALL_MULTIPLE,
        "target_met": ingest_multiple <= SMALL_MULTIPLE
        and figures["ingest_big"]["action"] == "created",
    }


def render(result: dict[str, Any]) -> str:
    """The Markdown section for docs/BENCHMARKS.md."""
    r = result
    h = r["hostile"]
    verdict = "met" if r["target_met"] else "**missed**"
    rows = [
        ("`check-config` (interpreter + imports, no mail)", r["check_config"], ""),
        ("read-only: the message read into memory", r["read_only"], ""),
        ("parse-only: read + mail-parser (limit)", r["parse_only"], ""),
        ("`ingest` of a small corpus message", r["ingest_small"], r["ingest_small"]["action"]),
        ("`ingest` of the 25 MB-attachment message", r["ingest_big"], r["ingest_big"]["action"]),
        (
            f"hostile, parse-only: mail-parser over the {len(h['messages'])} largest",
            r["hostile_parse_only"],
            "",
        ),
        (
            f"hostile: `ingest` of the {len(h['messages'])} largest, one process",
            r["hostile_ingest"],
            r["hostile_ingest"]["action"],
        ),
    ]
    return "\n".join(
        [
            "## Memory: `ingest` of one message with a 25 MB attachment",
            "",
            f"One message: a short report from a primary contact with a {r['attachment_bytes']:,}"
            f"-byte attachment (incompressible, base64), {r['message_bytes']:,} bytes "
            f"({r['message_mb']} MiB) in all. Peak RSS (`ru_maxrss` from `os.wait4`) of separate "
            "processes, fresh SQLite each.",
            "",
            "| process | peak RSS MiB | outcome |",
            "| --- | ---: | --- |",
            *[f"| {label} | {fig['peak_rss_mb']} | {outcome} |" for label, fig, outcome in rows],
            "",
            f"- `ingest`, big minus small: {r['ingest_extra_mb']} MiB = "
            f"**{r['ingest_multiple']} x** the message size.",
            f"- parse-only: {r['parse_multiple']} x the message size (the bytes held once plus "
            f"{r['parse_extra_over_read_mb']} MiB of mail-parser's work).",
            f'- Target ("a small multiple of the message size", taken as <= '
            f"{r['target_multiple']:g} x): {verdict}.",
            f"- Hostile corpus (`tests/hostile`), its {len(h['messages'])} largest messages "
            f"({h['total_bytes']:,} bytes, the largest {h['largest_bytes']:,}): "
            + ", ".join(f"`{m}`" for m in h["messages"])
            + ". The 2 GiB compression bombs are hashed as sent, never inflated.",
            "- Large base64 attachments are hashed in 1 MiB chunks and slimmed out of the bytes "
            "mail-parser sees (`src/zsupport_mail/slim.py`); before that, `ingest` of this "
            "message peaked at 390.5 MiB (9.52 x).",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point: prints the figures as JSON (and writes them with --json)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=benchlib.DEFAULT_CORPUS)
    parser.add_argument("--attachment-bytes", type=int, default=ATTACHMENT_BYTES)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--child", nargs="+", metavar="MODE FILE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    benchlib.exit_on_sigterm()
    if args.child:
        return _child(args.child[0], [Path(p) for p in args.child[1:]])
    if not 1 <= args.attachment_bytes <= 26_000_000:
        parser.error("--attachment-bytes must be at most 26000000 (the SMTP size limit)")
    result = run(args.corpus.resolve(), args.attachment_bytes)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    benchlib.print_json(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
