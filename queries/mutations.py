"""Targets rated again without mutations, side by side with the figure that counts them.

A mutation is an allocation to a household that already rents social housing. No source settles
whether mutations count in T1 and T2, so the indicators listed in the parameters under
`avec_et_sans_mutations` are evaluated a second time on the allocations that are not mutations,
for the same territory, filters and period. The legal figure (with mutations) stays the one the
status and the missing count of a target rest on; the second one is shown next to it.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from queries.target_cells import Cell, CellRow
from queries.target_rules import missing_cases, status
from semantic.catalogue import Catalogue

MUTATION_DIMENSION = "mutation"
# Columns added to each row of evaluate_targets (empty for the other indicators).
COLUMNS = (
    "valeur_hors_mutations",
    "statut_hors_mutations",
    "manquants_hors_mutations",
    "numerateur_hors_mutations",
    "denominateur_hors_mutations",
)


def splits_mutations(catalogue: Catalogue, indicator: str, filtres: dict) -> bool:
    """Whether a target on `indicator` with `filtres` gets its figure without mutations (not when
    the target already filters on mutation)."""
    return (
        indicator in catalogue.parameters.avec_et_sans_mutations
        and MUTATION_DIMENSION not in filtres
    )


def without_mutations_cell(cell: Cell) -> Cell:
    """The same figure over the allocations that are not mutations."""
    return replace(cell, extra=((MUTATION_DIMENSION, (False,)),))


def add_without_mutations(row: dict, res: CellRow, target) -> None:
    """Fill the COLUMNS of one row of evaluate_targets from `res`, the target's figure over the
    allocations that are not mutations (`without_mutations_cell`): value, status, missing cases."""
    masked = bool(res["masque"])

    def known(column: str, kind: type):
        return None if masked or pd.isna(res[column]) else kind(res[column])

    num, den, value = known("numerateur", int), known("denominateur", int), known("valeur", float)
    row["valeur_hors_mutations"] = value
    row["statut_hors_mutations"] = (
        "secret" if masked else status(value, target.cible, target.sens, target.tolerance)
    )
    row["manquants_hors_mutations"] = missing_cases(num, den, target.cible, target.sens)
    row["numerateur_hors_mutations"], row["denominateur_hors_mutations"] = num, den
