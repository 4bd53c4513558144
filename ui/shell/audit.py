"""The audit trail: one JSON line per event, appended, never rewritten.

Each line has ts (ISO 8601, UTC), user, role, scope, event and details. Passwords never enter it:
details whose keys look like a secret are refused. One `os.write` per event on a file opened with
O_APPEND, under an exclusive `flock`, then `fsync`: concurrent sessions (threads) and several server
processes can write at once without interleaving or losing lines.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from semantic.errors import InvalidValueError
from semantic.scope import Scope

EVENTS = (
    "login_success",
    "login_failure",
    "lockout",
    "logout",
    "access_refused",
    "export",
    "admin_action",
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
# Owner reads and writes, group reads (an auditor account), others nothing.
FILE_MODE = 0o640


def scope_record(scope: Scope | None) -> dict[str, Any] | None:
    if scope is None:
        return None
    return {"national": scope.national, "epci": list(scope.epci), "communes": list(scope.communes)}


def record(
    path: Path,
    event: str,
    *,
    user: str | None,
    role: str | None,
    scope: Scope | None,
    details: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Append one event to the audit file at `path` and return the line written (as a dict)."""
    if event not in EVENTS:
        raise InvalidValueError(
            f"Événement d'audit inconnu : « {event} ». Valeurs valides : {', '.join(EVENTS)}."
        )
    details = dict(details or {})
    _refuse_secrets(details)
    line = {
        "ts": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "user": user,
        "role": role,
        "scope": scope_record(scope),
        "event": event,
        "details": details,
    }
    data = (json.dumps(line, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        view = memoryview(data)
        while view:  # os.write may write less than asked; finish the same line under the lock
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)  # closing releases the lock
    return line


def read_events(path: Path) -> list[dict[str, Any]]:
    """Every event of the audit file, oldest first (an absent file has none)."""
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(raw) for raw in handle if raw.strip()]


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
