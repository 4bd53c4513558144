"""Quarterly history of an indicator: one evaluation per quarter-end snapshot on the calendar
quarter to date (queries.sql.builder.QUARTER_TO_DATE), through the same request and secrecy path
as `evaluate` — a partner's quarterly counts are perturbed and masked like any other count."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import replace

import pandas as pd

from queries.engine import Engine
from queries.evaluate import make_request, run
from queries.sql.builder import QUARTER_TO_DATE
from semantic.catalogue import Catalogue
from semantic.scope import Scope


def is_quarter_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1 and day.month % 3 == 0


def quarter_ends(engine: Engine) -> list[dt.date]:
    """The snapshots that close a calendar quarter (others would count part of a quarter)."""
    return [s for s in engine.snapshots if is_quarter_end(s)]


def next_quarter_ends(last: dt.date, horizon: int) -> list[dt.date]:
    out, day = [], last
    for _ in range(horizon):
        month = day.month + 3
        year = day.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        first_after = dt.date(year + month // 12, month % 12 + 1, 1)
        day = first_after - dt.timedelta(days=1)
        out.append(day)
    return out


def evaluate_at(
    engine: Engine,
    catalogue: Catalogue,
    indicator: str,
    scope: Scope,
    snapshot: dt.date,
    *,
    by: Iterable[str] = (),
    where: Mapping[str, Iterable] | None = None,
    period: str = "rolling12",
) -> pd.DataFrame:
    """`evaluate` at one snapshot, also for the internal periods (quarter to date, rest of last
    year) that the public `period` argument does not offer."""
    public = period if period in ("rolling12", "ytd") else "rolling12"
    request = make_request(
        catalogue, engine, indicator, scope, snapshot=snapshot, by=by, where=where, period=public
    )
    return run(engine, catalogue, replace(request, period=period))


def quarterly(
    engine: Engine,
    catalogue: Catalogue,
    indicator: str,
    scope: Scope,
    *,
    by: Iterable[str] = (),
    where: Mapping[str, Iterable] | None = None,
) -> pd.DataFrame:
    """One row per quarter-end snapshot and group: `date` (the quarter's last day), the `by`
    columns, valeur, numerateur, denominateur, effectif, masque."""
    frames = []
    for snapshot in quarter_ends(engine):
        df = evaluate_at(
            engine,
            catalogue,
            indicator,
            scope,
            snapshot,
            by=by,
            where=where,
            period=QUARTER_TO_DATE,
        )
        df.insert(0, "date", pd.Timestamp(snapshot))
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
