"""An indicator next to its value at the previous snapshot and at the same date a year earlier.

Snapshots are matched by date: when the earlier snapshot does not exist the comparison is empty
("no comparison"), never taken from another date.
"""

from __future__ import annotations

import datetime as dt
from typing import Unpack

import pandas as pd

from queries.engine import Engine
from queries.evaluate import answer, available
from queries.question import Question, QuestionFields
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope


def previous_snapshot(engine: Engine, snapshot: dt.date) -> dt.date | None:
    earlier = [d for d in engine.snapshots if d < snapshot]
    return earlier[-1] if earlier else None


def year_earlier_snapshot(engine: Engine, snapshot: dt.date) -> dt.date | None:
    try:
        target = snapshot.replace(year=snapshot.year - 1)
    except ValueError:  # 29 February
        target = snapshot.replace(year=snapshot.year - 1, day=28)
    return target if target in engine.snapshots else None


def compare(
    engine: Engine,
    indicator_id: str,
    scope: Scope,
    *,
    catalogue: Catalogue | None = None,
    **fields: Unpack[QuestionFields],
) -> pd.DataFrame:
    """evaluate() plus valeur_precedente / evolution and valeur_un_an / evolution_un_an
    (differences in the indicator's unit; masked when either side is masked)."""
    catalogue = catalogue or load_catalogue()
    question = Question.of(indicator_id, **fields)
    snap = engine.resolve_snapshot(question.snapshot)
    by = list(question.by)
    current = answer(engine, catalogue, question.at(snap), scope)
    for suffix, other in (
        ("precedente", previous_snapshot(engine, snap)),
        ("un_an", year_earlier_snapshot(engine, snap)),
    ):
        value_col = "valeur_precedente" if suffix == "precedente" else "valeur_un_an"
        evo_col = "evolution" if suffix == "precedente" else "evolution_un_an"
        if other is not None and not available(engine, catalogue, indicator_id, other):
            other = None  # the earlier snapshot lacks an optional input: no comparison
        current[f"date_{suffix}"] = other
        if other is None:
            current[value_col] = pd.Series([pd.NA] * len(current), dtype="Float64")
        else:
            past = answer(engine, catalogue, question.at(other), scope)
            past = past[[*by, "valeur", "masque"]].rename(
                columns={"valeur": value_col, "masque": f"_masque_{suffix}"}
            )
            if by:
                current = current.merge(past, on=by, how="left")
            else:
                current[value_col] = past[value_col].iloc[0]
                current[f"_masque_{suffix}"] = past[f"_masque_{suffix}"].iloc[0]
            hidden = current[f"_masque_{suffix}"].fillna(False).astype(bool) | current["masque"]
            current[value_col] = current[value_col].astype("Float64")
            current.loc[hidden, value_col] = pd.NA
            current = current.drop(columns=f"_masque_{suffix}")
        current[evo_col] = current["valeur"].astype("Float64") - current[value_col]
    return current
