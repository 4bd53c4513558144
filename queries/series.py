"""Time series: an indicator over every snapshot, for chosen territories."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from queries.engine import Engine
from queries.evaluate import available, evaluate
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope


def series(
    engine: Engine,
    indicator_id: str,
    scope: Scope,
    *,
    by: Iterable[str] = (),
    where: Mapping[str, Iterable] | None = None,
    period: str = "rolling12",
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """evaluate() at every snapshot, with a `date` column (ascending); masked cells stay masked.
    A snapshot without the optional inputs of the indicator is left out (a gap, not a 0)."""
    catalogue = catalogue or load_catalogue()
    frames = []
    for snapshot in engine.snapshots:
        if not available(engine, catalogue, indicator_id, snapshot):
            continue
        df = evaluate(
            engine,
            indicator_id,
            scope,
            snapshot=snapshot,
            by=by,
            where=where,
            period=period,
            catalogue=catalogue,
        )
        df.insert(0, "date", pd.Timestamp(snapshot))
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
