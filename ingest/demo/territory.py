"""The demo territory: real communes (ingest/sources/communes.parquet) and fictitious QPV."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dataroot import contract
from ingest.demo import calibration as cal
from ingest.demo import geometry

COMMUNES_FILE = Path(__file__).resolve().parent.parent / "sources" / "communes.parquet"
# Attempts at placing one QPV polygon fully inside its commune and apart from the others.
QPV_PLACEMENT_ATTEMPTS = 200


@dataclass(frozen=True)
class Territory:
    communes: pd.DataFrame  # territoires columns + population, one row per commune
    qpv: pd.DataFrame  # qpv columns
    commune_rings: tuple[list[np.ndarray], ...]  # aligned with communes rows
    qpv_rings: tuple[list[np.ndarray], ...]  # aligned with qpv rows

    def commune_index(self, codes: pd.Series | np.ndarray) -> np.ndarray:
        lookup = pd.Index(self.communes["code_commune"])
        return lookup.get_indexer(codes)


def load_communes(path: Path = COMMUNES_FILE) -> pd.DataFrame:
    """The committed communes with the contract's territoires columns (and population)."""
    communes = pd.read_parquet(path)
    communes["zone_plafonds"] = cal.ZONE_PLAFONDS
    columns = [c.name for c in contract.TERRITOIRES.columns] + ["population"]
    return communes[columns].sort_values("code_commune").reset_index(drop=True)


def build_territory(rng: np.random.Generator) -> Territory:
    """The committed communes and the fictitious QPV placed in the big ones."""
    communes = load_communes()
    commune_rings = tuple(geometry.rings_of(g) for g in communes["geometry"])
    rows, qpv_rings = [], []
    number = cal.QPV_FIRST_NUMBER
    for code, count in cal.QPV_PER_COMMUNE.items():
        index = int(np.flatnonzero(communes["code_commune"] == code)[0])
        commune = communes.iloc[index]
        placed: list[np.ndarray] = []
        for _ in range(count):
            ring = place_qpv(rng, commune_rings[index], (commune["lon"], commune["lat"]), placed)
            placed.append(ring)
            rows.append(
                {
                    "code_qpv": cal.QPV_CODE_FORMAT.format(number=number),
                    "nom_qpv": cal.QPV_NAME_PREFIX + cal.QPV_NAMES[number - cal.QPV_FIRST_NUMBER],
                    "code_commune": code,
                    "geometry": geometry.polygon_geojson(ring),
                }
            )
            qpv_rings.append([ring])
            number += 1
    qpv = pd.DataFrame(rows, columns=[c.name for c in contract.QPV.columns])
    return Territory(communes, qpv, commune_rings, tuple(qpv_rings))


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
