"""Demand trend: active demands and attributions per EPCI and typology (nb_pieces), the next
quarters, back-tested against the naive values before being shown as a forecast.

Series: one `evaluate` per quarter end with the user's scope (queries.forecast.history):
`nb_demandes` is the stock of active demands at the quarter's end, `nb_attributions` the leases
signed during the quarter. A partner's cells are perturbed and masked like any other: a cell
(EPCI × typology) with a masked or missing quarter gets no projection (a missing row is a count
under the threshold too).

Model: the mean of the last 4 quarters (a level that smooths the quarter-to-quarter noise; no
trend, no seasonality). Naive values: the last quarter; the same quarter a year earlier. Back-test:
fitted on the first 9 quarters, compared with the 4 that followed (every cell, h = 1..4),
in queries.forecast.backtest.demand_backtest.
"""

from __future__ import annotations

import pandas as pd

from queries.engine import Engine
from queries.forecast.history import next_quarter_ends, quarterly
from semantic.catalogue import Catalogue
from semantic.scope import Scope

INDICATORS = {"nb_demandes": "demandes actives", "nb_attributions": "attributions"}
KEYS = ("epci", "nb_pieces")
WINDOW = 4  # quarters averaged by the model
MODEL = f"moyenne des {WINDOW} derniers trimestres"


def history(engine: Engine, catalogue: Catalogue, scope: Scope, indicator: str) -> pd.DataFrame:
    """Quarterly counts as a table: one row per quarter end, one column per (epci, nb_pieces);
    a cell with a masked or (for a partner) missing quarter is left out; for internal roles a
    missing row is a count of zero. Labels of the EPCIs in `attrs["epci_libelle"]`."""
    q = quarterly(engine, catalogue, indicator, scope, by=KEYS)
    if q.empty:
        return pd.DataFrame()
    q = q.assign(nb_pieces=q["nb_pieces"].astype(int), epci=q["epci"].astype(str))
    table = q.pivot_table(index="date", columns=list(KEYS), values="valeur", aggfunc="sum")
    table = table.sort_index().astype(float)
    masked = q[q["masque"]].groupby(list(KEYS)).size().index
    table = table.drop(columns=[c for c in masked if c in table.columns])
    table = table.dropna(axis=1, how="any") if scope.masks_small_cells else table.fillna(0.0)
    table.attrs["epci_libelle"] = dict(zip(q["epci"], q["epci_libelle"], strict=False))
    return table


def level(table: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """The model: each cell's mean of its last WINDOW quarters, for every step 1..horizon."""
    mean = table.iloc[-WINDOW:].mean()
    return pd.DataFrame({h: mean for h in range(1, horizon + 1)}).T.rename_axis("h")


def naive(table: pd.DataFrame, horizon: int, seasonal: bool) -> pd.DataFrame:
    """Last quarter, or (seasonal) the same quarter a year earlier, for every step."""
    rows = {
        h: table.iloc[-4 + (h - 1) % 4] if seasonal else table.iloc[-1]
        for h in range(1, horizon + 1)
    }
    return pd.DataFrame(rows).T.rename_axis("h")


def outlook(table: pd.DataFrame, horizon: int, use_model: bool, seasonal: bool) -> pd.DataFrame:
    """One row per cell and future quarter: epci, nb_pieces, trimestre, attendu, dernier."""
    if table.empty:
        return pd.DataFrame(columns=[*KEYS, "trimestre", "attendu", "dernier"])
    pred = level(table, horizon) if use_model else naive(table, horizon, seasonal)
    days = next_quarter_ends(table.index.max().date(), horizon)
    rows = []
    for (epci, pieces), last in table.iloc[-1].items():
        for h, day in enumerate(days, start=1):
            rows.append(
                {
                    "epci": epci,
                    "epci_libelle": table.attrs.get("epci_libelle", {}).get(epci),
                    "nb_pieces": int(pieces),
                    "trimestre": day,
                    "attendu": float(pred.loc[h, (epci, pieces)]),
                    "dernier": float(last),
                }
            )
    return pd.DataFrame(rows)
