"""The residences on the map, as plain functions (no Streamlit): their points, the ring around those
needing attention, and the attention list with its reasons in French.

Points are sized by dwellings and coloured by discrete classes of one indicator. A masked value (a
partner's cell under the secrecy threshold) is never coloured nor written anywhere: the point is
neutral grey and its tooltip says "< 11". `value_line` and `class_colour` word and colour any valued
place, so the commune choropleth (ui.screens.carte.map_layers) shares them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd
import pydeck as pdk

from queries.map_data import colouring
from semantic.catalogue import load_catalogue
from ui.screens.carte.map_legend import RGB, Scale, finite
from ui.shared.formats import MASK_LABEL, MASK_TEXT, change, number, value
from ui.shell.access import can_open

PIXELS = pdk.types.String("pixels")  # a literal: pydeck turns other strings into expressions
ATTENTION_LINE: RGB = (20, 20, 20)
POINT_ALPHA = 235
# Points in screen pixels: area proportional to dwellings, readable at every zoom level. Small
# enough that central Grenoble (dozens of residences within a kilometre) does not pile up into a
# blot hiding the QPV outlines at the whole-territory zoom; zooming in separates them (pixels do
# not grow with the zoom). deck.gl clamps to [RADIUS_MIN_PX, RADIUS_MAX_PX] whatever the data.
MIN_RADIUS_PX, MAX_EXTRA_RADIUS_PX = 2.0, 5.5
RADIUS_MIN_PX, RADIUS_MAX_PX = 2, 9
ATTENTION_RING_PX = 2.5  # the attention ring, this much outside the point
SIGNS = {"<=": "≤", ">=": "≥"}
STATUS_LABELS = {"non_atteint": "non atteint", "a_surveiller": "à surveiller"}


@dataclass(frozen=True)
class AttentionItem:
    residence: str
    title: str
    reasons: tuple[str, ...]
    linkable: bool  # the user may open the Fiche résidence
    # what the concertation needs to open this residence's plans and thread in place
    name: str = ""
    epci: str | None = None
    commune: str | None = None
    enjeu_mixite: bool = False
    open_plans: int = 0  # « proposée » or « engagée », in the user's scope
    comments: int = 0
    projects: tuple[str, ...] = ()  # names of the urban projects that concern it


@dataclass(frozen=True)
class Concertation:
    """What the store holds for the map, read in the user's scope (ui.shared.concertation_view):
    counts per residence, the urban projects of the territory and their ANRU rehousing."""

    open_plans: Mapping[str, int] = field(default_factory=dict)
    comments: Mapping[str, int] = field(default_factory=dict)
    projects: tuple = ()  # store.urban_projects.Project
    rehoused: Mapping[int, float | None] = field(default_factory=dict)  # None: masked/unknown


def mark_too_few(frame: pd.DataFrame, counted: str | None, minimum: int) -> pd.DataFrame:
    """frame + `trop_peu`: a visible value resting on fewer than `minimum` cases (the effectif of
    a ratio, mean or median; `counted` None — a count — never is). Such a place gets no class."""
    out = frame.copy()
    if out.empty or counted is None:
        out["trop_peu"] = False
        return out
    visible = ~out["masque"].astype(bool) & out["valeur"].notna()
    small = out["effectif"].astype("Float64").fillna(0) < minimum
    out["trop_peu"] = (visible & small).astype(bool)
    return out


def value_line(label: str, unit: str, row, show_effectif: bool) -> str:
    """The tooltip line of a place's value: masked, not measurable, or the value (and effectif)."""
    if bool(row["masque"]):
        return f"{label} : {MASK_TEXT}"
    if not finite(_num(row["valeur"])):
        return f"{label} : — (non mesurable)"
    text = f"{label} : {value(float(row['valeur']), unit)}"
    if show_effectif and finite(_num(row["effectif"])):
        text += f" (effectif : {number(row['effectif'])})"
    if bool(row.get("trop_peu", False)):
        text += " — trop peu de cas pour une classe de couleur"
    return text


def _num(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v


def class_colour(scale: Scale, row) -> tuple[RGB, int | None]:
    """A place's colour and class on `scale`; masked and unmeasurable places have no class."""
    if bool(row["masque"]):
        return scale.masked_colour, None
    if bool(row.get("trop_peu", False)):
        return scale.few_colour, None
    index = scale.index(_num(row["valeur"]))
    return (scale.missing_colour, None) if index is None else (scale.colours[index], index)


def reasons(row, indicator_id: str, threshold: float | None) -> tuple[str, ...]:
    """Why a residence needs attention, in French (the facts of queries.map_data)."""
    catalogue = load_catalogue()
    found = []
    if isinstance(row.get("objectif_statut"), str):
        target = catalogue.indicator(row["objectif_indicateur"])
        found.append(
            f"objectif {STATUS_LABELS[row['objectif_statut']]} : {target.label} "
            f"{SIGNS.get(row['objectif_sens'], row['objectif_sens'])} "
            f"{value(row['objectif_cible'], target.unit)}"
        )
    if bool(row.get("fragilite_en_hausse")):
        found.append(f"fragilité en hausse ({change(row['evolution_fragilite'], 'ratio')})")
    if bool(row.get("au_dessus_seuil")):
        ind = colouring(indicator_id, catalogue)
        side = "sous le" if ind.favorable == "hausse" else "au-dessus du"
        found.append(f"{ind.label} {side} seuil de {value(threshold, ind.unit)}")
    return tuple(found)


def attention_items(
    residences: pd.DataFrame,
    indicator_id: str,
    threshold: float | None,
    role: str,
    concertation: Concertation | None = None,
) -> list[AttentionItem]:
    """The residences needing attention: off-track targets first, then by name; each with its
    open plans, comments and urban projects (`concertation`, already read in the user's scope)."""
    if residences.empty or "attention" not in residences:
        return []
    found = concertation or Concertation()
    rows = residences[residences["attention"]].copy()
    rows["_ordre"] = rows["objectif_statut"].isna()
    linkable = can_open(role, "residence")
    items = []
    for _, row in rows.sort_values(["_ordre", "residence_libelle", "residence"]).iterrows():
        rid = str(row["residence"])
        items.append(
            AttentionItem(
                rid,
                f"{row['residence_libelle']} — {row['commune_libelle']}",
                reasons(row, indicator_id, threshold),
                linkable,
                name=str(row["residence_libelle"]),
                epci=_code(row.get("epci")),
                commune=_code(row.get("commune")),
                enjeu_mixite=_code(row.get("enjeu_mixite")) not in (None, "False"),
                open_plans=int(found.open_plans.get(rid, 0)),
                comments=int(found.comments.get(rid, 0)),
                projects=tuple(p.name for p in found.projects if rid in p.residences),
            )
        )
    return items


def _code(v) -> str | None:
    return None if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)) else str(v)


def residence_records(
    residences: pd.DataFrame, scale: Scale, indicator_id: str, threshold, show_effectif: bool
) -> list[dict]:
    """One dict per placed residence: no raw value, only its class, colour and tooltip text."""
    ind = colouring(indicator_id)
    placed = residences.dropna(subset=["lat", "lon"]) if len(residences) else residences
    # A partner's masked dwelling count (under the secrecy threshold) is drawn at the smallest size.
    largest = max([int(n) for n in placed.get("nb_logements", []) if not pd.isna(n)] + [1])
    records = []
    for _, row in placed.iterrows():
        colour, index = class_colour(scale, row)
        lines = [
            f"{row['residence_libelle']} ({row['residence']})",
            f"Commune : {row['commune_libelle']}",
            f"QPV : {row['qpv_libelle']}" if isinstance(row["qpv_libelle"], str) else "Hors QPV",
            f"Logements : {_dwellings(row['nb_logements'])}",
            value_line(ind.label, ind.unit, row, show_effectif),
        ]
        attention = bool(row.get("attention", False))
        if attention:
            lines.append("À surveiller : " + " ; ".join(reasons(row, indicator_id, threshold)))
        size = 0 if pd.isna(row["nb_logements"]) else int(row["nb_logements"])
        radius = MIN_RADIUS_PX + MAX_EXTRA_RADIUS_PX * math.sqrt(size / largest)
        records.append(
            {
                "residence": str(row["residence"]),
                "position": [round(float(row["lon"]), 6), round(float(row["lat"]), 6)],
                "rayon": round(radius, 1),
                "classe": index,
                "couleur": [*colour, POINT_ALPHA],
                "attention": attention,
                "infobulle": "\n".join(lines),
            }
        )
    return records


def _dwellings(count) -> str:
    return MASK_LABEL if pd.isna(count) else number(count)


def residence_layer(records: list[dict]) -> pdk.Layer:
    return pdk.Layer(
        "ScatterplotLayer",
        data=records,
        id="residences",
        get_position="position",
        get_radius="rayon",
        radius_units=PIXELS,
        radius_min_pixels=RADIUS_MIN_PX,
        radius_max_pixels=RADIUS_MAX_PX,
        get_fill_color="couleur",
        stroked=True,
        get_line_color=[60, 60, 60],
        line_width_min_pixels=1,
        pickable=True,
    )


def attention_layer(records: list[dict]) -> pdk.Layer:
    """A dark ring around each residence needing attention, over the points (not pickable)."""
    rings = [
        {
            "position": r["position"],
            "rayon": r["rayon"] + ATTENTION_RING_PX,
            "residence": r["residence"],
        }
        for r in records
        if r["attention"]
    ]
    return pdk.Layer(
        "ScatterplotLayer",
        data=rings,
        id="residences-attention",
        get_position="position",
        get_radius="rayon",
        radius_units=PIXELS,
        radius_min_pixels=RADIUS_MIN_PX + ATTENTION_RING_PX,
        radius_max_pixels=RADIUS_MAX_PX + ATTENTION_RING_PX,
        filled=False,
        stroked=True,
        get_line_color=[*ATTENTION_LINE, 255],
        line_width_min_pixels=1.5,
        pickable=False,
    )
