"""Failed-login counts per username, kept server-side in the state store.

The counts live on the server, so a browser cannot reset them by clearing its cookies or opening a
new session, and every server process sharing the database shares them. Unknown usernames are
counted like known ones: the answer never reveals whether an account exists.

Two rules make the count hold under attack:

- An attempt is **reserved** (counted as a failure) inside a write transaction *before* its
  password is checked, and refused when the account is locked or when the failures and the
  attempts being checked already reach the limit. Ten wrong passwords submitted at once therefore
  get exactly `max_failures` checks and one lockout; a good password clears the count.
- The table holds no typed text: each key is an HMAC-SHA256 of the normalised username with a
  server secret, so a password typed in the Identifiant field is never written in clear.

Each read-modify-write runs in one transaction holding the row (PostgreSQL: the row is inserted if
absent, then locked with `SELECT … FOR UPDATE`; SQLite: `BEGIN IMMEDIATE` holds the database).
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import Connection, delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from store.database import Store
from store.models import LoginFailure

# Longer names are cut: what is hashed stays bounded whatever an attacker types.
MAX_USERNAME_LENGTH = 100
# Domain separation: the secret also signs session cookies; these digests must never collide.
_HMAC_CONTEXT = b"peuplement/login-throttle/"


@dataclass(frozen=True)
class LockStatus:
    locked: bool
    remaining_seconds: int  # wait before the next try, 0 when not locked
    attempts_left: int  # failures still allowed before the lockout
    started_lockout: bool = False  # this failure is the one that locked the account


@dataclass(frozen=True)
class Reservation:
    """An attempt counted before its password is checked."""

    allowed: bool  # False: the password must not be checked
    status: LockStatus  # the state counting this attempt as a failure
    busy: bool  # refused because the attempts being checked already reach the limit


def normalise_username(username: str) -> str:
    """The form the authenticator checks (lower case, stripped), cut to a bounded length."""
    return username.strip().lower()[:MAX_USERNAME_LENGTH]


class LoginThrottle:
    def __init__(
        self,
        store: Store,
        *,
        secret: str | bytes,
        max_failures: int,
        window_seconds: int,
        lockout_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self._secret = secret.encode("utf-8") if isinstance(secret, str) else secret
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self.clock = clock

    def key(self, username: str) -> str:
        """What the table holds for `username`: an HMAC, never the typed text."""
        name = normalise_username(username).encode("utf-8")
        return hmac.new(self._secret, _HMAC_CONTEXT + name, hashlib.sha256).hexdigest()

    def status(self, username: str) -> LockStatus:
        return self._status(self._read(self.key(username)), self.clock())

    def _read(self, key: str) -> dict | None:
        with self.store.read() as conn:
            row = conn.execute(select(LoginFailure).where(LoginFailure.key == key))
            return _plain(row.mappings().first())

    def reserve(self, username: str) -> Reservation:
        """Count this attempt as a failure now, before its password is checked.

        Refused (nothing counted) while the account is locked, and while the failures and the
        attempts still being checked already reach the limit (`busy`: the caller may wait for
        those to end). The lockout itself starts when a failure is confirmed
        (`record_failure`), so that good passwords checked at the same time are not refused.
        """
        now = self.clock()
        key = self.key(username)
        refused = self._refusal(self._read(key), now)
        if refused is not None:  # decided on a read: waiting attempts never queue for the write
            return refused  # lock, where they would delay the failures being recorded
        with self.store.write() as conn:
            entry = self._locked_row(conn, key)
            refused = self._refusal(entry, now)
            if refused is not None:
                return refused
            recent = [t for t in entry["failures"] if now - t < self.window_seconds]
            entry = {"failures": [*recent, now], "locked_until": 0.0}
            self._save(conn, key, entry, now)
            return Reservation(True, self._status(entry, now), False)

    def _refusal(self, entry: dict | None, now: float) -> Reservation | None:
        """The refusal of an attempt on `entry` (locked, or busy), None when it may be checked."""
        if entry is None:
            return None
        if entry["locked_until"] > now:
            return Reservation(False, self._status(entry, now), False)
        recent = [t for t in entry["failures"] if now - t < self.window_seconds]
        if len(recent) >= self.max_failures:
            return Reservation(False, self._status(entry, now), True)
        return None

    def record_failure(self, username: str) -> LockStatus:
        """A reserved attempt's password was wrong: it stays counted; when the count reaches the
        limit, the lockout starts (`started_lockout` on exactly one failure)."""
        now = self.clock()
        key = self.key(username)
        with self.store.write() as conn:
            entry = self._locked_row(conn, key)
            if not entry["failures"] and not entry["locked_until"]:
                # a good password checked meanwhile cleared the count: this failure still counts
                entry = {"failures": [now], "locked_until": 0.0}
                self._save(conn, key, entry, now)
            if entry["locked_until"] > now:
                return replace(self._status(entry, now), started_lockout=False)
            recent = [t for t in entry["failures"] if now - t < self.window_seconds]
            if len(recent) >= self.max_failures:
                entry = {"failures": [], "locked_until": now + self.lockout_seconds}
                self._save(conn, key, entry, now)
                return replace(self._status(entry, now), started_lockout=True)
            return self._status(entry, now)

    def record_success(self, username: str) -> None:
        """A good password: the account's failures (its own reservation included) are forgotten."""
        with self.store.write() as conn:
            conn.execute(delete(LoginFailure).where(LoginFailure.key == self.key(username)))

    def keys(self) -> set[str]:
        """The keys the table holds (HMACs only)."""
        with self.store.read() as conn:
            return set(conn.execute(select(LoginFailure.key)).scalars())

    def _status(self, entry: dict | None, now: float) -> LockStatus:
        if not entry or (not entry["failures"] and not entry["locked_until"]):
            return LockStatus(False, 0, self.max_failures)
        if entry["locked_until"] > now:
            return LockStatus(True, int(entry["locked_until"] - now + 0.999), 0)
        recent = [t for t in entry["failures"] if now - t < self.window_seconds]
        return LockStatus(False, 0, self.max_failures - len(recent))

    def _locked_row(self, conn: Connection, key: str) -> dict:
        """The row of `key`, created empty if absent, locked until the transaction ends."""
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        # On PostgreSQL another attempt may have created the row (so ours did nothing), then pruned
        # it and committed before our SELECT: insert again, each statement sees the latest commits.
        for _ in range(5):
            conn.execute(
                insert(LoginFailure)
                .values(key=key, failures=[], locked_until=0.0)
                .on_conflict_do_nothing(index_elements=["key"])
            )
            row = (
                conn.execute(select(LoginFailure).where(LoginFailure.key == key).with_for_update())
                .mappings()
                .one_or_none()
            )
            if row is not None:
                return _plain(row)
        raise RuntimeError(f"login_failures: the row of {key!r} keeps disappearing")

    def _save(self, conn: Connection, key: str, entry: dict, now: float) -> None:
        conn.execute(
            update(LoginFailure)
            .where(LoginFailure.key == key)
            .values(failures=entry["failures"], locked_until=entry["locked_until"])
        )
        self._prune(conn, now)

    def _prune(self, conn: Connection, now: float) -> None:
        """Drop rows that no longer lock or count, so the table does not grow without bound (the
        failures are JSON, so the test on them is made here rather than in SQL)."""
        rows = conn.execute(select(LoginFailure).where(LoginFailure.locked_until <= now))
        stale = [
            row.key for row in rows if not any(now - t < self.window_seconds for t in row.failures)
        ]
        if stale:
            conn.execute(delete(LoginFailure).where(LoginFailure.key.in_(stale)))


def _plain(row) -> dict | None:
    if row is None:
        return None
    return {"failures": list(row["failures"] or []), "locked_until": float(row["locked_until"])}


def format_wait(seconds: int) -> str:
    """A wait in French words: « 14 min 5 s », « 40 s »."""
    minutes, secs = divmod(max(int(seconds), 0), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"
