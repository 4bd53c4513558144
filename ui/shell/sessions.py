"""The server-side registry of open sessions: a session is valid only while it is listed here.

streamlit-authenticator signs a re-authentication cookie (username and expiry date) but keeps no
server-side state: a copied cookie logs in for a whole day, even after a logout. The portal
therefore lists every session it opens; a logout, a password change, a disabled account or an
administrator's « déconnecter tout le monde » removes sessions from the list, and the next
interaction of that session — in any server process — finds it gone and shows the login form.

`SessionRegistry` is the small interface the portal uses; `FileSessionRegistry` keeps it in one
JSON file next to the audit trail, under a file lock, so that every server process of one machine
shares it. A database-backed store (the shared state store planned for the concertation feature)
only has to implement the same five methods.

A session is named by its cookie (`session_id`: the username and the cookie's expiry instant, which
the signed cookie carries); the file holds only a SHA-256 of that name. Each entry also keeps a
fingerprint of the account's password hash at login: when the hash changes (a new password, by
the portal or by hand in the users file), the session no longer matches.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ui.shell.json_store import write_json_atomically


@dataclass(frozen=True)
class SessionEntry:
    username: str
    expires: float  # epoch seconds: the cookie's expiry
    fingerprint: str  # of the password hash at login (`password_fingerprint`)


class SessionRegistry(Protocol):
    def open(self, session_id: str, entry: SessionEntry) -> None: ...
    def get(self, session_id: str) -> SessionEntry | None: ...
    def close(self, session_id: str) -> None: ...
    def close_user(self, username: str) -> int: ...
    def close_all(self, keep: str | None = None) -> int: ...


def session_id(username: str, expires: float) -> str:
    """The name of the session a signed cookie stands for: its username and expiry instant."""
    return f"{username}\n{float(expires)!r}"


def password_fingerprint(password_hash: str) -> str:
    """Enough of a digest of the bcrypt hash to see it change, and nothing usable to guess it."""
    return hashlib.sha256(password_hash.encode("ascii")).hexdigest()[:16]


class FileSessionRegistry:
    """Sessions in a JSON file: {sha256 of the session id: {user, expire, empreinte}}."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock

    def open(self, session_id: str, entry: SessionEntry) -> None:
        with self._state(write=True) as state:
            state[_digest(session_id)] = {
                "user": entry.username,
                "expire": entry.expires,
                "empreinte": entry.fingerprint,
            }

    def get(self, session_id: str) -> SessionEntry | None:
        with self._state() as state:
            found = state.get(_digest(session_id))
        if not found or found["expire"] <= self.clock():
            return None
        return SessionEntry(found["user"], found["expire"], found["empreinte"])

    def close(self, session_id: str) -> None:
        with self._state(write=True) as state:
            state.pop(_digest(session_id), None)

    def close_user(self, username: str) -> int:
        """Close every session of `username`; how many were open."""
        with self._state(write=True) as state:
            mine = [key for key, entry in state.items() if entry["user"] == username]
            for key in mine:
                del state[key]
            return len(mine)

    def close_all(self, keep: str | None = None) -> int:
        """Close every session but `keep` (the administrator's own); how many were closed."""
        kept = _digest(keep) if keep else None
        with self._state(write=True) as state:
            closed = [key for key in state if key != kept]
            for key in closed:
                del state[key]
            return len(closed)

    @contextmanager
    def _state(self, write: bool = False) -> Iterator[dict]:
        """The sessions under an exclusive lock; when `write`, saved atomically on exit."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = json.loads(self.path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                state = {}
            yield state
            if write:
                now = self.clock()
                self._save({k: e for k, e in state.items() if e["expire"] > now})

    def _save(self, state: dict) -> None:
        write_json_atomically(self.path, state)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()
