"""Plane geometry on GeoJSON polygons, with numpy only (shapely is not a runtime dependency).

Coordinates are WGS84 degrees; at the scale of a commune a plane approximation is enough.
"""

from __future__ import annotations

import json
import math

import numpy as np

# Points tested against the edges of a ring per chunk: bounds the edges x points boolean matrix.
POINTS_PER_CHUNK = 20_000
# Rounds of rejection sampling before falling back to the polygon's own vertices' centroid.
MAX_SAMPLING_ROUNDS = 60


def rings_of(geojson: str | dict) -> list[np.ndarray]:
    """Every ring (outer and holes, every part) of a Polygon or MultiPolygon, as (k, 2) arrays."""
    geom = json.loads(geojson) if isinstance(geojson, str) else geojson
    polygons = geom["coordinates"] if geom["type"] == "MultiPolygon" else [geom["coordinates"]]
    return [np.asarray(ring, dtype=np.float64) for polygon in polygons for ring in polygon]


def contains(rings: list[np.ndarray], lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Even-odd point-in-polygon test: holes and multiple parts need no special case."""
    inside = np.zeros(len(lon), dtype=bool)
    for start in range(0, len(lon), POINTS_PER_CHUNK):
        x = lon[start : start + POINTS_PER_CHUNK]
        y = lat[start : start + POINTS_PER_CHUNK]
        for ring in rings:
            x1, y1 = ring[:-1, 0:1], ring[:-1, 1:2]
            x2, y2 = ring[1:, 0:1], ring[1:, 1:2]
            dy = np.where(y2 == y1, 1.0, y2 - y1)  # horizontal edges never cross the test ray
            crosses = ((y1 > y) != (y2 > y)) & (x < (x2 - x1) * (y - y1) / dy + x1)
            inside[start : start + POINTS_PER_CHUNK] ^= (crosses.sum(axis=0) % 2).astype(bool)
    return inside


def bounds(rings: list[np.ndarray]) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of the outer rings."""
    every = np.concatenate(rings)
    return every[:, 0].min(), every[:, 1].min(), every[:, 0].max(), every[:, 1].max()


def sample_points(
    rng: np.random.Generator,
    rings: list[np.ndarray],
    count: int,
    centre: tuple[float, float],
    spread: float,
    exclude: list[list[np.ndarray]] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """``count`` points inside the polygon and outside every ``exclude`` polygon.

    Points are drawn around ``centre`` (lon, lat) with a spread of ``spread`` times the polygon's
    extent, so that housing gathers near the town centre rather than on the mountain slopes, and
    rejected when they fall outside.
    """
    lon = np.full(count, np.nan)
    lat = np.full(count, np.nan)
    x0, y0, x1, y1 = bounds(rings)
    sx, sy = (x1 - x0) * spread, (y1 - y0) * spread
    missing = np.arange(count)
    for round_ in range(MAX_SAMPLING_ROUNDS):
        if len(missing) == 0:
            break
        if round_ < MAX_SAMPLING_ROUNDS // 2:  # near the centre first, then anywhere in the box
            x = centre[0] + rng.normal(0.0, sx, len(missing))
            y = centre[1] + rng.normal(0.0, sy, len(missing))
        else:
            x = rng.uniform(x0, x1, len(missing))
            y = rng.uniform(y0, y1, len(missing))
        ok = contains(rings, x, y)
        for other in exclude:
            ok &= ~contains(other, x, y)
        lon[missing[ok]], lat[missing[ok]] = x[ok], y[ok]
        missing = missing[~ok]
    lon[missing], lat[missing] = centre  # a degenerate polygon: the known inner point
    return lon, lat


def star_polygon(
    rng: np.random.Generator, centre: tuple[float, float], radius_m: float, vertices: int = 11
) -> np.ndarray:
    """An irregular closed polygon around ``centre`` of roughly ``radius_m`` metres."""
    angles = np.sort(rng.uniform(0, 2 * math.pi, vertices))
    radii = radius_m * rng.uniform(0.65, 1.0, vertices)
    dlat = radii / 111_320.0
    dlon = radii / (111_320.0 * math.cos(math.radians(centre[1])))
    ring = np.column_stack([centre[0] + dlon * np.cos(angles), centre[1] + dlat * np.sin(angles)])
    return np.vstack([ring, ring[:1]]).round(6)


def polygon_geojson(ring: np.ndarray) -> str:
    return json.dumps({"type": "Polygon", "coordinates": [ring.tolist()]}, separators=(",", ":"))
