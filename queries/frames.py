"""Result tables straight from DuckDB's NumPy arrays.

`DuckDBPyConnection.df()` followed by `astype` of the measure columns costs about a millisecond per
call, as much as a whole indicator query on the demo root. Building the frame from `fetchnumpy()`
gives the same table — the dtypes `.df()` gives for every other column (pandas' string dtype,
nullable booleans and integers when a column has nulls, NaN in floats) and the nullable dtypes
asked for the measures — for a fraction of that. tests/test_frames.py checks it against `.df()`
for every indicator and dimension.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

STRING = pd.StringDtype(na_value=np.nan)  # what DuckDB's .df() gives for VARCHAR under pandas 3


def frame(
    arrays: Mapping[str, np.ndarray],
    dtypes: Mapping[str, str],
    constants: Mapping[str, bool | np.ndarray] | None = None,
) -> pd.DataFrame:
    """A DataFrame of `arrays` (as from fetchnumpy). The columns named in `dtypes` come after the
    others, in `dtypes`' order, with that nullable dtype ("Int64" or "Float64"), empty when the
    query did not select them; the others get what `.df()` would give them. `constants` adds
    columns last: one value on every row, or an array of values. (Done here, this is cheaper than assigning or
    reordering columns afterwards.)"""
    rows = len(next(iter(arrays.values()))) if arrays else 0
    columns = {name: _column(values, None) for name, values in arrays.items() if name not in dtypes}
    for name, dtype in dtypes.items():
        if name in arrays:
            columns[name] = _column(arrays[name], dtype)
        else:
            columns[name] = _all_null(rows, dtype)
    for name, value in (constants or {}).items():
        columns[name] = value if isinstance(value, np.ndarray) else np.full(rows, value)
    return pd.DataFrame(columns, copy=False)


def _all_null(rows: int, dtype: str):
    """A nullable column of `rows` nulls, built from its parts: `pd.array` of an object array of
    None walks every row in Python (about 10 ms for the 150 000 residences of a national root,
    a tenth of the whole query)."""
    if dtype == "Int64":
        return pd.arrays.IntegerArray(np.zeros(rows, dtype="int64"), np.ones(rows, dtype=bool))
    if dtype == "Float64":
        return pd.arrays.FloatingArray(np.zeros(rows, dtype="float64"), np.ones(rows, dtype=bool))
    return pd.array(np.full(rows, None), dtype=dtype)


def _column(values: np.ndarray, dtype: str | None):
    mask = np.ma.getmaskarray(values) if isinstance(values, np.ma.MaskedArray) else None
    data = np.asarray(values.data if mask is not None else values)
    if dtype == "Float64" and data.dtype.kind == "f":
        data = data.astype("float64", copy=False)
        nulls = np.isnan(data) if mask is None else mask | np.isnan(data)
        return pd.arrays.FloatingArray(data, nulls)
    if dtype == "Int64" and data.dtype.kind in "iu":
        nulls = mask if mask is not None else np.zeros(len(data), dtype=bool)
        return pd.arrays.IntegerArray(data.astype("int64", copy=False), nulls)
    plain = _as_df_gives(data, mask)
    if dtype is not None:  # e.g. a HUGEINT sum arrives as float64: let pandas check and convert
        return pd.Series(plain).astype(dtype).array
    return plain


def _as_df_gives(data: np.ndarray, mask: np.ndarray | None):
    kind = data.dtype.kind
    if kind == "O":
        if mask is not None:
            data = np.where(mask, None, data)
        first = next((v for v in data if v is not None), None)
        return pd.array(data, dtype=STRING) if isinstance(first, str) else pd.Series(data).array
    if mask is None or not mask.any():
        return data
    if kind == "b":
        return pd.arrays.BooleanArray(data, mask)
    if kind in "iu":
        return pd.arrays.IntegerArray(data, mask)
    if kind in "fmM":
        out = data.copy()
        out[mask] = np.nan if kind == "f" else np.datetime64("NaT")
        return out
    return pd.Series(np.where(mask, None, data)).array
