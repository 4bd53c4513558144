"""Statistical secrecy for partner accounts: consistent perturbation, then masking.

1. **Perturbation (cell key method).** Every count a partner sees — a count indicator's value, a
   ratio's numerator and denominator, the effectif of a median or mean — gets a small noise. The
   noise is read from the cell's key (the sum of its rows' fixed 16-bit keys modulo 2^16; see
   queries/sql/cell_keys.py), so the same rows always get the same noise, whichever query, page,
   filter, period or export asks for them; subtracting published figures yields a sum of noises,
   never the hidden value for sure. A ratio is computed from the perturbed counts. An empty cell
   stays 0; no count goes below 0; no numerator above its denominator.
2. **Masking.** A cell computed on fewer rows than the threshold — true or perturbed count — is
   masked (value, numerator, denominator and effectif emptied, `masque` true). When a breakdown
   would show exactly one masked cell among siblings, the smallest visible sibling is masked too.
   This runs to a fixed point over every dimension.

Internal roles never come here: they see exact figures and the effectif next to each value.
The design and what a partner can still infer: docs/secret-statistique.md.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from semantic.parameters import PerturbationDef, SecrecyDef

MASKED_COLUMNS = ("valeur", "numerateur", "denominateur", "effectif")
# Key columns the SQL builder adds for a partner, next to the count they perturb.
KEY_COLUMNS = {
    "cle_numerateur": "numerateur",
    "cle_denominateur": "denominateur",
    "cle_effectif": "effectif",
}


def noise(keys: np.ndarray, perturbation: PerturbationDef) -> np.ndarray:
    """The noise of each cell key: the key space is cut into consecutive slices, one per noise
    value (in increasing order), each as wide as that value's probability."""
    values = np.array(sorted(perturbation.bruit), dtype="int64")
    probabilities = np.array([perturbation.bruit[v] for v in values])
    bounds = np.rint(np.cumsum(probabilities) * perturbation.cles).astype("int64")[:-1]
    slot = np.asarray(keys, dtype="int64") % perturbation.cles
    return values[np.searchsorted(bounds, slot, side="right")]


def perturb_count(counts: pd.Series, keys: pd.Series, perturbation: PerturbationDef) -> pd.Series:
    """Counts plus their cells' noise; 0 stays 0 and nothing goes below 0."""
    nulls = counts.isna().to_numpy()
    data = counts.to_numpy(dtype="int64", na_value=0)
    shown = _perturbed(data, keys.to_numpy(dtype="int64", na_value=0), perturbation)
    return pd.Series(pd.arrays.IntegerArray(shown, nulls), index=counts.index, name=counts.name)


def _perturbed(true: np.ndarray, keys: np.ndarray, perturbation: PerturbationDef) -> np.ndarray:
    return np.where(true == 0, 0, np.maximum(true + noise(keys, perturbation), 0))


def _split(values) -> tuple[np.ndarray, np.ndarray]:
    """(data, nulls) of a column as fetchnumpy gives it (a masked array when it has NULLs)."""
    nulls = np.ma.getmaskarray(values)
    data = np.ma.getdata(values)
    if data.dtype.kind == "f":
        nulls = nulls | np.isnan(data)
        data = np.where(nulls, 0, data)
    return data.astype("int64", copy=False), nulls


def protect(
    arrays: dict[str, np.ndarray], by: Sequence[str], secrecy: SecrecyDef, aggregation: str
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """What a partner sees of an indicator's result, on the query's NumPy arrays: every count
    perturbed (a ratio or a count then computed from them; a median or mean keeps its value),
    then cells under the threshold — by their true or their perturbed count — masked, with their
    complements. Returns the measure columns (masked arrays: a masked cell is empty) and the
    `masque` flags; the key columns are gone. Done on arrays, not DataFrames, because it runs on
    every partner query (`make bench` compares the partner path with the internal one)."""
    arrays = dict(arrays)
    shown = {}
    for key, column in KEY_COLUMNS.items():
        if key in arrays:
            data, nulls = _split(arrays.pop(column))
            keys, _ = _split(arrays.pop(key))
            shown[column] = (data, nulls, _perturbed(data, keys, secrecy.perturbation))
    if aggregation == "ratio":
        _, num_nulls, num = shown["numerateur"]
        true, nulls, den = shown["denominateur"]
        num = np.minimum(num, den)
        effectif = den
        with np.errstate(divide="ignore", invalid="ignore"):
            valeur = np.where(den > 0, num / np.maximum(den, 1), np.nan)
    else:
        true, nulls, effectif = shown["effectif"]
        if aggregation == "count":
            valeur = effectif.astype("float64")
        else:
            given = arrays.pop("valeur")
            valeur = np.ma.getdata(given).astype("float64")
            valeur = np.where(np.ma.getmaskarray(given), np.nan, valeur)
    masked = (true < secrecy.seuil) | (effectif < secrecy.seuil)
    if len(masked) > 1 and by:
        masked = _complementary(arrays, list(by), masked, effectif)
    measures = {"valeur": np.ma.MaskedArray(valeur, masked | np.isnan(valeur))}
    if aggregation == "ratio":
        measures["numerateur"] = np.ma.MaskedArray(num, masked | num_nulls)
        measures["denominateur"] = np.ma.MaskedArray(den, masked | nulls)
    measures["effectif"] = np.ma.MaskedArray(effectif, masked | nulls)
    arrays.pop("valeur", None)
    return {**arrays, **measures}, masked


def mask_small_cells(df: pd.DataFrame, by: Sequence[str], threshold: int) -> pd.DataFrame:
    """Masking alone, on exact figures (cells under `threshold` and their complements)."""
    out = df.copy()
    effectif = out["effectif"].fillna(0).to_numpy()
    masked = effectif < threshold
    if len(out) > 1 and by:
        masked = _complementary(out, list(by), masked, effectif)
    out["masque"] = masked
    for col in MASKED_COLUMNS:
        out[col] = out[col].astype("Float64" if col == "valeur" else "Int64")
        out.loc[out["masque"], col] = pd.NA
    return out


def _complementary(columns, by: list[str], masked, effectif) -> np.ndarray:
    """When a breakdown would show exactly one masked cell among siblings, mask the smallest
    visible sibling (by the count the reader would see) too; to a fixed point over every
    dimension. `columns` holds the breakdown's dimension columns (a DataFrame or arrays)."""
    masked = np.asarray(masked, dtype=bool).copy()
    if len(by) == 1:  # one breakdown: every row is a sibling of every other
        while masked.sum() == 1 and not masked.all():
            visible = np.flatnonzero(~masked)
            masked[visible[np.argmin(effectif[visible])]] = True
        return masked
    dims = pd.DataFrame({d: np.asarray(columns[d]) for d in by})
    changed = True
    while changed:
        changed = False
        for dim in by:
            others = [d for d in by if d != dim]
            for rows in dims.groupby(others, dropna=False, sort=False).indices.values():
                rows = list(rows)
                hidden = [r for r in rows if masked[r]]
                visible = [r for r in rows if not masked[r]]
                if len(hidden) == 1 and visible:
                    smallest = min(visible, key=lambda r: (effectif[r], r))
                    masked[smallest] = True
                    changed = True
    return masked
