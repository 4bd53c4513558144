"""The ageing projection for every residence or EPCI of a scope: the inputs of
queries.forecast.ageing read through `evaluate` (the user's scope: a partner's counts are
perturbed and masked), the projected years, and the back-test against "unchanged"."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from queries.engine import Engine
from queries.forecast import departures as dep
from queries.forecast.ageing import BANDS, ageing, band_departures, entrant_shares, relative_risks
from queries.forecast.history import evaluate_at, quarter_ends
from semantic.catalogue import Catalogue
from semantic.scope import Scope

INDICATOR = "part_titulaires_75_plus"
UNDER_OCCUPATION = "taux_sous_occupation"
AGE = "tranche_age_titulaire"
LEVELS = {"residence": ("epci", "residence"), "epci": ("epci",)}


def _band_counts(
    df: pd.DataFrame, keys: tuple[str, ...], masked_as_zero: bool = False
) -> pd.DataFrame:
    """Rows of `nb_menages` by keys and age band -> one row per unit, a column per band; a unit
    with a masked band cell is dropped (its total would be partly hidden), or, with
    `masked_as_zero`, the masked band counts for 0 (the entrants' profile: a masked band is a
    small one, and nothing hidden is used)."""
    hidden = set(df.loc[df["masque"], keys[-1]])
    keep = ~df["masque"] if masked_as_zero else ~df[keys[-1]].isin(hidden)
    df = df[keep]
    wide = df.pivot_table(index=list(keys), columns=AGE, values="valeur", aggfunc="sum")
    return wide.reindex(columns=list(BANDS)).fillna(0.0).reset_index()


def inputs(
    engine: Engine,
    catalogue: Catalogue,
    scope: Scope,
    snapshot: dt.date,
    unit: str,
    history: pd.DataFrame,
) -> pd.DataFrame:
    """One row per unit at `snapshot`: epci, the unit, households per band, menages,
    depart_annuel (yearly departure probability), sous_occupation, and the EPCI's entrants'
    shares (entrant_<band>) and under-occupation per band (so_<band>). `history`: the quarterly
    departures (`taux_rotation`) up to `snapshot`, at the unit's level."""
    keys = LEVELS[unit]
    counts = _band_counts(
        evaluate_at(engine, catalogue, "nb_menages", scope, snapshot, by=(*keys, AGE)), keys
    )
    if counts.empty:
        return counts
    counts["menages"] = counts[list(BANDS)].sum(axis=1)
    fitted = dep.fit(history, unit, "epci" if unit == "residence" else None)
    rate = fitted.set_index(unit)["taux"] if len(fitted) else pd.Series(dtype=float)
    counts["depart_annuel"] = (4 * counts[unit].map(rate)).clip(upper=1.0)
    so = evaluate_at(engine, catalogue, UNDER_OCCUPATION, scope, snapshot, by=keys)
    so = so[~so["masque"]].set_index(unit)["valeur"]
    counts["sous_occupation"] = counts[unit].map(so).astype(float)
    entrants = evaluate_at(
        engine,
        catalogue,
        "nb_menages",
        scope,
        snapshot,
        by=("epci", AGE),
        where={"emmenage_periode": [True]},
    )
    entrants = _band_counts(entrants, ("epci",), masked_as_zero=True).set_index("epci")
    risks = _risks(engine, catalogue, scope, snapshot, entrants)
    band_so = evaluate_at(engine, catalogue, UNDER_OCCUPATION, scope, snapshot, by=("epci", AGE))
    band_so = band_so[~band_so["masque"]].pivot_table(index="epci", columns=AGE, values="valeur")
    for b in BANDS:
        counts[f"entrant_{b}"] = counts["epci"].map(entrants[b]) if b in entrants else 0.0
        counts[f"so_{b}"] = counts["epci"].map(band_so[b]) if b in band_so else float("nan")
        counts[f"risque_{b}"] = counts["epci"].map(lambda g, b=b: risks.get(g, {}).get(b, 1.0))
    return counts


def _risks(
    engine: Engine, catalogue: Catalogue, scope: Scope, snapshot: dt.date, entrants: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """EPCI -> relative departure risk per age band, from its households a year before
    `snapshot`, at `snapshot`, and the year's entrants (ageing.band_departures); empty when the
    snapshot of a year before is missing (every band then leaves at the unit's rate)."""
    earlier = snapshot.replace(year=snapshot.year - 1) if snapshot.month != 2 else None
    if earlier not in quarter_ends(engine):
        return {}
    frames = [
        _band_counts(
            evaluate_at(engine, catalogue, "nb_menages", scope, day, by=("epci", AGE)), ("epci",)
        ).set_index("epci")
        for day in (earlier, snapshot)
    ]
    before, after = frames
    out = {}
    for epci in before.index.intersection(after.index).intersection(entrants.index):
        probabilities = band_departures(before.loc[epci], after.loc[epci], entrants.loc[epci])
        out[epci] = relative_risks(probabilities, after.loc[epci])
    return out


def project(units: pd.DataFrame, unit: str, years: int) -> pd.DataFrame:
    """One row per unit and year 0..years: part_75_plus, sous_occupation (None when an input
    is missing: no rate, no entrant of the EPCI, or masked)."""
    rows = []
    for r in units.to_dict("records"):
        shares = entrant_shares({b: r[f"entrant_{b}"] for b in BANDS})
        if shares is None or pd.isna(r["depart_annuel"]) or not r["menages"]:
            continue
        band_so = {b: r[f"so_{b}"] for b in BANDS}
        known = pd.notna(r["sous_occupation"]) and all(pd.notna(v) for v in band_so.values())
        steps = ageing(
            {b: r[b] for b in BANDS},
            r["depart_annuel"],
            shares,
            years,
            float(r["sous_occupation"]) if known else None,
            band_so if known else None,
            {b: r[f"risque_{b}"] for b in BANDS},
        )
        for s in steps:
            rows.append(
                {
                    unit: r[unit],
                    "annee": s.annee,
                    "part_75_plus": s.part_75_plus,
                    "sous_occupation": s.sous_occupation,
                }
            )
    return pd.DataFrame(rows, columns=[unit, "annee", "part_75_plus", "sous_occupation"])
