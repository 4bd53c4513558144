"""SQL for places in a user's scope: residences with their facts, map boundaries."""

from __future__ import annotations

import datetime as dt

from queries.sql.builder import Statement, _Params, _scope
from queries.sql.cell_keys import packed_count, packed_key, packed_where
from semantic.catalogue import Catalogue
from semantic.scope import Scope


def build_residences(
    scope: Scope,
    snapshot: dt.date,
    where: tuple[tuple[str, tuple], ...] = (),
    catalogue: Catalogue | None = None,
) -> Statement:
    """One row per residence in scope: identity, place, and its dwellings by occupation."""
    params = _Params()
    params.values.update(snapshot=snapshot)
    filters = ""
    if where:
        from semantic.catalogue import load_catalogue

        cat = catalogue or load_catalogue()
        filters = "".join(
            f"\n    AND {cat.dimensions[d].column} IN ({', '.join(params.bind(v) for v in vals)})"
            for d, vals in where
        )
    sql = (
        "-- residences in scope, with their dwellings by occupation\n"
        "SELECT id_residence AS residence, MIN(nom_residence) AS residence_libelle,\n"
        "  MIN(code_commune) AS commune, MIN(nom_commune) AS commune_libelle,\n"
        "  MIN(code_epci) AS epci, MIN(nom_epci) AS epci_libelle,\n"
        "  MIN(code_qpv) AS qpv, MIN(nom_qpv) AS qpv_libelle, BOOL_OR(enjeu_mixite) AS enjeu_mixite,\n"
        "  MIN(annee_construction) AS annee_construction,\n"
        "  MIN(residence_lat) AS lat, MIN(residence_lon) AS lon,\n"
        + _counts(scope)
        + "  COUNT(DISTINCT id_batiment) AS nb_batiments\n"
        f"FROM logements\nWHERE snapshot_date = $snapshot\n    AND {_scope(scope, params)}{filters}\n"
        "GROUP BY id_residence\nORDER BY 2, 1"
    )
    return Statement(sql, params.values)


# A residence's dwellings: all of them, the let ones, the vacant ones. A partner's come with the
# cell keys of the same rows, so that the map shows the figures the dashboard shows
# (queries/secrecy.py): count and key read from one sum (queries/sql/cell_keys.py).
RESIDENCE_COUNTS = {
    "nb_logements": None,
    "nb_loues": "mode_occupation = 'loue'",
    "nb_vacants": "mode_occupation = 'vacant'",
}


def _counts(scope: Scope) -> str:
    lines = []
    for column, pred in RESIDENCE_COUNTS.items():
        if scope.masks_small_cells:
            packed = packed_where(pred)
            lines.append(
                f"{packed_count(packed)} AS {column}, {packed_key(packed)} AS cle_{column}"
            )
        else:
            lines.append(
                ("COUNT(*)" if pred is None else f"COUNT(*) FILTER (WHERE {pred})")
                + f" AS {column}"
            )
    return "".join(f"  {line},\n" for line in lines)


def build_geometries(kind: str, scope: Scope) -> Statement:
    """Boundaries in scope for the map: communes (with their EPCI) or QPV."""
    params = _Params()
    if kind == "communes":
        sql = (
            "-- commune boundaries in scope\n"
            "SELECT code_commune AS commune, nom_commune AS commune_libelle, code_epci AS epci,\n"
            "  nom_epci AS epci_libelle, code_departement AS departement, lat, lon, geometry\n"
            "FROM territoires\n"
            f"WHERE {_scope(scope, params)}\nORDER BY code_commune"
        )
    elif kind == "qpv":
        sql = (
            "-- QPV polygons in scope (by their main commune)\n"
            "SELECT q.code_qpv AS qpv, q.nom_qpv AS qpv_libelle, q.code_commune AS commune, q.geometry\n"
            "FROM qpv q JOIN territoires t ON t.code_commune = q.code_commune\n"
            f"WHERE {_scope(scope, params).replace('code_epci', 't.code_epci').replace('code_commune', 't.code_commune')}\n"
            "ORDER BY q.code_qpv"
        )
    else:
        raise ValueError(kind)
    return Statement(sql, params.values)
