"""Trajectory of a residence's occupancy under an allocation pattern: stock and flows, on counts.

Hypotheses (stated on screen, docs/anticipation.md):
- the residence keeps its number of households N (each departure is re-let within the year);
- D households leave each year, D = the residence's expected yearly departures (the pooled rate
  of queries.forecast.departures, × 4 quarters), capped at N;
- leavers are a cross-section of the households in place: a share under/N of them are under the
  threshold (no assumption that poorer households leave faster or slower);
- entrants have the profile `entrant_share`: by default the share under 40 % of the PLUS ceiling
  among the households of the residence's EPCI — in QPV or outside, like the residence — who moved
  in during the last 12 months (indicator part_entrants_sous_40pc); or a chosen scenario.

Year by year: under(t+1) = under(t) − D × under(t)/N + D × entrant_share, so that the share
converges geometrically to the entrants' profile: s(t) = e + (s(0) − e) × (1 − D/N)^t.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from queries.engine import Engine
from queries.forecast.history import evaluate_at
from semantic.catalogue import Catalogue
from semantic.scope import Scope


@dataclass(frozen=True)
class Step:
    annee: int  # years from now (0 = today)
    menages: float
    concernes: float  # households under the threshold (expected, not rounded)

    @property
    def part(self) -> float | None:
        return self.concernes / self.menages if self.menages else None


def trajectory(
    households: float,
    under: float,
    departures_per_year: float,
    entrant_share: float,
    years: int = 5,
) -> list[Step]:
    """The expected stock under the threshold after 0, 1, …, `years` years (see module doc)."""
    if not 0 <= entrant_share <= 1:
        raise ValueError(f"part des entrants hors de [0, 1] : {entrant_share}")
    if households < 0 or not 0 <= under <= households:
        raise ValueError(f"effectifs incohérents : {under} sur {households} ménages")
    leaving = min(max(departures_per_year, 0.0), households)
    steps = [Step(0, households, under)]
    for year in range(1, years + 1):
        share = under / households if households else 0.0
        under = under - leaving * share + leaving * entrant_share
        steps.append(Step(year, households, under))
    return steps


def share_after(share: float, turnover: float, entrant_share: float, years: float) -> float:
    """Closed form of the same recurrence on shares: e + (s − e)(1 − turnover)^years, with
    turnover = D/N (capped at 1). Used by the back-test on every residence at once."""
    turnover = np.clip(turnover, 0.0, 1.0)
    return entrant_share + (share - entrant_share) * (1.0 - turnover) ** years


def entrant_profiles(
    engine: Engine, catalogue: Catalogue, scope: Scope, snapshot: dt.date
) -> dict[tuple[str, bool], float]:
    """(EPCI, in QPV) -> share under 40 % of PLUS among the last 12 months' entrants (the
    user's figures: a partner's are perturbed; a masked cell gives no profile)."""
    df = evaluate_at(
        engine, catalogue, "part_entrants_sous_40pc", scope, snapshot, by=("epci", "en_qpv")
    )
    df = df[~df["masque"] & df["valeur"].notna()]
    return {(str(r.epci), bool(r.en_qpv)): float(r.valeur) for r in df.itertuples(index=False)}
