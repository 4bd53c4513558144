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

from sqlalchemy import ColumnElement, false, or_, select, true, update

from semantic.errors import InvalidValueError, PeuplementError
from semantic.scope import INTERNAL_ROLES, Scope
from store.audit import append, event_line
from store.database import Store
from store.models import ActionPlan, Comment

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


@dataclass(frozen=True)
class Plan:
    id: int
    obj: ObjectRef
    title: str
    description: str
    organisation: str
    created_by: str
    status: str
    due: dt.date | None
    indicator: str | None
    value_at_creation: float | None
    created_at: str
    updated_at: str

    def late(self, today: dt.date) -> bool:
        return self.due is not None and self.due < today and self.status in OPEN_STATUSES


@dataclass(frozen=True)
class CommentView:
    id: int
    obj: ObjectRef
    author: str
    organisation: str
    body: str  # HIDDEN_TEXT when hidden, except for admins
    created_at: str
    hidden: bool


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


def _require_scope(actor: Actor, obj: ObjectRef) -> None:
    if not covers(actor.scope, obj.epci, obj.commune):
        raise AccessRefusedError(
            f"{KINDS[obj.kind]} « {obj.label} » hors de votre périmètre : vous ne pouvez ni le "
            "lire, ni y proposer un plan, ni le commenter."
        )


# --- plans ---------------------------------------------------------------------------------------


def create_plan(
    store: Store,
    actor: Actor,
    obj: ObjectRef,
    *,
    title: str,
    description: str = "",
    due: dt.date | None = None,
    status: str = "engagee",
    indicator: str | None = None,
    value_at_creation: float | None = None,
) -> Plan:
    """A new plan of the actor's organisation; a partner's is always a proposal."""
    _require_scope(actor, obj)
    status = status if actor.internal else "proposee"
    _check_status(status)
    now = _now()
    values = {
        **_object_values(obj),
        "title": _text(title, "titre", MAX_TITLE, required=True),
        "description": _text(description, "description", MAX_TEXT),
        "organisation": actor.organisation,
        "created_by": actor.username,
        "status": status,
        "due": due.isoformat() if due else None,
        "indicator": indicator,
        "value_at_creation": value_at_creation,
        "created_at": now,
        "updated_at": now,
    }
    with store.write() as conn:
        plan_id = conn.execute(ActionPlan.__table__.insert().values(**values)).inserted_primary_key[
            0
        ]
        _audit(conn, actor, "plan_creation", obj, plan=plan_id, statut=status)
    return get_plan(store, actor, plan_id)


def update_plan(store: Store, actor: Actor, plan_id: int, **changes) -> Plan:
    """Change a plan (title, description, due, status, indicator): see the module's rules."""
    plan = get_plan(store, actor, plan_id)
    allowed = {"title", "description", "due", "status", "indicator"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidValueError(
            f"Champ(s) non modifiable(s) : {', '.join(sorted(unknown))}. "
            f"Valeurs valides : {', '.join(sorted(allowed))}."
        )
    changed = {k: v for k, v in changes.items() if v != getattr(plan, k)}
    _require_edit(actor, plan, changed)
    values: dict = {}
    if "title" in changed:
        values["title"] = _text(changed["title"], "titre", MAX_TITLE, required=True)
    if "description" in changed:
        values["description"] = _text(changed["description"], "description", MAX_TEXT)
    if "due" in changed:
        values["due"] = changed["due"].isoformat() if changed["due"] else None
    if "status" in changed:
        values["status"] = _check_status(changed["status"])
    if "indicator" in changed:
        values["indicator"] = changed["indicator"]
    if not values:
        return plan
    values["updated_at"] = _now()
    with store.write() as conn:
        conn.execute(update(ActionPlan).where(ActionPlan.id == plan_id).values(**values))
        details = {"plan": plan_id, "champs": sorted(set(values) - {"updated_at"})}
        if "status" in values:
            details["statut"] = [plan.status, values["status"]]
        _audit(conn, actor, "plan_modification", plan.obj, **details)
    return get_plan(store, actor, plan_id)


def _require_edit(actor: Actor, plan: Plan, changed: dict) -> None:
    if actor.organisation == plan.organisation:
        if actor.internal or (plan.status == "proposee" and "status" not in changed):
            return
        raise AccessRefusedError(
            "Un partenaire modifie ses propositions tant qu'elles sont « proposées », sans en "
            "changer le statut : le bailleur les engage ou les abandonne."
        )
    decision = set(changed) == {"status"} and changed["status"] in DECISIONS
    if actor.internal and plan.status == "proposee" and decision:
        return
    raise AccessRefusedError(
        f"Ce plan appartient à « {plan.organisation} » : seule cette organisation peut le modifier."
    )


def get_plan(store: Store, actor: Actor, plan_id: int) -> Plan:
    query = select(ActionPlan).where(
        ActionPlan.id == plan_id, scope_filter(ActionPlan, actor.scope)
    )
    with store.read() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFoundError(f"Plan d'action n° {plan_id} introuvable dans votre périmètre.")
    return _plan(row)


def list_plans(
    store: Store,
    actor: Actor,
    *,
    obj: ObjectRef | None = None,
    kinds: tuple[str, ...] = (),
    epci: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    due_before: dt.date | None = None,
) -> list[Plan]:
    """The plans in the actor's scope, soonest due first, filtered."""
    if obj is not None:
        _require_scope(actor, obj)
    query = select(ActionPlan).where(scope_filter(ActionPlan, actor.scope))
    if obj is not None:
        query = query.where(ActionPlan.object_kind == obj.kind, ActionPlan.object_key == obj.key)
    if kinds:
        query = query.where(ActionPlan.object_kind.in_(kinds))
    if epci:
        query = query.where(ActionPlan.epci.in_(epci))
    if statuses:
        query = query.where(ActionPlan.status.in_(statuses))
    if due_before is not None:
        query = query.where(ActionPlan.due <= due_before.isoformat())
    query = query.order_by(ActionPlan.due.is_(None), ActionPlan.due, ActionPlan.id)
    with store.read() as conn:
        return [_plan(row) for row in conn.execute(query)]


# --- threads -------------------------------------------------------------------------------------


def add_comment(store: Store, actor: Actor, obj: ObjectRef, body: str) -> CommentView:
    _require_scope(actor, obj)
    values = {
        **_object_values(obj),
        "author": actor.username,
        "organisation": actor.organisation,
        "body": _text(body, "commentaire", MAX_TEXT, required=True),
        "created_at": _now(),
    }
    with store.write() as conn:
        comment_id = conn.execute(Comment.__table__.insert().values(**values)).inserted_primary_key[
            0
        ]
        _audit(conn, actor, "commentaire", obj, commentaire=comment_id)
    (made,) = [c for c in thread(store, actor, obj) if c.id == comment_id]
    return made


def thread(store: Store, actor: Actor, obj: ObjectRef) -> list[CommentView]:
    """The comments on `obj`, oldest first."""
    _require_scope(actor, obj)
    return list_comments(store, actor, obj=obj)


def list_comments(
    store: Store,
    actor: Actor,
    *,
    obj: ObjectRef | None = None,
    since: str | None = None,
    kinds: tuple[str, ...] = (),
    epci: tuple[str, ...] = (),
) -> list[CommentView]:
    query = select(Comment).where(scope_filter(Comment, actor.scope))
    if obj is not None:
        query = query.where(Comment.object_kind == obj.kind, Comment.object_key == obj.key)
    if since:
        query = query.where(Comment.created_at > since)
    if kinds:
        query = query.where(Comment.object_kind.in_(kinds))
    if epci:
        query = query.where(Comment.epci.in_(epci))
    with store.read() as conn:
        rows = conn.execute(query.order_by(Comment.id)).all()
    return [_comment(row, actor) for row in rows]


def hide_comment(store: Store, actor: Actor, comment_id: int, reason: str = "") -> CommentView:
    """Admins only: the comment stays stored, shown as hidden; the act is audited."""
    if actor.role != "admin":
        raise AccessRefusedError("Seule l'administration peut masquer un commentaire.")
    query = select(Comment).where(Comment.id == comment_id, scope_filter(Comment, actor.scope))
    with store.write() as conn:
        row = conn.execute(query).first()
        if row is None:
            raise NotFoundError(f"Commentaire n° {comment_id} introuvable dans votre périmètre.")
        obj = _ref(row)
        if row.hidden_at is None:
            conn.execute(
                update(Comment)
                .where(Comment.id == comment_id)
                .values(hidden_by=actor.username, hidden_at=_now())
            )
            motif = _text(reason, "motif", MAX_TITLE)
            _audit(conn, actor, "commentaire_masque", obj, commentaire=comment_id, motif=motif)
    (hidden,) = [c for c in thread(store, actor, obj) if c.id == comment_id]
    return hidden


# --- helpers -------------------------------------------------------------------------------------


def _audit(conn, actor: Actor, action: str, obj: ObjectRef, **details) -> None:
    line = event_line(
        "concertation",
        user=actor.username,
        role=actor.role,
        scope=actor.scope,
        details={"action": action, "objet": obj.kind, "cle": obj.key, **details},
    )
    append(conn, line)


def _object_values(obj: ObjectRef) -> dict:
    return {
        "object_kind": obj.kind,
        "object_key": obj.key,
        "object_label": obj.label[:300],
        "epci": obj.epci,
        "commune": obj.commune,
    }


def _ref(row) -> ObjectRef:
    return ObjectRef(row.object_kind, row.object_key, row.object_label, row.epci, row.commune)


def _plan(row: ActionPlan) -> Plan:
    return Plan(
        id=row.id,
        obj=_ref(row),
        title=row.title,
        description=row.description,
        organisation=row.organisation,
        created_by=row.created_by,
        status=row.status,
        due=dt.date.fromisoformat(row.due) if row.due else None,
        indicator=row.indicator,
        value_at_creation=row.value_at_creation,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _comment(row: Comment, actor: Actor) -> CommentView:
    hidden = row.hidden_at is not None
    body = row.body if not hidden or actor.role == "admin" else HIDDEN_TEXT
    return CommentView(
        row.id, _ref(row), row.author, row.organisation, body, row.created_at, hidden
    )


def _check_status(status: str) -> str:
    if status not in STATUSES:
        raise InvalidValueError(
            f"Statut de plan inconnu : « {status} ». Valeurs valides : {', '.join(STATUSES)}."
        )
    return status


def _text(value: str, what: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidValueError(f"Le champ « {what} » est obligatoire.")
    if len(text) > limit:
        raise InvalidValueError(
            f"Le champ « {what} » fait {len(text)} caractères ; {limit} au plus."
        )
    return text


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
