"""`projection(indicator, by, horizon)`: the one entry point of the CLI and the screens.

Each family is back-tested on the user's own figures before it is shown (backtest.py): when the
method does not beat its best naive baseline, the naive value is returned instead, with a
`methode` column that says so. Every input is an `evaluate` answer with the user's scope, so a
partner's projections rest on perturbed, masked counts like the rest of the portal.
"""

from __future__ import annotations

import math

import pandas as pd

from queries.engine import Engine
from queries.errors import InvalidValueError
from queries.forecast import ageing_outlook
from queries.forecast import backtest as bt
from queries.forecast import demand as dem
from queries.forecast import departures as dep
from queries.forecast.history import evaluate_at, next_quarter_ends, quarter_ends
from queries.forecast.trajectory import entrant_profiles, trajectory
from queries.forecast.year_end import year_end_targets
from semantic.catalogue import Catalogue, load_catalogue
from semantic.errors import closest
from semantic.scope import Scope

DEPARTURES = "nb_departs"
TRAJECTORY = "part_menages_sous_40pc"
TARGETS = (
    "part_attributions_q1_hors_qpv",
    "part_attributions_non_q1_en_qpv",
    "part_attributions_prioritaires",
)
AGEING = ageing_outlook.INDICATOR
DEMAND = tuple(dem.INDICATORS)  # nb_demandes, nb_attributions
SUPPORTED = (DEPARTURES, TRAJECTORY, AGEING, *DEMAND, *TARGETS)
DEPARTURE_LEVELS = {  # by -> (dimensions asked of evaluate, pooling group)
    "residence": (("epci", "residence"), "epci"),
    "commune": (("epci", "commune"), "epci"),
    "epci": (("epci",), None),
}
MAX_HORIZON = 8  # quarters: beyond two years a constant rate says nothing worth printing
AGEING_MAX_HORIZON = 20  # quarters: ageing is read at five years (issue 19)
AGEING_MIN_GAIN = bt.AGEING_MIN_GAIN


def projection(
    engine: Engine,
    indicator: str,
    scope: Scope,
    *,
    by: tuple[str, ...] = (),
    horizon: int = 4,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    catalogue = catalogue or load_catalogue()
    catalogue.indicator(indicator)  # an unknown id: the catalogue's error, with a suggestion
    if indicator not in SUPPORTED:
        guess = closest(indicator, SUPPORTED)
        raise InvalidValueError(
            f"pas de projection pour « {indicator} ».{f' Vouliez-vous dire « {guess} » ?' if guess else ''} "
            f"Indicateurs projetés : {', '.join(SUPPORTED)}."
        )
    if indicator == AGEING:
        return ageing(engine, catalogue, scope, by, horizon)
    if not 1 <= horizon <= MAX_HORIZON:
        raise InvalidValueError(f"horizon {horizon} : entre 1 et {MAX_HORIZON} trimestres")
    if indicator == DEPARTURES:
        return departures(engine, catalogue, scope, by, horizon)
    if indicator in DEMAND:
        return demand(engine, catalogue, scope, indicator, by, horizon)
    if indicator == TRAJECTORY:
        return occupancy(engine, catalogue, scope, by, horizon)
    return targets(engine, catalogue, scope, indicator, by)


def _one_level(by: tuple[str, ...], allowed) -> str:
    if len(by) != 1 or by[0] not in allowed:
        raise InvalidValueError(
            f"découpage {', '.join(by) or '(aucun)'} : choisir un seul de {', '.join(allowed)}"
        )
    return by[0]


def departures(
    engine: Engine, catalogue: Catalogue, scope: Scope, by: tuple[str, ...], horizon: int
) -> pd.DataFrame:
    """Expected departures per unit for each of the next `horizon` quarters."""
    unit = _one_level(by, DEPARTURE_LEVELS)
    dims, group = DEPARTURE_LEVELS[unit]
    history = bt.departures_history(engine, catalogue, scope, unit)
    if history.empty:
        return pd.DataFrame()
    results = bt.departures_backtest(history, unit, group)
    use_model, label = choose(results)
    fitted = dep.expected(dep.fit(history, unit, group))
    last = history[history["date"] == history["date"].max()]
    labels = last.set_index(unit)[f"{unit}_libelle"] if f"{unit}_libelle" in last else None
    masked_units = set(history.loc[history["masque"], unit])
    naive = None if use_model else dep.naive(history, unit, horizon, "N-1" in label)
    rows = []
    for h, day in enumerate(next_quarter_ends(history["date"].max().date(), horizon), start=1):
        for key in sorted(set(history[unit]), key=str):
            row = {unit: key, "trimestre": day, "masque": key in masked_units}
            if labels is not None:
                row[f"{unit}_libelle"] = labels.get(key)
            fit = fitted[fitted[unit] == key]
            if not row["masque"] and not fit.empty:
                f = fit.iloc[0]
                row.update(
                    departs_historique=int(f["departs"]),
                    exposition=int(f["exposition"]),
                    logements=int(f["logements"]),
                    poids_propre=round(float(f["poids"]), 3),
                )
                if use_model:
                    row.update(attendu=float(f["attendu"]), bas=int(f["bas"]), haut=int(f["haut"]))
                else:
                    value = naive[(naive[unit] == key) & (naive["h"] == h)]["attendu"]
                    row["attendu"] = float(value.iloc[0]) if len(value) else None
            row["methode"] = label
            rows.append(row)
    columns = [unit, f"{unit}_libelle", "trimestre", "attendu", "bas", "haut", "methode"]
    columns += ["departs_historique", "exposition", "logements", "poids_propre", "masque"]
    out = pd.DataFrame(rows).reindex(
        columns=[c for c in columns if labels is not None or not c.endswith("_libelle")]
    )
    for col in ("bas", "haut", "departs_historique", "exposition", "logements"):
        out[col] = out[col].astype("Int64")
    out["attendu"] = out["attendu"].astype("Float64")
    return out


def demand(
    engine: Engine,
    catalogue: Catalogue,
    scope: Scope,
    indicator: str,
    by: tuple[str, ...],
    horizon: int,
) -> pd.DataFrame:
    """Active demands or attributions per EPCI and typology for each of the next quarters
    (queries.forecast.demand): the model when it beat both naive values in the back-test on the
    user's own figures, else the best naive value; `dernier` is the last quarter's count."""
    if set(by) != set(dem.KEYS):
        raise InvalidValueError("la tendance de la demande se projette par epci et nb_pieces")
    table = dem.history(engine, catalogue, scope, indicator)
    if table.empty:
        return pd.DataFrame()
    use_model, label = choose(bt.demand_backtest(table, indicator))
    out = dem.outlook(table, horizon, use_model, "N-1" in label)
    return out.assign(methode=label)


def choose(
    results: list[bt.Result], fallback: str = "naïf : dernier trimestre", min_gain: float = 0.0
) -> tuple[bool, str]:
    """(show the model?, label of what is shown) from a family's back-test rows; without a
    back-test (history too short) the naive `fallback` is shown. With `min_gain`, the model must
    cut the best naive error by at least that fraction (a smaller gain is a tie)."""
    if not results:
        return False, f"{fallback} (historique trop court pour éprouver la méthode)"
    naive = [r for r in results if r.methode.startswith("naïf") and not math.isnan(r.mae)]
    if not naive or math.isnan(results[0].mae):  # no error measured: every past value hidden
        # (a partner's cells under the secrecy threshold) or none to compare with
        return False, (
            f"{fallback} (méthode non éprouvée : aucune valeur passée mesurable, "
            "ou toutes couvertes par le secret statistique)"
        )
    best = min(naive, key=lambda r: r.mae)
    model, baseline = _decimal(results[0].mae), _decimal(best.mae)
    if results[0].mae < best.mae * (1 - min_gain):
        return True, f"{results[0].methode} (MAE {model} contre {baseline} au naïf)"
    return False, (
        f"{best.methode} (la méthode ne bat pas ce naïf au back-test : MAE {model} contre "
        f"{baseline})"
    )


def _decimal(x: float) -> str:
    return f"{x:.2f}".replace(".", ",")


def occupancy(
    engine: Engine, catalogue: Catalogue, scope: Scope, by: tuple[str, ...], horizon: int
) -> pd.DataFrame:
    """Share of households under 40 % of the PLUS ceiling per residence after each whole year
    of the horizon (a multiple of 4 quarters)."""
    _one_level(by, ("residence",))
    if horizon % 4:
        raise InvalidValueError(f"horizon {horizon} : la trajectoire se projette par année (4, 8)")
    history = bt.departures_history(engine, catalogue, scope, "residence")
    if history.empty:
        return pd.DataFrame()
    use_model, label = choose(
        bt.trajectory_backtest(engine, catalogue, scope, history), "naïf : part inchangée"
    )
    snapshot = quarter_ends(engine)[-1]
    rates = dep.fit(history, "residence", "epci").set_index("residence")
    entrants = entrant_profiles(engine, catalogue, scope, snapshot)
    now = evaluate_at(
        engine, catalogue, TRAJECTORY, scope, snapshot, by=("epci", "en_qpv", "residence")
    )
    rows = []
    for r in now.itertuples(index=False):
        base = {"residence": r.residence, "residence_libelle": r.residence_libelle}
        known = not r.masque and pd.notna(r.valeur) and r.residence in rates.index
        entrant = entrants.get((str(r.epci), bool(r.en_qpv)))
        for year in range(1, horizon // 4 + 1):
            row = {**base, "annee": year, "masque": bool(r.masque), "methode": label}
            if known:
                share = float(r.valeur)
                if use_model and entrant is not None:
                    yearly = 4 * float(rates.loc[r.residence, "taux"]) * int(r.denominateur)
                    step = trajectory(
                        int(r.denominateur), int(r.numerateur), yearly, entrant, year
                    )[-1]
                    share = step.part
                row.update(part_actuelle=float(r.valeur), valeur=share, menages=int(r.denominateur))
            rows.append(row)
    columns = [
        "residence",
        "residence_libelle",
        "annee",
        "part_actuelle",
        "valeur",
        "methode",
        "menages",
        "masque",
    ]
    out = pd.DataFrame(rows).reindex(columns=columns)
    out["menages"] = out["menages"].astype("Int64")
    return out


def targets(
    engine: Engine, catalogue: Catalogue, scope: Scope, indicator: str, by: tuple[str, ...]
) -> pd.DataFrame:
    """Year-end value of the indicator's targets (per EPCI; per contingent for T3)."""
    if by and by not in (("epci",), ("epci", "reservataire"), ("reservataire",)):
        raise InvalidValueError("les objectifs se projettent par EPCI (et réservataire pour le T3)")
    df = year_end(engine, catalogue, scope)
    if df.empty:
        return df
    return df[df["indicateur"] == indicator].reset_index(drop=True)


def year_end(engine: Engine, catalogue: Catalogue, scope: Scope) -> pd.DataFrame:
    """Every ratio target of the scope (T1, T2, T3, local) projected to 31 December from the last
    quarter end, with `methode`; the best naive value (year to date or 12 months, no interval)
    when the method does not beat it in the back-test on the user's own figures. Objectifs page
    and CLI."""
    snapshot = quarter_ends(engine)[-1] if quarter_ends(engine) else engine.latest
    use_model, label = choose(
        bt.targets_backtest(engine, catalogue, scope), "naïf : 12 mois glissants"
    )
    df = year_end_targets(engine, catalogue, scope, snapshot)
    if df.empty:
        return df
    df = df.reset_index(drop=True)
    df["methode"] = label
    df["prevision"] = use_model
    if not use_model:  # the naive value that won the back-test, as its label says
        naive = "valeur_annee" if "année à date" in label else "valeur_12_mois"
        df["projection"] = df[naive]
        df["bas"] = df["haut"] = None
    df["necessaires"] = df["necessaires"].astype("Int64")
    df["par_trimestre"] = df["par_trimestre"].astype("Int64")
    return df.assign(trimestres_restants=df["trimestres_restants"].astype("Int64"), date=snapshot)


def ageing(
    engine: Engine, catalogue: Catalogue, scope: Scope, by: tuple[str, ...], horizon: int
) -> pd.DataFrame:
    """Share of heads of household aged 75+ and under-occupation per residence or EPCI after
    each whole year of the horizon (queries.forecast.ageing). `valeur` is what the back-test
    lets us call a forecast (the model, or the unchanged share); `scenario` is always the
    model's value under its hypotheses."""
    unit = _one_level(by, tuple(ageing_outlook.LEVELS))
    if horizon % 4 or not 4 <= horizon <= AGEING_MAX_HORIZON:
        raise InvalidValueError(
            f"horizon {horizon} : le vieillissement se projette par année (4 à "
            f"{AGEING_MAX_HORIZON} trimestres)"
        )
    history = bt.departures_history(engine, catalogue, scope, unit)
    if history.empty:
        return pd.DataFrame()
    results = bt.ageing_backtest(engine, catalogue, scope, history, unit)
    use_model, label = choose(results[:2], "naïf : part inchangée", AGEING_MIN_GAIN)
    snapshot = quarter_ends(engine)[-1]
    units = ageing_outlook.inputs(engine, catalogue, scope, snapshot, unit, history)
    if units.empty:
        return pd.DataFrame()
    years = ageing_outlook.project(units, unit, horizon // 4).set_index([unit, "annee"])
    names = evaluate_at(
        engine, catalogue, "nb_menages", scope, snapshot, by=ageing_outlook.LEVELS[unit]
    )
    rows = []
    for r in names.itertuples(index=False):
        key = getattr(r, unit)
        base = {unit: key, f"{unit}_libelle": getattr(r, f"{unit}_libelle")}
        known = (key, 0) in years.index
        for year in range(1, horizon // 4 + 1):
            row = {**base, "annee": year, "masque": not known, "methode": label}
            if known:
                now, then = years.loc[(key, 0)], years.loc[(key, year)]
                row.update(
                    part_actuelle=now["part_75_plus"],
                    valeur=then["part_75_plus"] if use_model else now["part_75_plus"],
                    scenario=then["part_75_plus"],
                    sous_occupation_actuelle=now["sous_occupation"],
                    sous_occupation_scenario=then["sous_occupation"],
                    menages=int(r.valeur) if pd.notna(r.valeur) else None,
                )
            rows.append(row)
    columns = [unit, f"{unit}_libelle", "annee", "part_actuelle", "valeur", "scenario"]
    columns += ["sous_occupation_actuelle", "sous_occupation_scenario", "methode", "menages"]
    out = pd.DataFrame(rows).reindex(columns=[*columns, "masque"])
    out["menages"] = out["menages"].astype("Int64")
    return out
