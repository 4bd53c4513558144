"""Aide à l'attribution: the vacant dwellings of a scope, the active demands that fit one of them,
and what allocating it to each candidate would change — computed from the same definitions as the
indicators. It informs the commission (CALEOL) and decides nothing: no score, no ranking (rows come
in the examination order — DALO, priority, délai anormalement long, seniority — which is not a
ranking; the page sorts). Internal roles only: nothing here reaches a partner.

The dwellings and candidates are computed in `queries.allocation_candidates`, the impacts in
`queries.allocation_impacts`; callers import the public names from here, so that split stays an
implementation detail.
"""

from __future__ import annotations

from queries.allocation_candidates import (
    CANDIDATE_COLUMNS,
    EXAMINATION_ORDER,
    RESIDENCE_PROFILE,
    RESOURCES_HYPOTHESIS,
    AllocationAccessError,
    candidates,
    vacant_dwellings,
)
from queries.allocation_impacts import IMPACT_COLUMNS, LAWFUL_EFFECTS, impacts, withhold

__all__ = [
    "CANDIDATE_COLUMNS",
    "EXAMINATION_ORDER",
    "IMPACT_COLUMNS",
    "LAWFUL_EFFECTS",
    "RESIDENCE_PROFILE",
    "RESOURCES_HYPOTHESIS",
    "AllocationAccessError",
    "candidates",
    "impacts",
    "vacant_dwellings",
    "withhold",
]
