"""The shipped systemd unit: its required keys, and `systemd-analyze verify` (systemd-analyze comes
with Debian's `systemd` package, which `make install` installs; without it the test fails)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

UNIT = Path(__file__).resolve().parents[2] / "config" / "zsupport-mail.service"
INSTALLED_AT = "/opt/zsupport-mail/.venv/bin/zsupport-mail"


def parse_unit(text: str) -> dict[str, list[tuple[str, str]]]:
    """Sections -> (key, value) pairs in order; keys may repeat (ExecStartPre)."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] | None = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not a key=value line: {line!r}"
        assert current is not None, f"a key before any [section]: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [v for k, v in section if k == key]


def test_unit_has_the_required_keys():
    unit = parse_unit(UNIT.read_text(encoding="utf-8"))
    service = unit["Service"]
    one = {key: values(service, key) for key in dict(service)}
    assert one["Type"] == ["notify"]
    assert int(one["WatchdogSec"][0]) > 0
    assert one["User"]
    assert one["User"][0] != "root"
    assert one["StateDirectory"] == ["zsupport-mail"]
    assert one["NoNewPrivileges"] == ["yes"]
    assert one["ProtectSystem"] == ["strict"]
    assert one["ProtectHome"] == ["yes"]
    assert one["PrivateTmp"] == ["yes"]
    assert one["ReadWritePaths"] == ["/var/lib/zsupport-mail"]
    assert one["Restart"] == ["on-failure"]
    assert one["ExecReload"] == ["/bin/kill -HUP $MAINPID"]
    pre = one["ExecStartPre"]
    assert any(p.endswith("zsupport-mail check-config") for p in pre)
    assert any(p.endswith("zsupport-mail db check") for p in pre)
    assert one["ExecStart"][0].endswith("zsupport-mail serve")
    assert unit["Install"] == [("WantedBy", "multi-user.target")]
    text = UNIT.read_text(encoding="utf-8")
    assert "#AmbientCapabilities=CAP_NET_BIND_SERVICE" in text  # only if smtp.port < 1024


def test_unit_passes_systemd_analyze_verify(tmp_path):
    analyze = shutil.which("systemd-analyze")
    assert analyze is not None, (
        "systemd-analyze is missing: run `make install-debs` (package systemd)"
    )
    # Point the Exec lines at this checkout's console script, which verify checks exists.
    script = Path(sys.executable).with_name("zsupport-mail")
    unit = tmp_path / "zsupport-mail.service"
    unit.write_text(UNIT.read_text(encoding="utf-8").replace(INSTALLED_AT, str(script)))
    result = subprocess.run(
        [analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "zsupport-mail.service" not in result.stderr, result.stderr
