"""The map's geometry, built from the communes' GeoJSON boundaries: each EPCI as one area, the union
of its communes (`epci_areas`, drawn when a map is too wide for its communes: queries.map_data's
MAX_COMMUNES_DRAWN), or as its outline (`epci_outlines`), and the coordinate rings of a polygon
(`rings`, parsed texts kept per process).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

GeoJson = dict[str, Any]  # a GeoJSON geometry, parsed
Ring = list[list[float]]  # a ring or a line: its [longitude, latitude] positions
Point = tuple[float, float]

# Two communes' borders closer than this (degrees, about 25 m) are one shared border: the reference
# geography simplifies each commune on its own, and neighbours' vertices differ by up to ~20 m.
OUTLINE_TOLERANCE_DEG = 3e-4
# Parsed boundaries kept per process (rings()): a few EPCI's communes, not all of France's.
PARSED_GEOMETRIES = 4096
# Communes are simplified one by one: neighbours leave slivers that merging would keep as holes.
# They are closed by growing each commune by this much before the union, then shrinking it back.
AREA_GAP_DEG = 3e-4
AREA_TOLERANCE_DEG = 1e-2  # simplification of the merged EPCI (about 1 km: France on one screen)


def epci_areas(communes: pd.DataFrame) -> pd.DataFrame:
    """epci, epci_libelle, commune, commune_libelle (the EPCI's again), geometry (GeoJSON): each
    EPCI as one area, the union of its communes, simplified."""
    import shapely  # only for maps wider than MAX_COMMUNES_DRAWN communes

    rows = []
    for (code, name), group in communes.groupby(["epci", "epci_libelle"], sort=True):
        texts = [g for g in group["geometry"] if isinstance(g, str)]
        if not texts:  # no boundary in the reference geography: a value, nothing to draw
            rows.append((str(code), name, None))
            continue
        grown = shapely.buffer(shapely.from_geojson(texts), AREA_GAP_DEG)
        merged = shapely.union_all(grown).buffer(-AREA_GAP_DEG)
        area = shapely.simplify(merged, AREA_TOLERANCE_DEG, preserve_topology=True)
        rows.append((str(code), name, shapely.to_geojson(shapely.set_precision(area, 1e-4))))
    areas = pd.DataFrame(rows, columns=["epci", "epci_libelle", "geometry"])
    return areas.assign(commune=areas["epci"], commune_libelle=areas["epci_libelle"])


def epci_outlines(communes: pd.DataFrame) -> pd.DataFrame:
    """epci, epci_libelle, geometry (GeoJSON MultiLineString): each EPCI's outline, made of the
    edges of its communes along which no other commune of the same EPCI runs. Neighbours' borders
    are simplified separately in the reference geography, so "along" allows a small gap."""
    rows = []
    for (code, name), group in communes.groupby(["epci", "epci_libelle"], sort=True):
        segments, owners = [], []
        for i, geometry in enumerate(group["geometry"]):
            for ring in rings(geometry):
                segments += [(*a[:2], *b[:2]) for a, b in zip(ring, ring[1:], strict=False)]
                owners += [i] * (len(ring) - 1)
        if not segments:  # no boundary in the reference geography
            continue
        seg = np.array(segments, dtype=float)
        outer = seg[_outer(seg, np.array(owners))]
        edges = (tuple(sorted(((s[0], s[1]), (s[2], s[3])))) for s in outer.tolist())
        rows.append((str(code), name, _multiline(_chain(edges))))
    return pd.DataFrame(rows, columns=["epci", "epci_libelle", "geometry"])


def _outer(seg: np.ndarray, owner: np.ndarray, chunk: int = 256) -> np.ndarray:
    """True for the segments whose midpoint is farther than the tolerance from every segment of
    another commune (vectorised point-to-segment distances, by chunks to bound memory)."""
    start, delta = seg[:, :2], seg[:, 2:] - seg[:, :2]
    length2 = np.maximum((delta**2).sum(axis=1), 1e-18)
    middle = (seg[:, :2] + seg[:, 2:]) / 2
    outer = np.ones(len(seg), dtype=bool)
    for i in range(0, len(seg), chunk):
        m = middle[i : i + chunk, None, :]
        u = np.clip(((m - start) * delta).sum(axis=-1) / length2, 0.0, 1.0)
        gap = np.linalg.norm(start + u[..., None] * delta - m, axis=-1)
        near = (gap < OUTLINE_TOLERANCE_DEG) & (owner[i : i + chunk, None] != owner[None, :])
        outer[i : i + chunk] = ~near.any(axis=1)
    return outer


def rings(geometry: str | GeoJson | float | None) -> list[Ring]:
    """The coordinate rings of a Polygon or MultiPolygon (GeoJSON text or dict); none without.
    Callers read the rings, never change them: parsed texts are kept (every map drawing asks
    again for the same communes, and parsing them was a quarter of the Carte page's CPU)."""
    if geometry is None or isinstance(geometry, float):  # missing (NaN in a frame)
        return []
    if isinstance(geometry, str):
        return _parsed_rings(geometry)
    return _rings_of(geometry)


@functools.lru_cache(maxsize=PARSED_GEOMETRIES)
def _parsed_rings(text: str) -> list[Ring]:
    return _rings_of(json.loads(text))


def _rings_of(geometry: GeoJson) -> list[Ring]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def _multiline(lines: list[Ring]) -> str:
    return json.dumps({"type": "MultiLineString", "coordinates": lines})


def _chain(edges: Iterable[tuple[Point, ...]]) -> list[Ring]:
    """Join 2-point edges into as few lines as possible (shared ends), for clean joints."""
    edges = sorted(edges)
    neighbours: dict[Point, list[Point]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    used: set[tuple[Point, Point]] = set()
    lines = []
    for a, b in edges:
        if (a, b) in used:
            continue
        line = [a, b]
        used |= {(a, b), (b, a)}
        while nxt := [p for p in neighbours[line[-1]] if (line[-1], p) not in used]:
            used |= {(line[-1], nxt[0]), (nxt[0], line[-1])}
            line.append(nxt[0])
        lines.append([list(p) for p in line])
    return lines
