"""Action plans on a target, an alert, a residence or an urban project: the rules of
`store.concertation` (scope, role, organisation), applied to creating, editing and listing plans."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update

from semantic.errors import InvalidValueError
from store.concertation import (
    DECISIONS,
    MAX_TEXT,
    MAX_TITLE,
    OPEN_STATUSES,
    AccessRefusedError,
    Actor,
    NotFoundError,
    ObjectRef,
    audit_change,
    check_status,
    checked_text,
    now_text,
    object_values,
    ref_of,
    require_scope,
    scope_filter,
)
from store.database import Store
from store.models import ActionPlan


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
    require_scope(actor, obj)
    status = status if actor.internal else "proposee"
    check_status(status)
    now = now_text()
    values = {
        **object_values(obj),
        "title": checked_text(title, "titre", MAX_TITLE, required=True),
        "description": checked_text(description, "description", MAX_TEXT),
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
        audit_change(conn, actor, "plan_creation", obj, plan=plan_id, statut=status)
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
        values["title"] = checked_text(changed["title"], "titre", MAX_TITLE, required=True)
    if "description" in changed:
        values["description"] = checked_text(changed["description"], "description", MAX_TEXT)
    if "due" in changed:
        values["due"] = changed["due"].isoformat() if changed["due"] else None
    if "status" in changed:
        values["status"] = check_status(changed["status"])
    if "indicator" in changed:
        values["indicator"] = changed["indicator"]
    if not values:
        return plan
    values["updated_at"] = now_text()
    with store.write() as conn:
        conn.execute(update(ActionPlan).where(ActionPlan.id == plan_id).values(**values))
        details = {"plan": plan_id, "champs": sorted(set(values) - {"updated_at"})}
        if "status" in values:
            details["statut"] = [plan.status, values["status"]]
        audit_change(conn, actor, "plan_modification", plan.obj, **details)
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
        require_scope(actor, obj)
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


def plan_counts(
    store: Store, actor: Actor, kind: str, *, open_only: bool = False
) -> dict[str, int]:
    """Object key -> number of plans (every status, or the open ones: « proposée », « engagée »)
    on the objects of `kind` in the actor's scope: what `list_plans(obj=…)` would list, counted
    for a whole page at once (the Objectifs panels, the map's attention list)."""
    query = select(ActionPlan.object_key, func.count()).where(
        scope_filter(ActionPlan, actor.scope), ActionPlan.object_kind == kind
    )
    if open_only:
        query = query.where(ActionPlan.status.in_(OPEN_STATUSES))
    with store.read() as conn:
        return {str(key): int(n) for key, n in conn.execute(query.group_by(ActionPlan.object_key))}


def _plan(row: ActionPlan) -> Plan:
    return Plan(
        id=row.id,
        obj=ref_of(row),
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
