"""Why a residence needs attention on the map: a target set on it is off track, it is on the
`enjeu_mixite` list and its share of fragile households rose since the previous snapshot, or its
value is beyond a threshold the user chose. No reason is ever derived from a masked value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pandas as pd

from queries.alerts import FRAGILITY
from queries.comparisons import compare
from queries.engine import Engine
from queries.targets import OFF_TRACK, evaluate_targets
from semantic.catalogue import Catalogue
from semantic.scope import Scope


def flag_threshold(
    df: pd.DataFrame, threshold: float | None, *, higher_is_better: bool = False
) -> pd.DataFrame:
    """Add `au_dessus_seuil` (value strictly beyond `threshold` on the bad side: above it, or
    below it when a higher value is better, as for T1; never for a masked value, nor for one on
    too few cases when the frame carries `trop_peu`) and `attention`
    (any of the three reasons)."""
    out = df.copy()
    if threshold is None or out.empty:
        out["au_dessus_seuil"] = False
    else:
        visible = ~out["masque"].astype(bool) & out["valeur"].notna()
        if "trop_peu" in out:  # too few allocations for a class: too few for an alert too
            visible &= ~out["trop_peu"].astype(bool)
        values = out["valeur"].astype("Float64")
        if higher_is_better:
            above = values.fillna(float("inf")) < float(threshold)
        else:
            above = values.fillna(float("-inf")) > float(threshold)
        out["au_dessus_seuil"] = (visible & above).astype(bool)
    out["attention"] = (
        out["objectif_statut"].notna() | out["fragilite_en_hausse"] | out["au_dessus_seuil"]
    ).astype(bool)
    return out


def residence_targets(
    engine: Engine, scope: Scope, snapshot: dt.date, catalogue: Catalogue
) -> pd.DataFrame:
    """The targets set on a residence (PSA), with their status on the snapshot (flows over the
    rolling 12 months), as `queries.targets.evaluate_targets` rates them ("secret" when masked)."""
    rated = evaluate_targets(
        engine, scope, snapshot, catalogue, scales=("residence",), flow_periods=("rolling12",)
    )
    return rated[["code", "indicateur", "sens", "cible", "statut"]].reset_index(drop=True)


def with_targets(places: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """objectif_statut / objectif_indicateur / objectif_sens / objectif_cible: the worst off-track
    target set on the residence (statut "secret" never counts: its value is masked)."""
    out = places.copy()
    off = targets[targets["statut"].isin(OFF_TRACK)]
    off = off.assign(_rank=off["statut"].map(OFF_TRACK.index)).sort_values(
        ["_rank", "code"], kind="stable"
    )
    worst = off.drop_duplicates("code")
    worst = worst.set_index(worst["code"].astype(str))
    codes = out["residence"].astype(str)
    # typed columns (text, Float64), not `object`: the map is kept as Feather (queries.answers)
    for col in ("statut", "indicateur", "sens"):
        out[f"objectif_{col}"] = codes.map(worst[col].astype(str)).astype("str")
    out["objectif_cible"] = codes.map(worst["cible"].astype("Float64")).astype("Float64")
    return out


def with_fragility_change(
    places: pd.DataFrame,
    engine: Engine,
    scope: Scope,
    territory: Mapping[str, list[Any]],
    kwargs: dict[str, Any],
) -> pd.DataFrame:
    """evolution_fragilite and fragilite_en_hausse for `enjeu_mixite` residences (masked when
    either snapshot is masked, so never derived from a hidden value)."""
    out = places.copy()
    out["evolution_fragilite"] = pd.Series([pd.NA] * len(out), dtype="Float64", index=out.index)
    out["fragilite_en_hausse"] = False
    if out.empty or not out["enjeu_mixite"].fillna(False).astype(bool).any():
        return out
    change = compare(
        engine,
        FRAGILITY,
        scope,
        by=["residence"],
        where={**territory, "enjeu_mixite": [True]},
        **kwargs,
    )
    evolution = change.set_index("residence")["evolution"]
    out["evolution_fragilite"] = out["residence"].map(evolution).astype("Float64")
    out["fragilite_en_hausse"] = (out["evolution_fragilite"].fillna(0) > 0).astype(bool)
    return out
