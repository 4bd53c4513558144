"""Accounts on the Administration page, in production mode over a users file of the test's own:
create a partner account (bcrypt hash stored, never the password, in the file or the audit
trail), disable it (login refused, open session ended), enable it, change a role; demo accounts
are never written; non-admins are refused."""

from __future__ import annotations

import secrets
from pathlib import Path

import bcrypt
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from store.sessions import StoreSessionRegistry
from tests.apptest_support import steady_navigation, stored_text
from tests.tiny_data import E2
from ui.screens.administration import accounts
from ui.shell import audit
from ui.shell.auth import SESSION_ID_KEY
from ui.shell.login import PASSWORD_WIDGET, USERNAME_WIDGET
from ui.shell.navigation import page_path
from ui.shell.settings import DEMO_USERS_FILE
from ui.shell.users import BCRYPT_HASH, load_users

HOME = str(Path(__file__).resolve().parent.parent / "Home.py")
ADMIN, PARTNER, MANAGER = "admin.test", "partenaire.test", "direction.test"
NEW_USER, NEW_PASSWORD = "agglo.voironnais", "Une phrase de passe assez longue"
HEADER = "# Comptes de production (test) : gérés depuis la page Administration.\n"


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()  # cheap rounds: tests


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture
def users_file(tmp_path, monkeypatch, tiny_root):
    """Production mode: a users file with an admin, a manager and a partner."""
    path = tmp_path / "users.yaml"
    body = {
        "usernames": {
            ADMIN: {
                "name": "Admin",
                "password": _hash("admin-password-1"),
                "role": "admin",
                "territoires": {"national": True},
            },
            MANAGER: {
                "name": "Direction",
                "password": _hash("manager-password-1"),
                "role": "manager",
                "territoires": {"national": True},
            },
            PARTNER: {
                "name": "Partenaire",
                "password": _hash("partner-password-1"),
                "role": "partenaire",
                "territoires": {"epci": [E2]},
            },
        }
    }
    path.write_text(HEADER + yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)
    monkeypatch.setenv("PEUPLEMENT_DEMO", "0")
    monkeypatch.setenv("PEUPLEMENT_USERS_FILE", str(path))
    monkeypatch.setenv("PEUPLEMENT_COOKIE_KEY", secrets.token_urlsafe(32))
    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(tiny_root))
    monkeypatch.setenv("PEUPLEMENT_AUDIT_FILE", str(tmp_path / "audit" / "audit.jsonl"))
    return path


def audit_file(users_file: Path) -> Path:
    return users_file.parent / "audit" / "audit.jsonl"


def admin_actions(users_file: Path) -> list[dict]:
    return [e for e in audit.read_events(audit_file(users_file)) if e["event"] == "admin_action"]


def session(username: str | None = None, script: str = HOME) -> AppTest:
    at = AppTest.from_file(script, default_timeout=120)
    at.secrets["unrelated"] = "x"  # never read a developer's real secrets.toml
    if username:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
        for key in ("name", "email", "roles", "logout"):
            at.session_state[key] = None
    return at


def admin_page(username: str = ADMIN) -> AppTest:
    at = session(username).run()
    at.switch_page("pages/administration.py").run()
    assert not at.exception, at.exception
    return at


def login(username: str, password: str) -> AppTest:
    at = session().run()
    at.text_input(key=USERNAME_WIDGET).input(username)
    at.text_input(key=PASSWORD_WIDGET).input(password)
    return at.button[0].click().run()


def create(at: AppTest, password: str = NEW_PASSWORD, confirmation: str | None = None) -> AppTest:
    at.text_input(key="adm_compte_id").input(NEW_USER)
    at.text_input(key="adm_compte_nom").input("CA du Pays Voironnais")
    at.selectbox(key="adm_compte_role").set_value("partenaire")
    at.multiselect(key="adm_compte_epci").set_value([E2])
    at.text_input(key="adm_compte_mdp").input(password)
    at.text_input(key="adm_compte_mdp2").input(password if confirmation is None else confirmation)
    (submit,) = [b for b in at.button if b.label == "Créer le compte"]
    return submit.click().run()


def shown_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [d.value.to_csv() for d in at.dataframe] + [s.value for s in at.success]
    return "\n".join(parts)


def accounts_table(at: AppTest):
    (table,) = [d.value for d in at.dataframe if "Identifiant" in d.value.columns]
    return table


def test_the_list_shows_accounts_and_never_a_password_or_hash(users_file):
    at = admin_page()
    table = accounts_table(at)
    assert list(table.columns) == ["Identifiant", "Nom", "Rôle", "Territoires", "Désactivé"]
    assert list(table["Identifiant"]) == [ADMIN, MANAGER, PARTNER]
    # by its name (the code is in the users file)
    assert table.set_index("Identifiant").loc[PARTNER, "Territoires"] == "CA du Pays Voironnais"
    assert "$2b$" not in shown_text(at)


def test_creating_a_partner_account_stores_a_bcrypt_hash_only(users_file):
    at = create(admin_page())
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [s.value for s in at.success] == [f"Compte « {NEW_USER} » créé."]
    assert NEW_USER in list(accounts_table(at)["Identifiant"])
    # the clear password does not stay in the session
    assert at.session_state["adm_compte_mdp"] == at.session_state["adm_compte_mdp2"] == ""

    text = users_file.read_text(encoding="utf-8")
    assert NEW_PASSWORD not in text and text.startswith(HEADER)  # the header comment is kept
    assert users_file.stat().st_mode & 0o777 == 0o600  # the file keeps its permissions
    record = load_users(users_file)[NEW_USER]
    assert BCRYPT_HASH.match(record.password)
    assert bcrypt.checkpw(NEW_PASSWORD.encode(), record.password.encode())
    assert (record.role, record.territoires.epci, record.disabled) == ("partenaire", (E2,), False)

    (event,) = admin_actions(users_file)
    assert event["user"] == ADMIN
    assert event["details"] == {
        "action": "compte_creation",
        "compte": NEW_USER,
        "role": "partenaire",
        "territoires": {"epci": [E2]},
    }
    trail = stored_text(audit_file(users_file))
    assert NEW_PASSWORD not in trail and record.password not in trail and "$2b$" not in trail

    home = login(NEW_USER, NEW_PASSWORD)
    assert [t.value for t in home.title] == ["Accueil"]


@pytest.mark.parametrize(
    ("password", "confirmation", "message"),
    [
        (NEW_PASSWORD, NEW_PASSWORD + "!", "Les deux mots de passe saisis sont différents."),
        ("court-11car", "court-11car", "Mot de passe trop court : au moins 12 caractères."),
        ("é" * 40, "é" * 40, "Mot de passe trop long : au plus 72 octets."),
    ],
)
def test_a_refused_password_writes_nothing(users_file, password, confirmation, message):
    before = users_file.read_bytes()
    at = create(admin_page(), password, confirmation)
    assert [e.value for e in at.error] == [message]
    assert users_file.read_bytes() == before and not admin_actions(users_file)
    trail = audit_file(users_file)
    assert not trail.exists() or password not in trail.read_text(encoding="utf-8")


def test_an_invalid_account_is_explained_and_nothing_is_written(users_file):
    before = users_file.read_bytes()
    with pytest.raises(accounts.AccountError, match="existe déjà"):
        accounts.create_account(
            users_file,
            PARTNER,
            name="X",
            role="partenaire",
            territoires={"epci": [E2]},
            password=NEW_PASSWORD,
            confirmation=NEW_PASSWORD,
        )
    with pytest.raises(accounts.AccountError, match="territoires vide"):
        accounts.create_account(
            users_file,
            NEW_USER,
            name="X",
            role="partenaire",
            territoires={},
            password=NEW_PASSWORD,
            confirmation=NEW_PASSWORD,
        )
    with pytest.raises(accounts.AccountError, match="Identifiant « a b » invalide"):
        accounts.create_account(
            users_file,
            "a b",
            name="X",
            role="partenaire",
            territoires={"epci": [E2]},
            password=NEW_PASSWORD,
            confirmation=NEW_PASSWORD,
        )
    assert users_file.read_bytes() == before
    assert not [p for p in users_file.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_disabled_account_cannot_log_in_and_its_session_ends(users_file):
    partner = session(PARTNER).run()
    assert [t.value for t in partner.title] == ["Accueil"]
    registry = StoreSessionRegistry(audit.store_at(audit_file(users_file)))
    partner_session = partner.session_state[SESSION_ID_KEY]
    assert registry.get(partner_session) is not None

    at = admin_page()
    assert ADMIN not in at.selectbox(key="adm_compte_choix").options  # never oneself
    at.selectbox(key="adm_compte_choix").set_value(PARTNER).run()
    at.button(key="adm_compte_bascule").click().run()
    assert [s.value for s in at.success] == [f"Compte « {PARTNER} » désactivé."]
    table = accounts_table(at).set_index("Identifiant")
    assert table.loc[PARTNER, "Désactivé"] == "oui"
    assert load_users(users_file, include_disabled=True)[PARTNER].disabled
    assert PARTNER not in load_users(users_file)

    refused = login(PARTNER, "partner-password-1")
    assert [t.value for t in refused.title] == ["Portail peuplement : connexion"]
    assert refused.error[0].value.startswith("Identifiant ou mot de passe incorrect.")
    partner.run()  # the open session ends at its next rerun
    assert [t.value for t in partner.title] == ["Portail peuplement : connexion"]

    at.selectbox(key="adm_compte_choix").set_value(PARTNER).run()
    assert at.button(key="adm_compte_bascule").label == "Réactiver le compte"
    at.button(key="adm_compte_bascule").click().run()
    assert [t.value for t in login(PARTNER, "partner-password-1").title] == ["Accueil"]
    # the session open before the disabling stays closed (its cookie too): gone from the registry
    assert registry.get(partner_session) is None
    assert [e["details"] for e in admin_actions(users_file)] == [
        {"action": "compte_desactivation", "compte": PARTNER, "sessions_fermees": 1},
        {"action": "compte_reactivation", "compte": PARTNER},
    ]


def test_log_out_everyone_closes_every_other_session_at_its_next_action(users_file):
    partner, manager = session(PARTNER).run(), session(MANAGER).run()
    assert [t.value for t in partner.title] == [t.value for t in manager.title] == ["Accueil"]
    at = admin_page()
    at.button(key="adm_deconnexion_generale").click().run()
    assert [s.value for s in at.success] == ["2 session(s) fermée(s)."]
    for other in (partner.run(), manager.run()):
        assert [t.value for t in other.title] == ["Portail peuplement : connexion"]
        assert other.info[0].value.startswith("Votre session a été fermée")
    at.run()  # the administrator's own session is kept
    assert [t.value for t in at.title] == ["Administration"]
    assert admin_actions(users_file)[-1]["details"] == {
        "action": "deconnexion_generale",
        "sessions_fermees": 2,
    }
    logouts = [e for e in audit.read_events(audit_file(users_file)) if e["event"] == "logout"]
    assert sorted(e["user"] for e in logouts) == sorted([PARTNER, MANAGER])
    assert {e["details"]["motif"] for e in logouts} == {"session_fermee"}


def test_a_password_changed_in_the_users_file_closes_the_open_sessions(users_file):
    partner = session(PARTNER).run()
    assert [t.value for t in partner.title] == ["Accueil"]
    text = users_file.read_text(encoding="utf-8")
    old = load_users(users_file)[PARTNER].password
    users_file.write_text(text.replace(old, _hash("a-new-password-2")), encoding="utf-8")
    partner.run()
    assert [t.value for t in partner.title] == ["Portail peuplement : connexion"]
    assert [t.value for t in login(PARTNER, "a-new-password-2").title] == ["Accueil"]


def test_changing_a_role_is_written_and_audited(users_file):
    at = admin_page()
    at.selectbox(key="adm_compte_choix").set_value(PARTNER).run()
    at.selectbox(key="adm_compte_nouveau_role").set_value("charge_clientele").run()
    at.button(key="adm_compte_role_ok").click().run()
    assert not at.error, [e.value for e in at.error]
    assert load_users(users_file)[PARTNER].role == "charge_clientele"
    (event,) = admin_actions(users_file)
    assert event["details"] == {
        "action": "compte_role",
        "compte": PARTNER,
        "avant": "partenaire",
        "apres": "charge_clientele",
    }


def test_a_national_account_cannot_become_a_partner(users_file):
    before = users_file.read_bytes()
    at = admin_page()
    at.selectbox(key="adm_compte_choix").set_value(MANAGER).run()
    at.selectbox(key="adm_compte_nouveau_role").set_value("partenaire").run()
    at.button(key="adm_compte_role_ok").click().run()
    assert "portée nationale" in at.error[0].value
    assert users_file.read_bytes() == before


def test_demo_accounts_are_listed_but_never_written(monkeypatch, tmp_path, tiny_root):
    for name in ("PEUPLEMENT_USERS_FILE", "PEUPLEMENT_COOKIE_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PEUPLEMENT_DEMO", "1")
    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(tiny_root))
    monkeypatch.setenv("PEUPLEMENT_AUDIT_FILE", str(tmp_path / "audit.jsonl"))
    before = DEMO_USERS_FILE.read_bytes()
    at = admin_page("admin.demo")
    assert "admin.demo" in list(accounts_table(at)["Identifiant"])
    assert accounts.DEMO_NOTICE in [i.value for i in at.info]
    assert not [b for b in at.button if b.label == "Créer le compte"]
    assert "adm_compte_bascule" not in [b.key for b in at.button]
    assert DEMO_USERS_FILE.read_bytes() == before


@pytest.mark.parametrize("username", [MANAGER, PARTNER])
def test_non_admins_are_refused(users_file, username):
    before = users_file.read_bytes()
    at = session(username, str(page_path("administration"))).run()
    assert at.error[0].value.startswith("Accès refusé")
    assert not at.dataframe and not at.text_input
    assert users_file.read_bytes() == before
