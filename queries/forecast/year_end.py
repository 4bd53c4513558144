"""Year-end projection of the allocation targets (T1, T2, T3 and local ratio targets).

From the snapshot's calendar year to date (num qualifying allocations out of den), the volume of
the same weeks of last year still to come (den_rest, period REST_OF_LAST_YEAR of the snapshot's own
12-month table: the seasonality of allocations) and the rolling 12-month rate:

    R          = den_rest                         allocations expected by 31 December
    q          = num_12 / den_12                  their expected qualifying share
    projection = (num + q R) / (den + R)
    interval   = (num + q R ± 1.645 √(R q (1 − q))) / (den + R)     (binomial on the R to come;
                 the volume R itself is taken as known — stated on screen)
    needed     = max(0, ⌈target × (den + R) − num⌉) qualifying allocations among the R,
                 spread evenly over the quarters left (rounded up).

Why q is the 12-month rate and not last year's same weeks: this year to date plus last year's
same weeks *is* the rolling 12 months, so that projection would merely repeat the naive
12-month value (the back-test shows identical errors); the 12-month rate applied to the weeks
left beat both naive baselines on the demo (docs/anticipation.md).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from queries.engine import Engine
from queries.sql.builder import REST_OF_LAST_YEAR
from queries.target_cells import Cell, CellRow, evaluate_cells
from queries.targets import applicable_targets
from semantic.catalogue import Catalogue
from semantic.scope import Scope

Z90 = 1.6448536
_EPS = 1e-9


@dataclass(frozen=True)
class YearEnd:
    projection: float | None
    bas: float | None
    haut: float | None
    necessaires: int | None  # qualifying allocations still needed this year
    trimestres_restants: int
    par_trimestre: int | None


def quarters_left(snapshot: dt.date) -> int:
    """Calendar quarters after the snapshot's quarter, plus the rest of its own when the snapshot
    is not the quarter's last day."""
    quarter = (snapshot.month - 1) // 3 + 1
    ends_quarter = (snapshot + dt.timedelta(days=1)).day == 1 and snapshot.month % 3 == 0
    return 4 - quarter + (0 if ends_quarter else 1)


def project_year_end(
    num: int, den: int, remaining: int, rate: float, target: float, left: int
) -> YearEnd:
    """Year-end value of a ratio target with `remaining` allocations to come, each qualifying
    with probability `rate` (see module doc)."""
    total = den + remaining
    if total == 0:
        return YearEnd(None, None, None, None, left, None)
    middle = num + rate * remaining
    spread = Z90 * math.sqrt(remaining * rate * (1 - rate))
    needed = max(0, math.ceil(target * total - num - _EPS))
    per_quarter = math.ceil(needed / left - _EPS) if left else None
    return YearEnd(
        middle / total,
        max(0.0, (middle - spread) / total),
        min(1.0, (middle + spread) / total),
        needed,
        left,
        per_quarter,
    )


def _counts(row: CellRow) -> tuple[int, int] | None:
    if bool(row["masque"]) or pd.isna(row["denominateur"]):
        return None
    return int(row["numerateur"]), int(row["denominateur"])


def year_end_targets(
    engine: Engine, catalogue: Catalogue, scope: Scope, snapshot: dt.date
) -> pd.DataFrame:
    """Every ratio target applying to `scope` at `snapshot`, projected to 31 December. Counts
    come from `evaluate` with the user's scope (a partner's are perturbed; a masked cell gives
    no projection)."""
    rows = []
    left = quarters_left(snapshot)
    periods = ("ytd", REST_OF_LAST_YEAR, "rolling12")
    targets = [
        target
        for target in applicable_targets(engine, scope, snapshot, catalogue)
        if catalogue.indicator(target.indicateur).is_ratio
    ]
    cells = {
        (target.id, period): Cell.of(
            target.indicateur, period, target.echelle, target.code, target.filtres
        )
        for target in targets
        for period in periods
    }
    found = evaluate_cells(engine, catalogue, scope, snapshot, cells.values())
    for target in targets:
        got = {period: _counts(found[cells[target.id, period]]) for period in periods}
        row = {
            "objectif_id": target.id,
            "indicateur": target.indicateur,
            "territoire": target.territoire,
            "code": target.code,
            "filtres": ", ".join(
                f"{k} = {'/'.join(map(str, v))}" for k, v in target.filtres.items()
            ),
            "cible": target.cible,
            "valeur_annee": None,
            "valeur_12_mois": None,
            "projection": None,
            "bas": None,
            "haut": None,
            "attributions_attendues": None,
            "necessaires": None,
            "par_trimestre": None,
            "trimestres_restants": left,
            "masque": any(v is None for v in got.values()),
        }
        if got["rolling12"] and got["rolling12"][1]:
            row["valeur_12_mois"] = got["rolling12"][0] / got["rolling12"][1]
        if got["ytd"] and got[REST_OF_LAST_YEAR] and row["valeur_12_mois"] is not None:
            num, den = got["ytd"]
            den_rest = got[REST_OF_LAST_YEAR][1]
            result = project_year_end(num, den, den_rest, row["valeur_12_mois"], target.cible, left)
            row.update(
                valeur_annee=num / den if den else None,
                projection=result.projection,
                bas=result.bas,
                haut=result.haut,
                attributions_attendues=den_rest,
                necessaires=result.necessaires,
                par_trimestre=result.par_trimestre,
            )
        rows.append(row)
    return pd.DataFrame(rows)
