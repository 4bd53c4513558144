"""Failed-login counts per username, kept server-side in a small JSON file.

The counts live on the server (next to the audit file), so a browser cannot reset them by clearing
its cookies or opening a new session, and several server processes share them. Unknown usernames
are counted like known ones: the answer never reveals whether an account exists.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

# Longer names are cut: the state file must stay small whatever an attacker types.
MAX_USERNAME_LENGTH = 100


@dataclass(frozen=True)
class LockStatus:
    locked: bool
    remaining_seconds: int  # wait before the next try, 0 when not locked
    attempts_left: int  # failures still allowed before the lockout


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
        max_failures: int,
        window_seconds: int,
        lockout_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = path
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self.lockout_seconds = lockout_seconds
        self.clock = clock

    def status(self, username: str) -> LockStatus:
        with self._state() as state:
            return self._status(state.get(normalise_username(username)), self.clock())

    def record_failure(self, username: str) -> LockStatus:
        """Count one failure; the status says whether this failure started a lockout."""
        now = self.clock()
        with self._state(write=True) as state:
            key = normalise_username(username)
            entry = state.get(key) or {"echecs": [], "verrouille_jusqua": 0.0}
            if entry["verrouille_jusqua"] <= now:
                recent = [t for t in entry["echecs"] if now - t < self.window_seconds] + [now]
                if len(recent) >= self.max_failures:
                    entry = {"echecs": [], "verrouille_jusqua": now + self.lockout_seconds}
                else:
                    entry = {"echecs": recent, "verrouille_jusqua": 0.0}
            state[key] = entry
            return self._status(entry, now)

    def record_success(self, username: str) -> None:
        with self._state(write=True) as state:
            state.pop(normalise_username(username), None)

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
        """Drop entries that no longer lock or count, so the file does not grow without bound."""
        return {
            name: entry
            for name, entry in state.items()
            if entry["verrouille_jusqua"] > now
            or any(now - t < self.window_seconds for t in entry["echecs"])
        }

    def _save(self, state: dict) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".login_failures.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, self.path)
