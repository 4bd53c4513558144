"""The social profile of a residence (or building, or floor) next to its EPCI's: the indicators a
customer officer reads before a commission, from the same definitions as everywhere else."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from queries.engine import Engine
from queries.evaluate import evaluate
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope

# One rule, for internal roles, on every screen that shows a building's or a floor's figures (the
# Fiche résidence's floors, the allocation aid's effects): from this many households. A share of 1
# or 2 households says nothing about a floor and points at a person. The printed commission sheet,
# which leaves the landlord, applies the secrecy threshold instead (commission_sheet.printable).
FLOOR_MIN_HOUSEHOLDS = 3


def floor_figures_shown(households: int | float | None) -> bool:
    """Whether a building's or a floor's figures are shown on screen (internal roles)."""
    return households is not None and not pd.isna(households) and households >= FLOOR_MIN_HOUSEHOLDS


# The profile, in reading order: (group title, indicator ids)
PROFILE = (
    (
        "Ressources",
        (
            "part_menages_sous_20pc",
            "part_menages_sous_40pc",
            "part_menages_sous_60pc",
            "part_menages_plai",
            "part_menages_au_dela",
            "revenu_median_uc",
            "part_beneficiaires_apl",
            "part_titulaires_sans_emploi",
        ),
    ),
    (
        "Composition",
        (
            "taille_moyenne_menage",
            "part_personnes_seules",
            "part_familles_monoparentales",
            "part_couples_avec_enfants",
            "part_familles_nombreuses",
        ),
    ),
    (
        "Âge",
        (
            "age_moyen_titulaire",
            "part_titulaires_moins_30",
            "part_titulaires_65_plus",
            "part_titulaires_75_plus",
        ),
    ),
    ("Ancienneté", ("anciennete_moyenne", "part_emmenages_recents", "part_anciennete_plus_10_ans")),
    ("Occupation", ("part_menages_fragiles", "taux_sous_occupation", "taux_sur_occupation")),
)
PROFILE_INDICATORS = tuple(i for _, ids in PROFILE for i in ids)


def residence_profile(
    engine: Engine,
    residence: str,
    scope: Scope,
    *,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """One row per profile indicator: groupe, indicateur, libelle, unite, valeur_residence,
    effectif_residence, masque_residence, valeur_epci, effectif_epci, ecart."""
    catalogue = catalogue or load_catalogue()
    catalogue.check_named_indicators("queries/profile.py (PROFILE)", PROFILE_INDICATORS)
    facts = evaluate(
        engine,
        "nb_logements",
        scope,
        snapshot=snapshot,
        by=["epci"],
        where={"residence": [residence]},
        catalogue=catalogue,
    )
    if facts.empty:
        return pd.DataFrame()
    epci = facts["epci"].iloc[0]
    rows = []
    for group, ids in PROFILE:
        for ind_id in ids:
            ind = catalogue.indicator(ind_id)
            here = evaluate(
                engine,
                ind_id,
                scope,
                snapshot=snapshot,
                where={"residence": [residence]},
                catalogue=catalogue,
            ).iloc[0]
            there = evaluate(
                engine,
                ind_id,
                scope,
                snapshot=snapshot,
                where={"epci": [epci]},
                catalogue=catalogue,
            ).iloc[0]
            rows.append(
                {
                    "groupe": group,
                    "indicateur": ind_id,
                    "libelle": ind.label,
                    "unite": ind.unit,
                    "valeur_residence": here["valeur"],
                    "effectif_residence": here["effectif"],
                    "masque_residence": bool(here["masque"]),
                    "valeur_epci": there["valeur"],
                    "effectif_epci": there["effectif"],
                }
            )
    df = pd.DataFrame(rows)
    df["ecart"] = df["valeur_residence"].astype("Float64") - df["valeur_epci"].astype("Float64")
    return df


def breakdown(
    engine: Engine,
    residence: str,
    scope: Scope,
    level: str,
    indicators=PROFILE_INDICATORS,
    *,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """The profile by building ("batiment") or by floor (("batiment", "etage")): long format with
    one row per group and indicator, plus nb_menages per group."""
    catalogue = catalogue or load_catalogue()
    by = ["batiment"] if level == "batiment" else ["batiment", "etage"]
    frames = []
    for ind_id in ("nb_menages", *indicators):
        df = evaluate(
            engine,
            ind_id,
            scope,
            snapshot=snapshot,
            by=by,
            where={"residence": [residence]},
            catalogue=catalogue,
        )
        df["indicateur"] = ind_id
        frames.append(df)
    return pd.concat(frames, ignore_index=True)
