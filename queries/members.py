"""Values of a dimension within a user's scope: filter option lists, target territories."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from queries.engine import Engine
from queries.sql.builder import build_members
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope


def members(
    engine: Engine,
    dimension: str,
    scope: Scope,
    *,
    snapshot: dt.date | None = None,
    base: str = "logements",
    where: Mapping[str, list] | None = None,
    catalogue: Catalogue | None = None,
    per: str | None = None,
) -> pd.DataFrame:
    """code, libelle, effectif of each value present (never outside the scope); with `per`, of
    each value present in each value of that dimension (one more column, `per`)."""
    catalogue = catalogue or load_catalogue()
    snap = engine.resolve_snapshot(snapshot)
    typed = tuple((d, tuple(v)) for d, v in (where or {}).items())
    statement = build_members(catalogue, dimension, scope, snap, base=base, where=typed, per=per)
    return engine.fetch(statement.sql, statement.params)
