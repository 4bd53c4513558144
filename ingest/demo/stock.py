"""The bailleur's stock: residences placed in the communes, then their buildings and dwellings.

Tables carry the contract's columns plus internal ones (integer indexes, fragility, era) that the
simulation uses; the writer keeps only the contract's columns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ingest.demo import calibration as cal
from ingest.demo import geometry
from ingest.demo.buildings import draw_buildings, draw_dwellings
from ingest.demo.dates import from_days
from ingest.demo.households import pick
from ingest.demo.names import format_ids, id_width, residence_names
from ingest.demo.territory import Territory


@dataclass(frozen=True)
class Stock:
    residences: pd.DataFrame
    batiments: pd.DataFrame
    logements: pd.DataFrame


def allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Integers >= minimum, proportional to weights, summing to total (largest remainder)."""
    minimum = min(minimum, total // len(weights))
    exact = weights / weights.sum() * (total - minimum * len(weights))
    counts = np.floor(exact).astype(np.int64)
    short = total - minimum * len(weights) - counts.sum()
    counts[np.argsort(counts - exact, kind="stable")[:short]] += 1
    return counts + minimum


def build_stock(
    rng: np.random.Generator, territory: Territory, logements: int, start_day: int
) -> Stock:
    """``logements`` dwellings in residences and buildings, all let before ``start_day``."""
    residences = draw_residences(rng, territory, logements, start_day)
    batiments = draw_buildings(rng, residences)
    return Stock(residences, batiments, draw_dwellings(rng, residences, batiments))


def draw_residences(
    rng: np.random.Generator, territory: Territory, logements: int, start_day: int
) -> pd.DataFrame:
    """Residences: commune, QPV, location, age, fragility and the CIA 'enjeu mixité' flag."""
    communes = territory.communes
    count = max(1, min(logements, round(logements / cal.MEAN_RESIDENCE_SIZE)))
    commune, size = place_stock_in_communes(
        rng, communes, logements, count, territory.stock_share_by_epci
    )

    qpv_index = choose_qpv(rng, territory, commune, size)
    in_qpv = qpv_index >= 0
    year = draw_construction_years(rng, in_qpv, from_days(start_day).year - 1)
    era = np.searchsorted(cal.ERA_BOUNDS, year, side="right")
    fragility = np.where(in_qpv, rng.uniform(0.05, 0.25, count), rng.uniform(0.0, 0.15, count))
    fragility = np.where(~in_qpv & (era == 0), rng.uniform(0.05, 0.25, count), fragility)
    fragile, enjeu = choose_fragile(rng, in_qpv, era, size, fragility)
    fragility[fragile] = rng.uniform(0.9, 1.0, fragile.sum())

    lon, lat = place_residences(rng, territory, commune, qpv_index)
    first_letting = np.minimum(
        (year + 1 - 1970) * 365.25 + rng.uniform(0, 300, count), start_day - 30
    ).astype(np.int64)
    return pd.DataFrame(
        {
            "id_residence": format_ids("R", np.arange(1, count + 1), id_width(count, 5)),
            "nom_residence": residence_names(rng, count),
            "code_commune": communes["code_commune"].to_numpy()[commune],
            "code_qpv": np.where(in_qpv, territory.qpv["code_qpv"].to_numpy()[qpv_index], None),
            "lat": lat.round(6),
            "lon": lon.round(6),
            "annee_construction": year,
            "enjeu_mixite": enjeu,
            # internal
            "commune_index": commune,
            "code_epci": communes["code_epci"].to_numpy()[commune],
            "in_qpv": in_qpv,
            "era": era,
            "fragility": fragility,
            "fragile": fragile,
            "income_effect": rng.normal(0, cal.LOG_RATIO_RESIDENCE_NOISE, count),
            "size": size,
            "first_letting_day": first_letting,
        }
    )


def place_stock_in_communes(
    rng,
    communes: pd.DataFrame,
    logements: int,
    count: int,
    share_by_epci: Mapping[str, float] = cal.STOCK_SHARE_BY_EPCI,
):
    """Commune and size of each residence: the EPCI's share of the stock, then more (and bigger)
    residences in the more populated communes. Residences come out sorted by commune."""
    epcis = sorted(share_by_epci)
    shares = np.array([share_by_epci[e] for e in epcis])
    members_of = communes.groupby("code_epci", sort=False).indices
    dwellings = allocate(logements, shares, 0)
    residences = allocate(count, shares, 1 if count >= len(epcis) else 0)
    population = communes["population"].to_numpy(dtype=float)
    commune_parts, size_parts = [], []
    for epci, n_dwellings, n_residences in zip(epcis, dwellings, residences, strict=True):
        if n_residences == 0:
            continue
        members = members_of[epci]
        weights = population[members] ** cal.COMMUNE_WEIGHT_EXPONENT
        commune = np.sort(rng.choice(members, n_residences, p=weights / weights.sum()))
        raw = rng.lognormal(0, cal.RESIDENCE_SIZE_SIGMA, n_residences)
        sizes = np.sort(allocate(n_dwellings, raw, cal.MIN_RESIDENCE_SIZE))
        key = np.log(population[commune]) + rng.normal(0, 1.0, n_residences)
        size = np.empty(n_residences, dtype=np.int64)
        size[np.argsort(key, kind="stable")] = sizes
        commune_parts.append(commune)
        size_parts.append(size)
    commune, size = np.concatenate(commune_parts), np.concatenate(size_parts)
    order = np.argsort(commune, kind="stable")
    return commune[order], size[order]


def choose_qpv(rng, territory: Territory, commune: np.ndarray, size: np.ndarray) -> np.ndarray:
    """QPV row per residence (-1 outside): big residences of the QPV communes, about 22 % of all."""
    qpv_communes = territory.commune_index(territory.qpv["code_commune"])
    eligible = np.flatnonzero(np.isin(commune, qpv_communes))
    wanted = min(round(cal.SHARE_RESIDENCES_IN_QPV * len(commune)), int(0.8 * len(eligible)))
    qpv_index = np.full(len(commune), -1)
    if wanted <= 0:
        return qpv_index
    weights = np.sqrt(size[eligible].astype(float))
    chosen = rng.choice(eligible, wanted, replace=False, p=weights / weights.sum())
    for c in np.unique(commune[chosen]):
        here = chosen[commune[chosen] == c]
        options = np.flatnonzero(qpv_communes == c)
        qpv_index[here] = rng.choice(options, len(here))
    return qpv_index


def draw_construction_years(rng, in_qpv: np.ndarray, last_year: int) -> np.ndarray:
    """Grands ensembles in QPV; elsewhere a mix of post-war, 1980-90s and recent programmes."""
    n = len(in_qpv)
    qpv_years = rng.normal(1968, 5, n)
    piece = pick(rng, np.tile([0.35, 0.25, 0.40], (n, 1)))
    lows, highs = np.array([1950, 1977, 2000]), np.array([1977, 2000, 2021])
    other_years = lows[piece] + (highs[piece] - lows[piece]) * rng.random(n)
    years = np.where(in_qpv, np.clip(qpv_years, 1955, 1984), other_years)
    return np.minimum(np.floor(years), last_year).astype(np.int64)


def choose_fragile(rng, in_qpv, era, size, fragility) -> tuple[np.ndarray, np.ndarray]:
    """A handful of clearly fragile residences (2/3 in QPV) and the CIA 'enjeu mixité' list."""
    n = len(in_qpv)
    count = min(n, max(cal.MIN_FRAGILE_RESIDENCES, round(cal.SHARE_FRAGILE_RESIDENCES * n)))
    big = size >= min(25, np.median(size))
    pools = [np.flatnonzero(in_qpv & big), np.flatnonzero(~in_qpv & (era == 0) & big)]
    fragile = np.zeros(n, dtype=bool)
    for pool, share in zip(pools, (2 / 3, 1.0), strict=True):
        pool = pool[~fragile[pool]]
        take = min(len(pool), count - fragile.sum(), max(1, round(share * count)))
        fragile[rng.choice(pool, take, replace=False)] = True
    missing = count - fragile.sum()
    if missing > 0:
        fragile[rng.choice(np.flatnonzero(~fragile), missing, replace=False)] = True
    enjeu = np.zeros(n, dtype=bool)
    fragile_ids = np.flatnonzero(fragile)
    enjeu[fragile_ids[::2]] = True  # some of the fragile residences are on the list
    wanted = max(round(cal.SHARE_ENJEU_MIXITE * n), enjeu.sum())
    others = np.argsort(-(fragility + rng.uniform(0, 0.2, n)) + 10 * fragile, kind="stable")
    enjeu[others[: wanted - enjeu.sum()]] = True
    return fragile, enjeu


def place_residences(rng, territory: Territory, commune, qpv_index):
    """A point inside the QPV polygon for QPV residences, else in the commune outside its QPVs."""
    lon, lat = np.zeros(len(commune)), np.zeros(len(commune))
    qpv_commune = territory.commune_index(territory.qpv["code_commune"])
    for c in np.unique(commune):
        row = territory.communes.iloc[c]
        here = np.flatnonzero((commune == c) & (qpv_index < 0))
        exclude = [territory.qpv_rings[q] for q in np.flatnonzero(qpv_commune == c)]
        lon[here], lat[here] = geometry.sample_points(
            rng, territory.commune_rings[c], len(here), (row["lon"], row["lat"]), 0.2, exclude
        )
    for q in np.unique(qpv_index[qpv_index >= 0]):
        here = np.flatnonzero(qpv_index == q)
        ring = territory.qpv_rings[q]
        centre = tuple(ring[0][:-1].mean(axis=0))
        lon[here], lat[here] = geometry.sample_points(rng, ring, len(here), centre, 0.3)
    return lon, lat
