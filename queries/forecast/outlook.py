"""What the Fiche résidence shows of the future, for every residence of a scope at once (the
pooled rates need the whole EPCI): expected departures of the next quarters and the inputs of the
occupancy trajectory, with the back-test verdict of each method on the user's own figures."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from queries.engine import Engine
from queries.forecast import ageing_outlook
from queries.forecast import backtest as bt
from queries.forecast import departures as dep
from queries.forecast.history import evaluate_at, quarter_ends
from queries.forecast.projection import (
    AGEING_MIN_GAIN,
    DEPARTURES,
    TRAJECTORY,
    choose,
    projection,
)
from queries.forecast.trajectory import entrant_profiles
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope


@dataclass(frozen=True)
class Outlooks:
    departures: pd.DataFrame  # projection(nb_departs, by residence): one row per quarter
    trajectory: (
        pd.DataFrame
    )  # per residence: menages, concernes, part, departs_par_an, part_entrants
    trajectory_is_forecast: bool  # the flow method beat "unchanged" in the back-test
    trajectory_method: str  # what the back-test said, in words
    snapshot: object
    # per residence and year 0..5: part_75_plus, sous_occupation (queries.forecast.ageing)
    ageing: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["residence"]))
    ageing_is_forecast: bool = False  # the ageing model beat "unchanged" in the back-test
    ageing_method: str = ""
    # the same per EPCI (years 0..5), and its own back-test verdict
    ageing_epci: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["epci"]))
    ageing_epci_is_forecast: bool = False
    ageing_epci_method: str = ""


def residence_outlooks(
    engine: Engine, scope: Scope, horizon: int = 4, catalogue: Catalogue | None = None
) -> Outlooks:
    catalogue = catalogue or load_catalogue()
    departures = projection(
        engine, DEPARTURES, scope, by=("residence",), horizon=horizon, catalogue=catalogue
    )
    history = bt.departures_history(engine, catalogue, scope, "residence")
    if history.empty:  # no quarter-end snapshot: nothing to project from
        return Outlooks(departures, pd.DataFrame(columns=["residence"]), False, "", engine.latest)
    snapshot = quarter_ends(engine)[-1]
    shown, method = choose(
        bt.trajectory_backtest(engine, catalogue, scope, history), "naïf : part inchangée"
    )
    rates = dep.fit(history, "residence", "epci").set_index("residence")["taux"]
    entrants = entrant_profiles(engine, catalogue, scope, snapshot)
    now = evaluate_at(
        engine, catalogue, TRAJECTORY, scope, snapshot, by=("epci", "en_qpv", "residence")
    )
    rows = []
    for r in now.itertuples(index=False):
        if r.masque or pd.isna(r.valeur) or r.residence not in rates.index:
            continue
        rows.append(
            {
                "residence": r.residence,
                "menages": int(r.denominateur),
                "concernes": int(r.numerateur),
                "part": float(r.valeur),
                # households are replaced at the residence's rate per dwelling and quarter
                "departs_par_an": 4 * float(rates[r.residence]) * int(r.denominateur),
                "part_entrants": entrants.get((str(r.epci), bool(r.en_qpv))),
                "entrants_qpv": bool(r.en_qpv),
            }
        )
    ageing_shown, ageing_method = choose(
        bt.ageing_backtest(engine, catalogue, scope, history, "residence")[:2],
        "naïf : part inchangée",
        AGEING_MIN_GAIN,
    )
    units = ageing_outlook.inputs(engine, catalogue, scope, snapshot, "residence", history)
    ageing = (
        ageing_outlook.project(units, "residence", 5)
        if not units.empty
        else pd.DataFrame(columns=["residence"])
    )
    by_epci = bt.departures_history(engine, catalogue, scope, "epci")
    epci_shown, epci_method = choose(
        bt.ageing_backtest(engine, catalogue, scope, by_epci, "epci")[:2],
        "naïf : part inchangée",
        AGEING_MIN_GAIN,
    )
    epci_units = ageing_outlook.inputs(engine, catalogue, scope, snapshot, "epci", by_epci)
    ageing_epci = (
        ageing_outlook.project(epci_units, "epci", 5)
        if not epci_units.empty
        else pd.DataFrame(columns=["epci"])
    )
    return Outlooks(
        departures,
        pd.DataFrame(rows),
        shown,
        method,
        snapshot,
        ageing,
        ageing_shown,
        ageing_method,
        ageing_epci,
        epci_shown,
        epci_method,
    )
