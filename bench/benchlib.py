"""Shared helpers for the benchmark scripts: corpus, config, subprocesses, statistics.

The scripts are run as ``.venv/bin/python bench/NAME.py``, so this directory is on ``sys.path``
and they import this module (and ``corpus``, ``parse_baseline``) by plain name. Everything here
talks to 127.0.0.1 only and writes only under the directories it is given.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import corpus

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
EXAMPLE_CONFIG = ROOT / "config" / "zsupport.example.toml"
DEFAULT_CORPUS = BENCH / "out" / "corpus"


# --------------------------------------------------------------------------- the corpus


def ensure_corpus(out: Path, count: int = 1000, seed: int = 1) -> dict[str, Any]:
    """Reuse ``out`` if it holds exactly this corpus, else generate it; return the manifest.

    Generating takes a few seconds; reusing keeps repeated runs cheap. A corpus is reused only
    when it was written by the current bench/corpus.py (its sha256 is kept next to the
    manifest: the generator evolves, and a seed only fixes the bytes for one version of it),
    with the same seed and count, and every listed file is there with its size.
    """
    manifest_path = out / "manifest.json"
    fingerprint = _generator_fingerprint()
    if manifest_path.exists() and (out / _FINGERPRINT).exists():
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        same_generator = (out / _FINGERPRINT).read_text().strip() == fingerprint
        if same_generator and _corpus_matches(out, manifest, count, seed):
            return manifest
    corpus.generate(out, count, seed)
    (out / _FINGERPRINT).write_text(fingerprint + "\n")
    return json.loads(manifest_path.read_text(encoding="utf-8"))


_FINGERPRINT = ".generator.sha256"


def _generator_fingerprint() -> str:
    return hashlib.sha256((BENCH / "corpus.py").read_bytes()).hexdigest()


def _corpus_matches(out: Path, manifest: dict[str, Any], count: int, seed: int) -> bool:
    if (manifest.get("seed"), manifest.get("count")) != (seed, count):
        return False
    if not (out / "clients.toml").exists():
        return False
    for entry in manifest["messages"]:
        path = out / entry["file"]
        if not path.exists() or path.stat().st_size != entry["size"]:
            return False
    return True


def corpus_files(out: Path, manifest: dict[str, Any]) -> list[Path]:
    """The corpus' message files in send-time (manifest) order."""
    return [out / entry["file"] for entry in manifest["messages"]]


# --------------------------------------------------------------------------- configuration


def _toml_value(value: object) -> str:
    """A TOML literal for the str/int/bool/list values the benchmarks set (JSON syntax fits)."""
    return json.dumps(value, ensure_ascii=False)


def _without_clients(text: str) -> str:
    """The example config without its ``[[clients]]`` tables (and their contacts)."""
    kept: list[str] = []
    in_clients = False
    for line in text.splitlines():
        header = re.match(r"\s*\[\[?([A-Za-z0-9_.]+)\]\]?\s*(#.*)?$", line)
        if header:
            in_clients = header.group(1).split(".")[0] == "clients"
        if not in_clients:
            kept.append(line)
    return "\n".join(kept).rstrip() + "\n"


def _set_keys(text: str, settings: dict[str, dict[str, object]]) -> str:
    """Set ``section.key`` values in TOML text, replacing existing lines or adding them.

    Line-based on purpose: the result keeps the example's comments and layout, so the written
    config is readable next to the example it came from.
    """
    pending = {section: dict(keys) for section, keys in settings.items()}
    out: list[str] = []
    section = ""

    def flush(name: str) -> None:
        for key, value in pending.pop(name, {}).items():
            out.append(f"{key} = {_toml_value(value)}")

    for line in text.splitlines():
        header = re.match(r"\s*\[([A-Za-z0-9_.]+)\]\s*(#.*)?$", line)
        if header:
            flush(section)
            section = header.group(1)
        match = re.match(r"(\s*)([A-Za-z0-9_]+)\s*=", line)
        if match and match.group(2) in pending.get(section, {}):
            value = pending[section].pop(match.group(2))
            line = f"{match.group(1)}{match.group(2)} = {_toml_value(value)}"
        out.append(line)
    flush(section)
    for name, keys in pending.items():
        out.append(f"\n[{name}]")
        out.extend(f"{key} = {_toml_value(value)}" for key, value in keys.items())
    return "\n".join(out) + "\n"


def write_config(
    path: Path,
    *,
    corpus_dir: Path,
    database: Path | str,
    maildir: Path,
    level: str,
    smtp: dict[str, object] | None = None,
    staff: dict[str, object] | None = None,
    processing: dict[str, object] | None = None,
) -> Path:
    """Write a config made from the example: our database, maildir, log level and clients.

    The example's own ``[[clients]]`` are dropped and the corpus' ``clients.toml`` appended,
    so every corpus sender is recognised as the corpus intends. ``database`` is a SQLite file,
    or a SQLAlchemy URL (a string) such as ``postgresql+psycopg://...``.
    """
    url = database if isinstance(database, str) else f"sqlite:///{database}"
    settings: dict[str, dict[str, object]] = {
        "database": {"url": url},
        "outbound": {"mode": "maildir", "maildir": str(maildir)},
        "logging": {"level": level},
        "smtp": {"host": "127.0.0.1", **(smtp or {})},
        # The example's portal port is fixed (8080): two daemons of two benchmarks (or a
        # developer's `make run`) at once would clash on it, so each gets a free port.
        "portal": {"port": (portal := free_port()), "base_url": f"http://127.0.0.1:{portal}"},
        **({"staff": staff} if staff else {}),
        **({"processing": processing} if processing else {}),
    }
    base = _set_keys(_without_clients(EXAMPLE_CONFIG.read_text(encoding="utf-8")), settings)
    text = base + "\n" + (corpus_dir / "clients.toml").read_text(encoding="utf-8")
    parsed = tomllib.loads(text)  # fail here, not in the daemon, if the edit went wrong
    assert parsed["database"]["url"] == settings["database"]["url"], "config edit failed"
    assert parsed["logging"]["level"] == level, "config edit failed"
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- processes


def zsupport_command(config: Path, *args: str) -> list[str]:
    """The ``zsupport-mail`` console script of this venv (what ``make`` and users run)."""
    script = Path(sys.executable).with_name("zsupport-mail")
    prefix = [str(script)] if script.exists() else [sys.executable, "-m", "zsupport_mail"]
    return [*prefix, "--config", str(config), *args]


def migrate(config: Path) -> None:
    """``zsupport-mail db upgrade`` on a fresh database; raises with its output on failure."""
    result = subprocess.run(
        zsupport_command(config, "db", "upgrade"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"db upgrade failed ({result.returncode}):\n{result.stderr}")


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the usual bind-to-0 trick; the race is acceptable here)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def exit_on_sigterm() -> None:
    """Turn SIGTERM into SystemExit, so that ``finally`` blocks stop the servers we started
    (they run in their own sessions and would outlive us) and remove our temp dirs."""
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def remove_tree(path: Path) -> None:
    """Remove a temp dir we created, ignoring what is already gone."""
    shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: list[float]) -> float:
    return percentile(values, 50)


def rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def print_json(value: object) -> None:
    json.dump(value, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")
    sys.stdout.flush()


def bench_env() -> dict[str, str]:
    """The environment for daemon subprocesses: ours, minus overrides that would redirect it."""
    env = dict(os.environ)
    env.pop("ZSUPPORT_DATABASE_URL", None)  # would point the daemon at another database
    env.pop("ZSUPPORT_CONFIG", None)
    return env


# --------------------------------------------------------------------------- the document

BENCHMARKS_DOC = ROOT / "docs" / "BENCHMARKS.md"
DOC_TITLE = "# Benchmarks\n\nEach marked section is written by its own script under `bench/`.\n"


def write_section(name: str, body: str, path: Path = BENCHMARKS_DOC) -> None:
    """Replace (or append) only the ``<!-- bench:NAME -->`` section of the benchmarks document."""
    text = path.read_text(encoding="utf-8") if path.exists() else DOC_TITLE
    block = f"<!-- bench:{name} -->\n{body.strip()}\n<!-- /bench:{name} -->"
    pattern = re.compile(
        rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S
    )
    found = pattern.search(text)
    if found:
        text = text[: found.start()] + block + text[found.end() :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
