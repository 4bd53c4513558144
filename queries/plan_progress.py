"""The value "now" of the indicator a plan follows, on the territory of the plan's object (the
residence itself, else its commune, else its EPCI), in the reader's scope: None when masked by the
statistical secrecy, not measurable, or not computable there. The portal's plan cards and
`peuplement plans export` share it, so both show the same figure beside the value at creation."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from queries.engine import Engine
from queries.evaluate import evaluate
from semantic.catalogue import Catalogue
from semantic.errors import PeuplementError
from semantic.scope import Scope


def object_territory(
    kind: str, key: str, epci: str | None, commune: str | None
) -> tuple[str, str] | None:
    """(dimension, code) an object's indicator is measured on; None without a territory."""
    if kind == "residence":
        return "residence", key
    if commune:
        return "commune", commune
    if epci:
        return "epci", epci
    return None


def indicator_now(
    engine: Engine,
    scope: Scope,
    indicator: str | None,
    territory: tuple[str, str] | None,
    *,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
) -> float | None:
    """The indicator on `territory` at `snapshot` (default: the latest), flows over the rolling
    12 months; None when masked, empty, or not computable (unknown indicator, dimension it does
    not take, optional input missing)."""
    if not indicator or territory is None:
        return None
    level, code = territory
    try:
        found = evaluate(
            engine, indicator, scope, snapshot=snapshot, where={level: [code]}, catalogue=catalogue
        )
    except PeuplementError:
        return None
    if found.empty or bool(found.iloc[0]["masque"]) or pd.isna(found.iloc[0]["valeur"]):
        return None
    return float(found.iloc[0]["valeur"])
