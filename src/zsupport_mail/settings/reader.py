"""Walking a TOML table while collecting every problem with its dotted key.

Also the value checks that several sections share (addresses, files, networks), so each
section reader states only what is special about its own keys.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from zsupport_mail.mail.addresses import (
    AddressError,
    lookalike_problem,
    normalize_address,
)


class Reader:
    """Walks one TOML table, recording problems with full dotted keys instead of raising."""

    def __init__(self, table: dict[str, Any], path: str, problems: list[str], where: str) -> None:
        self._table = table
        self._path = path
        self._problems = problems
        self._where = where
        self._seen: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self._path}.{key}" if self._path else key

    def problem(self, key: str, message: str) -> None:
        """Record a problem with key's full dotted name, so every problem is reported at once."""
        self._problems.append(f"{self._where}: {self._key(key)}: {message}")

    def _get(self, key: str, default: Any, kind: str, check: Callable[[Any], bool]) -> Any:
        self._seen.add(key)
        if key not in self._table:
            if default is REQUIRED:
                self.problem(key, f"missing; expected {kind}")
            return None if default is REQUIRED else default
        value = self._table[key]
        if not check(value):
            self.problem(key, f"expected {kind}, got {value!r}")
            return None if default is REQUIRED else default
        return value

    def string(self, key: str, default: Any = None, *, choices: tuple[str, ...] = ()) -> Any:
        """A string, one of choices if given; the default when absent or wrong (then a problem)."""
        kind = f"one of {', '.join(choices)}" if choices else "a string"
        return self._get(
            key, default, kind, lambda v: isinstance(v, str) and (not choices or v in choices)
        )

    def integer(self, key: str, default: Any, low: int, high: int) -> Any:
        """An integer within [low, high]; TOML's true and false are not integers here."""
        kind = f"an integer from {low} to {high}"
        ok = lambda v: isinstance(v, int) and not isinstance(v, bool) and low <= v <= high  # noqa: E731
        return self._get(key, default, kind, ok)

    def strings(self, key: str, default: Any = ()) -> tuple[str, ...]:
        """A list of strings as a tuple; the default when absent or wrong (then a problem)."""
        ok = lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v)  # noqa: E731
        value = self._get(key, default, "a list of strings", ok)
        return tuple(value or ())

    def number(self, key: str, default: Any) -> Decimal | None:
        """A non-negative number as a Decimal: the amounts it reads are money."""
        ok = lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= 0  # noqa: E731
        value = self._get(key, default, "a number >= 0", ok)
        try:
            return None if value is None else Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - guarded by the type check
            return None

    def table(self, key: str) -> Reader:
        """A reader of the sub-table key (empty when absent), its problems named under key."""
        self._seen.add(key)
        value = self._table.get(key, {})
        if not isinstance(value, dict):
            self.problem(key, f"expected a table, got {value!r}")
            value = {}
        return Reader(value, self._key(key), self._problems, self._where)

    def tables(self, key: str) -> Iterator[Reader]:
        """A reader for each table of the array key, problems named like ``key[2].name``."""
        self._seen.add(key)
        value = self._table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(key, "expected an array of tables ([[...]])")
            return
        for index, item in enumerate(value):
            yield Reader(item, f"{self._key(key)}[{index}]", self._problems, self._where)

    def names(self) -> list[str]:
        """The table's keys, in file order (tables of named tables: [oauth2.NAME], sites)."""
        return list(self._table)

    def reject_unknown(self) -> None:
        """A problem for every key not read so far: a typo must not silently mean a default."""
        for key in sorted(set(self._table) - self._seen):
            self.problem(key, "unknown key")


REQUIRED = object()


def read_address(reader: Reader, key: str, value: str | None) -> str | None:
    """The address normalised, or None with a problem; look-alike characters are refused."""
    if value is None:
        return None
    problem = lookalike_problem(value)
    if problem is not None:
        reader.problem(key, f"expected an e-mail address without look-alike characters: {problem}")
        return None
    try:
        return normalize_address(value)
    except AddressError as exc:
        reader.problem(key, f"expected an e-mail address: {exc}")
        return None


def existing_file(reader: Reader, key: str) -> Path | None:
    """An optional path that must name a file now, so a typo fails at load, not at first use."""
    value = reader.string(key)
    if value is None:
        return None
    if not Path(value).is_file():
        reader.problem(key, f"no such file {value!r}")
        return None
    return Path(value)


def is_loopback(host: str) -> bool:
    """A literal loopback address or the name localhost (RFC 6761); no DNS lookup."""
    if host.lower().rstrip(".") == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_networks(
    reader: Reader, key: str, default: tuple[str, ...]
) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """IP addresses or networks (host bits allowed); a bad entry is a problem and left out."""
    networks = []
    for value in reader.strings(key, default):
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            reader.problem(key, f"expected IP addresses or networks like 10.0.0.0/8, got {value!r}")
    return tuple(networks)


def secret_file(reader: Reader, key: str, path: str) -> str | None:
    """A secret kept in a file of its own (one line); a problem when unreadable or empty."""
    try:
        secret = Path(path).read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reader.problem(key, f"cannot read {path!r}: {exc}")
        return None
    if not secret:
        reader.problem(key, f"{path!r} is empty")
    return secret or None
