"""[oauth2.NAME] and the keys that name a provider: every mistake named with its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import config_dict, to_toml
from zsupport_mail.settings import ConfigError, load_settings


def write(tmp_path: Path, **sections: object) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config_dict("sqlite:///x.db", tmp_path, **sections)))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    return info.value.problems


def provider(tmp_path: Path, **overrides: str) -> dict[str, str]:
    refresh = tmp_path / "refresh"
    refresh.write_text("1//refresh-token\n")
    return {
        "token_url": "https://login.microsoftonline.com/contoso.example/oauth2/v2.0/token",
        "client_id": "11111111-2222-3333-4444-555555555555",
        "refresh_token_file": str(refresh),
        **overrides,
    }


def test_a_provider_is_read_and_named_by_the_mailbox_and_the_relay(tmp_path):
    settings = load_settings(
        write(
            tmp_path,
            oauth2={"m365": provider(tmp_path, scope="https://outlook.office365.com/.default")},
            imap={"mailboxes": [{"host": "outlook.office365.com", "user": "s@x.example",
                                 "oauth2": "m365"}]},
            outbound={"mode": "smtp", "relay_host": "smtp.office365.com", "relay_port": 587,
                      "relay_username": "s@x.example", "relay_oauth2": "m365"},
        )
    )  # fmt: skip
    [m365] = settings.oauth2
    assert settings.imap.mailboxes[0].oauth2 == m365
    assert settings.outbound.relay_oauth2 == m365
    assert (m365.mechanism, settings.outbound.relay_security) == ("xoauth2", "starttls")


def test_provider_mistakes_are_named_with_their_keys(tmp_path):
    found = problems(
        write(
            tmp_path,
            oauth2={
                "plain": provider(tmp_path, token_url="http://login.example/token"),
                "odd": provider(tmp_path, mechanism="cram-md5"),
            },
            imap={"mailboxes": [{"host": "imap.example", "user": "u", "oauth2": "google"}]},
            outbound={"relay_oauth2": "plain"},
        )
    )
    assert any("oauth2.plain.token_url: expected an https:// URL" in p for p in found)
    assert any("oauth2.odd.mechanism: expected one of xoauth2, oauthbearer" in p for p in found)
    assert any("mailboxes[0].oauth2: no [oauth2.google] table" in p for p in found)
    assert any(
        "relay_username: expected the account that relay_oauth2 logs in as" in p for p in found
    )
