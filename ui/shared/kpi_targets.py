"""The targets a row of the dashboard's KPI table is judged against.

The targets of a scope come from `queries.targets.applicable_targets` (legal T1/T2/T3 on every
EPCI of the scope, replaced by local ones), cached per scope and data version and kept for the
published state. A target applies to a row only when the row is exactly the target's indicator,
territory and filters, so its value is the row's value for the period shown, and its status is the
engine's `queries.targets.status` of that value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import pandas as pd

from queries.targets import STATUS_ORDER, applicable_targets, status
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from ui.shared import data, formats

# Filters on these dimensions select whole rows of the scale (a commune lies in one EPCI, a
# residence in one commune and in or out of a QPV): they do not stop a target applying to a row.
COARSER = {
    "ensemble": (),
    "epci": (),
    "commune": ("epci",),
    "qpv": ("epci", "commune"),
    "residence": ("epci", "commune", "qpv", "en_qpv"),
}


def targets_in_scope(scope: Scope, snapshot: dt.date) -> pd.DataFrame:
    """The targets of `scope` for the year of `snapshot` (see `targets_frame`); cached per scope,
    data version and version of the local targets file (an admin may edit it at any time)."""
    return _targets(scope, snapshot.isoformat())


@data.scoped
def _targets(scope: Scope, snapshot: str) -> pd.DataFrame:
    day = dt.date.fromisoformat(snapshot)
    return targets_frame(applicable_targets(data.engine(), scope, day, load_catalogue()))


def targets_frame(targets) -> pd.DataFrame:
    """`queries.targets.Target`s as rows: id, indicateur, echelle, code, sens, cible, tolerance,
    nature, filtres (the target's filters in one canonical text, "" when it has none: see
    `filters_key`). Typed columns, so that the frame is kept for the published state."""
    text = ["id", "indicateur", "echelle", "code", "sens", "nature"]
    numbers = ["cible", "tolerance"]
    frame = pd.DataFrame(
        {
            **{c: pd.Series([str(getattr(t, c)) for t in targets], dtype="str") for c in text},
            **{c: pd.Series([getattr(t, c) for t in targets], dtype="float64") for c in numbers},
            "filtres": pd.Series([filters_key(t.filtres) for t in targets], dtype="str"),
        }
    )
    return frame[[*text[:4], "sens", *numbers, "nature", "filtres"]]


def filters_key(filters: Mapping) -> str:
    """Filters as one canonical text (dimensions and their values sorted), "" for none: two
    filter sets are the same exactly when their keys are equal."""
    if not filters:
        return ""
    pairs = sorted((str(d), sorted(str(v) for v in vals)) for d, vals in filters.items())
    return json.dumps(pairs, ensure_ascii=False)


def target_for_row(
    targets, indicator_id, selection, code, unit, value, masked
) -> tuple[str, str, float]:
    """(target in words, status code, target number) of the target applying to a row;
    ("", "", NaN) when none.

    A target applies when it is set on this indicator, at this scale, on this territory, and the
    row's other filters are exactly the target's own (T3 is per réservataire).
    """
    if targets is None or targets.empty or selection.scale == "ensemble" or not code:
        return "", "", float("nan")
    row_filters = filters_key(
        {
            dim: values
            for dim, values in selection.where.items()
            if dim != selection.scale and dim not in COARSER[selection.scale]
        }
    )
    found = targets[
        (targets["indicateur"] == indicator_id)
        & (targets["echelle"] == selection.scale)
        & (targets["code"] == code)
        & (targets["filtres"].map(lambda f: f == row_filters))
    ]
    if found.empty:
        return "", "", float("nan")
    value = None if masked or pd.isna(value) else float(value)
    statuses = [
        "secret" if masked else status(value, t.cible, t.sens, t.tolerance)
        for t in found.itertuples()
    ]
    worst = min(range(len(statuses)), key=lambda i: STATUS_ORDER[statuses[i]])
    target = found.iloc[worst]
    sense = {">=": "≥", "<=": "≤"}.get(target["sens"], target["sens"])
    name = target["id"].split("-")[0] if target["nature"] == "légal" else "Local"
    text = f"{name} {sense} {formats.value(target['cible'], unit)}"
    return text, statuses[worst], float(target["cible"])
