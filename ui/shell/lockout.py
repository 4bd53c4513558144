"""Failed-login counts per username, kept server-side in a small JSON file.

The counts live on the server (next to the audit file), so a browser cannot reset them by clearing
its cookies or opening a new session, and several server processes share them (one file lock).
Unknown usernames are counted like known ones: the answer never reveals whether an account exists.

Two rules make the count hold under attack:

- An attempt is **reserved** (counted as a failure) under the lock *before* its password is
  checked, and refused when the account is locked or when the failures and the attempts being
  checked already reach the limit. Ten wrong passwords submitted at once therefore get exactly
  `max_failures` checks and one lockout; a good password clears the count (`record_success`).
- The file holds no typed text: each key is an HMAC-SHA256 of the normalised username with a
  server secret, so a password typed in the Identifiant field is never written in clear.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from ui.shell.json_store import write_json_atomically

# Longer names are cut: what is hashed stays bounded whatever an attacker types.
MAX_USERNAME_LENGTH = 100
# What a key of the state file looks like (a hex HMAC-SHA256); anything else is dropped when saved
# (a file written by an older version held names in clear).
_KEY = re.compile(r"^[0-9a-f]{64}$")
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


def format_wait(seconds: int) -> str:
    """A wait in French words: « 14 min 5 s », « 40 s »."""
    minutes, secs = divmod(max(int(seconds), 0), 60)
    return f"{minutes} min {secs} s" if minutes else f"{secs} s"


class LoginThrottle:
    def __init__(
        self,
        path: Path,
        *,
        secret: str | bytes,
        max_failures: int,
        window_seconds: int,
        lockout_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self._secret = secret.encode("utf-8") if isinstance(secret, str) else secret
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self.clock = clock

    def key(self, username: str) -> str:
        """What the state file holds for `username`: an HMAC, never the typed text."""
        name = normalise_username(username).encode("utf-8")
        return hmac.new(self._secret, _HMAC_CONTEXT + name, hashlib.sha256).hexdigest()

    def status(self, username: str) -> LockStatus:
        with self._state() as state:
            return self._status(state.get(self.key(username)), self.clock())

    def reserve(self, username: str) -> Reservation:
        """Count this attempt as a failure now, under the lock, before its password is checked.

        Refused (nothing counted) while the account is locked, and while the failures and the
        attempts still being checked already reach the limit (`busy`: the caller may wait for
        those to end). The lockout itself starts when a failure is confirmed
        (`record_failure`), so that good passwords checked at the same time are not refused.
        """
        now = self.clock()
        with self._state(write=True) as state:
            key = self.key(username)
            entry = state.get(key) or {"echecs": [], "verrouille_jusqua": 0.0}
            if entry["verrouille_jusqua"] > now:
                return Reservation(False, self._status(entry, now), False)
            recent = [t for t in entry["echecs"] if now - t < self.window_seconds]
            if len(recent) >= self.max_failures:
                return Reservation(False, self._status(entry, now), True)
            state[key] = {"echecs": [*recent, now], "verrouille_jusqua": 0.0}
            return Reservation(True, self._status(state[key], now), False)

    def record_failure(self, username: str) -> LockStatus:
        """A reserved attempt's password was wrong: it stays counted; when the count reaches the
        limit, the lockout starts (`started_lockout` on exactly one failure)."""
        now = self.clock()
        with self._state(write=True) as state:
            key = self.key(username)
            # a good password checked meanwhile cleared the count: this failure still counts
            entry = state.setdefault(key, {"echecs": [now], "verrouille_jusqua": 0.0})
            if entry["verrouille_jusqua"] > now:
                return replace(self._status(entry, now), started_lockout=False)
            recent = [t for t in entry["echecs"] if now - t < self.window_seconds]
            if len(recent) >= self.max_failures:
                state[key] = {"echecs": [], "verrouille_jusqua": now + self.lockout_seconds}
                return replace(self._status(state[key], now), started_lockout=True)
            return self._status(entry, now)

    def record_success(self, username: str) -> None:
        """A good password: the account's failures (its own reservation included) are forgotten."""
        with self._state(write=True) as state:
            state.pop(self.key(username), None)

    def _status(self, entry: dict | None, now: float) -> LockStatus:
        if not entry:
            return LockStatus(False, 0, self.max_failures)
        if entry["verrouille_jusqua"] > now:
            return LockStatus(True, int(entry["verrouille_jusqua"] - now + 0.999), 0)
        recent = [t for t in entry["echecs"] if now - t < self.window_seconds]
        return LockStatus(False, 0, self.max_failures - len(recent))

    @contextmanager
    def _state(self, write: bool = False) -> Iterator[dict]:
        """The state under an exclusive lock; when `write`, saved atomically on exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            state = self._load()
            yield state
            if write:
                self._save(self._pruned(state, self.clock()))

    def _load(self) -> dict:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _pruned(self, state: dict, now: float) -> dict:
        """Drop entries that no longer lock or count, so the file does not grow without bound,
        and any key that is not an HMAC (so no typed text outlives an upgrade)."""
        return {
            key: entry
            for key, entry in state.items()
            if _KEY.match(key)
            and (
                entry["verrouille_jusqua"] > now
                or any(now - t < self.window_seconds for t in entry["echecs"])
            )
        }

    def _save(self, state: dict) -> None:
        write_json_atomically(self.path, state)
