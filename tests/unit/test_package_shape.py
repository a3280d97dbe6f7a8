"""The house rules of issue #14, held by the suite so that a later change cannot quietly undo
them: a package top that names its parts, short modules, documented public names, and pure
rule packages that import nothing from storage or the network."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "zsupport_mail"
PURE_PACKAGES = ("intake", "scoring", "sla")
STORAGE_AND_WIRING = (
    "zsupport_mail.db",
    "zsupport_mail.runtime",
    "zsupport_mail.cli",
    "sqlalchemy",
)


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_package_top_has_at_most_fourteen_entries() -> None:
    entries = sorted(p.name for p in PACKAGE.iterdir() if p.name != "__pycache__")
    assert len(entries) <= 14, entries


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n
        for p in _modules()
        if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}


def test_every_package_and_module_says_what_it_is_for() -> None:
    undocumented = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if ast.get_docstring(ast.parse(p.read_text())) is None
    ]
    assert undocumented == []


def test_at_least_80_percent_of_public_functions_and_classes_are_documented() -> None:
    public = documented = 0
    for path in _modules():
        for node in ast.parse(path.read_text()).body:
            if isinstance(
                node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ) and not node.name.startswith("_"):
                public += 1
                documented += ast.get_docstring(node) is not None
    assert public > 100
    assert documented / public >= 0.80, f"{documented}/{public}"


def test_the_pure_rule_packages_import_no_storage_and_no_wiring() -> None:
    offenders = []
    for package in PURE_PACKAGES:
        for path in (PACKAGE / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
                names += (
                    [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
                )
                offenders += [
                    f"{path.relative_to(PACKAGE)}: {n}"
                    for n in names
                    if n.startswith(STORAGE_AND_WIRING)
                ]
    assert offenders == []
