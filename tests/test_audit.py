"""The audit trail: one JSON line per event, appended, with every field, never a secret."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest

from semantic.errors import InvalidValueError
from semantic.scope import Scope
from ui.shell import audit

PARTNER = Scope(role="partenaire", epci=("243800984",))
FIELDS = ["ts", "user", "role", "scope", "event", "details"]


def test_each_event_appends_one_line_with_every_field(tmp_path):
    path = tmp_path / "audit" / "audit.jsonl"  # the folder is created on first write
    audit.record(path, "login_success", user="p.test", role="partenaire", scope=PARTNER)
    audit.record(
        path,
        "export",
        user="p.test",
        role="partenaire",
        scope=PARTNER,
        details={"indicateur": "taux_vacance", "lignes": 3},
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert list(first) == FIELDS
    assert first["event"] == "login_success" and second["event"] == "export"
    assert first["scope"] == {"national": False, "epci": ["243800984"], "communes": []}
    assert second["details"] == {"indicateur": "taux_vacance", "lignes": 3}
    ts = datetime.fromisoformat(first["ts"])
    assert ts.utcoffset().total_seconds() == 0
    assert abs((datetime.now(UTC) - ts).total_seconds()) < 60


def test_existing_lines_are_never_rewritten(tmp_path):
    path = tmp_path / "audit.jsonl"
    audit.record(path, "logout", user="a", role="admin", scope=Scope.internal("admin"))
    before = path.read_bytes()
    audit.record(path, "admin_action", user="a", role="admin", scope=None, details={"action": "x"})
    after = path.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 2


def test_unknown_event_is_refused(tmp_path):
    with pytest.raises(InvalidValueError, match="Événement d'audit inconnu : « login »"):
        audit.record(tmp_path / "a.jsonl", "login", user=None, role=None, scope=None)


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
def test_details_that_could_hold_a_secret_are_refused_and_nothing_is_written(tmp_path, details):
    path = tmp_path / "a.jsonl"
    with pytest.raises(InvalidValueError, match="jamais de mot de passe"):
        audit.record(path, "login_failure", user="x", role=None, scope=None, details=details)
    assert not path.exists()


def test_concurrent_sessions_write_whole_lines(tmp_path):
    path = tmp_path / "a.jsonl"
    details = {"texte": "é" * 2000}  # long lines: an interleaved write would break the JSON

    def session(n: int) -> None:
        for _ in range(25):
            audit.record(path, "export", user=f"u{n}", role="manager", scope=None, details=details)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    events = audit.read_events(path)
    assert len(events) == 200
    assert {e["user"] for e in events} == {f"u{n}" for n in range(8)}


def test_read_events_of_an_absent_file_is_empty(tmp_path):
    assert audit.read_events(tmp_path / "absent.jsonl") == []


def test_events_match_the_documented_list():
    assert audit.EVENTS == (
        "login_success",
        "login_failure",
        "lockout",
        "logout",
        "access_refused",
        "export",
        "admin_action",
    )
