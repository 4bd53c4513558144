"""Back-test: forecasts made from the first quarters of the history, compared with the quarters
that followed, against naive baselines. A method that does not beat its best naive baseline is
not shown as a forecast (queries.forecast.projection shows the naive value, labelled so).

Families (MAE = mean absolute error over the units and horizons compared):
- départs (résidences, EPCI): quarterly departures of the 4 held-out quarters; model = pooled rate
  (departures.py), also the residence's own rate without pooling; naive = last quarter, same
  quarter a year earlier.
- trajectoire (résidences): share of households under 40 % of the PLUS ceiling one year after the
  origin (trajectory.py, entrants = the EPCI's entrants of the last 12 months); naive = unchanged.
- vieillissement (résidences, EPCI): share of heads of household aged 75+ and under-occupation one
  year after the origin (ageing.py); naive = unchanged.
- tendance (EPCI × typology): active demands and attributions of the 4 held-out quarters
  (demand.py, mean of the last 4 quarters); naive = last quarter, same quarter a year earlier.
- objectifs (T1/T2/T3 per EPCI and contingent): year-end value from each earlier quarter end of a
  year whose 31 December is observed (year_end.py); naive = year to date, rolling 12 months.
Each origin uses only what its own snapshot holds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from queries.engine import Engine
from queries.forecast import ageing_outlook
from queries.forecast import demand as dem
from queries.forecast import departures as dep
from queries.forecast.history import evaluate_at, quarter_ends, quarterly
from queries.forecast.trajectory import entrant_profiles, share_after
from queries.forecast.year_end import year_end_targets
from semantic.catalogue import Catalogue
from semantic.scope import Scope

TRAIN = 9  # quarters used to fit (the demo's first 9 snapshots)
# The ageing model must cut the naive error by 1 % to count as a forecast: on the demo it "beats"
# unchanged per residence by a thousandth of a point (1.618 against 1.619), which is a tie.
AGEING_MIN_GAIN = 0.01
HORIZON = 4  # quarters forecast (the last 4)


@dataclass(frozen=True)
class Result:
    famille: str
    methode: str
    mae: float
    n: int
    couverture: float | None = None  # share of actual values inside the model's interval


def departures_history(engine: Engine, catalogue: Catalogue, scope: Scope, level: str):
    by = ("epci", "residence") if level == "residence" else (level,)
    return quarterly(engine, catalogue, "taux_rotation", scope, by=by)


def departures_backtest(history: pd.DataFrame, unit: str, group: str | None) -> list[Result]:
    dates = sorted(history["date"].unique())
    if len(dates) < TRAIN + HORIZON:
        return []
    train = history[history["date"].isin(dates[:TRAIN])]
    test = history[history["date"].isin(dates[TRAIN : TRAIN + HORIZON])]
    truth = test[~test["masque"]].assign(
        h=lambda d: d["date"].map({x: i + 1 for i, x in enumerate(dates[TRAIN:])})
    )
    truth = truth[[unit, "h", "numerateur"]].rename(columns={"numerateur": "reel"})
    family = f"départs par trimestre ({'résidence' if unit == 'residence' else unit})"
    out = []
    for label, pooled in (("taux mutualisé (EB)", True), ("taux propre", False)):
        if not pooled and group is None:
            continue
        fitted = dep.expected(dep.fit(train, unit, group, pooled=pooled))
        pred = truth.merge(fitted[[unit, "attendu", "bas", "haut"]], on=unit)
        inside = ((pred["reel"] >= pred["bas"]) & (pred["reel"] <= pred["haut"])).mean()
        out.append(_result(family, label, pred, float(inside) if pooled else None))
    for label, seasonal in (
        ("naïf : dernier trimestre", False),
        ("naïf : même trimestre N-1", True),
    ):
        pred = truth.merge(dep.naive(train, unit, HORIZON, seasonal), on=[unit, "h"])
        out.append(_result(family, label, pred))
    return out


def _result(family, label, pred, coverage=None, scale=1.0) -> Result:
    err = (pred["reel"].astype(float) - pred["attendu"].astype(float)).abs() * scale
    return Result(family, label, float(err.mean()), int(len(err)), coverage)


def trajectory_backtest(
    engine: Engine, catalogue: Catalogue, scope: Scope, history: pd.DataFrame
) -> list[Result]:
    """One year ahead from the last training quarter (history by epci and residence)."""
    dates = quarter_ends(engine)
    if len(dates) < TRAIN + HORIZON:
        return []
    origin, end = dates[TRAIN - 1], dates[TRAIN + HORIZON - 1]
    train = history[history["date"] <= pd.Timestamp(origin)]
    rates = dep.fit(train, "residence", "epci").set_index("residence")["taux"]
    by = ("epci", "en_qpv", "residence")
    start = evaluate_at(engine, catalogue, "part_menages_sous_40pc", scope, origin, by=by)
    after = evaluate_at(engine, catalogue, "part_menages_sous_40pc", scope, end, by=by)
    entrants = entrant_profiles(engine, catalogue, scope, origin)
    start = start[~start["masque"] & start["valeur"].notna()]
    after = after[~after["masque"] & after["valeur"].notna()].set_index("residence")["valeur"]
    start = start[start["residence"].isin(after.index) & start["residence"].isin(rates.index)]
    e = start.apply(lambda r: entrants.get((r["epci"], bool(r["en_qpv"]))), axis=1)
    start = start[e.notna()]
    if start.empty:
        return []
    s0 = start["valeur"].astype(float).to_numpy()
    e = e[e.notna()].to_numpy(dtype=float)
    turnover = 4 * start["residence"].map(rates).to_numpy(dtype=float)
    truth = start["residence"].map(after).to_numpy(dtype=float)
    family = "trajectoire : part sous 40 % PLUS à 1 an (points)"
    model = pd.DataFrame({"reel": truth, "attendu": share_after(s0, turnover, e, 1.0)})
    naive = pd.DataFrame({"reel": truth, "attendu": s0})
    return [
        _result(
            family,
            "flux : départs au taux mutualisé, entrants au profil de l'EPCI (en / hors QPV)",
            model,
            scale=100,
        ),
        _result(family, "naïf : part inchangée", naive, scale=100),
    ]


def ageing_backtest(
    engine: Engine, catalogue: Catalogue, scope: Scope, history: pd.DataFrame, unit: str
) -> list[Result]:
    """Share of heads of household aged 75+ and under-occupation one year after the last
    training quarter (ageing_outlook.py), against "unchanged"; `history` at the unit's level."""
    dates = quarter_ends(engine)
    if len(dates) < TRAIN + HORIZON:
        return []
    origin, end = dates[TRAIN - 1], dates[TRAIN + HORIZON - 1]
    train = history[history["date"] <= pd.Timestamp(origin)]
    start = ageing_outlook.inputs(engine, catalogue, scope, origin, unit, train)
    if start.empty:
        return []
    pred = ageing_outlook.project(start, unit, 1)
    pred = pred[pred["annee"] == 1].set_index(unit)
    now = start.set_index(unit)
    out = []
    level = "résidence" if unit == "residence" else unit
    for indicator, column, current, label in (
        (
            ageing_outlook.INDICATOR,
            "part_75_plus",
            now["75_plus"] / now["menages"],
            "75 ans et plus",
        ),
        (
            ageing_outlook.UNDER_OCCUPATION,
            "sous_occupation",
            now["sous_occupation"],
            "sous-occupation",
        ),
    ):
        truth = evaluate_at(
            engine, catalogue, indicator, scope, end, by=ageing_outlook.LEVELS[unit]
        )
        truth = truth[~truth["masque"] & truth["valeur"].notna()].set_index(unit)["valeur"]
        keys = pred.index[pred[column].notna()].intersection(truth.index)
        if keys.empty:
            continue
        reel = truth[keys].astype(float).to_numpy()
        family = f"vieillissement ({level}) : {label} à 1 an (points)"
        model = pd.DataFrame({"reel": reel, "attendu": pred.loc[keys, column].astype(float)})
        naive = pd.DataFrame({"reel": reel, "attendu": current[keys].astype(float).to_numpy()})
        out.append(
            _result(
                family,
                "âges + 1 an, départs au taux mutualisé, entrants de l'EPCI",
                model,
                scale=100,
            )
        )
        out.append(_result(family, "naïf : part inchangée", naive, scale=100))
    return out


def demand_backtest(table: pd.DataFrame, indicator: str) -> list[Result]:
    """Model first, then the two naive values (MAE over every cell and step)."""
    if len(table) < TRAIN + HORIZON:
        return []
    train, test = table.iloc[:TRAIN], table.iloc[TRAIN : TRAIN + HORIZON]
    truth = test.reset_index(drop=True).set_axis(range(1, HORIZON + 1)).rename_axis("h")
    family = f"tendance : {dem.INDICATORS[indicator]} par EPCI et typologie, par trimestre"
    out = []
    for label, pred in (
        (dem.MODEL, dem.level(train, HORIZON)),
        ("naïf : dernier trimestre", dem.naive(train, HORIZON, False)),
        ("naïf : même trimestre N-1", dem.naive(train, HORIZON, True)),
    ):
        frame = pd.DataFrame(
            {
                "reel": truth.to_numpy().ravel(),
                "attendu": pred[truth.columns].to_numpy().ravel(),
            }
        )
        out.append(_result(family, label, frame))
    return out


def targets_backtest(engine: Engine, catalogue: Catalogue, scope: Scope) -> list[Result]:
    """Year-end projections from every quarter end (not a 31 December) of an observed year."""
    snaps = set(quarter_ends(engine))
    origins = [
        s
        for s in sorted(snaps)
        if (s.month, s.day) != (12, 31) and s.replace(month=12, day=31) in snaps
    ]
    rows = []
    truths = {}
    for origin in origins:
        year_end = origin.replace(month=12, day=31)
        if year_end not in truths:
            truths[year_end] = year_end_targets(engine, catalogue, scope, year_end)
        truth = truths[year_end][["objectif_id", "valeur_annee"]].rename(
            columns={"valeur_annee": "reel"}
        )
        pred = year_end_targets(engine, catalogue, scope, origin).merge(truth, on="objectif_id")
        rows.append(pred[~pred["masque"] & pred["reel"].notna() & pred["projection"].notna()])
    if not rows:
        return []
    pred = pd.concat(rows, ignore_index=True)
    family = "objectifs T1/T2/T3 : valeur au 31/12 (points)"
    inside = float(((pred["reel"] >= pred["bas"]) & (pred["reel"] <= pred["haut"])).mean())
    model = "cumul de l'année + volume des mêmes semaines de N-1 au taux des 12 mois"
    out = [_result(family, model, pred.assign(attendu=pred["projection"]), inside, 100)]
    out.append(
        _result(
            family,
            "naïf : valeur de l'année à date",
            pred.assign(attendu=pred["valeur_annee"]),
            scale=100,
        )
    )
    with_12 = pred[pred["valeur_12_mois"].notna()]
    out.append(
        _result(
            family,
            "naïf : 12 mois glissants",
            with_12.assign(attendu=with_12["valeur_12_mois"]),
            scale=100,
        )
    )
    return out


def run_backtest(
    engine: Engine, catalogue: Catalogue, scope: Scope, *, targets: bool = True
) -> list[Result]:
    by_residence = departures_history(engine, catalogue, scope, "residence")
    out = departures_backtest(by_residence, "residence", "epci")
    out += departures_backtest(departures_history(engine, catalogue, scope, "epci"), "epci", None)
    out += trajectory_backtest(engine, catalogue, scope, by_residence)
    out += ageing_backtest(engine, catalogue, scope, by_residence, "residence")
    by_epci = departures_history(engine, catalogue, scope, "epci")
    out += ageing_backtest(engine, catalogue, scope, by_epci, "epci")
    for indicator in dem.INDICATORS:
        out += demand_backtest(dem.history(engine, catalogue, scope, indicator), indicator)
    if targets:
        out += targets_backtest(engine, catalogue, scope)
    return out


def table(results: list[Result]) -> pd.DataFrame:
    df = pd.DataFrame([r.__dict__ for r in results])
    if df.empty:
        return df
    df["mae"] = df["mae"].round(3)
    df["couverture"] = df["couverture"].map(
        lambda v: None if v is None or np.isnan(v) else round(v, 3)
    )
    return df


def markdown(df: pd.DataFrame) -> str:
    """The table as Markdown (docs/anticipation.md reproduces it)."""
    cells = [[str(c) for c in df.columns]]
    cells += [["" if pd.isna(v) else str(v) for v in row] for row in df.itertuples(index=False)]
    lines = ["| " + " | ".join(row) + " |" for row in cells]
    lines.insert(1, "|" + "---|" * len(df.columns))
    return "\n".join(lines)


def verdicts(results: list[Result]) -> dict[str, bool]:
    """Per family: does the model (first row) beat every naive baseline of the family (by
    AGEING_MIN_GAIN for the ageing families, as queries.forecast.projection decides)?"""
    out = {}
    for family in dict.fromkeys(r.famille for r in results):
        rows = [r for r in results if r.famille == family]
        naive = [r.mae for r in rows if r.methode.startswith("naïf")]
        gain = AGEING_MIN_GAIN if family.startswith("vieillissement") else 0.0
        out[family] = bool(naive) and rows[0].mae < min(naive) * (1 - gain)
    return out


def main() -> None:
    import argparse

    from queries.engine import get_engine
    from semantic.catalogue import load_catalogue

    parser = argparse.ArgumentParser(description="Back-test des projections (MAE contre naïf)")
    parser.add_argument("--data-dir", help="racine des données (défaut : data/demo)")
    args = parser.parse_args()
    engine = get_engine(args.data_dir)
    catalogue = load_catalogue()
    results = run_backtest(engine, catalogue, Scope.internal("manager"))
    dates = quarter_ends(engine)
    print(
        f"Apprentissage : {TRAIN} trimestres ({dates[0]} … {dates[TRAIN - 1]}), "
        f"test : {HORIZON} ({dates[TRAIN]} … {dates[TRAIN + HORIZON - 1]})"
    )
    print(markdown(table(results)))
    for family, ok in verdicts(results).items():
        print(
            f"- {family} : {'prévision retenue' if ok else 'ne bat pas le naïf : valeur naïve affichée'}"
        )


if __name__ == "__main__":
    main()
