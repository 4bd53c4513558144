"""Sanity rules on the income-ceiling table (reference/plafonds.parquet), reported as warnings.

Ceilings are revalued every 1 January and never lowered, and the PLAI ceiling of a single person
has stayed at about 55 % of the PLUS one for years. A table that breaks either rule most likely
carries a figure of the wrong year (the demo once used the 2022 PLAI as 2024: 0.51 of PLUS, and a
6.6 % step at the next year). The data can still be read, so these are warnings, not errors.
"""

from __future__ import annotations

from ingest.validation.checks import Check

# PLAI / PLUS for household category 1: 0.550 in every published year; a figure of another year
# moves it by 0.04 or more (2022 PLAI over 2024 PLUS: 0.513).
PLAI_PLUS_RATIO = 0.55
PLAI_PLUS_TOLERANCE = 0.03

_KEYS = ("zone_plafonds", "financement", "categorie")

CEILING_RULES = [
    Check(
        "ceiling_decrease",
        "plafonds",
        "plafond",
        tuple(f"plafonds.{c}" for c in ("annee", *_KEYS, "plafond")),
        # the previous year present in the table for the same zone, financing and category
        "SELECT t.file_row_number AS pos, {label} || ' (' || txt(t.zone_plafonds) || ' ' "
        "|| txt(t.financement) || ' cat. ' || txt(t.categorie) || ': ' || txt(t.annee) || ' = ' "
        "|| txt(t.plafond) || ' < ' || txt(t.annee_precedente) || ' = ' "
        "|| txt(t.plafond_precedent) || ')' AS example FROM (SELECT *, "
        "lag(annee) OVER w AS annee_precedente, lag(plafond) OVER w AS plafond_precedent "
        "FROM plafonds WINDOW w AS (PARTITION BY zone_plafonds, financement, categorie "
        "ORDER BY annee)) t WHERE t.plafond < t.plafond_precedent",
        "Plafond inférieur à celui de l'année précédente pour la même zone, le même financement et "
        "la même catégorie: les plafonds sont revalorisés chaque 1er janvier, jamais baissés. "
        "Vérifiez que chaque montant est bien celui de son année.",
        severity="warning",
    ),
    Check(
        "plai_plus_ratio",
        "plafonds",
        "plafond",
        tuple(f"plafonds.{c}" for c in ("annee", *_KEYS, "plafond")),
        # S608: the only values pasted are this module's two numeric constants
        "SELECT t.file_row_number AS pos, {label} || ' (' || txt(t.annee) || ' ' "  # noqa: S608
        "|| txt(t.zone_plafonds) || ': PLAI ' || txt(t.plafond) || ' / PLUS ' || txt(p.plafond) "
        "|| ' = ' || txt(round(t.plafond / p.plafond, 3)) || ')' AS example "
        "FROM plafonds t JOIN plafonds p ON p.annee = t.annee "
        "AND p.zone_plafonds = t.zone_plafonds AND p.financement = 'PLUS' AND p.categorie = 1 "
        "WHERE t.financement = 'PLAI' AND t.categorie = 1 "
        f"AND abs(t.plafond / p.plafond - {PLAI_PLUS_RATIO}) > {PLAI_PLUS_TOLERANCE}",
        f"Plafond PLAI d'une personne seule (catégorie 1) éloigné de {PLAI_PLUS_RATIO:.2f} fois le "
        f"plafond PLUS de la même année et de la même zone (écart admis ±{PLAI_PLUS_TOLERANCE:.2f}):"
        " l'un des deux montants est probablement celui d'une autre année.",
        severity="warning",
    ),
]
