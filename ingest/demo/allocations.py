"""Who gets a vacated dwelling: priority flags, contingent, waiting time and declared resources.

Resources are set after the whole history is simulated, so that the share of first-quartile
households among the attributions of each EPCI, in and outside QPV, is the calibrated one exactly
for every calendar year (the T1/T2 picture of the demo does not depend on sampling luck).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest import reference_data
from ingest.demo import calibration as cal
from ingest.demo import households as hh
from ingest.demo.dates import years_of

BAILLEUR = cal.RESERVATAIRES.index("bailleur")
DAYS_PER_MONTH = 30.4375


def lookup_by_epci(table: dict, epci: np.ndarray, default: float) -> np.ndarray:
    """Per-row value of a {code_epci: value} table."""
    out = np.full(len(epci), default, dtype=np.float64)
    for code, value in table.items():
        out[epci == code] = value
    return out


def draw_allocation_flags(rng, ctx: pd.DataFrame, dwelling: np.ndarray, newcomers: dict):
    """DALO, priority, transfer and ANRU flags, the contingent used and the months of waiting."""
    n = len(dwelling)
    reservataire = ctx["reservataire"].to_numpy()[dwelling]
    in_qpv = ctx["in_qpv"].to_numpy()[dwelling]
    epci = ctx["code_epci"].to_numpy()[dwelling]
    dalo = rng.random(n) < np.asarray(cal.DALO_BY_RESERVATAIRE)[reservataire]
    prioritaire = ~dalo & (
        rng.random(n) < np.asarray(cal.PRIORITAIRE_BY_RESERVATAIRE)[reservataire]
    )
    priority = dalo | prioritaire
    precarite = rng.random(n) < np.where(
        priority, cal.GRANDE_PRECARITE_PRIORITY, cal.GRANDE_PRECARITE_OTHER
    )
    mutation = rng.random(n) < cal.SHARE_MUTATION_ATTRIBUTIONS
    # Urban renewal rehouses QPV tenants mostly outside the QPV.
    anru_rate = lookup_by_epci(cal.RELOGEMENT_ANRU, epci, 0.0) * np.where(in_qpv, 0.25, 1.0)
    anru = rng.random(n) < anru_rate
    same = rng.random(n) < cal.SHARE_SAME_RESERVATAIRE
    shifts = cal.LOG_Q_SHIFTS
    log_q = (
        shifts["dalo"] * dalo
        + shifts["prioritaire"] * prioritaire
        + shifts["grande_precarite"] * precarite
        + shifts["mutation"] * mutation
        + np.asarray(cal.LOG_Q_BY_FINANCEMENT)[ctx["financement"].to_numpy()[dwelling]]
        + cal.LOG_Q_FRAGILITY * ctx["fragility"].to_numpy()[dwelling]
        + rng.normal(0.0, cal.LOG_Q_NOISE, n)
    )
    months = rng.lognormal(np.log(cal.WAIT_MEDIAN_MONTHS), cal.WAIT_SIGMA, n)
    months *= np.where(dalo, cal.WAIT_FACTOR_DALO, 1.0) * np.where(
        mutation, cal.WAIT_FACTOR_MUTATION, 1.0
    )
    wait = np.clip(months * DAYS_PER_MONTH, 20, cal.MAX_WAIT_YEARS * 365).astype(np.int64)
    return {
        "dalo": dalo,
        "prioritaire": prioritaire,
        "grande_precarite": precarite,
        "mutation": mutation,
        "relogement_anru": anru,
        "reservataire_attribution": np.where(same, reservataire, BAILLEUR),
        "depot": newcomers["entry"] - wait,
        "log_q": log_q,
    }


def seuils_q1(epci: np.ndarray, years: np.ndarray) -> np.ndarray:
    """First-quartile threshold of the EPCI; years outside the table take the nearest one."""
    if len(epci) == 0:
        return np.zeros(0)
    index, codes = pd.factorize(epci)  # one pass, whatever the number of EPCIs
    tables = [reference_data.seuils_q1_uc(str(code)) for code in codes]
    first, last = min(tables[0]), max(tables[0])
    values = np.array([[t[y] for y in range(first, last + 1)] for t in tables], dtype=np.float64)
    return values[index, np.clip(years, first, last) - first]


def calibrated_offsets(log_q: np.ndarray, share: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per-row offset so that exactly round(share x n) rows of each group get log q <= 0."""
    offset = np.zeros(len(log_q))
    if len(log_q) == 0:
        return offset
    # every group at once (sorted by group, then value): thousands of groups at national scale
    order = np.lexsort((log_q, group))
    values, sorted_group = log_q[order], group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    counts = np.diff(np.r_[starts, len(values)])
    k = np.round(share[order][starts] * counts).astype(np.int64)  # half to even, like round()
    offset[order] = np.repeat(-group_cuts(values, starts, counts, k), counts)
    return offset


def group_cuts(values: np.ndarray, first: np.ndarray, n: np.ndarray, k: np.ndarray) -> np.ndarray:
    """For groups of sorted `values` (group i: `n[i]` values from `first[i]`), the cut that leaves
    the `k[i]` smallest at or below it: halfway between the k-th and the next, a margin against
    rounding to the cent (0.05 beyond the ends when k is 0 or all of the group)."""
    below = values[first + np.maximum(k - 1, 0)]
    above = values[first + np.minimum(k, n - 1)]
    return np.where(
        k == 0,
        values[first] - 0.05,
        np.where(k == n, values[first + n - 1] + 0.05, (below + above) / 2),
    )


def assign_resources(rng: np.random.Generator, tenancies: pd.DataFrame, ctx: pd.DataFrame):
    """Declared resources of newcomers, then their RFR, situation and APL (in place)."""
    tenancies["rfr_known"] = rng.random(len(tenancies)) >= cal.SHARE_UNKNOWN_RFR
    entrant = np.flatnonzero(tenancies["entrant"].to_numpy())
    rows = tenancies.iloc[entrant]
    dwelling = rows["dwelling"].to_numpy()
    epci = ctx["code_epci"].to_numpy()[dwelling]
    in_qpv = ctx["in_qpv"].to_numpy()[dwelling]
    year = years_of(rows["entry"].to_numpy())
    size, under_14 = rows["size"].to_numpy(), rows["under_14"].to_numpy()

    share = np.where(
        in_qpv, cal.Q1_SHARE_IN_QPV, lookup_by_epci(cal.Q1_SHARE_OUTSIDE_QPV, epci, 0.2)
    )
    group = (pd.factorize(epci)[0] * 2 + in_qpv) * 10_000 + year
    log_q = rows["log_q"].to_numpy()
    log_q = log_q + calibrated_offsets(log_q, share, group)
    resources_per_uc = np.exp(log_q) * seuils_q1(epci, year)
    revenu = (resources_per_uc * hh.consumption_units(size, under_14) / 12).round(2)

    taxable = rng.uniform(*cal.TAXABLE_SHARE, len(entrant))
    persons = hh.ceiling_persons(size, rows["composition"].to_numpy())
    log_ratio = np.log(revenu * 12 * taxable / hh.plus_ceilings(persons, year))
    age = (rows["entry"].to_numpy() - rows["birth"].to_numpy()) / 365.25
    poverty = np.clip(0.5 - 0.8 * log_q, 0.0, 1.0)
    tenancies["revenu_mensuel"] = 0.0
    tenancies.iloc[entrant, tenancies.columns.get_loc("revenu_mensuel")] = revenu
    for name, values in (
        ("log_ratio", log_ratio),
        ("situation", hh.draw_situations(rng, age, poverty)),
        ("apl", hh.draw_apl(rng, log_ratio, size, ctx["fragility"].to_numpy()[dwelling])),
    ):
        tenancies.iloc[entrant, tenancies.columns.get_loc(name)] = values
