"""Demands registered in the SNE: each one is active from its filing to its exit.

Two kinds: the demands that end in one of the bailleur's attributions (same household, removed on
the lease date) and the others, which lapse or are satisfied elsewhere after a while. The others
arrive at a rate that gives the wanted number of active demands per yearly attribution in each
EPCI (demand pressure).

Demands already filed at the end that a later attribution will satisfy are added too (their exit
falls after the end), so that the last snapshots are not short of them.

Resources are kept as declared against one year's first-quartile threshold (``seuil_ref``: the
year of filing, or of the attribution for satisfied demands); an applicant renews the demand every
year with updated resources, so a snapshot shows them scaled to the threshold of its own year
(resources_at). The threshold of an EPCI is, by its definition, the income per consumption unit
under which the poorest quarter of its applicants lie: on each snapshot, the resources of the
demands no attribution ends ("free" ones) are scaled, EPCI by EPCI, so that a quarter of the active
demands are under it (the satisfied ones keep the resources of their attribution, which the T1/T2
calibration fixed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.demo import calibration as cal
from ingest.demo import households as hh
from ingest.demo.allocations import group_cuts, seuils_q1
from ingest.demo.dates import years_of
from ingest.demo.households import pick
from ingest.demo.stock import Stock
from ingest.demo.territory import Territory

DAYS_PER_YEAR = 365.25
# P(number of children = 1..4) for couples and single parents among unsatisfied demands.
CHILDREN_PROBS = {hh.COUPLE_AVEC: (0.35, 0.35, 0.2, 0.1), hh.MONO: (0.5, 0.3, 0.15, 0.05)}


def build_demands(
    rng: np.random.Generator,
    tenancies: pd.DataFrame,
    stock: Stock,
    territory: Territory,
    first_period_start: int,
    start: int,
    end: int,
) -> pd.DataFrame:
    """Every demand active at some point of [first_period_start - 5 years, end], in filing order."""
    satisfied = satisfied_demands(tenancies, stock, territory)
    satisfied["free"] = False
    satisfied["seuil_ref"] = seuils_q1(
        satisfied["code_epci"].to_numpy(), years_of(satisfied["exit"].to_numpy())
    )
    years = (end - start) / DAYS_PER_YEAR
    parts = [satisfied]
    # row positions per EPCI, found once (a mask per EPCI is too slow with a thousand EPCIs)
    rows_of = satisfied.groupby("code_epci", sort=False).indices
    none = np.zeros(0, dtype=np.int64)
    waits = (satisfied["exit"] - satisfied["depot"]).to_numpy()
    communes_of = territory.communes.groupby("code_epci", sort=False).indices
    for epci in sorted(set(territory.communes["code_epci"])):
        here = rows_of.get(epci, none)
        per_year = len(here) / years
        mean_wait = (waits[here].mean() / DAYS_PER_YEAR) if len(here) else 0
        pressure = cal.DEMAND_PRESSURE.get(epci, cal.DEMAND_PRESSURE_OTHER)
        active = max(0.0, pressure - mean_wait) * per_year
        communes = territory.communes.iloc[communes_of[epci]]
        parts.append(unsatisfied_demands(rng, communes, epci, active, first_period_start, end))
        parts.append(future_satisfied_demands(rng, satisfied.iloc[here], per_year, end))
    demands = pd.concat(parts, ignore_index=True)
    return demands.sort_values(["depot", "exit"], kind="stable", ignore_index=True)


def resources_at(demands: pd.DataFrame, day: int) -> np.ndarray:
    """Monthly resources the demands active on ``day`` declare then.

    Resources follow the EPCI's threshold from the year they were declared against to the year of
    ``day`` (demands are renewed yearly with updated resources). Then, EPCI by EPCI, those of the
    free demands are scaled by one factor so that exactly cal.Q1_SHARE_DEMANDS of all the active
    demands are under the threshold: the same cut as allocations.calibrated_offsets.
    """
    epci, free = demands["code_epci"].to_numpy(), demands["free"].to_numpy()
    now = seuils_q1(epci, years_of(np.full(len(demands), day)))
    revenu = demands["revenu_mensuel"].to_numpy() * now / demands["seuil_ref"].to_numpy()
    units = hh.consumption_units(demands["size"].to_numpy(), demands["under_14"].to_numpy())
    log_q = np.log(revenu * 12 / units / now)
    # every EPCI at once (free demands sorted by EPCI, then value): a mask per EPCI is too slow
    # with a thousand EPCIs and a million demands
    code, _ = pd.factorize(epci)
    groups = code.max() + 1 if len(code) else 0
    active = np.bincount(code, minlength=groups)
    fixed_under = np.bincount(code[~free & (log_q <= 0)], minlength=groups)
    rows = np.flatnonzero(free)
    rows = rows[np.lexsort((log_q[rows], code[rows]))]
    moved, moved_code = log_q[rows], code[rows]
    counts = np.bincount(moved_code, minlength=groups)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    has = np.flatnonzero(counts)
    wanted = np.round(cal.Q1_SHARE_DEMANDS * active[has]).astype(np.int64) - fixed_under[has]
    k = np.minimum(np.maximum(wanted, 0), counts[has])
    cut = group_cuts(moved, starts[has], counts[has], k)
    factor = np.ones(groups)
    factor[has] = np.exp(-cut)
    revenu[rows] *= factor[moved_code]
    return revenu.round(2)


def satisfied_demands(tenancies: pd.DataFrame, stock: Stock, territory: Territory):
    """The demand behind each attribution, wishing for the commune it got."""
    rows = tenancies[tenancies["entrant"].to_numpy()]
    dwelling = rows["dwelling"].to_numpy()
    commune = stock.residences["code_commune"].to_numpy()[
        stock.logements["residence_index"].to_numpy()[dwelling]
    ]
    return pd.DataFrame(
        {
            "depot": rows["depot"].to_numpy(),
            "exit": rows["entry"].to_numpy(),
            "code_commune": commune,
            "code_epci": territory.communes.set_index("code_commune")["code_epci"]
            .reindex(commune)
            .to_numpy(),
            "pieces": stock.logements["nb_pieces"].to_numpy()[dwelling],
            **{
                name: rows[name].to_numpy()
                for name in (
                    "size",
                    "under_14",
                    "composition",
                    "revenu_mensuel",
                    "dalo",
                    "prioritaire",
                    "mutation",
                )
            },
        }
    )


def future_satisfied_demands(rng, satisfied: pd.DataFrame, per_year: float, end: int):
    """Demands already filed at the end that an attribution after the end will satisfy.

    The history stops at the end, so without them the last snapshots would lack the demands of
    the coming lettings. They copy the profile and waiting time of past satisfied demands, at the
    same yearly rate; their exit lies after the end, so it is never seen.
    """
    if satisfied.empty:
        return satisfied
    horizon = cal.DEMAND_MAX_AGE_YEARS * DAYS_PER_YEAR
    count = rng.poisson(per_year * cal.DEMAND_MAX_AGE_YEARS)
    picked = satisfied.iloc[rng.integers(0, len(satisfied), count)].reset_index(drop=True)
    letting = end + 1 + rng.integers(0, int(horizon), count)
    picked["depot"] = letting - (picked["exit"] - picked["depot"]).to_numpy()
    picked["exit"] = letting
    return picked[picked["depot"].to_numpy() <= end]


def unsatisfied_demands(
    rng, communes: pd.DataFrame, epci: str, active: float, first: int, end: int
) -> pd.DataFrame:
    """Demands of one EPCI (``communes``, its rows of the territory) that no attribution of the
    bailleur ends, about ``active`` at a time."""
    mean = cal.DEMAND_MEAN_DURATION_YEARS
    cap = cal.DEMAND_MAX_AGE_YEARS
    mean_duration = mean * (1 - np.exp(-cap / mean))  # exponential truncated at the cap
    window_start = first - int(cap * DAYS_PER_YEAR)
    count = rng.poisson(active / mean_duration * (end - window_start) / DAYS_PER_YEAR)
    depot = rng.integers(window_start, end + 1, count)
    duration = np.minimum(rng.exponential(mean, count), cap) * DAYS_PER_YEAR
    exit_ = depot + np.maximum(duration.astype(np.int64), 1)

    weights = communes["population"].to_numpy(dtype=float)
    commune = communes["code_commune"].to_numpy()[
        rng.choice(len(communes), count, p=weights / weights.sum())
    ]
    composition = pick(rng, np.tile(cal.UNSATISFIED_COMPOSITION_PROBS, (count, 1)))
    children = np.zeros(count, dtype=np.int64)
    for code, probs in CHILDREN_PROBS.items():
        here = composition == code
        children[here] = pick(rng, np.tile(probs, (here.sum(), 1))) + 1
    adults = np.where(composition == hh.MONO, 1, np.where(composition == hh.SEULE, 1, 2))
    extra = (composition == hh.AUTRE) * rng.integers(0, 3, count)  # adult children, relatives
    size = adults + children + extra
    under_14 = rng.binomial(children, 0.7)

    dalo = rng.random(count) < cal.UNSATISFIED_DALO
    prioritaire = ~dalo & (rng.random(count) < cal.UNSATISFIED_PRIORITAIRE)
    mu, sigma = cal.UNSATISFIED_LOG_Q
    log_q = rng.normal(mu, sigma, count) - 0.3 * dalo - 0.15 * prioritaire
    seuil = seuils_q1(np.full(count, epci), years_of(depot))
    revenu = np.exp(log_q) * seuil * hh.consumption_units(size, under_14) / 12
    return pd.DataFrame(
        {
            "depot": depot,
            "exit": exit_,
            "code_commune": commune,
            "code_epci": epci,
            "pieces": wished_rooms(rng, size),
            "size": size,
            "under_14": under_14,
            "composition": composition,
            "revenu_mensuel": revenu.round(2),
            "dalo": dalo,
            "prioritaire": prioritaire,
            "mutation": rng.random(count) < cal.UNSATISFIED_MUTATION,
            "free": np.ones(count, dtype=bool),
            "seuil_ref": seuil,
        }
    )


def wished_rooms(rng: np.random.Generator, size: np.ndarray) -> np.ndarray:
    """Rooms asked for: one per person, one less for couples, a bit more for singles."""
    rooms = np.where(size == 1, 1 + (rng.random(len(size)) < 0.65), size)
    rooms = np.where(size >= 4, size - (rng.random(len(size)) < 0.5), rooms)
    return np.clip(rooms, 1, 6).astype(np.int64)
