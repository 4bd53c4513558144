"""The audit trail, as rows of the state store: one per event, inserted, never rewritten.

Each event has ts (ISO 8601, UTC, milliseconds), user, role, scope, event and details. Passwords
never enter it: details whose keys look like a secret are refused before anything is written.
`export_jsonl` writes the trail as JSON lines (the format of the former audit file) for archiving.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import IO, Any

from sqlalchemy import Connection, insert, select

from semantic.errors import InvalidValueError
from semantic.scope import Scope
from store.database import Store
from store.models import AuditEvent

EVENTS = (
    "login_success",
    "login_failure",
    "lockout",
    "logout",
    "access_refused",
    "export",
    "admin_action",
    "concertation",
)
# Substrings of detail keys that would carry a secret: such a key is a bug, refused loudly.
SECRET_KEY_MARKERS = (
    "password",
    "mot_de_passe",
    "motdepasse",
    "passwd",
    "secret",
    "cookie",
    "token",
)
FIELDS = ("ts", "user", "role", "scope", "event", "details")


def scope_record(scope: Scope | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {"national": scope.national, "epci": list(scope.epci), "communes": list(scope.communes)}


def record(
    store: Store,
    event: str,
    *,
    user: str | None,
    role: str | None,
    scope: Scope | None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Insert one event and return it (as the dict its JSON line holds)."""
    line = event_line(event, user=user, role=role, scope=scope, details=details)
    with store.write() as conn:
        append(conn, line)
    return line


def event_line(
    event: str,
    *,
    user: str | None,
    role: str | None,
    scope: Scope | None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The event as stored, checked: a known event, no detail that could hold a secret."""
    if event not in EVENTS:
        raise InvalidValueError(
            f"Événement d'audit inconnu : « {event} ». Valeurs valides : {', '.join(EVENTS)}."
        )
    details = dict(details or {})
    _refuse_secrets(details)
    return {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "user": user,
        "role": role,
        "scope": scope_record(scope),
        "event": event,
        # through JSON once: what is stored is exactly what an export will write (dates as text)
        "details": json.loads(json.dumps(details, ensure_ascii=False, default=str)),
    }


def append(conn: Connection, line: Mapping[str, Any]) -> None:
    """Insert a checked event inside the caller's transaction (the change it records commits, or
    fails, with it)."""
    conn.execute(insert(AuditEvent).values(**line))


def read_events(store: Store, since: str | None = None) -> list[dict[str, Any]]:
    """Every event, oldest first; with `since` (ISO 8601 UTC), only those at or after it."""
    query = select(AuditEvent).order_by(AuditEvent.id)
    if since:
        query = query.where(AuditEvent.ts >= since)
    with store.read() as conn:
        rows = conn.execute(query).mappings().all()
    return [{field: row[field] for field in FIELDS} for row in rows]


def export_jsonl(events: Iterable[Mapping[str, Any]], out: IO[str]) -> int:
    """Write events as JSON lines (one per event, fields in order); how many were written."""
    count = 0
    for event in events:
        out.write(json.dumps({f: event[f] for f in FIELDS}, ensure_ascii=False) + "\n")
        count += 1
    return count


def _refuse_secrets(details: Mapping[str, Any]) -> None:
    for key, value in details.items():
        lowered = str(key).lower()
        if any(marker in lowered for marker in SECRET_KEY_MARKERS):
            raise InvalidValueError(
                f"Détail d'audit refusé : la clé « {key} » pourrait contenir un secret ; "
                "le journal d'audit n'enregistre jamais de mot de passe ni de jeton."
            )
        if isinstance(value, Mapping):
            _refuse_secrets(value)
