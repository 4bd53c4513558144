"""Alerts: each target's trend over the snapshots, and the residences of the `enjeu_mixite` list
whose share of fragile households rose since the previous snapshot or exceeds the PSA threshold.

Every figure comes from `evaluate` / `compare` / `series`, so a partner's small cells stay masked
and no alert is ever derived from a masked value.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from queries.comparisons import compare, previous_snapshot
from queries.engine import Engine
from queries.evaluate import available
from queries.places import residences
from queries.target_cells import Cell, evaluate_cells
from queries.targets import PERIOD_LABELS, Target, applicable_targets
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope

# The share of fragile households: the indicator the 3DS law watches on `enjeu_mixite` residences.
FRAGILITY = "part_menages_fragiles"
# A fragility threshold set on a residence beats one set on its commune, which beats its EPCI's.
THRESHOLD_SCALES = ("residence", "commune", "epci")
# Flows are drawn over the rolling 12 months: a calendar year to date restarts every January.
TREND_PERIOD = "rolling12"

TREND_COLUMNS = ["objectif_id", "date", "valeur", "effectif", "masque"]
MIXITE_COLUMNS = [
    "residence",
    "residence_libelle",
    "commune_libelle",
    "epci_libelle",
    "qpv_libelle",
    "valeur",
    "numerateur",
    "denominateur",
    "effectif",
    "masque",
    "date_precedente",
    "valeur_precedente",
    "evolution",
    "seuil",
    "seuil_objectif",
    "seuil_source",
    "seuil_defaut",
    "en_hausse",
    "au_dessus_seuil",
    "alerte",
    "epci",  # codes, for the concertation on the residence (its plans and thread)
    "commune",
]


def target_trends(
    engine: Engine,
    scope: Scope,
    *,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """objectif_id, date, valeur, effectif, masque: the indicator of each target applicable at
    `snapshot`, on its territory and filters, at every snapshot up to `snapshot` (flows over the
    rolling 12 months). The ids are those of `evaluate_targets`."""
    catalogue = catalogue or load_catalogue()
    snap = engine.resolve_snapshot(snapshot)
    cells = [
        (
            target.id,
            Cell.of(target.indicateur, TREND_PERIOD, target.echelle, target.code, target.filtres),
        )
        for target in applicable_targets(engine, scope, snap, catalogue)
    ]
    rows = []  # every target's cell at every snapshot, a few grouped queries per snapshot
    for day in (d for d in engine.snapshots if d <= snap):
        todo = [
            (order, target_id, cell)
            for order, (target_id, cell) in enumerate(cells)
            if available(engine, catalogue, cell.indicator, day)
        ]
        found = evaluate_cells(engine, catalogue, scope, day, (c for _, _, c in todo))
        for order, target_id, cell in todo:
            res = found[cell]
            rows.append((order, target_id, day, res["valeur"], res["effectif"], res["masque"]))
    if not rows:
        return pd.DataFrame(columns=TREND_COLUMNS)
    out = pd.DataFrame(rows, columns=["_ordre", *TREND_COLUMNS])
    out["date"] = pd.to_datetime(out["date"])
    out["valeur"] = out["valeur"].astype("Float64")
    out["effectif"] = out["effectif"].astype("Int64")
    out["masque"] = out["masque"].astype(bool)
    out = out.sort_values(["_ordre", "date"], kind="stable")  # target by target, as before
    return out[TREND_COLUMNS].reset_index(drop=True)


def trend_period_label(catalogue: Catalogue, indicator_id: str) -> str:
    """The `periode` label (as in evaluate_targets) of the values a trend shows."""
    ind = catalogue.indicator(indicator_id)
    is_flow = any(catalogue.bases[b].periode for b in ind.bases)
    return PERIOD_LABELS[TREND_PERIOD if is_flow else None]


def fragility_thresholds(
    engine: Engine, scope: Scope, snapshot: dt.date, catalogue: Catalogue
) -> list[Target]:
    """The local targets capping the fragility share ("<="), set on a residence, a commune or an
    EPCI, that apply at `snapshot` in `scope` (PSA, CIA)."""
    return [
        t
        for t in applicable_targets(engine, scope, snapshot, catalogue)
        if t.nature == "local"
        and t.indicateur == FRAGILITY
        and t.sens == "<="
        and not t.filtres
        and t.echelle in THRESHOLD_SCALES
    ]


def mixite_alerts(
    engine: Engine,
    scope: Scope,
    *,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """Every residence of the `enjeu_mixite` list in scope, with its fragility share now and at the
    previous snapshot, the PSA threshold that applies to it (its own, its commune's, its EPCI's,
    else the PSA's common ceiling of parametres.yaml: seuil_defaut), and three flags: en_hausse
    (the share rose), au_dessus_seuil (above the threshold), alerte (either). Alerts first, worst
    first; a masked share raises no flag."""
    catalogue = catalogue or load_catalogue()
    snap = engine.resolve_snapshot(snapshot)
    listed = {"enjeu_mixite": [True]}
    places = residences(engine, scope, snapshot=snap, where=listed, catalogue=catalogue)
    if places.empty:
        return pd.DataFrame(columns=MIXITE_COLUMNS)
    shares = compare(
        engine, FRAGILITY, scope, snapshot=snap, by=["residence"], where=listed, catalogue=catalogue
    )
    shares = shares.drop(columns=["residence_libelle"], errors="ignore")
    out = places.merge(shares, on="residence", how="left")
    out["masque"] = out["masque"].astype("boolean").fillna(scope.masks_small_cells).astype(bool)
    out["date_precedente"] = previous_snapshot(engine, snap)

    thresholds = {
        (t.echelle, t.code): t for t in fragility_thresholds(engine, scope, snap, catalogue)
    }
    chosen = [_threshold_for(row, thresholds) for row in out.to_dict("records")]
    # A listed residence with no threshold of its own takes the PSA's common ceiling
    # (parametres.yaml, mixite): without it, no share would ever be "above the threshold".
    default = catalogue.parameters.mixite
    out["seuil_defaut"] = [t is None and default is not None for t in chosen]
    out["seuil"] = pd.Series(
        [t.cible if t else (default.seuil_fragilite if default else pd.NA) for t in chosen],
        dtype="Float64",
    )
    # text columns as text (not `object`), so the answer is kept for the published state
    out["seuil_objectif"] = pd.Series([t.id if t else "" for t in chosen], dtype="str")
    out["seuil_source"] = pd.Series(
        [t.source if t else (default.source if default else "") for t in chosen], dtype="str"
    )

    value = out["valeur"].astype("Float64")
    visible = ~out["masque"] & value.notna()
    out["en_hausse"] = (visible & (out["evolution"].astype("Float64").fillna(0) > 0)).astype(bool)
    above = (value > out["seuil"]).fillna(False).astype(bool)
    out["au_dessus_seuil"] = (visible & above).astype(bool)
    out["alerte"] = out["en_hausse"] | out["au_dessus_seuil"]
    out = out.sort_values(
        ["alerte", "au_dessus_seuil", "evolution", "valeur", "residence"],
        ascending=[False, False, False, False, True],
        na_position="last",
    )
    return out[MIXITE_COLUMNS].reset_index(drop=True)


def _threshold_for(row: dict, thresholds: dict[tuple[str, str], Target]) -> Target | None:
    for scale in THRESHOLD_SCALES:
        found = thresholds.get((scale, str(row[scale])))
        if found is not None:
            return found
    return None
