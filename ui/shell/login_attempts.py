"""One login attempt, from the typed name and password to the verdict, with its audit trail.

No Streamlit here (the form is `ui.shell.login`), so that the rule can be tested with threads:

1. the attempt is reserved in the server-side count *before* the password is checked
   (`store.login_throttle.LoginThrottle.reserve`): while an account is locked, no password is checked;
2. the password is checked with bcrypt against the account's hash, or, for an unknown or disabled
   name, against a dummy hash of the same cost: both answers take the same time, so timing does
   not tell which names exist;
3. a good password clears the count; a bad one stays counted, and the failure that reaches the
   limit records the lockout (exactly once, whatever the number of attempts in flight). An
   attempt arriving while the count is full of attempts still being checked waits for them.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

import bcrypt

from store.login_throttle import LoginThrottle, Reservation, normalise_username
from ui.shell.auth import audit_for
from ui.shell.settings import PortalSettings
from ui.shell.users import UserRecord, load_users

# bcrypt reads at most 72 bytes (bcrypt 5 refuses more): a longer password can match nothing.
BCRYPT_MAX_BYTES = 72
# The cost of the dummy hash when the users file gives none to copy (bcrypt's default).
DEFAULT_BCRYPT_COST = 12
# An attempt finding the count full of attempts still being checked waits for them this long,
# polling the count at this interval. Waiting costs a sleeping thread, and the checks themselves
# stay bounded by the count. 5 s was too short: in CI, ten logins to one account just after a
# restart (the engine building on the same 2 cores) waited longer than that for five bcrypt checks,
# and the tenth was refused.
BUSY_WAIT_SECONDS = 20.0
BUSY_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class LoginAttempt:
    username: str | None  # the account that logged in; None when refused
    locked: bool  # refused because the account is locked (now, or by this attempt)
    remaining_seconds: int
    attempts_left: int
    busy: bool = False  # refused because too many attempts on the account were being checked


def throttle_for(settings: PortalSettings) -> LoginThrottle:
    """The server-side count; its keys are HMACs made with the cookie key (a server secret)."""
    return LoginThrottle(
        settings.store,
        secret=settings.cookie_key,
        max_failures=settings.max_failed_logins,
        window_seconds=settings.failure_window_seconds,
        lockout_seconds=settings.lockout_seconds,
    )


def check_login(settings: PortalSettings, typed_name: str, password: str) -> LoginAttempt:
    """Reserve, check, count and audit one attempt (see the module docstring)."""
    name = normalise_username(typed_name)
    users = load_users(settings.users_file)
    record = users.get(name)
    known = name if record else None  # what was typed for an unknown account is never logged
    throttle = throttle_for(settings)
    reservation = _reserve(throttle, name)
    if not reservation.allowed:
        motif = "tentatives_simultanees" if reservation.busy else "compte_verrouille"
        audit_for(settings, "login_failure", known, record, {"motif": motif})
        status = reservation.status
        return LoginAttempt(None, True, status.remaining_seconds, 0, busy=reservation.busy)
    hashed = record.password if record else dummy_hash(_cost_of(users))
    good = password_matches(password, hashed) and record is not None
    if good:
        throttle.record_success(name)
        return LoginAttempt(name, False, 0, settings.max_failed_logins)
    status = throttle.record_failure(name)
    audit_for(settings, "login_failure", known, record, {"identifiant_connu": record is not None})
    if status.started_lockout:
        audit_for(settings, "lockout", known, record, {"duree_s": settings.lockout_seconds})
    return LoginAttempt(None, status.locked, status.remaining_seconds, status.attempts_left)


def _reserve(throttle: LoginThrottle, name: str) -> Reservation:
    """A reservation; while the attempts being checked fill the count, wait for them to end (a
    good password among them clears it) rather than refuse a good password checked alongside."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        reservation = throttle.reserve(name)
        if not reservation.busy or time.monotonic() > deadline:
            return reservation
        time.sleep(BUSY_POLL_SECONDS)


def password_matches(password: str, hashed: str) -> bool:
    """bcrypt's check, as streamlit-authenticator does it (the typed password is stripped)."""
    typed = password.strip().encode("utf-8")
    if len(typed) > BCRYPT_MAX_BYTES:
        typed = typed[:BCRYPT_MAX_BYTES]  # still hashed, so a long guess costs the same time
        bcrypt.checkpw(typed, hashed.encode("ascii"))
        return False
    return bcrypt.checkpw(typed, hashed.encode("ascii"))


@lru_cache(maxsize=4)
def dummy_hash(cost: int) -> str:
    """A hash of a random password nobody knows, at `cost`: checked for unknown names."""
    salt = bcrypt.gensalt(rounds=cost)
    return bcrypt.hashpw(secrets.token_bytes(32).hex().encode("ascii")[:64], salt).decode("ascii")


def _cost_of(users: dict[str, UserRecord]) -> int:
    """The cost of the users' hashes ($2b$12$… → 12), so the dummy check takes as long."""
    for record in users.values():
        return int(record.password.split("$")[2])
    return DEFAULT_BCRYPT_COST
