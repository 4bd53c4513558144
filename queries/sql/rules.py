"""The rules of the data contract's derived values that more than one statement applies, written
once as SQL over bound parameters whose values come from semantic/definitions/parametres.yaml.

Used by sql/enrichment.sql (through the engine's parameters) and by the allocation aid's
hypothetical rows (sql/candidates.py): a household in place and a candidate are judged alike.
"""

from __future__ import annotations

from semantic.catalogue import load_catalogue


def occupancy_parameters() -> dict[str, int]:
    """$pieces_en_plus, $surface_1, $surface_2, $surface_par_personne, $surface_max."""
    return load_catalogue().parameters.occupation.sql_parameters()


def surface_minimum(persons: str) -> str:
    """s(n), the smallest living area for `persons` people (over-occupation below it)."""
    return (
        f"CASE WHEN {persons} <= 1 THEN $surface_1 WHEN {persons} = 2 THEN $surface_2 "
        f"ELSE least($surface_2 + $surface_par_personne * ({persons} - 2), $surface_max) END"
    )


def under_occupied(rooms: str, persons: str) -> str:
    return f"{rooms} > {persons} + $pieces_en_plus"


def over_occupied(area: str, persons: str) -> str:
    return f"{area} < {surface_minimum(persons)}"
