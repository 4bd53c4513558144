"""What is written around the map, as plain functions (no Streamlit), tested on their own: a colour
scale's legend with its neutral places counted, the « Repères » legend of the territory's marks, and
the notes under the map (why places are grey, what a map too wide to draw in detail leaves out),
and the notice a browser without WebGL shows in its place.
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


# deck.gl draws with WebGL 2. A browser without it (a virtual desktop with no graphics card, the
# hardware acceleration turned off: recent Chrome no longer falls back to software) left the map's
# place blank, without a word. This notice is hidden; a script in the page shows it only where
# WebGL 2 cannot be had. Fixed text: nothing from the data or the user reaches it.
NO_WEBGL_HTML = """
<div class="peuplement-sans-webgl" role="alert" hidden
  style="background:#fff6db;color:#5c4200;border-radius:0.5rem;padding:0.75rem 1rem;
  margin-bottom:0.75rem;">
<strong>La carte ne peut pas s'afficher dans ce navigateur.</strong>
Elle demande WebGL 2 (l'accélération graphique), absent ou désactivé ici : poste virtuel sans
carte graphique, ou accélération matérielle coupée dans les réglages du navigateur. La légende,
la liste des résidences à côté et les autres pages restent utilisables. Pour voir la carte, activez
l'accélération graphique (Chrome, Edge : Paramètres › Système) ou ouvrez le portail depuis un
autre poste.
</div>
<script>
(() => {
  let drawable = false;
  try { drawable = Boolean(document.createElement("canvas").getContext("webgl2")); }
  catch (error) { drawable = false; }
  if (!drawable) {
    document.querySelectorAll(".peuplement-sans-webgl").forEach((notice) => {
      notice.hidden = false;
    });
  }
})();
</script>
"""
