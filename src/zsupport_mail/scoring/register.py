"""The client's serial register as furnished information, not only as a role lookup.

A client with one system has one board and one appliance serial: asking for them again on
every report (and charging $100 when a user forgets them) bills for what we already hold. So
when the mail gives no serial for a role, the register furnishes it if the client has exactly
one serial of that role, or if the report names one of the client's sites and the register
lists that site's serial (``sites`` in the client's configuration). Such a finding says where
it came from ("register") and is low-confidence, so the reply echoes it for confirmation.
Switched by ``[scoring] register_counts_as_furnished``.
"""

from __future__ import annotations

import re

from zsupport_mail.scoring.types import Evidence, ItemResult, Prepared

_KEYS = {"board": "board_serial", "appliance": "appliance_serial"}


def _named_sites(text: str, sites: tuple[tuple[str, tuple[str, ...]], ...]) -> list[str]:
    """The serials of every site the text names (as a whole word, any case)."""
    serials: list[str] = []
    for name, site_serials in sites:
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE):
            serials.extend(site_serials)
    return serials


def register_findings(prepared: Prepared) -> dict[str, list[Evidence]]:
    """item key -> serials the register furnishes for it (empty when the mail must give them)."""
    item = prepared.item
    if not item.register_counts or not item.known_serials:
        return {}
    by_role: dict[str, list[str]] = {"board": [], "appliance": []}
    for serial, role in item.known_serials.items():
        by_role.setdefault(role, []).append(serial)
    named = _named_sites(prepared.text, item.register_sites)
    found: dict[str, list[Evidence]] = {}
    for role, key in _KEYS.items():
        on_site = [s for s in by_role[role] if s in named]
        if on_site:
            found[key] = [Evidence(s, "the site you named", "register", "low") for s in on_site]
        elif len(by_role[role]) == 1:
            found[key] = [Evidence(by_role[role][0], "your only system", "register", "low")]
    return found


def add_register(prepared: Prepared, results: dict[str, ItemResult]) -> None:
    """Furnish a serial item the mail left empty from the client's register, when it is sure."""
    for key, evidence in register_findings(prepared).items():
        if not results[key].evidence:
            results[key] = ItemResult(key, tuple(evidence))
