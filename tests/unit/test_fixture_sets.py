"""Every generated fixture set is what its build script writes: `build.py --check` of each
tests/fixtures/*/build.py exits 0. Found by glob, so a new set is covered when it is added.
Every set writes a labels.json beside its build.py; without one, --check has verified nothing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
BUILDS = sorted(FIXTURES.glob("*/build.py"))


def test_fixture_sets_are_found():
    assert BUILDS, f"no build.py under {FIXTURES}/*/"


@pytest.mark.parametrize("build", BUILDS, ids=[b.parent.name for b in BUILDS])
def test_fixture_set_matches_its_build_script(build):
    result = subprocess.run(
        [sys.executable, str(build), "--check"],
        cwd=FIXTURES.parents[1],
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert result.returncode == 0, (
        f"{build.relative_to(FIXTURES.parents[1])} --check exited {result.returncode}:\n"
        f"{result.stdout[-2000:]}{result.stderr[-4000:]}"
    )
    assert (build.parent / "labels.json").is_file(), f"{build.parent.name} has no labels.json"
