"""The session cookie the portal reads and writes itself (ui/shell/cookie.py): the token the
library signs, refused when forged, expired or malformed, and the script that sets or drops it.
The real browser path (set at login, sent back on reload, dropped at logout, no component iframe)
is tests/browser/test_login_browser.py's."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import jwt
import pytest

from ui.shell import cookie
from ui.shell.settings import read_settings

NOW = 1_800_000_000.0  # 2027-01-15 08:00:00 UTC


@pytest.fixture
def settings():
    return read_settings({"PEUPLEMENT_DEMO": "1"})


def test_a_token_signed_with_the_key_reads_back_until_it_expires(settings):
    raw = cookie.token(settings, "partenaire.voironnais", NOW + 60)
    assert cookie.decode(settings, raw, NOW) == {
        "username": "partenaire.voironnais",
        "exp_date": NOW + 60,
    }
    assert cookie.decode(settings, raw, NOW + 60) is None  # expired at its expiry
    assert cookie.decode(settings, raw, NOW + 61) is None


def test_the_token_is_the_library_format(settings):
    """streamlit-authenticator's token: an HS256 JWT of {"username", "exp_date"}, so a cookie
    written before this module replaced the library's component still logs in."""
    written_by_the_library = jwt.encode(
        {"username": "direction.demo", "exp_date": NOW + 5}, settings.cookie_key, algorithm="HS256"
    )
    assert cookie.decode(settings, written_by_the_library, NOW) == {
        "username": "direction.demo",
        "exp_date": NOW + 5,
    }


KEY = "K" * 40


def _signed(claims: dict, key: str = KEY) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "pas-un-jeton",
        _signed({"username": "admin.demo", "exp_date": NOW + 60}, key="x" * 40),
        _signed({"username": "admin.demo"}),
        _signed({"exp_date": NOW + 60}),
        _signed({"username": ["admin.demo"], "exp_date": NOW + 60}),
        _signed({"username": "admin.demo", "exp_date": "demain"}),
    ],
    ids=[
        "absent",
        "vide",
        "pas-un-jwt",
        "autre-cle",
        "sans-expiration",
        "sans-utilisateur",
        "utilisateur-liste",
        "expiration-texte",
    ],
)
def test_a_forged_or_malformed_cookie_logs_nobody_in(settings, raw):
    settings = replace(settings, cookie_key=KEY)
    assert cookie.decode(settings, _signed({"username": "admin.demo", "exp_date": NOW + 60}), NOW)
    assert cookie.decode(settings, raw, NOW) is None


def test_an_unsigned_token_is_refused(settings):
    unsigned = jwt.encode({"username": "admin.demo", "exp_date": NOW + 60}, None, algorithm="none")
    assert cookie.decode(settings, unsigned, NOW) is None


def _assignment(script: str) -> str:
    match = re.fullmatch(
        r"<script>document\.cookie = (\".*\") \+ \(window\.location\.protocol === 'https:' "
        r"\? '; Secure' : ''\);</script>",
        script,
    )
    assert match, script
    return json.loads(match.group(1))


def test_the_login_script_sets_a_strict_cookie_until_the_session_expiry(settings):
    text = _assignment(cookie.script(settings, ("poser", "clientele.demo", NOW + 86400)))
    name_value, *attributes = text.split("; ")
    name, value = name_value.split("=", 1)
    assert name == "peuplement_session"
    assert cookie.decode(settings, value, NOW)["username"] == "clientele.demo"
    assert attributes == ["expires=Sat, 16 Jan 2027 08:00:00 GMT", "path=/", "SameSite=Strict"]


def test_the_logout_script_drops_the_cookie_with_an_expiry_in_the_past(settings):
    text = _assignment(cookie.script(settings, ("effacer",)))
    assert text == (
        "peuplement_session=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/; SameSite=Strict"
    )
