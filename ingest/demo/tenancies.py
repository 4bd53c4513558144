"""The occupation history of every rentable dwelling, from the start of the simulation to its end.

Each dwelling is a chain: household, departure, vacancy, letting to a new household, ... Chains are
advanced one generation at a time for all dwellings together (a handful of vectorised rounds), so
the history is consistent by construction: a household lives in one dwelling from its entry to its
departure, a dwelling is either let or vacant, and every letting follows a vacancy.

Departures follow a yearly hazard that depends on the lease holder's age, QPV and fragility; the
state at the start is the stationary one for that hazard (seniority and vacancy age drawn from it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.demo import allocations
from ingest.demo import calibration as cal
from ingest.demo import households as hh
from ingest.demo.stock import Stock

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class History:
    tenancies: pd.DataFrame  # one row per household; entrants carry their attribution
    vacancies: pd.DataFrame  # dwelling, start, end: one row per vacancy


def dwelling_context(stock: Stock) -> pd.DataFrame:
    """What the simulation needs to know about each dwelling, residence features included."""
    logements, residences = stock.logements, stock.residences
    residence = logements["residence_index"].to_numpy()
    return pd.DataFrame(
        {
            "pieces": logements["nb_pieces"].to_numpy(),
            "financement": logements["financement_code"].to_numpy(),
            "reservataire": pd.Categorical(
                logements["reservataire"], categories=cal.RESERVATAIRES
            ).codes.astype(np.int64),
            "first_letting": logements["date_mise_en_location"].to_numpy(),
            "rentable": (logements["fixed_mode"] == "").to_numpy(),
            **{
                name: residences[name].to_numpy()[residence]
                for name in ("in_qpv", "fragility", "era", "income_effect", "code_epci")
            },
        }
    )


def departure_rates(age: np.ndarray, in_qpv: np.ndarray, fragility: np.ndarray) -> np.ndarray:
    """Yearly hazard of leaving: the young move, the old stay, QPV and fragile estates churn."""
    limits = np.array([limit for limit, _ in cal.DEPARTURE_AGE_FACTORS])
    factors = np.array([factor for _, factor in cal.DEPARTURE_AGE_FACTORS])
    rate = cal.DEPARTURE_BASE_RATE * factors[np.searchsorted(limits, age, side="right")]
    rate = rate * np.where(in_qpv, cal.DEPARTURE_QPV_FACTOR, 1.0)
    return rate * (1.0 + cal.DEPARTURE_FRAGILITY_BONUS * fragility)


def vacancy_components(in_qpv: np.ndarray):
    """Share of long vacancies, and (minimum, mean excess) of each component, in days."""
    p_long = np.where(in_qpv, cal.SHARE_LONG_VACANCY_QPV, cal.SHARE_LONG_VACANCY)
    return p_long, cal.VACANCY_SHORT, cal.VACANCY_LONG


def mean_vacancy_days(in_qpv: np.ndarray) -> np.ndarray:
    """Mean of the shifted exponentials, each capped at cal.MAX_VACANCY_DAYS."""
    p_long, short, long_ = vacancy_components(in_qpv)

    def capped(minimum: float, excess: float) -> float:
        return minimum + excess * (1 - np.exp(-(cal.MAX_VACANCY_DAYS - minimum) / excess))

    return (1 - p_long) * capped(*short) + p_long * capped(*long_)


def draw_vacancy_days(rng: np.random.Generator, in_qpv: np.ndarray, ongoing: bool = False):
    """Vacancy durations; ``ongoing`` draws the length-biased law of vacancies in progress."""
    n = len(in_qpv)
    p_long, short, long_ = vacancy_components(in_qpv)
    if ongoing:  # a vacancy in progress is more likely a long one, in proportion to its mean
        p_long = p_long * sum(long_) / (p_long * sum(long_) + (1 - p_long) * sum(short))
    is_long = rng.random(n) < p_long
    minimum = np.where(is_long, long_[0], short[0])
    excess = np.where(is_long, long_[1], short[1])
    shape = 1.0
    if ongoing:  # length-biased shifted exponential: a mix of Exp and Gamma(2) excesses
        shape = np.where(rng.random(n) < minimum / (minimum + excess), 1.0, 2.0)
    days = np.ceil(minimum + rng.gamma(shape, excess)).astype(np.int64)
    return np.minimum(days, cal.MAX_VACANCY_DAYS)


def draw_incumbents(rng, ctx: pd.DataFrame, start: int) -> dict[str, np.ndarray]:
    """Households in place at the start, for every rentable dwelling (vacant ones are dropped)."""
    n = len(ctx)
    size = hh.draw_sizes(rng, ctx["pieces"].to_numpy(), cal.SIZE_PROBS_BY_PIECES)
    fragility = ctx["fragility"].to_numpy()
    composition = hh.draw_compositions(rng, size, fragility)
    shift = np.asarray(cal.AGE_SHIFT_BY_ERA)[ctx["era"].to_numpy()]
    shift = shift + cal.AGE_SHIFT_FRAGILITY * fragility
    age = np.clip(hh.draw_ages(rng, composition, cal.AGE_PIECES) + shift, 19, 98)
    children = hh.draw_children(rng, size, composition)
    situation = hh.draw_situations(rng, age, fragility)
    in_qpv = ctx["in_qpv"].to_numpy()
    log_ratio = hh.draw_log_ratios(
        rng,
        situation,
        ctx["financement"].to_numpy(),
        composition,
        in_qpv,
        fragility,
        ctx["income_effect"].to_numpy(),
    )
    rate = departure_rates(age, in_qpv, fragility)
    # Stationary seniority for this hazard, bounded by adulthood and the dwelling's first letting.
    seniority = rng.exponential(1.0 / rate) * DAYS_PER_YEAR
    seniority = np.minimum(seniority, (age - 18.5) * DAYS_PER_YEAR)
    entry = np.maximum(start - seniority.astype(np.int64), ctx["first_letting"].to_numpy())
    return {
        "dwelling": np.arange(n),
        "entry": entry,
        "departure": start + np.ceil(rng.exponential(1.0 / rate) * DAYS_PER_YEAR).astype(np.int64),
        "birth": start - (age * DAYS_PER_YEAR).astype(np.int64),
        "size": size,
        "composition": composition,
        "children": children,
        "under_14": hh.draw_under_14(rng, children, age),
        "situation": situation,
        "log_ratio": log_ratio,
        "apl": hh.draw_apl(rng, log_ratio, size, fragility),
        "rate": rate,
    }


def draw_newcomers(rng, ctx: pd.DataFrame, dwelling: np.ndarray, entry: np.ndarray):
    """Households entering ``dwelling`` on ``entry``: size fits the rooms; resources come later."""
    pieces = ctx["pieces"].to_numpy()[dwelling]
    fragility = ctx["fragility"].to_numpy()[dwelling]
    in_qpv = ctx["in_qpv"].to_numpy()[dwelling]
    size = hh.draw_sizes(rng, pieces, cal.ENTRANT_SIZE_PROBS_BY_PIECES)
    composition = hh.draw_compositions(rng, size, fragility)
    age = hh.draw_ages(rng, composition, cal.ENTRANT_AGE_PIECES)
    children = hh.draw_children(rng, size, composition)
    rate = departure_rates(age, in_qpv, fragility)
    newcomers = {
        "dwelling": dwelling,
        "entry": entry,
        "departure": entry + np.ceil(rng.exponential(1.0 / rate) * DAYS_PER_YEAR).astype(np.int64),
        "birth": entry - (age * DAYS_PER_YEAR).astype(np.int64),
        "size": size,
        "composition": composition,
        "children": children,
        "under_14": hh.draw_under_14(rng, children, age),
        "rate": rate,
    }
    newcomers.update(allocations.draw_allocation_flags(rng, ctx, dwelling, newcomers))
    return newcomers


def simulate(rng: np.random.Generator, stock: Stock, start: int, end: int) -> History:
    """Every tenancy and vacancy of the rentable dwellings between days ``start`` and ``end``."""
    ctx = dwelling_context(stock)
    rentable = np.flatnonzero(ctx["rentable"].to_numpy())
    incumbents = draw_incumbents(rng, ctx.iloc[rentable].reset_index(drop=True), start)
    incumbents["dwelling"] = rentable
    in_qpv = ctx["in_qpv"].to_numpy()

    # Vacant at the start with the stationary probability rate x mean vacancy / (1 + same).
    load = incumbents["rate"] * mean_vacancy_days(in_qpv[rentable]) / DAYS_PER_YEAR
    vacant = rng.random(len(rentable)) < load / (1.0 + load)
    dwelling = rentable[vacant]
    length = draw_vacancy_days(rng, in_qpv[dwelling], ongoing=True)
    elapsed = np.floor(rng.random(len(length)) * length).astype(np.int64)
    vacancy_start = np.maximum(start - elapsed, ctx["first_letting"].to_numpy()[dwelling])
    initial = (dwelling, vacancy_start, np.maximum(start - elapsed + length, start + 1))

    def vacate(batch: dict[str, np.ndarray]):
        """Vacancies opened by the departures of ``batch`` before the end."""
        leaving = batch["departure"] <= end
        dwelling, left = batch["dwelling"][leaving], batch["departure"][leaving]
        return dwelling, left, left + draw_vacancy_days(rng, in_qpv[dwelling])

    batches = [{k: v[~vacant] for k, v in incumbents.items()}]
    opened = [np.concatenate(parts) for parts in zip(initial, vacate(batches[0]), strict=True)]
    vacancies = []
    while len(opened[0]):
        vacancies.append(opened)
        dwelling, _, relet = opened
        letting = relet <= end
        if not letting.any():
            break
        batches.append(draw_newcomers(rng, ctx, dwelling[letting], relet[letting]))
        opened = list(vacate(batches[-1]))
    tenancies = assemble(batches)
    tenancies["motif_mutation"] = rng.random(len(tenancies)) < cal.SHARE_MUTATION_INTERNE
    allocations.assign_resources(rng, tenancies, ctx)
    vacancies = pd.DataFrame(
        {
            name: np.concatenate([v[k] for v in vacancies]) if vacancies else np.zeros(0, np.int64)
            for k, name in enumerate(("dwelling", "start", "end"))
        }
    )
    return History(tenancies, vacancies.sort_values(["dwelling", "start"], ignore_index=True))


def assemble(batches: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One table of households: incumbents by dwelling, then newcomers by entry and dwelling."""
    frames = [pd.DataFrame(b) for b in batches]
    frames[0]["entrant"] = False
    for frame in frames[1:]:
        frame["entrant"] = True
    # Incumbents have no attribution, newcomers no resources yet: typed zeros, filled later.
    dtypes = {name: dtype for frame in frames for name, dtype in frame.dtypes.items()}
    for frame in frames:
        for name in dtypes.keys() - set(frame.columns):
            frame[name] = np.zeros(len(frame), dtype=dtypes[name])
    newcomers = [f[list(dtypes)] for f in frames[1:]]
    if newcomers:
        joined = pd.concat(newcomers, ignore_index=True)
        newcomers = [joined.sort_values(["entry", "dwelling"], kind="stable")]
    tenancies = pd.concat([frames[0][list(dtypes)], *newcomers], ignore_index=True)
    return tenancies.drop(columns="rate")
