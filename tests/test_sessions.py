"""The server-side session registry: the state store's table on its own (SQLite and PostgreSQL),
and the portal's sessions ending at their next interaction once closed elsewhere (another server
process closing them is the same table changing)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from store.sessions import (
    SessionEntry,
    StoreSessionRegistry,
    password_fingerprint,
    session_id,
)
from tests.apptest_support import HOME, portal, steady_navigation
from ui.shell import audit
from ui.shell.auth import SESSION_ID_KEY
from ui.shell.login import PASSWORD_WIDGET, USERNAME_WIDGET

PARTNER, PASSWORD = "partenaire.voironnais", "Demo-Voironnais-2026!"


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture
def audit_file(monkeypatch, tmp_path, tiny_root):
    return portal(monkeypatch, tmp_path, tiny_root)


# --- the store's table -------------------------------------------------------------------------------


def test_the_store_opens_finds_and_closes_sessions(store):
    now = [1000.0]
    registry = StoreSessionRegistry(store, clock=lambda: now[0])
    a, b, c = session_id("a", 2000.0), session_id("a", 2500.0), session_id("b", 2000.0)
    for sid, user, expires in ((a, "a", 2000.0), (b, "a", 2500.0), (c, "b", 2000.0)):
        registry.open(sid, SessionEntry(user, expires, "f"))
    assert registry.get(a) == SessionEntry("a", 2000.0, "f")
    registry.close(a)
    assert registry.get(a) is None and registry.get(b) is not None
    assert registry.close_user("a") == 1 and registry.get(b) is None
    assert registry.get(c) is not None
    now[0] = 2000.0  # expired at its cookie's expiry
    assert registry.get(c) is None


def test_log_out_everyone_keeps_only_the_given_session(store):
    registry = StoreSessionRegistry(store)
    ids = [session_id(u, 4e9) for u in ("a", "b", "c")]
    for sid, user in zip(ids, "abc", strict=True):
        registry.open(sid, SessionEntry(user, 4e9, "f"))
    assert registry.close_all(keep=ids[0]) == 2
    assert [registry.get(sid) is not None for sid in ids] == [True, False, False]


def test_the_table_holds_digests_not_session_names(store):
    registry = StoreSessionRegistry(store)
    registry.open(session_id("m.durand", 4e9), SessionEntry("m.durand", 4e9, "f"))
    (key,) = registry.digests()
    assert len(key) == 64 and "m.durand" not in key


def test_a_fingerprint_changes_with_the_hash_only():
    assert password_fingerprint("$2b$12$" + "a" * 53) == password_fingerprint("$2b$12$" + "a" * 53)
    assert password_fingerprint("$2b$12$" + "a" * 53) != password_fingerprint("$2b$12$" + "b" * 53)


# --- the portal ----------------------------------------------------------------------------------


def logged_in_by_form() -> AppTest:
    at = AppTest.from_file(HOME, default_timeout=60)
    at.secrets["unrelated"] = "x"
    at.run()
    at.text_input(key=USERNAME_WIDGET).input(PARTNER)
    at.text_input(key=PASSWORD_WIDGET).input(PASSWORD)
    at.button[0].click().run()
    assert [t.value for t in at.title] == ["Accueil"]
    return at


def test_a_login_registers_the_session_and_a_logout_removes_it(audit_file):
    at = logged_in_by_form()
    registry = StoreSessionRegistry(audit.store_at(audit_file))
    sid = at.session_state[SESSION_ID_KEY]
    entry = registry.get(sid)
    assert entry is not None and entry.username == PARTNER
    at.button(key="deconnexion").click().run()
    assert registry.get(sid) is None


def test_a_session_closed_by_another_process_ends_at_its_next_interaction(audit_file):
    at = logged_in_by_form()
    StoreSessionRegistry(audit.store_at(audit_file)).close_all()  # another process
    at.run()
    assert [t.value for t in at.title] == ["Portail peuplement : connexion"]
    assert at.info[0].value.startswith("Votre session a été fermée")
    (logout,) = [e for e in audit.read_events(audit_file) if e["event"] == "logout"]
    assert logout["user"] == PARTNER and logout["details"] == {"motif": "session_fermee"}
