"""The server-side registry of open sessions: a session is valid only while it is listed here.

streamlit-authenticator signs a re-authentication cookie (username and expiry date) but keeps no
server-side state: a copied cookie logs in for a whole day, even after a logout. The portal
therefore lists every session it opens; a logout, a password change, a disabled account or an
administrator's « déconnecter tout le monde » removes sessions from the list, and the next
interaction of that session — in any server process, on any machine sharing the database — finds
it gone and shows the login form.

A session is named by its cookie (`session_id`: the username and the cookie's expiry instant, which
the signed cookie carries); the table holds only a SHA-256 of that name. Each entry also keeps a
fingerprint of the account's password hash at login: when the hash changes (a new password, by
the portal or by hand in the users file), the session no longer matches.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import delete, select

from store.database import Store
from store.models import OpenSession


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


class StoreSessionRegistry:
    """Sessions in the `sessions` table of the state store."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def open(self, session_id: str, entry: SessionEntry) -> None:
        digest = _digest(session_id)
        with self.store.write() as conn:
            self._prune(conn)
            conn.execute(delete(OpenSession).where(OpenSession.digest == digest))
            conn.execute(
                OpenSession.__table__.insert().values(
                    digest=digest,
                    username=entry.username,
                    expires=float(entry.expires),
                    fingerprint=entry.fingerprint,
                )
            )

    def get(self, session_id: str) -> SessionEntry | None:
        with self.store.read() as conn:
            found = (
                conn.execute(select(OpenSession).where(OpenSession.digest == _digest(session_id)))
                .mappings()
                .first()
            )
        if not found or found["expires"] <= self.clock():
            return None
        return SessionEntry(found["username"], found["expires"], found["fingerprint"])

    def close(self, session_id: str) -> None:
        with self.store.write() as conn:
            conn.execute(delete(OpenSession).where(OpenSession.digest == _digest(session_id)))

    def close_user(self, username: str) -> int:
        """Close every session of `username`; how many were open."""
        with self.store.write() as conn:
            self._prune(conn)
            done = conn.execute(delete(OpenSession).where(OpenSession.username == username))
            return done.rowcount

    def close_all(self, keep: str | None = None) -> int:
        """Close every session but `keep` (the administrator's own); how many were closed."""
        with self.store.write() as conn:
            self._prune(conn)
            query = delete(OpenSession)
            if keep:
                query = query.where(OpenSession.digest != _digest(keep))
            return conn.execute(query).rowcount

    def digests(self) -> list[str]:
        """What the table holds: digests only (a test checks no session name is stored)."""
        with self.store.read() as conn:
            return list(conn.execute(select(OpenSession.digest)).scalars())

    def _prune(self, conn) -> None:
        """Expired sessions are dropped on each write, so the table does not grow without bound."""
        conn.execute(delete(OpenSession).where(OpenSession.expires <= self.clock()))


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()
