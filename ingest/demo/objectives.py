"""The demo's local targets (objectifs.yaml): a CIA, a PSA, a reservation agreement, a vacancy aim.

Written as text to keep the commented layout of the format; values come from the generated world
(the fragile residence the PSA watches is one of the demo's fragile residences on the CIA list).
"""

from __future__ import annotations

import pandas as pd

from ingest.demo import calibration as cal

HEADER = "# Objectifs locaux (CIA, PSA, conventions de réservation) — données de démonstration\n"
GRENOBLE = "38185"


def target(
    id_: str,
    indicateur: str,
    territoire: tuple[str, str],
    annee: int,
    sens: str,
    cible: float,
    tolerance: float,
    source: str,
    commentaire: str,
    filtres: str = "{}",
) -> str:
    """One list item of objectifs.yaml, in the flow style of the documented example."""
    echelle, code = territoire
    return (
        f"  - id: {id_}\n"
        f"    indicateur: {indicateur}\n"
        f'    territoire: {{echelle: {echelle}, code: "{code}"}}\n'
        f"    filtres: {filtres}\n"
        f"    annee: {annee}\n"
        f'    sens: "{sens}"\n'
        f"    cible: {cible:.2f}\n"
        f"    tolerance: {tolerance:.2f}\n"
        f'    source: "{source}"\n'
        f'    commentaire: "{commentaire}"\n'
    )


def watched_residence(residences: pd.DataFrame) -> str:
    """The first fragile residence on the 'enjeu mixité' list (any fragile one if none is)."""
    fragile = residences[residences["fragile"]]
    listed = fragile[fragile["enjeu_mixite"]]
    return str((listed if len(listed) else fragile)["id_residence"].iloc[0])


def objectives_yaml(residences: pd.DataFrame, last_year: int) -> str:
    """Text of objectifs.yaml: 5 targets on the last year (the CIA T1 also on the year before)."""
    residence = watched_residence(residences)
    gam = ("epci", cal.CENTRAL_EPCI)
    cia = "CIA Grenoble-Alpes-Métropole (démonstration), orientation 1"
    items = [
        target(
            f"cia-gam-t1-{year}",
            "part_attributions_q1_hors_qpv",
            gam,
            year,
            ">=",
            0.30,
            0.03,
            cia,
            "La CIA relève l'objectif légal de 25 % à 30 %.",
        )
        for year in (last_year - 1, last_year)
    ]
    items.append(
        target(
            f"psa-residence-fragile-{last_year}",
            "part_menages_fragiles",
            ("residence", residence),
            last_year,
            "<=",
            0.35,
            0.05,
            "PSA du bailleur (démonstration), résidences à enjeu de mixité",
            "Ne pas accentuer la fragilité : viser au plus 35 % de ménages fragiles.",
        )
    )
    items.append(
        target(
            f"convention-al-voironnais-{last_year}",
            "part_attributions_prioritaires",
            ("epci", cal.VOIRONNAIS_EPCI),
            last_year,
            ">=",
            0.25,
            0.05,
            "Convention de réservation Action Logement — Pays Voironnais (démonstration)",
            "Part DALO et publics prioritaires sur le contingent Action Logement.",
            filtres="{reservataire: [action_logement]}",
        )
    )
    items.append(
        target(
            f"psa-vacance-grenoble-{last_year}",
            "taux_vacance",
            ("commune", GRENOBLE),
            last_year,
            "<=",
            0.03,
            0.01,
            "PSA du bailleur (démonstration), qualité de service",
            "Vacance commerciale contenue à 3 % du parc proposé à la location.",
        )
    )
    return HEADER + "objectifs:\n" + "".join(items)
