"""What is written around the map, as plain functions (no Streamlit), tested on their own: a colour
scale's legend with its neutral places counted, the « Repères » legend of the territory's marks, and
the notes under the map (why places are grey, what a map too wide to draw in detail leaves out).
"""

from __future__ import annotations

import pandas as pd

from queries.map_data import MapData
from ui.screens.carte.map_legend import (
    COMMUNE_FILL,
    COUNTED_WORDS,
    EPCI_LINE,
    QPV_FILL,
    QPV_LINE,
    LegendEntry,
    Scale,
    legend,
)
from ui.screens.carte.map_projects import PROJECT_COLOUR, is_fictitious
from ui.screens.carte.map_residences import ATTENTION_LINE
from ui.shared.formats import MASK_LABEL, number


def _neutral_counts(frame: pd.DataFrame) -> tuple[int, int, int]:
    """(masked, not measurable, too few cases) places of a frame with valeur, masque, trop_peu."""
    if frame.empty:
        return 0, 0, 0
    few = int(frame["trop_peu"].sum()) if "trop_peu" in frame else 0
    return int(frame["masque"].sum()), int((~frame["masque"] & frame["valeur"].isna()).sum()), few


def scale_legend(
    scale: Scale, frame: pd.DataFrame, shape: str, few_text: str
) -> tuple[LegendEntry, ...]:
    """The legend of a colour scale, with the masked, unmeasurable and too-few places of `frame`
    counted."""
    masked, missing, few = _neutral_counts(frame)
    return legend(scale, masked, missing, shape, few, few_text)


def neutral_notes(
    placed: pd.DataFrame, counted: str | None, minimum: int, masks: bool
) -> list[str]:
    """Why some residences (or all of them) are grey, in words under the map."""
    masked, missing, few = _neutral_counts(placed)
    word = COUNTED_WORDS.get(counted or "", "ménages ou attributions")
    notes = []
    if masks:
        notes.append(
            f"Secret statistique : valeurs sur moins de 11 {word} masquées ({MASK_LABEL}), "
            "résidence en gris foncé."
        )
    if few:
        notes.append(
            f"{number(few)} résidence(s) en gris clair : moins de {minimum} {word}, trop peu pour "
            "une classe de couleur (une part sur 1 ou 2 cas vaut 0 % ou 100 % par hasard)."
        )
    if len(placed) and masked + missing + few == len(placed):
        notes.append(
            "Aucune résidence n'est colorée : toutes sont sous le secret statistique, sans valeur "
            "ou avec trop peu de cas. Choisissez un indicateur de stock ou un territoire plus large."
        )
    return notes


def context_legend(
    qpv: pd.DataFrame, attention: bool, choropleth: bool, projects: bool = False
) -> tuple[LegendEntry, ...]:
    fictitious = len(qpv) and any(is_fictitious(n) for n in qpv["qpv_libelle"])
    entries = [LegendEntry("limite d'EPCI", EPCI_LINE, "trait")]
    if not choropleth:
        entries.append(LegendEntry("commune du périmètre", COMMUNE_FILL, "carre"))
    qpv_label = "QPV — périmètres fictifs (démonstration)" if fictitious else "QPV"
    entries.append(LegendEntry(qpv_label, QPV_FILL, "carre", border=QPV_LINE))
    if attention:
        entries.append(LegendEntry("résidence à surveiller", ATTENTION_LINE, "anneau"))
    if projects:
        entries.append(
            LegendEntry("projet urbain (ANRU) et ses résidences", PROJECT_COLOUR, "anneau")
        )
    return tuple(entries)


def wide_map_notes(md: MapData) -> list[str]:
    """What a map too wide to draw in detail leaves out, and how to see it."""
    notes = []
    if md.area_level == "epci":
        notes.append(
            "Carte large : les zones sont les EPCI (communes et QPV apparaissent quand vous "
            "choisissez un ou quelques EPCI)."
        )
    if md.residences_hidden:
        notes.append(
            f"{number(md.residences_hidden)} résidences : trop pour les dessiner une à une ; "
            "choisissez un EPCI ou des communes pour les voir."
        )
    return notes
