"""Time series: an indicator over every snapshot, for chosen territories."""

from __future__ import annotations

from typing import Unpack

import pandas as pd

from queries.engine import Engine
from queries.evaluate import answer, available
from queries.question import Question, SliceFields
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope


def series(
    engine: Engine,
    indicator_id: str,
    scope: Scope,
    *,
    catalogue: Catalogue | None = None,
    **fields: Unpack[SliceFields],
) -> pd.DataFrame:
    """evaluate() at every snapshot, with a `date` column (ascending); masked cells stay masked.
    A snapshot without the optional inputs of the indicator is left out (a gap, not a 0).
    The keywords are those of `queries.question.SliceFields` (by, where, period)."""
    if "snapshot" in fields:  # every snapshot: not a keyword of this function
        raise TypeError("series() got an unexpected keyword argument 'snapshot'")
    catalogue = catalogue or load_catalogue()
    question = Question.of(indicator_id, **fields)
    frames = []
    for snapshot in engine.snapshots:
        if not available(engine, catalogue, indicator_id, snapshot):
            continue
        df = answer(engine, catalogue, question.at(snapshot), scope)
        df.insert(0, "date", pd.Timestamp(snapshot))
        frames.append(df)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
