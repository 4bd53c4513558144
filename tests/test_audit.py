"""The audit trail: one event per row of the state store (SQLite and PostgreSQL), appended, with
every field, never a secret; exported as one JSON line per event."""

from __future__ import annotations

import io
import json
import threading
from datetime import UTC, datetime

import pytest

from semantic.errors import InvalidValueError
from semantic.scope import Scope
from store import audit
from ui.shell import audit as portal_audit

PARTNER = Scope(role="partenaire", epci=("243800984",))
FIELDS = ["ts", "user", "role", "scope", "event", "details"]


def exported(store) -> str:
    out = io.StringIO()
    audit.export_jsonl(audit.read_events(store), out)
    return out.getvalue()


def test_each_event_appends_one_line_with_every_field(store):
    audit.record(store, "login_success", user="p.test", role="partenaire", scope=PARTNER)
    audit.record(
        store,
        "export",
        user="p.test",
        role="partenaire",
        scope=PARTNER,
        details={"indicateur": "taux_vacance", "lignes": 3},
    )
    lines = exported(store).splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert list(first) == FIELDS
    assert first["event"] == "login_success" and second["event"] == "export"
    assert first["scope"] == {"national": False, "epci": ["243800984"], "communes": []}
    assert second["details"] == {"indicateur": "taux_vacance", "lignes": 3}
    ts = datetime.fromisoformat(first["ts"])
    assert ts.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - ts).total_seconds()) < 60


def test_existing_lines_are_never_rewritten(store):
    audit.record(store, "logout", user="a", role="admin", scope=Scope.internal("admin"))
    before = exported(store)
    audit.record(store, "admin_action", user="a", role="admin", scope=None, details={"action": "x"})
    after = exported(store)
    assert after.startswith(before) and after.count("\n") == 2


def test_unknown_event_is_refused(store):
    with pytest.raises(InvalidValueError, match="Événement d'audit inconnu : « login »"):
        audit.record(store, "login", user=None, role=None, scope=None)


@pytest.mark.parametrize(
    "details",
    [
        {"password": "x"},
        {"mot_de_passe": "x"},
        {"Password_Confirm": "x"},
        {"contexte": {"cookie_key": "x"}},
        {"token": "x"},
    ],
)
def test_details_that_could_hold_a_secret_are_refused_and_nothing_is_written(store, details):
    with pytest.raises(InvalidValueError, match="jamais de mot de passe"):
        audit.record(store, "login_failure", user="x", role=None, scope=None, details=details)
    assert audit.read_events(store) == []


def test_concurrent_sessions_write_whole_lines(store):
    details = {"texte": "é" * 2000}  # long lines: an interleaved write would break the JSON

    def session(n: int) -> None:
        for _ in range(25):
            audit.record(store, "export", user=f"u{n}", role="manager", scope=None, details=details)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = audit.read_events(store)
    assert len(events) == 200
    assert {e["user"] for e in events} == {f"u{n}" for n in range(8)}
    assert all(e["details"] == details for e in events)


def test_read_events_of_an_empty_store_is_empty(store):
    assert audit.read_events(store) == []


def test_an_audit_location_names_the_sqlite_store_beside_it(tmp_path):
    location = tmp_path / "audit" / "audit.jsonl"
    portal_audit.record(location, "logout", user="a", role="admin", scope=None)
    assert (tmp_path / "audit" / "peuplement.sqlite3").is_file()
    assert [e["event"] for e in portal_audit.read_events(location)] == ["logout"]
    assert portal_audit.read_events(tmp_path / "ailleurs" / "audit.jsonl") == []


def test_events_match_the_documented_list():
    assert audit.EVENTS == (
        "login_success",
        "login_failure",
        "lockout",
        "logout",
        "access_refused",
        "export",
        "admin_action",
        "concertation",
    )
