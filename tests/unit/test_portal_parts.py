"""The portal's pure parts: its config section, the thread folding, the fill-in lines scoring
reads, and the staff form actions as the commands they stand for."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import config_dict, to_toml
from zsupport_mail.edges.portal.staff import command_body
from zsupport_mail.edges.portal.thread import fold, form_item, form_lines
from zsupport_mail.handlers.commands import parse_commands
from zsupport_mail.scoring.text import parse_form
from zsupport_mail.settings import ConfigError, load_settings


def load(tmp_path: Path, **overrides):
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path, **overrides)))
    return load_settings(path)


def test_portal_is_off_without_its_section(tmp_path):
    assert load(tmp_path).portal is None


def test_portal_section_defaults_and_secure_cookies(tmp_path):
    portal = load(tmp_path, portal={"port": 8443, "base_url": "https://portal.example/"}).portal
    assert (portal.host, portal.port, portal.base_url) == (
        "127.0.0.1",
        8443,
        "https://portal.example",
    )
    assert portal.secure_cookies
    assert portal.max_signins_per_address_per_hour == 5
    assert not load(tmp_path, portal={}).portal.secure_cookies


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"base_url": "ftp://x"}, "portal.base_url"),
        ({"port": 0}, "portal.port"),
        ({"prot": 80}, "portal.prot: unknown key"),
    ],
)
def test_bad_portal_config_names_the_key(tmp_path, section, expected):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, portal=section)
    assert expected in str(error.value)


def test_fold_keeps_new_text_and_folds_quoted_history():
    text, quoted = fold("Thanks, that worked.\n\nOn Mon, 7 Dec 2026 Z-Support wrote:\n> Hello\n")
    assert text == "Thanks, that worked."
    assert quoted.startswith("On Mon, 7 Dec 2026 Z-Support wrote:")
    assert fold("> only a quote at the top\nmine") == ("> only a quote at the top\nmine", "")


def test_fill_in_lines_are_read_by_scoring_as_the_notice_form():
    items = [form_item(k) for k in ("appliance_serial", "call_examples", "reproducible")]
    body = form_lines(
        items,
        {
            "appliance_serial": "6326V",
            "call_examples": "2026-12-07 10:42, from ext 2045, to ext 2046\n\n"
            "2026-12-07 11:00, from ext 1, to ext 2",
            "reproducible": "",
        },
    )
    assert body.splitlines() == [
        "Appliance serial: 6326V",
        "Call example: 2026-12-07 10:42, from ext 2045, to ext 2046",
        "Call example: 2026-12-07 11:00, from ext 1, to ext 2",
    ]
    form = parse_form(body)
    assert set(form) == {"appliance_serial", "call_examples"}


@pytest.mark.parametrize(
    ("action", "value", "command"),
    [
        ("status", "pending", ("status", "pending")),
        ("critical", "", ("critical", "")),
        ("waive", "", ("waive", "")),
        ("assign", "Kim", ("assign", "Kim")),
        ("time", "1.5", ("time", "1.5h")),
        ("note", "checked the trunk", ("note", "")),
    ],
)
def test_staff_actions_are_the_commands_of_a_mail_reply(action, value, command):
    parsed = parse_commands(command_body(action, value) or "")
    assert [(c.name, c.argument) for c in parsed.commands] == [command]
    assert not parsed.unknown


@pytest.mark.parametrize(
    ("action", "value"),
    [("status", "deleted"), ("time", "lots"), ("assign", ""), ("note", ""), ("drop", "x")],
)
def test_invalid_staff_actions_write_nothing(action, value):
    assert command_body(action, value) is None
