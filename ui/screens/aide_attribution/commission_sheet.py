"""The commission sheet of Aide à l'attribution: what it holds, built from the allocation tables
(its two downloads, XLSX and a printable HTML page, are `commission_files`).

The sheet shows facts and computed impacts only, like the screen: no score, no ranking, demands
named by their number. The builders are plain functions, testable without a running Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from queries.allocation import EXAMINATION_ORDER, LAWFUL_EFFECTS, withhold
from ui.screens.aide_attribution.allocation_effects import (
    comparison_table,
    effect_table,
    hypotheses,
    mixite_warnings,
)
from ui.shared.formats import percent
from ui.shared.labels import RESERVATAIRES

NO_DECISION = (
    "Document préparatoire : il présente des faits et des effets calculés, ne classe pas les "
    "candidatures et ne constitue pas une décision, qui revient à la commission. Aucune donnée "
    "nominative : chaque demande est désignée par son numéro."
)


@dataclass(frozen=True)
class CommissionSheet:
    dwelling: Mapping  # a row of vacant_dwellings
    profile: pd.DataFrame  # residence_profile
    situation: pd.DataFrame  # effect_table columns Indicateur..Avant, Cible (before the allocation)
    candidates: pd.DataFrame  # comparison_table
    warnings: list[str]
    settings: list[tuple[str, str]]  # thresholds, hypotheses, date, user
    snapshot: dt.date
    edited: str  # « 26/11/2026 à 10:03 · name (username) »

    @property
    def title(self) -> str:
        return f"Fiche de commission d'attribution — logement {self.dwelling['id_logement']}"


# CCH R441-3: the commission examines at least three candidates per dwelling, except in these cases.
EXCEPTIONS = (
    "Insuffisance du nombre des candidats (CCH R441-3)",
    "Candidat désigné par le préfet au titre du DALO (CCH L441-2-3)",
    "Autre motif, à préciser par la commission",
)


def presented_text(count: int, needed: int, exception: str | None) -> str:
    """How many candidates the sheet presents, against the rule, with the exception if any."""
    text = (
        f"{count} candidature(s) présentée(s) ; la règle en demande au moins {needed} (CCH R441-3)"
    )
    if count >= needed:
        return text + "."
    return text + f". Exception : {exception or 'non précisée'}."


def commission_sheet(
    dwelling: Mapping,
    prof: pd.DataFrame,
    cands: pd.DataFrame,
    imps: pd.DataFrame,
    *,
    snapshot: dt.date,
    effort_flag: float | None,
    same_epci: bool,
    contingent: str,
    needed: int,
    exception: str | None,
    edited_by: str,
    edited_at: dt.datetime,
    secrecy_threshold: int,
) -> CommissionSheet:
    """The sheet for the candidates presented (`cands` and `imps` hold only those)."""
    imps, withheld = printable(imps, secrecy_threshold)
    situation = effect_table(imps.iloc[0], dwelling, snapshot.year) if not imps.empty else None
    if situation is not None:
        situation = situation.drop(columns=["Après", "Réduit l'écart à la cible"])
    where = "toute commune de l'EPCI du logement" if same_epci else "commune du logement"
    flag = (
        f"au-delà de {percent(effort_flag)} (signalé, jamais écarté)"
        if effort_flag
        else "aucun seuil"
    )
    settings = [
        ("Photographie des données", f"{snapshot:%d/%m/%Y}"),
        ("Fiche éditée le", f"{edited_at:%d/%m/%Y à %H:%M}"),
        ("Éditée par", edited_by),
        ("Candidatures présentées", presented_text(len(cands), needed, exception)),
        ("Ordre des candidatures", EXAMINATION_ORDER),
        ("Contingent de l'attribution", RESERVATAIRES.get(contingent, contingent)),
        ("Taux d'effort signalé", flag),
        ("Commune souhaitée (1er choix)", where),
        (
            "Occupation",
            "ni sur-occupation (surface minimale), ni sous-occupation (pièces ≤ personnes + 1)",
        ),
        *(("Hypothèses", h) for h in hypotheses(cands, imps)),
        *((("Bâtiment et étage", withheld),) if withheld else ()),
        ("Effets retenus pour un candidat", LAWFUL_EFFECTS),
    ]
    return CommissionSheet(
        dwelling,
        prof,
        situation if situation is not None else pd.DataFrame(),
        comparison_table(cands, imps),
        mixite_warnings(imps),
        settings,
        snapshot,
        f"{edited_at:%d/%m/%Y à %H:%M} · {edited_by}",
    )


def printable(imps: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, str]:
    """The effects as the sheet prints them: a building's or a floor's figures only from
    `threshold` households (the secrecy threshold: the sheet leaves the landlord, for commission
    members), while the screen shows them from queries.profile.FLOOR_MIN_HOUSEHOLDS; and the
    sentence saying what was withheld ("" when nothing)."""
    if imps.empty:
        return imps, ""
    out, withheld = imps.copy(), []
    for name, label in (("batiment", "bâtiment"), ("etage", "étage")):
        households = out[f"{name}_menages"].iloc[0]
        shown = out[f"{name}_sous_40pc_apres"].notna().any()
        if shown and (pd.isna(households) or households < threshold):
            withheld.append(label)
            withhold(out, name)
    if not withheld:
        return out, ""
    return out, (
        f"{' et '.join(withheld).capitalize()} : moins de {threshold} ménages, effets non "
        "imprimés (la fiche sort de l'organisme ; ils restent à l'écran de l'aide à l'attribution)."
    )
