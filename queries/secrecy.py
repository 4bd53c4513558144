"""Statistical secrecy for partner accounts.

A cell computed on fewer rows than the threshold is masked (value, numerator, denominator and
effectif emptied, `masque` true). When a breakdown would show exactly one masked cell among
siblings, the smallest visible sibling is masked too, so the hidden value cannot be recovered by
subtracting the visible cells from the total. This runs to a fixed point over every dimension.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

MASKED_COLUMNS = ("valeur", "numerateur", "denominateur", "effectif")


def mask_small_cells(df: pd.DataFrame, by: Sequence[str], threshold: int) -> pd.DataFrame:
    out = df.copy()
    masked = (out["effectif"].fillna(0) < threshold).to_numpy().copy()
    if len(out) > 1 and by:
        masked = _complementary(out, list(by), masked)
    out["masque"] = masked
    for col in MASKED_COLUMNS:
        out[col] = out[col].astype("Float64" if col == "valeur" else "Int64")
        out.loc[out["masque"], col] = pd.NA
    return out


def _complementary(df: pd.DataFrame, by: list[str], masked) -> object:
    effectif = df["effectif"].fillna(0).to_numpy()
    changed = True
    while changed:
        changed = False
        for dim in by:
            others = [d for d in by if d != dim]
            groups = (
                [range(len(df))]
                if not others
                else df.groupby(others, dropna=False, sort=False).indices.values()
            )
            for rows in groups:
                rows = list(rows)
                hidden = [r for r in rows if masked[r]]
                visible = [r for r in rows if not masked[r]]
                if len(hidden) == 1 and visible:
                    smallest = min(visible, key=lambda r: (effectif[r], r))
                    masked[smallest] = True
                    changed = True
    return masked
