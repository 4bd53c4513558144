"""Checks on cells that the contract's validator does not make: a two-valued source flag that must
agree with a contract column (RPLS QPV 1/2 and the QPV code), and GeoJSON geometries (polygons in
WGS84 degrees, the coordinates a map can draw)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from ingest.importer.mapping import TableMapping, normalize, normalize_code
from ingest.importer.report import Issues
from ingest.importer.sources import RawTable
from ingest.importer.values import Cells, by_unique

POLYGONS = ("Polygon", "MultiPolygon")


def check_flags(
    raw: RawTable, spec: TableMapping, texts: dict[str, pd.Series], issues: Issues
) -> None:
    """RPLS says QPV = 1 (in a QPV) or 2 (outside): the QPV code must then be filled or empty."""
    headers = {normalize(h): i for i, h in enumerate(raw.header)}
    for flag in spec.flags:
        index = headers.get(normalize(flag.column))
        target = texts.get(flag.target)
        if index is None or target is None:
            continue
        name = raw.header[index]
        text = raw.frame[index].fillna("").astype(str).str.strip()
        codes = by_unique(text, normalize_code)
        filled = codes.isin({normalize_code(v) for v in flag.filled}).to_numpy()
        empty = codes.isin({normalize_code(v) for v in flag.empty}).to_numpy()
        has_target = (target != "").to_numpy()
        cells = Cells(raw.label, name, raw.lines, text, issues)
        cells.report(
            filled & ~has_target,
            "valeurs incohérentes",
            f"{name} dit que « {flag.target} » est renseigné, mais il est vide",
        )
        cells.report(
            empty & has_target,
            "valeurs incohérentes",
            f"{name} dit que « {flag.target} » est vide, mais il est renseigné",
        )
        cells.report(
            (text != "").to_numpy() & ~filled & ~empty,
            "code inconnu",
            f"code inconnu (codes connus : {', '.join([*flag.filled, *flag.empty])})",
        )


def check_geometry(cells: Cells) -> np.ndarray:
    """Report the cells that are not a WGS84 Polygon/MultiPolygon; return where they are."""
    reasons = by_unique(cells.text, _geometry_problem)
    bad = reasons.notna().to_numpy()
    for reason in pd.unique(reasons[bad]):
        cells.report((reasons == reason).to_numpy(), "géométrie invalide", reason)
    return bad


def _geometry_problem(text: str) -> str | None:
    if not text:
        return None
    try:
        shape = json.loads(text)
    except ValueError:
        return "géométrie invalide : texte GeoJSON attendu"
    kind = shape.get("type") if isinstance(shape, dict) else None
    if kind not in POLYGONS:
        return f"géométrie invalide : {kind or 'objet'} au lieu de Polygon ou MultiPolygon"
    points = list(_points(shape.get("coordinates")))
    if not points or any(p is None for p in points):
        return "géométrie invalide : coordonnées absentes ou mal formées"
    if any(not (-180 <= x <= 180 and -90 <= y <= 90) for x, y in points):
        return "géométrie invalide : coordonnées hors WGS84 (degrés) — Lambert 93 ? reprojetez"
    return None


def _points(coordinates):
    """Every [x, y] position of nested GeoJSON coordinates; None for a malformed one."""
    if (
        isinstance(coordinates, list)
        and coordinates
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coordinates)
    ):
        yield (coordinates[0], coordinates[1]) if len(coordinates) >= 2 else None
    elif isinstance(coordinates, list):
        for item in coordinates:
            yield from _points(item)
    else:
        yield None
