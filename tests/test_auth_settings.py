"""Startup settings: the portal refuses to run outside demo mode without a real cookie key, and
says why; the users file is checked record by record."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from semantic.errors import PeuplementError
from ui.shell.auth import check_startup_settings
from ui.shell.settings import (
    DEMO_USERS_FILE,
    LIBRARY_DEFAULT_COOKIE_KEYS,
    MIN_COOKIE_KEY_LENGTH,
    PortalConfigError,
)
from ui.shell.users import UsersFileError, load_users

HOME = Path(__file__).resolve().parent.parent / "Home.py"
GOOD_KEY = secrets.token_urlsafe(32)  # drawn per test run, as an operator would
HASH = bcrypt.hashpw(b"secret-de-test", bcrypt.gensalt(4)).decode()


def write_users(path: Path, body: str | None = None) -> Path:
    path.write_text(
        body
        or f"""usernames:
  chef.test:
    name: Chef test
    password: "{HASH}"
    role: manager
    territoires: {{national: true}}
""",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def users_file(tmp_path):
    return write_users(tmp_path / "users.yaml")


def production(users_file: Path, **extra: str) -> dict[str, str]:
    return {"PEUPLEMENT_USERS_FILE": str(users_file), **extra}


# --- refused outside demo mode -----------------------------------------------------------------


def test_production_without_cookie_key_is_refused_and_says_how_to_fix(users_file):
    with pytest.raises(PortalConfigError) as caught:
        check_startup_settings(production(users_file), secrets={})
    message = str(caught.value)
    assert message.startswith("Démarrage refusé : aucune clé de cookie n'est configurée.")
    assert "PEUPLEMENT_COOKIE_KEY" in message
    assert "[auth] cookie_key" in message
    assert "secrets.token_urlsafe" in message


@pytest.mark.parametrize("default_key", sorted(LIBRARY_DEFAULT_COOKIE_KEYS))
def test_library_default_key_is_refused_from_secrets(users_file, default_key):
    with pytest.raises(PortalConfigError, match="clé par défaut de streamlit-authenticator"):
        check_startup_settings(
            production(users_file), secrets={"auth": {"cookie_key": default_key}}
        )


def test_library_default_key_is_refused_from_environment(users_file):
    env = production(users_file, PEUPLEMENT_COOKIE_KEY="some_key")
    with pytest.raises(PortalConfigError, match="« some_key » est la clé par défaut"):
        check_startup_settings(env, secrets={})


def test_short_key_is_refused(users_file):
    env = production(users_file, PEUPLEMENT_COOKIE_KEY="court")
    with pytest.raises(PortalConfigError, match=r"trop courte \(5 caractères, minimum 32\)"):
        check_startup_settings(env, secrets={})


def test_forced_production_without_users_file_is_refused():
    with pytest.raises(PortalConfigError, match="sans fichier des utilisateurs"):
        check_startup_settings({"PEUPLEMENT_DEMO": "0", "PEUPLEMENT_COOKIE_KEY": GOOD_KEY}, {})


def test_named_but_missing_users_file_is_an_error_not_a_fallback_to_demo(tmp_path):
    env = production(tmp_path / "absent.yaml", PEUPLEMENT_COOKIE_KEY=GOOD_KEY)
    with pytest.raises(PortalConfigError, match="introuvable"):
        check_startup_settings(env, secrets={})


def test_demo_users_file_is_refused_in_production():
    env = production(DEMO_USERS_FILE, PEUPLEMENT_COOKIE_KEY=GOOD_KEY)
    with pytest.raises(PortalConfigError, match="comptes de démonstration"):
        check_startup_settings(env, secrets={})


def test_unknown_demo_flag_is_refused():
    with pytest.raises(PortalConfigError, match="PEUPLEMENT_DEMO"):
        check_startup_settings({"PEUPLEMENT_DEMO": "peut-être"}, secrets={})


def test_config_errors_belong_to_the_project_family():
    assert issubclass(PortalConfigError, PeuplementError)
    assert issubclass(UsersFileError, PeuplementError)


# --- accepted ----------------------------------------------------------------------------------


def test_production_key_from_secrets_wins_over_environment(users_file, tmp_path):
    env = production(
        users_file,
        PEUPLEMENT_COOKIE_KEY="e" * 40,
        PEUPLEMENT_AUDIT_FILE=str(tmp_path / "journal" / "audit.jsonl"),
    )
    settings = check_startup_settings(env, secrets={"auth": {"cookie_key": GOOD_KEY}})
    assert not settings.demo
    assert settings.cookie_key == GOOD_KEY
    assert settings.users_file == users_file.resolve()
    assert settings.audit_file == tmp_path / "journal" / "audit.jsonl"
    assert settings.database_url == f"sqlite:///{tmp_path / 'journal' / 'peuplement.sqlite3'}"


def test_production_key_from_environment(users_file):
    env = production(users_file, PEUPLEMENT_COOKIE_KEY=GOOD_KEY)
    assert check_startup_settings(env, secrets={}).cookie_key == GOOD_KEY


@pytest.mark.parametrize(
    "env",
    [{}, {"PEUPLEMENT_DEMO": "1"}, {"PEUPLEMENT_DEMO": "1", "PEUPLEMENT_COOKIE_KEY": "some_key"}],
    ids=["no-setting", "demo-flag", "demo-with-default-key"],
)
def test_demo_mode_starts_without_a_key_and_never_uses_the_default(env):
    settings = check_startup_settings(env, secrets={})
    assert settings.demo
    assert settings.users_file == DEMO_USERS_FILE
    assert settings.cookie_key_is_ephemeral
    assert settings.cookie_key not in LIBRARY_DEFAULT_COOKIE_KEYS
    assert len(settings.cookie_key) >= MIN_COOKIE_KEY_LENGTH


def test_demo_flag_with_a_production_users_file_is_refused(users_file):
    env = production(users_file, PEUPLEMENT_DEMO="1", PEUPLEMENT_COOKIE_KEY=GOOD_KEY)
    with pytest.raises(PortalConfigError) as caught:
        check_startup_settings(env, secrets={})
    message = str(caught.value)
    assert message.startswith("Démarrage refusé : PEUPLEMENT_DEMO=1 (mode démonstration")
    assert "retirez PEUPLEMENT_DEMO pour la production" in message


def test_a_copy_of_the_demo_users_file_is_refused_in_production(tmp_path):
    copy = tmp_path / "users.yaml"
    copy.write_text(DEMO_USERS_FILE.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(PortalConfigError) as caught:
        check_startup_settings(production(copy, PEUPLEMENT_COOKIE_KEY=GOOD_KEY), secrets={})
    message = str(caught.value)
    assert "admin.demo, clientele.demo, direction.demo, partenaire.voironnais" in message
    assert "celui d'un compte de démonstration" in message


def test_one_demo_hash_pasted_under_another_name_is_refused(tmp_path):
    demo_hash = load_users(DEMO_USERS_FILE)["partenaire.voironnais"].password
    users = write_users(
        tmp_path / "users.yaml",
        f"""usernames:
  chef.test:
    name: Chef test
    password: "{HASH}"
    role: manager
    territoires: {{national: true}}
  m.durand:
    name: Marie Durand
    password: "{demo_hash}"
    role: partenaire
    territoires: {{epci: ["243800984"]}}
    disabled: true
""",
    )
    with pytest.raises(PortalConfigError, match=r"le mot de passe de m\.durand est celui"):
        check_startup_settings(production(users, PEUPLEMENT_COOKIE_KEY=GOOD_KEY), secrets={})


@pytest.mark.parametrize(
    ("key", "distinct", "bits"),
    # 32 x 0 bits; 32 x 1 bit; 39 characters of 4 kinds (9 or 10 of each): 39 x 1.9986 = 78 bits
    [("a" * 32, 1, 0), ("ab" * 16, 2, 32), ("abcd" * 9 + "abc", 4, 78)],
)
def test_a_cookie_key_with_too_little_entropy_is_refused(users_file, key, distinct, bits):
    with pytest.raises(PortalConfigError) as caught:
        check_startup_settings(production(users_file, PEUPLEMENT_COOKIE_KEY=key), secrets={})
    message = str(caught.value)
    assert message.startswith(
        f"Démarrage refusé : la clé de cookie est trop prévisible ({distinct} caractère(s) "
        f"différent(s), environ {bits} bits d'entropie estimée, minimum 80)"
    )
    assert "token_urlsafe(48)" in message


def test_demo_users_file_is_valid_and_has_one_account_per_role():
    users = load_users(DEMO_USERS_FILE)
    assert {u.role for u in users.values()} == {
        "admin",
        "manager",
        "charge_clientele",
        "partenaire",
    }
    assert users["partenaire.voironnais"].scope.epci == ("243800984",)
    assert not users["partenaire.voironnais"].scope.national
    assert "DEMO ONLY" in DEMO_USERS_FILE.read_text(encoding="utf-8")


# --- the users file ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            'password: "en-clair"\n    role: manager\n    territoires: {national: true}',
            "hachage bcrypt",
        ),
        (
            f'password: "{HASH}"\n    role: partenaire\n    territoires: {{national: true}}',
            "portée nationale",
        ),
        (f'password: "{HASH}"\n    role: partenaire\n    territoires: {{}}', "territoires vide"),
        (f'password: "{HASH}"\n    role: chef\n    territoires: {{national: true}}', "role"),
        (
            f'password: "{HASH}"\n    role: partenaire\n    territoires: {{epci: ["2438"]}}',
            "territoires.epci.0",
        ),
        (
            f'password: "{HASH}"\n    role: manager\n    territoires: {{national: true}}\n    admin: true',
            "admin",
        ),
    ],
    ids=[
        "clear-password",
        "partner-national",
        "no-territory",
        "bad-role",
        "bad-epci",
        "unknown-key",
    ],
)
def test_users_file_problems_are_reported_with_file_and_line(tmp_path, record, expected):
    path = write_users(
        tmp_path / "users.yaml", f"usernames:\n  x.test:\n    name: X\n    {record}\n"
    )
    with pytest.raises(UsersFileError) as caught:
        load_users(path)
    message = str(caught.value)
    assert "users.yaml:" in message and expected in message


def test_upper_case_username_is_refused(tmp_path):
    body = f'usernames:\n  Chef:\n    name: X\n    password: "{HASH}"\n    role: manager\n    territoires: {{national: true}}\n'
    with pytest.raises(UsersFileError, match="identifiant « Chef » invalide"):
        load_users(write_users(tmp_path / "users.yaml", body))


# --- the running app ---------------------------------------------------------------------------


def test_home_without_cookie_key_shows_the_reason_and_no_login_form(users_file, monkeypatch):
    for name in ("PEUPLEMENT_DEMO", "PEUPLEMENT_COOKIE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PEUPLEMENT_USERS_FILE", str(users_file))
    at = AppTest.from_file(str(HOME), default_timeout=30)
    at.secrets["unrelated"] = (
        "x"  # a secrets store without [auth]: the key must come from elsewhere
    )
    at.run()
    assert not at.exception
    assert [e.value for e in at.error][0].startswith("Démarrage refusé : aucune clé de cookie")
    assert len(at.text_input) == 0 and len(at.button) == 0


# --- guardrails on the code itself -------------------------------------------------------------

APP_FILES = [
    HOME,
    *sorted((HOME.parent / "ui").glob("*.py")),
    *sorted((HOME.parent / "pages").glob("*.py")),
]


def test_no_feature_of_the_library_that_calls_its_authors_cloud_service():
    cloud = re.compile(
        r"register_user|forgot_password|forgot_username|experimental_guest_login|"
        r"two_factor_auth|send_email|api_key|CloudModel|server_url"
    )
    for path in APP_FILES:
        found = cloud.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} uses {sorted(set(found))}"


def test_no_widget_key_can_overwrite_the_login_state():
    """A widget's key is a session-state key the browser writes: none may shadow the login state
    streamlit-authenticator keeps (a `key="username"` would let a user pick who they are)."""
    login_keys = "username|authentication_status|name|email|roles|logout|_peuplement_login_ts"
    shadow = re.compile(rf"""key\s*=\s*["']({login_keys})["']""")
    for path in APP_FILES:
        found = shadow.findall(path.read_text(encoding="utf-8"))
        assert not found, f"{path.name} has a widget keyed {found}"


def test_without_the_demo_users_file_there_is_no_demo_hash_to_refuse(users_file, tmp_path):
    from ui.shell.users import published_hashes_in

    assert published_hashes_in(load_users(users_file), tmp_path / "absent.yaml") == []
    assert published_hashes_in(load_users(DEMO_USERS_FILE), DEMO_USERS_FILE) == [
        "admin.demo",
        "clientele.demo",
        "direction.demo",
        "partenaire.voironnais",
    ]
