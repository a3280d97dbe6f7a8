"""software_version: a version counts only next to a product word (MX, MXIE, MX Administrator,
MX-Report, ZAC, MX Mobile...), so a bare ``17.0`` or an IP address is never a version."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_PRODUCTS = {
    "mxie": "MXIE",
    "mx-ie": "MXIE",
    "mx ie": "MXIE",
    "mx-administrator": "MX-Administrator",
    "mx administrator": "MX-Administrator",
    "mxadmin": "MX-Administrator",
    "mx admin": "MX-Administrator",
    "mx-report": "MX-Report",
    "mx report": "MX-Report",
    "zac": "ZAC",
    "mx mobile": "MX Mobile",
    "mx-mobile": "MX Mobile",
    "zultys mx": "MX",
    "mx": "MX",
    "mxvirtual": "MX",
    "mx-virtual": "MX",
}
_PRODUCT = "|".join(sorted((re.escape(p) for p in _PRODUCTS), key=len, reverse=True))
_VERSION = re.compile(
    rf"\b({_PRODUCT})(?:[ \t]*(?:-?(?:se|e|\d{{2,3}})(?:[ \t]*ii)?))?"
    # "MX version is 17.0.6", "MX there is 17.0.6", "MX 17 build (17.0.6)", "MX version - 17.0.8"
    r"(?:[ \t]+(?:system|software|server|client|firmware|is|on|running|at|now|currently|there"
    r"|version|release|build)){0,3}"
    r"[ \t\u2013-]*(?:version|vers\.?|ver\.?|release|rel\.?|build|v)?[ \t]*[:=|]?[ \t]*\(?"
    # "16.0.5.16131": a build number as the last dotted part is the version as written
    r"v?(\d{1,2}\.\d{1,2}(?:\.\d{1,3})?(?:\.\d{4,6})?(?:-\d{1,3}(?:\.\d{1,3})*)?)"
    r"(?:[ \t]*,?[ \t]*\(?(?:patch|p|build|sp)[ \t]*#?[ \t]*(\d{1,6}))?",
    re.IGNORECASE,
)
_VERSION_LOWER = re.compile(_VERSION.pattern)
_FORM_VERSION = re.compile(r"v?(\d{1,2}\.\d{1,2}(?:\.\d{1,3})?(?:-\d{1,3}(?:\.\d{1,3})*)?)")


def normalise(product: str, version: str, patch: str | None) -> str:
    """One spelling per product however it was typed, so a version found twice compares equal."""
    name = _PRODUCTS.get(" ".join(product.lower().split()), product)
    return f"{name} {version}" + (f" patch {patch}" if patch else "")


def find_versions(text: str) -> list[tuple[str, str]]:
    """(normalised "PRODUCT VERSION [patch N]", the text it came from) in order."""
    lower = text.lower()  # a lower-case pattern: faster than IGNORECASE over every mail
    if len(lower) != len(text):
        return [
            (normalise(m.group(1), m.group(2), m.group(3)), m.group(0).strip())
            for m in _VERSION.finditer(text)
        ]
    return [
        (normalise(m.group(1), m.group(2), m.group(3)), text[m.start() : m.end()].strip())
        for m in _VERSION_LOWER.finditer(lower)
    ]


def version_key(version: str) -> tuple[int, ...]:
    """A sortable key of the dotted number, e.g. "17.0.10" -> (17, 0, 10)."""
    number = _FORM_VERSION.search(version)
    if number is None:
        return ()
    return tuple(int(part) for part in re.split(r"[.-]", number.group(1)))


def _bare_form_version(value: str) -> list[tuple[str, str]]:
    """A form answer without a product word ("17.0.4 patch 17102 i think") is the MX's."""
    number = _FORM_VERSION.search(value)
    if number is None:
        return []
    with_patch = find_versions(f"MX {value[number.start() :]}")
    return with_patch[:1] or [(f"MX {number.group(1)}", value)]


@dataclass(frozen=True)
class VersionExtractor:
    """The software version the client runs, named with its product."""

    keys: tuple[str, ...] = ("software_version",)

    def extract(self, prepared: Prepared) -> list[ItemResult]:
        """Form values (a bare number there counts as MX), then versions in the text."""
        evidence: list[Evidence] = []
        for value in prepared.item.form.get("software_version", []):
            found = find_versions(value) or _bare_form_version(value)
            evidence.extend(Evidence(v, value, "form") for v, _ in found)
        for version, source in find_versions(prepared.text):
            if version not in {e.value for e in evidence}:
                evidence.append(Evidence(version, source))
        return [ItemResult("software_version", tuple(evidence))]
