"""Many single-cell questions answered by a few grouped queries.

Rating the targets asks, for each target, one figure: an indicator on one territory, with the
target's filters, over one period (and the same again over the rest of last year, and without
mutations). Asked one by one that is five queries per target: about 100 on the demo, tens of
thousands on a national root (1 250 EPCI × T1, T2 and one T3 per réservataire). Here the cells
that differ only by their territory and their filter values are asked together, grouped by the
territory's and the filters' dimensions, and each cell is read from its group's row.

A cell gets exactly what it would get alone: the same rows are counted (a group by a dimension
counts what a filter on one of its values counts), a partner's cell is perturbed from the same
rows' keys and masked by the same threshold, without complementary masking between the cells
(`run(..., siblings=False)`), as when each was asked alone. A cell with a filter on several
values is asked alone. A cell without a row in its group's answer has no row in the period at all
(its key is matched with the values as the query typed them): it gets what an empty selection
gets, the same for every such cell of the group, so that answer is asked once, for the first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from queries.engine import Engine
from queries.evaluate import make_request, run
from queries.sql.builder import PERIODS
from semantic.catalogue import Catalogue
from semantic.scope import Scope

Pairs = tuple[tuple[str, tuple[object, ...]], ...]  # (dimension, values), sorted by dimension
# One cell's answer: its row of `run` as a mapping (valeur, numerateur, denominateur, effectif,
# masque). Rows are read from each group's records at once: a national root rates about 17 000
# cells, and a pandas row per cell (DataFrame.iloc) cost more than the queries.
CellRow = Mapping[str, Any]
ANSWER = ("valeur", "numerateur", "denominateur", "effectif", "masque")  # a CellRow's keys


@dataclass(frozen=True)
class Cell:
    """One figure: `indicator` on territory `code` of scale `scale`, with `filters` (dimension,
    values) sorted by dimension, plus `extra` filters shared by a whole batch (e.g. no mutations),
    over `period` (a query period, or the builder's rest-of-last-year period)."""

    indicator: str
    period: str
    scale: str
    code: str
    filters: Pairs = ()
    extra: Pairs = ()

    @classmethod
    def of(
        cls,
        indicator: str,
        period: str,
        scale: str,
        code: str,
        filters: Mapping[str, Iterable[object]] | None = None,
    ) -> Cell:
        pairs = tuple(sorted((d, tuple(v)) for d, v in (filters or {}).items()))
        return cls(indicator, period, scale, str(code), pairs)

    @property
    def where(self) -> dict[str, list[object]]:
        return {self.scale: [self.code], **{d: list(v) for d, v in self.filters + self.extra}}

    def _group(self) -> tuple[object, ...]:
        return (
            self.indicator,
            self.period,
            self.scale,
            tuple(d for d, _ in self.filters),
            self.extra,
        )


def evaluate_cells(
    engine: Engine, catalogue: Catalogue, scope: Scope, snapshot: dt.date, cells: Iterable[Cell]
) -> dict[Cell, CellRow]:
    """Each cell's row (valeur, numerateur, denominateur, effectif, masque), as `run` gives it
    for the cell asked alone; one query per group of cells differing only by their values."""
    groups: dict[tuple[object, ...], list[Cell]] = defaultdict(list)
    alone: list[Cell] = []
    for cell in dict.fromkeys(cells):
        if any(len(values) != 1 for _, values in cell.filters):
            alone.append(cell)  # a filter on several values is one cell, not a group's row
        else:
            groups[cell._group()].append(cell)
    found: dict[Cell, CellRow] = {}
    for members in groups.values():
        if len(members) == 1:
            alone += members
            continue
        first = members[0]
        dims = [first.scale, *(d for d, _ in first.filters)]
        codes: list[object] = list(sorted({c.code for c in members}))
        where: dict[str, list[object]] = {first.scale: codes}
        for i, (dim, _) in enumerate(first.filters):
            where[dim] = sorted({c.filters[i][1][0] for c in members}, key=str)
        where.update({d: list(v) for d, v in first.extra})
        rows, typed = _run(engine, catalogue, scope, snapshot, first, by=dims, where=where)
        keys = zip(*(rows[d].astype(str).tolist() for d in dims), strict=True)
        index = {key: i for i, key in enumerate(keys)}
        records = rows[list(ANSWER)].to_dict("records")
        empty: list[Cell] = []
        for cell in members:
            key = (cell.code, *(typed[d][v[0]] for d, v in cell.filters))
            at = index.get(key)
            if at is None:  # no row of the period matches the cell: an empty selection
                empty.append(cell)
            else:
                found[cell] = records[at]
        if empty:  # what an empty selection gives does not depend on which one: asked once
            answer = _alone(engine, catalogue, scope, snapshot, empty[0])
            found.update(dict.fromkeys(empty, answer))
    for cell in alone:
        found[cell] = _alone(engine, catalogue, scope, snapshot, cell)
    return found


def _alone(
    engine: Engine, catalogue: Catalogue, scope: Scope, snapshot: dt.date, cell: Cell
) -> CellRow:
    rows, _ = _run(engine, catalogue, scope, snapshot, cell, by=[], where=cell.where)
    first: CellRow = rows[list(ANSWER)].to_dict("records")[0]
    return first


def _run(
    engine: Engine,
    catalogue: Catalogue,
    scope: Scope,
    snapshot: dt.date,
    cell: Cell,
    *,
    by: list[str],
    where: dict[str, list[object]],
) -> tuple[pd.DataFrame, dict[str, dict[object, str]]]:
    """The rows, and for each filtered dimension its values as given → as the query typed
    them, in text (how the rows' columns read): a cell's key is matched as the query saw it."""
    period = cell.period if cell.period in PERIODS else "rolling12"
    request = make_request(
        catalogue, engine, cell.indicator, scope, snapshot=snapshot, by=by, where=where,
        period=period,
    )  # fmt: skip
    if cell.period != period:  # the builder's own periods (the rest of last year)
        request = replace(request, period=cell.period)
    typed = {
        dim: {given: str(value) for given, value in zip(where[dim], values, strict=True)}
        for dim, values in request.where
    }
    return run(engine, catalogue, request, siblings=False), typed
