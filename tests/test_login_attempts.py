"""One login attempt under attack: reserved before the password check (threads racing on one
account), no typed text kept in the failure counts, and the same bcrypt cost for unknown names.

Plain functions (ui.login_attempts), the demo accounts of data/demo_users.yaml (bcrypt cost 12),
the audit trail and the counts in a temporary folder.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ui import audit
from ui.auth import check_startup_settings
from ui.login_attempts import check_login, throttle_for
from ui.settings import MAX_FAILED_LOGINS

PARTNER, PASSWORD = "partenaire.voironnais", "Demo-Voironnais-2026!"


@pytest.fixture
def settings(tmp_path):
    env = {"PEUPLEMENT_DEMO": "1", "PEUPLEMENT_AUDIT_FILE": str(tmp_path / "audit.jsonl")}
    return check_startup_settings(env, secrets={})


def events(path: Path, event: str) -> list[dict]:
    return [e for e in audit.read_events(path) if e["event"] == event]


@pytest.mark.slow
def test_ten_parallel_wrong_then_right_attempts_on_a_locked_account_never_get_in(settings):
    for _ in range(MAX_FAILED_LOGINS):
        assert check_login(settings, PARTNER, "mauvais").username is None
    assert len(events(settings.audit_file, "lockout")) == 1

    def wrong_then_right(_) -> list:
        return [check_login(settings, PARTNER, "mauvais"), check_login(settings, PARTNER, PASSWORD)]

    with ThreadPoolExecutor(max_workers=10) as pool:
        attempts = [a for pair in pool.map(wrong_then_right, range(10)) for a in pair]
    assert len(attempts) == 20
    assert all(a.username is None and a.locked for a in attempts)
    assert len(events(settings.audit_file, "lockout")) == 1  # the first one, and no other
    refused = events(settings.audit_file, "login_failure")[MAX_FAILED_LOGINS:]
    assert len(refused) == 20 and all(
        e["details"] == {"motif": "compte_verrouille"} for e in refused
    )
    assert not events(settings.audit_file, "login_success")


def test_ten_wrong_passwords_at_once_get_five_checks_and_one_lockout(settings):
    with ThreadPoolExecutor(max_workers=10) as pool:
        attempts = list(pool.map(lambda _: check_login(settings, PARTNER, "mauvais"), range(10)))
    failures = events(settings.audit_file, "login_failure")
    checked = [e for e in failures if "motif" not in e["details"]]
    assert len(failures) == 10 and not any(a.username for a in attempts)
    assert len(checked) == MAX_FAILED_LOGINS  # the others waited, then found the account locked
    assert [e["details"] for e in failures if "motif" in e["details"]] == [
        {"motif": "compte_verrouille"}
    ] * (10 - MAX_FAILED_LOGINS)
    assert len(events(settings.audit_file, "lockout")) == 1


@pytest.mark.slow
def test_ten_good_passwords_at_once_all_get_in(settings):
    with ThreadPoolExecutor(max_workers=10) as pool:
        attempts = list(pool.map(lambda _: check_login(settings, PARTNER, PASSWORD), range(10)))
    assert [a.username for a in attempts] == [PARTNER] * 10
    assert not events(settings.audit_file, "login_failure")


def test_failure_counts_hold_no_typed_text(settings):
    typed = "MotDePasseTapéPourIdentifiant"
    check_login(settings, typed, "x")
    check_login(settings, PARTNER, "y")
    text = settings.login_state_file.read_text(encoding="utf-8")
    assert typed.lower() not in text.lower() and PARTNER not in text
    throttle = throttle_for(settings)
    assert set(json.loads(text)) == {throttle.key(typed), throttle.key(PARTNER)}
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in json.loads(text))
    assert throttle_for(settings).status(PARTNER).attempts_left == MAX_FAILED_LOGINS - 1


def test_a_state_file_with_names_in_clear_loses_them_at_the_next_write(settings):
    old = {PARTNER: {"echecs": [time.time()], "verrouille_jusqua": 0.0}}
    settings.login_state_file.parent.mkdir(parents=True, exist_ok=True)
    settings.login_state_file.write_text(json.dumps(old), encoding="utf-8")
    check_login(settings, "quelqu.un", "x")
    assert PARTNER not in settings.login_state_file.read_text(encoding="utf-8")


def _seconds(settings, name: str) -> float:
    start = time.perf_counter()
    check_login(settings, name, "mauvais-mot-de-passe")
    return time.perf_counter() - start


def test_an_unknown_name_costs_a_bcrypt_check_like_a_known_one(settings):
    _seconds(settings, "inconnu.0")  # the dummy hash is made once per cost: not measured
    known = min(_seconds(settings, PARTNER) for _ in range(2))
    unknown = min(_seconds(settings, f"inconnu.{n}") for n in range(1, 3))
    # Demo hashes have cost 12 (~0.1-0.3 s here); an answer without bcrypt takes milliseconds.
    assert known > 0.05
    assert unknown > 0.6 * known, (known, unknown)


def test_a_failure_confirmed_after_a_concurrent_success_still_counts(settings):
    throttle = throttle_for(settings)
    assert throttle.reserve(PARTNER).allowed  # a wrong password being checked...
    throttle.record_success(PARTNER)  # ...while a good one clears the count
    assert not throttle.record_failure(PARTNER).locked
    assert throttle.status(PARTNER).attempts_left == MAX_FAILED_LOGINS - 1
