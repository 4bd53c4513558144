"""The urban projects (ANRU) on the map, as plain functions (no Streamlit), tested on their own:
their QPV outlined in orange, a ring around each residence concerned and one marker per project,
all with the project's tooltip; and `is_fictitious`, which tells the demo's synthetic QPV.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pydeck as pdk

from queries.map_data import MapData
from queries.map_geometry import rings
from ui.screens.carte.map_features import drawable, feature
from ui.screens.carte.map_legend import RGB
from ui.screens.carte.map_residences import PIXELS
from ui.shared.formats import MASK_TEXT, number, value

PROJECT_COLOUR: RGB = (230, 97, 1)  # orange: no class colour, no QPV purple
PROJECT_RING_PX, PROJECT_MARKER_PX = 10, 6


def project_text(project, drawn: list[str], rehoused: float | None, masks: bool) -> str:
    """An urban project's tooltip: name, works planned, dates, ANRU rehousing (masked for a
    partner under the secrecy threshold), what of it the map shows."""
    dates = " → ".join(f"{d:%m/%Y}" for d in (project.start, project.end) if d)
    if rehoused is not None:
        progress = f"{number(rehoused)}"
        if project.rehousing:
            progress += f" pour {number(project.rehousing)} prévus ({value(rehoused / project.rehousing, 'ratio')})"
    elif masks:
        progress = MASK_TEXT
    else:
        progress = "non disponible (indicateur ANRU absent des données)"
    lines = [
        f"Projet urbain : {project.name}",
        f"Démolitions prévues : {number(project.demolitions)} · relogements prévus : "
        f"{number(project.rehousing)}",
        f"Calendrier : {dates}" if dates else "Calendrier : non renseigné",
        f"Relogements ANRU sur 12 mois (territoire du projet) : {progress}",
    ]
    if drawn:
        shown = ", ".join(drawn[:4]) + (f" et {len(drawn) - 4} autre(s)" if len(drawn) > 4 else "")
        lines.append(f"Concerne : {shown}")
    return "\n".join(lines)


def project_layers(
    projects: Sequence, md: MapData, rehoused: Mapping[int, float | None], masks: bool
) -> list[pdk.Layer]:
    """The urban projects the map can place (on residences or QPV it draws, so only what the user's
    scope already shows): their QPV outlined in orange, an orange ring around each residence
    concerned, and one marker at the middle of the project, all with the project's tooltip."""
    if not projects or md.residences.empty:
        return []
    named = {r for p in projects for r in p.residences}
    placed = md.residences.dropna(subset=["lat", "lon"])
    placed = placed[placed["residence"].astype(str).isin(named)]
    by_residence = {str(r["residence"]): r for _, r in placed.iterrows()}
    qpv = drawable(md.qpv)
    outlines, rings_, markers = [], [], []
    for project in projects:
        residences = [by_residence[r] for r in project.residences if r in by_residence]
        areas = qpv[qpv["qpv"].astype(str).isin(project.qpv)] if len(qpv) else qpv
        names = [str(r["residence_libelle"]) for r in residences]
        names += [str(n) for n in areas.get("qpv_libelle", [])]
        text = project_text(project, names, rehoused.get(project.id), masks)
        points = [[round(float(r["lon"]), 6), round(float(r["lat"]), 6)] for r in residences]
        for _, area in areas.iterrows():
            outlines.append(feature(area["geometry"], {"projet": project.id, "infobulle": text}))
            points += [p[:2] for ring in rings(area["geometry"]) for p in ring]
        if not points:
            continue  # nothing of it on this map (filters, or outside the user's scope)
        rings_ += [
            {"position": p, "projet": project.id, "infobulle": text}
            for p in points[: len(residences)]
        ]
        middle = [
            round(sum(p[0] for p in points) / len(points), 6),
            round(sum(p[1] for p in points) / len(points), 6),
        ]
        markers.append({"position": middle, "projet": project.id, "infobulle": text})
    if not markers:
        return []
    common = {"pickable": True, "stroked": True}
    return [
        pdk.Layer(
            "GeoJsonLayer",
            data={"type": "FeatureCollection", "features": outlines},
            id="projets-urbains-qpv",
            filled=False,
            get_line_color=[*PROJECT_COLOUR, 255],
            line_width_units=PIXELS,
            get_line_width=4,
            **common,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=rings_,
            id="projets-urbains-residences",
            get_position="position",
            get_radius=PROJECT_RING_PX,
            radius_units=PIXELS,
            filled=False,
            get_line_color=[*PROJECT_COLOUR, 255],
            line_width_min_pixels=2.5,
            **common,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            data=markers,
            id="projets-urbains",
            get_position="position",
            get_radius=PROJECT_MARKER_PX,
            radius_units=PIXELS,
            get_fill_color=[*PROJECT_COLOUR, 255],
            get_line_color=[255, 255, 255, 255],
            line_width_min_pixels=2,
            **common,
        ),
    ]


def is_fictitious(name) -> bool:
    """Demo QPV are synthetic and named so ("QPV fictif — …")."""
    return isinstance(name, str) and "fictif" in name.lower()
