"""Places in a user's scope: residences with their facts, and map boundaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from queries.engine import Engine
from queries.evaluate import make_request
from queries.sql.places import build_geometries, build_residences
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope


def residences(
    engine: Engine,
    scope: Scope,
    *,
    snapshot: dt.date | str | None = None,
    where: Mapping[str, list] | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """residence, residence_libelle, commune…, qpv…, enjeu_mixite, lat, lon, nb_logements, nb_loues,
    nb_vacants, nb_batiments — for every residence in scope (filters checked like an indicator's)."""
    catalogue = catalogue or load_catalogue()
    request = make_request(catalogue, engine, "nb_logements", scope, snapshot=snapshot, where=where)
    if scope.is_empty:
        return pd.DataFrame()
    statement = build_residences(scope, request.snapshot, request.where, catalogue)
    return engine.fetch(statement.sql, statement.params)


def boundaries(engine: Engine, kind: str, scope: Scope) -> pd.DataFrame:
    """Commune ("communes") or QPV ("qpv") boundaries in scope, geometry as GeoJSON text."""
    if scope.is_empty:
        return pd.DataFrame(columns=["geometry"])
    statement = build_geometries(kind, scope)
    return engine.fetch(statement.sql, statement.params)
