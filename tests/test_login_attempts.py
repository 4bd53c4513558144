"""One login attempt under attack: reserved before the password check (threads racing on one
account), no typed text kept in the failure counts, and the same bcrypt cost for unknown names.

Plain functions (ui.shell.login_attempts), the demo accounts of data/demo_users.yaml (bcrypt cost 12),
the audit trail and the counts in a temporary folder.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from store.models import LoginFailure
from ui.shell import audit
from ui.shell.auth import check_startup_settings
from ui.shell.login_attempts import check_login, throttle_for
from ui.shell.settings import MAX_FAILED_LOGINS

PARTNER, PASSWORD = "partenaire.voironnais", "Demo-Voironnais-2026!"


@pytest.fixture
def settings(tmp_path, store_url):
    """The portal's settings on a fresh state store: SQLite, and PostgreSQL (the races below must
    hold on both: file locks are gone, the database's transactions and row locks replace them)."""
    env = {
        "PEUPLEMENT_DEMO": "1",
        "PEUPLEMENT_AUDIT_FILE": str(tmp_path / "audit.jsonl"),
        "PEUPLEMENT_DATABASE_URL": store_url,
    }
    return check_startup_settings(env, secrets={})


def events(where, event: str) -> list[dict]:
    return [e for e in audit.read_events(where) if e["event"] == event]


@pytest.mark.slow
def test_ten_parallel_wrong_then_right_attempts_on_a_locked_account_never_get_in(settings):
    for _ in range(MAX_FAILED_LOGINS):
        assert check_login(settings, PARTNER, "mauvais").username is None
    assert len(events(settings.store, "lockout")) == 1

    def wrong_then_right(_) -> list:
        return [check_login(settings, PARTNER, "mauvais"), check_login(settings, PARTNER, PASSWORD)]

    with ThreadPoolExecutor(max_workers=10) as pool:
        attempts = [a for pair in pool.map(wrong_then_right, range(10)) for a in pair]
    assert len(attempts) == 20
    assert all(a.username is None and a.locked for a in attempts)
    assert len(events(settings.store, "lockout")) == 1  # the first one, and no other
    refused = events(settings.store, "login_failure")[MAX_FAILED_LOGINS:]
    assert len(refused) == 20 and all(
        e["details"] == {"motif": "compte_verrouille"} for e in refused
    )
    assert not events(settings.store, "login_success")


def test_ten_wrong_passwords_at_once_get_five_checks_and_one_lockout(settings):
    with ThreadPoolExecutor(max_workers=10) as pool:
        attempts = list(pool.map(lambda _: check_login(settings, PARTNER, "mauvais"), range(10)))
    failures = events(settings.store, "login_failure")
    checked = [e for e in failures if "motif" not in e["details"]]
    assert len(failures) == 10 and not any(a.username for a in attempts)
    assert len(checked) == MAX_FAILED_LOGINS  # the others waited, then found the account locked
    assert [e["details"] for e in failures if "motif" in e["details"]] == [
        {"motif": "compte_verrouille"}
    ] * (10 - MAX_FAILED_LOGINS)
    assert len(events(settings.store, "lockout")) == 1


@pytest.mark.slow
def test_ten_good_passwords_at_once_all_get_in(settings):
    with ThreadPoolExecutor(max_workers=10) as pool:
        attempts = list(pool.map(lambda _: check_login(settings, PARTNER, PASSWORD), range(10)))
    assert [a.username for a in attempts] == [PARTNER] * 10
    assert not events(settings.store, "login_failure")


def failure_table_text(settings) -> str:
    """Every row of the failure counts, as text: what a reader of the database would see."""
    with settings.store.read() as conn:
        rows = conn.execute(select(LoginFailure)).mappings().all()
    return json.dumps({row["key"]: [row["failures"], row["locked_until"]] for row in rows})


def test_failure_counts_hold_no_typed_text(settings):
    typed = "MotDePasseTapéPourIdentifiant"
    check_login(settings, typed, "x")
    check_login(settings, PARTNER, "y")
    text = failure_table_text(settings)
    assert typed.lower() not in text.lower() and PARTNER not in text
    throttle = throttle_for(settings)
    assert set(json.loads(text)) == {throttle.key(typed), throttle.key(PARTNER)}
    assert all(len(key) == 64 and int(key, 16) >= 0 for key in json.loads(text))
    assert throttle_for(settings).status(PARTNER).attempts_left == MAX_FAILED_LOGINS - 1


def test_an_unknown_name_costs_a_bcrypt_check_like_a_known_one(settings, monkeypatch):
    """Timing cannot tell a known name from an unknown one: both answers run one bcrypt check,
    against hashes of the same cost (counted, not timed: a timed assertion fails on a busy
    machine)."""
    from ui.shell import login_attempts

    checked: list[bytes] = []
    real = login_attempts.bcrypt.checkpw

    def counting(password: bytes, hashed: bytes) -> bool:
        checked.append(hashed)
        return real(password, hashed)

    monkeypatch.setattr(login_attempts.bcrypt, "checkpw", counting)
    check_login(settings, PARTNER, "mauvais-mot-de-passe")
    check_login(settings, "inconnu.1", "mauvais-mot-de-passe")
    known, unknown = checked
    assert known != unknown
    assert known[:7] == unknown[:7] == b"$2b$12$"  # the same algorithm and cost (demo hashes: 12)


def test_a_failure_confirmed_after_a_concurrent_success_still_counts(settings):
    throttle = throttle_for(settings)
    assert throttle.reserve(PARTNER).allowed  # a wrong password being checked...
    throttle.record_success(PARTNER)  # ...while a good one clears the count
    assert not throttle.record_failure(PARTNER).locked
    assert throttle.status(PARTNER).attempts_left == MAX_FAILED_LOGINS - 1


def test_an_attempt_waits_for_the_checks_in_flight_then_gets_in(settings):
    """Five attempts being checked fill the count: a sixth, with the good password, waits for
    them (here they end after 0.5 s, a good password among them clearing the count) instead of
    being refused."""
    import threading

    throttle = throttle_for(settings)
    for _ in range(MAX_FAILED_LOGINS):
        assert throttle.reserve(PARTNER).allowed
    assert throttle.reserve(PARTNER).busy
    threading.Timer(0.5, throttle.record_success, args=(PARTNER,)).start()
    assert check_login(settings, PARTNER, PASSWORD).username == PARTNER
    assert not events(settings.store, "login_failure")


def test_an_attempt_still_waiting_at_the_bound_is_refused_as_busy(settings, monkeypatch):
    from ui.shell import login_attempts

    monkeypatch.setattr(login_attempts, "BUSY_WAIT_SECONDS", 0.3)
    throttle = throttle_for(settings)
    for _ in range(MAX_FAILED_LOGINS):
        throttle.reserve(PARTNER)  # checks that never end
    attempt = check_login(settings, PARTNER, PASSWORD)
    assert attempt.username is None and attempt.busy
    (failure,) = events(settings.store, "login_failure")
    assert failure["details"] == {"motif": "tentatives_simultanees"}
