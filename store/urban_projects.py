"""The register of urban renewal projects (ANRU / renouvellement urbain).

Admins and managers create and edit them; every role reads those of its territory (a project
belongs to one EPCI and lists the communes, QPV and residences it concerns). Each change is
audited. A project is also an object of concertation (`object_ref`): plans and a thread.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update

from semantic.errors import InvalidValueError
from store.concertation import (
    AccessRefusedError,
    Actor,
    NotFoundError,
    ObjectRef,
    audit_change,
    now_text,
)
from store.database import Store
from store.models import UrbanProject

EDITORS = ("admin", "manager")


@dataclass(frozen=True)
class Project:
    id: int
    name: str
    epci: str
    communes: tuple[str, ...]
    qpv: tuple[str, ...]
    residences: tuple[str, ...]
    demolitions: int
    rehousing: int
    start: dt.date | None
    end: dt.date | None
    organisation: str

    def object_ref(self) -> ObjectRef:
        commune = self.communes[0] if len(self.communes) == 1 else None
        return ObjectRef("projet_urbain", str(self.id), self.name, self.epci, commune)


def save_project(
    store: Store,
    actor: Actor,
    *,
    name: str,
    epci: str,
    communes: tuple[str, ...] = (),
    qpv: tuple[str, ...] = (),
    residences: tuple[str, ...] = (),
    demolitions: int = 0,
    rehousing: int = 0,
    start: dt.date | None = None,
    end: dt.date | None = None,
    project_id: int | None = None,
) -> Project:
    """Create (no `project_id`) or replace a project's fields; admins and managers only."""
    if actor.role not in EDITORS:
        raise AccessRefusedError(
            "Le registre des projets urbains est tenu par l'administration et la direction."
        )
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidValueError("Le nom du projet est obligatoire (200 caractères au plus).")
    if demolitions < 0 or rehousing < 0:
        raise InvalidValueError("Démolitions et relogements prévus sont des nombres positifs.")
    if start and end and end < start:
        raise InvalidValueError(f"Le projet finit ({end:%d/%m/%Y}) avant de commencer.")
    values = {
        "name": name,
        "epci": epci,
        "communes": sorted(set(communes)),
        "qpv": sorted(set(qpv)),
        "residences": sorted(set(residences)),
        "demolitions": int(demolitions),
        "rehousing": int(rehousing),
        "start": start.isoformat() if start else None,
        "end": end.isoformat() if end else None,
        "updated_at": now_text(),
    }
    obj = ObjectRef("projet_urbain", str(project_id or 0), name, epci)
    with store.write() as conn:
        if project_id is None:
            values |= {
                "organisation": actor.organisation,
                "created_by": actor.username,
                "created_at": values["updated_at"],
            }
            result = conn.execute(UrbanProject.__table__.insert().values(**values))
            project_id = result.inserted_primary_key[0]
            action = "projet_creation"
        else:
            found = conn.execute(
                update(UrbanProject).where(UrbanProject.id == project_id).values(**values)
            )
            if not found.rowcount:
                raise NotFoundError(f"Projet urbain n° {project_id} introuvable.")
            action = "projet_modification"
        obj = ObjectRef("projet_urbain", str(project_id), name, epci)
        audit_change(conn, actor, action, obj, projet=project_id)
    return get_project(store, actor, project_id)


def list_projects(store: Store, actor: Actor) -> list[Project]:
    """The projects of the actor's territory, by name."""
    with store.read() as conn:
        rows = conn.execute(select(UrbanProject).order_by(UrbanProject.name)).all()
    projects = [_project(row) for row in rows]
    return [p for p in projects if _visible(actor, p)]


def get_project(store: Store, actor: Actor, project_id: int) -> Project:
    with store.read() as conn:
        row = conn.execute(select(UrbanProject).where(UrbanProject.id == project_id)).first()
    project = _project(row) if row is not None else None
    if project is None or not _visible(actor, project):
        raise NotFoundError(f"Projet urbain n° {project_id} introuvable dans votre périmètre.")
    return project


def projects_of_residence(store: Store, actor: Actor, residence_id: str) -> list[Project]:
    return [p for p in list_projects(store, actor) if residence_id in p.residences]


def _visible(actor: Actor, project: Project) -> bool:
    scope = actor.scope
    return (
        scope.national
        or project.epci in scope.epci
        or any(c in scope.communes for c in project.communes)
    )


def _project(row: UrbanProject) -> Project:
    return Project(
        id=row.id,
        name=row.name,
        epci=row.epci,
        communes=tuple(row.communes),
        qpv=tuple(row.qpv),
        residences=tuple(row.residences),
        demolitions=row.demolitions,
        rehousing=row.rehousing,
        start=dt.date.fromisoformat(row.start) if row.start else None,
        end=dt.date.fromisoformat(row.end) if row.end else None,
        organisation=row.organisation,
    )
