"""The map's deck, as plain functions (no Streamlit), tested on their own: the territory layers,
the view, and `build_map`, which assembles them with the residences of
ui.screens.carte.map_residences, the urban projects of ui.screens.carte.map_projects, and the
legends and notes of ui.screens.carte.map_notes.

The map reads without any basemap: communes are polygons with a light fill (or a choropleth of a
territory-level indicator), EPCIs are thick outlines, QPV are purple polygons, residences are points
on top. A masked area is a lighter grey than a masked point, and its tooltip says "< 11" too.
Tooltips are plain French text in one `infobulle` property, so every layer shares the deck's single
tooltip template.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

from queries.map_attention import flag_threshold
from queries.map_data import MapData, colouring
from queries.map_geometry import rings
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from ui.screens.carte.map_features import drawable, feature
from ui.screens.carte.map_legend import (
    COMMUNE_FILL,
    COMMUNE_PALETTE,
    EPCI_LINE,
    QPV_FILL,
    QPV_LINE,
    RESIDENCE_PALETTE,
    RGB,
    LegendEntry,
    Scale,
    classify,
    few_label,
)
from ui.screens.carte.map_notes import (
    context_legend,
    neutral_notes,
    scale_legend,
    wide_map_notes,
)
from ui.screens.carte.map_projects import is_fictitious, project_layers

# The residence side is importable from here too, as it was before it had its own module.
from ui.screens.carte.map_residences import MAX_EXTRA_RADIUS_PX as MAX_EXTRA_RADIUS_PX
from ui.screens.carte.map_residences import MIN_RADIUS_PX as MIN_RADIUS_PX
from ui.screens.carte.map_residences import (
    PIXELS,
    AttentionItem,
    Concertation,
    attention_items,
    attention_layer,
    class_colour,
    mark_too_few,
    residence_layer,
    residence_records,
    value_line,
)
from ui.screens.carte.map_residences import POINT_ALPHA as POINT_ALPHA
from ui.screens.carte.map_residences import reasons as reasons

MASKED_AREA: RGB = (205, 205, 205)  # areas: a lighter grey, so points on top stay readable
FEW_AREA: RGB = (226, 226, 226)  # too few cases for a class (paler than the secret's grey)
COMMUNE_LINE: RGB = (130, 130, 130)
AREA_ALPHA, QPV_ALPHA = 180, 150
TILE_PX = 512  # deck.gl's world is 512 px wide at zoom 0
TOOLTIP = {
    "text": "{infobulle}",
    "style": {"backgroundColor": "#FFFFFF", "color": "#1A1A1A", "fontSize": "13px",
              "border": "1px solid #888888", "maxWidth": "360px"},
}  # fmt: skip


@dataclass(frozen=True)
class BuiltMap:
    deck: pdk.Deck
    legends: tuple[tuple[str, tuple[LegendEntry, ...]], ...]  # (title, entries), for the page
    attention: tuple[AttentionItem, ...]
    caption: str  # under the map: snapshot, what the point size means, secrecy, filters left out
    attention_caption: str  # above the attention list: its criteria


def commune_layer(
    communes: pd.DataFrame,
    scale: Scale | None,
    indicator_id: str | None,
    show_effectif: bool,
    level: str = "commune",
) -> pdk.Layer:
    """Communes as polygons (or EPCIs, when the map is too wide for its communes, `level`
    "epci"): a choropleth of `indicator_id`, or a light fill without one."""
    ind = load_catalogue().indicator(indicator_id) if indicator_id else None
    features = []
    for _, row in drawable(communes).iterrows():
        lines = [f"{row['commune_libelle']} ({row['commune']})", f"EPCI : {row['epci_libelle']}"]
        if level == "epci":
            lines = [str(row["epci_libelle"]), "EPCI (choisissez-le pour voir ses communes)"]
        colour, alpha = COMMUNE_FILL, 200
        if ind is not None and scale is not None:
            colour, _ = class_colour(scale, row)
            alpha = AREA_ALPHA
            lines.append(value_line(ind.label, ind.unit, row, show_effectif))
        properties = {"commune": str(row["commune"]), "epci": str(row["epci"])}
        properties |= {"couleur": [*colour, alpha], "infobulle": "\n".join(lines)}
        features.append(feature(row["geometry"], properties))
    return pdk.Layer(
        "GeoJsonLayer",
        data={"type": "FeatureCollection", "features": features},
        id="communes" if level == "commune" else "epci-zones",
        filled=True,
        stroked=True,
        get_fill_color="properties.couleur",
        get_line_color=[*COMMUNE_LINE, 255],
        line_width_units=PIXELS,
        get_line_width=1,
        pickable=True,
    )


def epci_layer(epci: pd.DataFrame) -> pdk.Layer:
    """EPCI outlines (queries.map_geometry.epci_outlines), drawn over the communes."""
    features = [
        feature(row["geometry"], {"epci": str(row["epci"]), "nom": row["epci_libelle"]})
        for _, row in drawable(epci).iterrows()
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        data={"type": "FeatureCollection", "features": features},
        id="epci",
        filled=False,
        stroked=True,
        get_line_color=[*EPCI_LINE, 255],
        line_width_units=PIXELS,
        get_line_width=2.5,
        line_joint_rounded=True,
        line_cap_rounded=True,
        pickable=False,
    )


def qpv_layer(qpv: pd.DataFrame) -> pdk.Layer:
    """QPV polygons, filled, with their tooltip (under the residences)."""
    features = []
    for _, row in drawable(qpv).iterrows():
        lines = [f"{row['qpv_libelle']} ({row['qpv']})", f"Commune : {row['commune_libelle']}"]
        if is_fictitious(row["qpv_libelle"]):
            lines.append("Périmètre fictif (données de démonstration)")
        properties = {"qpv": str(row["qpv"]), "commune": str(row["commune"])}
        features.append(feature(row["geometry"], properties | {"infobulle": "\n".join(lines)}))
    return pdk.Layer(
        "GeoJsonLayer",
        data={"type": "FeatureCollection", "features": features},
        id="qpv",
        filled=True,
        stroked=True,
        get_fill_color=[*QPV_FILL, QPV_ALPHA],
        get_line_color=[*QPV_LINE, 255],
        line_width_units=PIXELS,
        get_line_width=2.5,
        pickable=True,
    )


def qpv_outline_layer(qpv: pd.DataFrame) -> pdk.Layer:
    """QPV borders again, over the residences: a residence's point often covers a whole QPV."""
    features = [
        feature(row["geometry"], {"qpv": str(row["qpv"])}) for _, row in drawable(qpv).iterrows()
    ]
    return pdk.Layer(
        "GeoJsonLayer",
        data={"type": "FeatureCollection", "features": features},
        id="qpv-contours",
        filled=False,
        stroked=True,
        get_line_color=[*QPV_LINE, 255],
        line_width_units=PIXELS,
        get_line_width=2.5,
        pickable=False,
    )


def view_state(points: Iterable[Sequence[float]], width: int = 800, height: int = 600):
    """Centre and zoom fitting every (lon, lat) point in a width x height viewport."""
    pts = [(float(x), float(y)) for x, y in points]
    if not pts:
        return pdk.ViewState(latitude=46.6, longitude=2.4, zoom=4.5)  # France
    lons, lats = [p[0] for p in pts], [p[1] for p in pts]
    merc = [math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) for lat in lats]
    span_x, span_y = max(lons) - min(lons), max(merc) - min(merc)
    zooms = [14.0]
    if span_x > 0:
        zooms.append(math.log2(width * 360 / (TILE_PX * span_x)))
    if span_y > 0:
        zooms.append(math.log2(height * 2 * math.pi / (TILE_PX * span_y)))
    centre_y = (max(merc) + min(merc)) / 2
    return pdk.ViewState(
        longitude=round((max(lons) + min(lons)) / 2, 6),
        latitude=round(math.degrees(2 * math.atan(math.exp(centre_y)) - math.pi / 2), 6),
        zoom=round(max(3.0, min(zooms) - 0.1), 2),
        pitch=0,
        bearing=0,
    )


def build_map(
    md: MapData,
    *,
    residence_indicator: str,
    commune_indicator: str | None,
    threshold: float | None,
    scope: Scope,
    basemap: bool = False,
    concertation: Concertation | None = None,
) -> BuiltMap:
    """The deck, its legends (with titles) and the attention list for a `MapData`."""
    catalogue = load_catalogue()
    ind = colouring(residence_indicator, catalogue)  # a catalogue indicator or expected departures
    better_high = ind.favorable == "hausse"  # T1, T2, T3: a low value is the concern
    minimum = catalogue.parameters.carte.effectif_minimum_classe
    res = mark_too_few(md.residences, ind.counted, minimum)
    res = flag_threshold(res, threshold, higher_is_better=better_high)
    communes = md.communes
    show_effectif = not scope.masks_small_cells
    visible = res.loc[~res["masque"] & ~res["trop_peu"], "valeur"] if len(res) else []
    palette = RESIDENCE_PALETTE[::-1] if better_high else RESIDENCE_PALETTE  # bad end in red
    res_scale = classify(visible, ind.unit, palette=palette)
    records = residence_records(res, res_scale, residence_indicator, threshold, show_effectif)
    com_scale, com_counted = None, None
    if commune_indicator and len(communes):
        com_ind = colouring(commune_indicator, catalogue)
        com_counted = com_ind.counted
        communes = mark_too_few(communes, com_counted, minimum)
        shown = communes.loc[~communes["masque"] & ~communes["trop_peu"], "valeur"]
        com_scale = classify(
            shown,
            com_ind.unit,
            palette=COMMUNE_PALETTE,
            neutral=(MASKED_AREA, COMMUNE_FILL, FEW_AREA),
        )
    layers = [commune_layer(communes, com_scale, commune_indicator, show_effectif, md.area_level)]
    layers += [qpv_layer(md.qpv), epci_layer(md.epci)]
    layers += [residence_layer(records), qpv_outline_layer(md.qpv)]
    found = concertation or Concertation()
    projects = project_layers(found.projects, md, found.rehoused, scope.masks_small_cells)
    layers += [*projects, attention_layer(records)]
    points = [r["position"] for r in records]
    points += [p for g in communes.get("geometry", []) for ring in rings(g) for p in ring]
    placed = res.dropna(subset=["lat", "lon"]) if len(res) else res
    res_few = few_label(ind.counted, minimum)
    legends = [
        (
            f"Résidences : {ind.label}",
            scale_legend(res_scale, placed, "disque", res_few),
        )
    ]
    if com_scale is not None:
        areas = "EPCI" if md.area_level == "epci" else "Communes"
        title = f"{areas} : {catalogue.indicator(commune_indicator).label}"
        title += f" · {md.typology}" if md.typology else ""
        com_few = few_label(com_counted, minimum)
        legends.append((title, scale_legend(com_scale, communes, "carre", com_few)))
    attention = any(r["attention"] for r in records)
    legends.append(
        ("Repères", context_legend(md.qpv, attention, com_scale is not None, bool(projects)))
    )
    notes = [
        f"Photographie du {md.snapshot:%d/%m/%Y}. Taille des points : nombre de logements "
        "(en pixels, lisible à tout zoom : zoomez pour séparer les résidences proches)."
    ]
    notes += neutral_notes(placed, ind.counted, minimum, scope.masks_small_cells)
    notes += wide_map_notes(md)
    if md.ignored_filters:
        notes.append(f"Filtre sans objet pour les communes : {', '.join(md.ignored_filters)}.")
    since = f" depuis le {md.previous_snapshot:%d/%m/%Y}" if md.previous_snapshot else ""
    return BuiltMap(
        map_deck(layers, view_state(points), basemap=basemap),
        tuple(legends),
        tuple(attention_items(res, residence_indicator, threshold, scope.role, concertation)),
        " ".join(notes),
        f"Objectif hors trajectoire, résidence à enjeu de mixité dont la fragilité augmente{since}, "
        "ou valeur au-delà du seuil d'alerte (au-dessous pour T1, T2 et T3, où plus vaut mieux).",
    )


class CompactDeck(pdk.Deck):
    """A deck whose JSON has no indentation: pydeck indents by two spaces, and Streamlit sends
    that text as is; on a map of France's 1 248 EPCI the spaces were three quarters of it."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def map_deck(layers: list[pdk.Layer], view, *, basemap: bool = False) -> pdk.Deck:
    """No basemap by default: Streamlit swaps a missing map style for Carto tiles, so the deck
    keeps pydeck's "no style" marker (map_provider=None) unless a basemap is asked for."""
    provider = (
        {"map_provider": "carto", "map_style": "light"} if basemap else {"map_provider": None}
    )
    return CompactDeck(layers=layers, initial_view_state=view, tooltip=TOOLTIP, **provider)
