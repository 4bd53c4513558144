"""Differencing routes on the quarterly counts that the projections rest on (issue 19), for the
attack suite of tests/secrecy_attacks.py (same attacker, same scoring).

The projections read, with the partner's scope, one `evaluate` per quarter end on the calendar
quarter to date (queries.forecast.history): departures and dwellings per EPCI, commune and
residence (`taux_rotation`), and print sums and last values of them. The attacker is granted
more than is printed: every quarterly cell itself. Routes:

- « trimestres_filtre »: a parent's quarter (EPCI, commune) minus its visible children and the
  masked children that a query on each of them alone shows, when one child is left unknown;
- « trimestres_glissant »: the published 12-month figure of a place against its four quarters:
  a masked quarter from the 12 months and three visible quarters, or a masked 12-month figure
  from four visible quarters.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from queries.forecast.history import evaluate_at, quarter_ends
from queries.sql.builder import QUARTER_TO_DATE
from tests.secrecy_attacks import INTERNAL, Attacker

INDICATOR = "taux_rotation"  # numerateur: departures; denominateur: dwellings at the quarter's end


def _quarter(att: Attacker, scope, snapshot, by, where=None) -> pd.DataFrame:
    key = ("trimestre", scope.role, tuple(by), str(where), str(snapshot))
    if key not in att._cache:
        att._cache[key] = evaluate_at(
            att.engine,
            att.catalogue,
            INDICATOR,
            scope,
            snapshot,
            by=by,
            where=where,
            period=QUARTER_TO_DATE,
        )
    return att._cache[key]


def _truth(att: Attacker, snapshot, period, dim, code, measure) -> int:
    if period == QUARTER_TO_DATE:
        row = _quarter(att, INTERNAL, snapshot, (), {dim: [code]})
    else:
        row = att.ask_exact(INDICATOR, {dim: [code]}, period, snapshot)
    return 0 if row.empty else int(row.iloc[0][measure])


def _record(att, route, snapshot, period, dim, code, measure, estimate, terms, truth) -> None:
    # no lower bound above 0: a masked residence may have no dwelling proposé à la location in
    # the quarter (its row comes from the departures), so even its denominator may be 0
    lo = max(estimate - terms * att.amplitude, 0)
    hi = estimate + terms * att.amplitude
    if truth < att.seuil:  # the attacker may guess the cell is one of the small ones
        hi = min(hi, att.seuil - 1 + att.amplitude)
    cell = (INDICATOR, measure, str(snapshot), period, ((dim, (str(code),)),))
    att.intervals[cell].append((lo, hi, truth))
    att.routes[cell].add(route)
    att.attempts[route] += 1
    att.point_hits[route] += int(estimate == truth)


def quarter_complements(att: Attacker, epci: str, snapshot: dt.date) -> None:
    """Parent quarter minus visible children, for EPCI → communes, EPCI → residences and
    commune → residences."""
    total = _quarter(att, att.scope, snapshot, ("epci",))
    communes = _quarter(att, att.scope, snapshot, ("commune",))
    places = _quarter(att, att.scope, snapshot, ("commune", "residence"))
    levels = [(total, communes, "commune", None), (total, places, "residence", None)]
    levels += [(communes, places, "residence", "commune")]
    for parents, children, child, link in levels:
        for _, parent in parents.iterrows():
            if parent["masque"]:
                continue
            mine = children if link is None else children[children[link] == parent[link]]
            hidden = mine[mine["masque"]]
            visible = mine[~mine["masque"]]
            # a child hidden only to protect its sibling may show when asked for alone
            alone = {
                code: _quarter(att, att.scope, snapshot, (), {child: [code]})
                for code in hidden[child]
            }
            revealed = {
                c: a.iloc[0] for c, a in alone.items() if len(a) and not a.iloc[0]["masque"]
            }
            unknown = [c for c in hidden[child] if c not in revealed]
            if len(unknown) != 1:
                continue
            code = unknown[0]
            for measure in ("numerateur", "denominateur"):
                estimate = (
                    int(parent[measure])
                    - int(visible[measure].sum())
                    - sum(int(r[measure]) for r in revealed.values())
                )
                truth = _truth(att, snapshot, QUARTER_TO_DATE, child, code, measure)
                _record(
                    att,
                    "trimestres_filtre",
                    snapshot,
                    QUARTER_TO_DATE,
                    child,
                    code,
                    measure,
                    estimate,
                    1 + len(visible) + len(revealed),
                    truth,
                )


def quarters_against_twelve_months(att: Attacker, snapshot: dt.date, dim: str) -> None:
    """The 12 months to `snapshot` are its four quarters: departures of a place (numerateur)."""
    ends = [d for d in quarter_ends(att.engine) if d <= snapshot][-4:]
    if len(ends) < 4:
        return
    year = att.ask(INDICATOR, by=[dim], snapshot=snapshot).set_index(dim)
    quarters = [_quarter(att, att.scope, d, (dim,)).set_index(dim) for d in ends]
    for code in year.index:
        rows = [q.loc[code] if code in q.index else None for q in quarters]
        if any(r is None for r in rows):
            continue
        hidden = [i for i, r in enumerate(rows) if r["masque"]]
        whole = year.loc[code]
        if not whole["masque"] and len(hidden) == 1:
            i = hidden[0]
            others = sum(int(r["numerateur"]) for j, r in enumerate(rows) if j != i)
            estimate = int(whole["numerateur"]) - others
            truth = _truth(att, ends[i], QUARTER_TO_DATE, dim, code, "numerateur")
            _record(
                att,
                "trimestres_glissant",
                ends[i],
                QUARTER_TO_DATE,
                dim,
                code,
                "numerateur",
                estimate,
                4,
                truth,
            )
        elif whole["masque"] and not hidden:
            estimate = sum(int(r["numerateur"]) for r in rows)
            truth = _truth(att, snapshot, "rolling12", dim, code, "numerateur")
            _record(
                att,
                "trimestres_glissant",
                snapshot,
                "rolling12",
                dim,
                code,
                "numerateur",
                estimate,
                4,
                truth,
            )
