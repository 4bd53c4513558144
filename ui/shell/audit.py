"""The portal's audit trail, kept in the state store (`store.audit`).

`record` and `read_events` take the store, or the configured audit location (a Path, as in
PEUPLEMENT_AUDIT_FILE): the store at that location is the SQLite file beside it, or
PEUPLEMENT_DATABASE_URL when set. `peuplement audit export` writes the trail as JSON lines.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from semantic.scope import Scope
from store import Store, database_url, open_store
from store import audit as trail
from store.audit import EVENTS, SECRET_KEY_MARKERS, scope_record  # noqa: F401  (public here)


def store_at(where: Store | Path) -> Store:
    """The store itself, or the one configured for the audit location `where`."""
    if isinstance(where, Store):
        return where
    return open_store(database_url(Path(where), os.environ))


def record(
    where: Store | Path,
    event: str,
    *,
    user: str | None,
    role: str | None,
    scope: Scope | None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Record one event and return it (as the dict its exported JSON line holds)."""
    return trail.record(store_at(where), event, user=user, role=role, scope=scope, details=details)


def read_events(where: Store | Path, since: str | None = None) -> list[dict[str, Any]]:
    """Every event, oldest first (an empty store has none)."""
    return trail.read_events(store_at(where), since)
