"""Action plans and discussion threads on targets, alerts, residences and urban projects.

Who may do what (every function checks it; pages only hide what would be refused):

- **read**: an object's plans and thread, for any role whose scope covers the object's territory
  (internal roles: everything; a partner: its EPCI, or its communes for objects set at a commune);
  outside it, a plan or comment is "introuvable" — the answer never tells that it exists;
- **create a plan**: internal roles, any status; partners *propose* (status « proposée ») on their
  territory only;
- **edit a plan**: only its own organisation (title, description, due date, indicator, status);
  partners edit only their proposals while still « proposée ». The landlord decides on a
  partner's proposal (« engagée » or « abandonnée ») without touching its text;
- **comment**: every role, on objects of its territory;
- **hide a comment**: admins; the comment is kept, marked hidden, and the act is audited.

Every change writes an audit event `concertation` in the same transaction; comment and plan texts
are never copied into the audit trail (they may hold what the notice asks not to write).

The territory of an object (`ObjectRef`) comes from the caller, which builds it from rows the
queries layer returned *in the user's scope* (a target, a residence…) or from a stored urban
project; it is stored with each plan and comment and every later check reads the stored one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true

from semantic.errors import InvalidValueError, PeuplementError
from semantic.scope import INTERNAL_ROLES, Scope
from store.audit import append, event_line

KINDS = {
    "objectif": "Objectif",
    "alerte": "Alerte",
    "residence": "Résidence",
    "projet_urbain": "Projet urbain",
}
STATUSES = {
    "proposee": "Proposée",
    "engagee": "Engagée",
    "realisee": "Réalisée",
    "abandonnee": "Abandonnée",
}
OPEN_STATUSES = ("proposee", "engagee")  # what can still be due, or late
# What the landlord may decide on a partner's proposal, without editing its text.
DECISIONS = ("engagee", "abandonnee")
# The organisation of internal accounts: the landlord itself.
LANDLORD = "Bailleur"
MAX_TITLE, MAX_TEXT = 200, 4000
PERSONAL_DATA_NOTICE = (
    "N'écrivez ici aucune donnée personnelle : ni nom de ménage ou de demandeur, ni numéro de "
    "demande, ni situation individuelle. Ces échanges portent sur des territoires, des objectifs "
    "et des résidences ; ils sont visibles par les partenaires du territoire et conservés."
)
HIDDEN_TEXT = "Commentaire masqué par l'administration."


class AccessRefusedError(PeuplementError):
    """The user may not do this (role, territory or organisation)."""


class NotFoundError(PeuplementError):
    """No such plan or comment in the user's scope (absent or outside it: the same answer)."""


@dataclass(frozen=True)
class Actor:
    username: str
    role: str
    organisation: str
    scope: Scope

    @property
    def internal(self) -> bool:
        return self.role in INTERNAL_ROLES


@dataclass(frozen=True)
class ObjectRef:
    kind: str
    key: str
    label: str
    epci: str | None
    commune: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InvalidValueError(
                f"Objet de concertation inconnu : « {self.kind} ». Valeurs valides : "
                f"{', '.join(KINDS)}."
            )


# --- scope ---------------------------------------------------------------------------------------


def covers(scope: Scope, epci: str | None, commune: str | None) -> bool:
    """True when `scope` reaches an object of this territory (deny by default)."""
    if scope.national:
        return True
    return (epci is not None and epci in scope.epci) or (
        commune is not None and commune in scope.communes
    )


def scope_filter(table, scope: Scope) -> ColumnElement[bool]:
    """The same rule as `covers`, as a WHERE clause on a table with epci and commune columns."""
    if scope.national:
        return true()
    if scope.is_empty:
        return false()
    return or_(table.epci.in_(scope.epci), table.commune.in_(scope.communes))


def require_scope(actor: Actor, obj: ObjectRef) -> None:
    if not covers(actor.scope, obj.epci, obj.commune):
        raise AccessRefusedError(
            f"{KINDS[obj.kind]} « {obj.label} » hors de votre périmètre : vous ne pouvez ni le "
            "lire, ni y proposer un plan, ni le commenter."
        )


# --- helpers -------------------------------------------------------------------------------------


def audit_change(conn, actor: Actor, action: str, obj: ObjectRef, **details) -> None:
    line = event_line(
        "concertation",
        user=actor.username,
        role=actor.role,
        scope=actor.scope,
        details={"action": action, "objet": obj.kind, "cle": obj.key, **details},
    )
    append(conn, line)


def object_values(obj: ObjectRef) -> dict:
    return {
        "object_kind": obj.kind,
        "object_key": obj.key,
        "object_label": obj.label[:300],
        "epci": obj.epci,
        "commune": obj.commune,
    }


def ref_of(row) -> ObjectRef:
    return ObjectRef(row.object_kind, row.object_key, row.object_label, row.epci, row.commune)


def check_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidValueError(
            f"Statut de plan inconnu : « {status} ». Valeurs valides : {', '.join(STATUSES)}."
        )
    return status


def checked_text(value: str, what: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidValueError(f"Le champ « {what} » est obligatoire.")
    if len(text) > limit:
        raise InvalidValueError(
            f"Le champ « {what} » fait {len(text)} caractères ; {limit} au plus."
        )
    return text


def now_text() -> str:
    # microseconds: a visit and a plan written in the same millisecond must still be ordered
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
