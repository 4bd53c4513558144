"""Places in a user's scope: residences with their facts, and map boundaries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from queries.engine import Engine
from queries.evaluate import make_request
from queries.secrecy import perturb_count
from queries.sql.places import RESIDENCE_COUNTS, build_geometries, build_residences
from semantic.catalogue import Catalogue, load_catalogue
from semantic.parameters import SecrecyDef
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
    found = engine.fetch(statement.sql, statement.params)
    if scope.masks_small_cells:
        found = _protected_counts(found, catalogue.parameters.secret_statistique)
    return found


def _protected_counts(found: pd.DataFrame, secrecy: SecrecyDef) -> pd.DataFrame:
    """A partner sees each residence's dwelling counts perturbed like every other count (the same
    value as the dashboard's nb_logements for that residence), and none under the threshold."""
    out = found.copy()
    for column in RESIDENCE_COUNTS:
        true = out[column].astype("Int64")
        shown = perturb_count(true, out.pop(f"cle_{column}"), secrecy.perturbation)
        small = (true < secrecy.seuil) | (shown < secrecy.seuil)
        out[column] = shown.mask(small)
    return out


def boundaries(engine: Engine, kind: str, scope: Scope) -> pd.DataFrame:
    """Commune ("communes") or QPV ("qpv") boundaries in scope, geometry as GeoJSON text."""
    if scope.is_empty:
        return pd.DataFrame(columns=["geometry"])
    statement = build_geometries(kind, scope)
    return engine.fetch(statement.sql, statement.params)
