"""Expected departures (future vacancies) per residence or territory, quarter by quarter.

Model (empirical-Bayes partial pooling of a Poisson rate). For unit i (a residence) of group g
(its EPCI), with D_i departures over E_i dwelling-quarters of history (dwellings proposés à la
location at each quarter end, summed):

    r_g  = sum D / sum E over the group's units                      (the group's rate)
    r̂_i  = (D_i + k_g r_g) / (E_i + k_g) = w_i D_i/E_i + (1 - w_i) r_g,  w_i = E_i / (E_i + k_g)

k_g is the prior's weight in dwelling-quarters, estimated by the method of moments: the spread of
the units' rates around r_g beyond what Poisson noise explains, tau² = max(0, (sum E_i (x_i − r_g)²
− (n − 1) r_g) / (sum E − sum E² / sum E)), k_g = r_g / tau² (capped at K_MAX: no spread beyond
noise means full pooling). A small residence thus borrows its EPCI's rate; a large one keeps its
own. Expected departures in a future quarter: μ_i = r̂_i × dwellings at the last quarter end;
interval: the 5 % and 95 % quantiles of Poisson(μ_i) (90 % of outcomes if the rate is right —
the rate's own uncertainty is not added, so the band is a little narrow for small residences).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

K_MAX = 1e6  # dwelling-quarters: beyond this the prior is the group rate itself
LOW, HIGH = 0.05, 0.95  # quantiles of the interval (90 %)


def poisson_quantile(mean: float, q: float) -> int:
    """Smallest n with P(N <= n) >= q for N ~ Poisson(mean) (plain summation: means stay small
    here; a normal approximation takes over beyond 700, where exp(-mean) underflows)."""
    if mean <= 0:
        return 0
    if mean > 700:
        z = {LOW: -1.6448536, HIGH: 1.6448536}.get(q)
        if z is None:
            raise ValueError(f"quantile {q} non prévu au-delà d'une moyenne de 700")
        return max(0, math.ceil(mean + z * math.sqrt(mean) - 0.5))
    term = math.exp(-mean)
    total, n = term, 0
    while total < q - 1e-12:
        n += 1
        term *= mean / n
        total += term
    return n


def pooling_weight(rates: np.ndarray, exposures: np.ndarray) -> float:
    """k of the group (dwelling-quarters), method of moments on Poisson rates (see module doc)."""
    exposures = np.asarray(exposures, dtype=float)
    keep = exposures > 0
    rates, exposures = np.asarray(rates, dtype=float)[keep], exposures[keep]
    if len(rates) < 2:  # a lone unit: its group's rate is its own
        return 0.0
    total = exposures.sum()
    mean = float((rates * exposures).sum() / total)
    if mean <= 0:
        return K_MAX
    spread = float((exposures * (rates - mean) ** 2).sum()) - (len(rates) - 1) * mean
    tau2 = spread / (total - float((exposures**2).sum()) / total)
    return K_MAX if tau2 <= 0 else min(K_MAX, mean / tau2)


def shrunk_rates(units: pd.DataFrame, pooled: bool = True) -> pd.DataFrame:
    """`units`: one row per unit with `groupe`, `departs` (D), `exposition` (E). Adds
    `taux_groupe`, `k`, `poids` (w) and `taux` (r̂), per quarter and dwelling. Without pooling
    (the back-test's comparison) k = 0: each unit keeps its own rate D/E."""
    out = units.copy()
    out["taux_groupe"] = np.nan
    out["k"] = np.nan
    for _, rows in out.groupby("groupe", dropna=False).groups.items():
        d = out.loc[rows, "departs"].to_numpy(dtype=float)
        e = out.loc[rows, "exposition"].to_numpy(dtype=float)
        total = e.sum()
        rate = d.sum() / total if total > 0 else 0.0
        with np.errstate(divide="ignore", invalid="ignore"):
            k = pooling_weight(np.where(e > 0, d / e, 0.0), e) if pooled else 0.0
        out.loc[rows, "taux_groupe"] = rate
        out.loc[rows, "k"] = k
    out["poids"] = out["exposition"] / (out["exposition"] + out["k"])
    with np.errstate(divide="ignore", invalid="ignore"):
        out["taux"] = (out["departs"] + out["k"] * out["taux_groupe"]) / (
            out["exposition"] + out["k"]
        )
    out["taux"] = out["taux"].fillna(out["taux_groupe"]).fillna(0.0)
    return out


def fit(
    history: pd.DataFrame, unit: str, group: str | None, *, pooled: bool = True
) -> pd.DataFrame:
    """Rates from a quarterly history of `taux_rotation` (numerateur = departures of the quarter,
    denominateur = dwellings proposés à la location at its end). A unit with a masked quarter
    (partners: a cell under the secrecy threshold) gets no rate."""
    if history.empty:  # no quarter-end snapshot yet
        return pd.DataFrame(columns=[unit, "groupe", "departs", "exposition", "logements", "taux"])
    h = history.copy()
    h["groupe"] = h[group] if group else "tout"
    masked = h.groupby(unit)["masque"].any()
    h = h[~h[unit].isin(masked[masked].index)]
    if h.empty:
        return pd.DataFrame(columns=[unit, "groupe", "departs", "exposition", "logements"])
    last = h[h["date"] == h["date"].max()].set_index(unit)["denominateur"]
    units = (
        h.groupby(unit)
        .agg(
            groupe=("groupe", "first"),
            departs=("numerateur", "sum"),
            exposition=("denominateur", "sum"),
        )
        .reset_index()
    )
    units["departs"] = units["departs"].astype(float)
    units["exposition"] = units["exposition"].astype(float)
    units["logements"] = units[unit].map(last).astype(float).fillna(0.0)
    return shrunk_rates(units, pooled)


def expected(rates: pd.DataFrame) -> pd.DataFrame:
    """Per-quarter expectation and 90 % Poisson interval from fitted rates."""
    out = rates.copy()
    out["attendu"] = out["taux"] * out["logements"]
    out["bas"] = [poisson_quantile(m, LOW) for m in out["attendu"]]
    out["haut"] = [poisson_quantile(m, HIGH) for m in out["attendu"]]
    return out


def naive(history: pd.DataFrame, unit: str, horizon: int, seasonal: bool) -> pd.DataFrame:
    """Naive forecasts of the next `horizon` quarters: the last quarter's count, or (seasonal)
    the count of the same quarter a year earlier. Columns: unit, `h` (1..horizon), `attendu`."""
    h = history[~history["masque"]].pivot_table(
        index="date", columns=unit, values="numerateur", aggfunc="sum"
    )
    h = h.sort_index()
    rows = []
    for step in range(1, horizon + 1):
        source = h.iloc[-1] if not seasonal else h.iloc[-4 + (step - 1) % 4]
        for key, value in source.items():
            rows.append({unit: key, "h": step, "attendu": float(value)})
    return pd.DataFrame(rows)
