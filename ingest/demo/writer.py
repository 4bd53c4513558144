"""Arrow tables typed exactly as the contract says, written to Parquet byte-for-byte reproducibly,
and a data root that appears all at once (written aside, then renamed into place)."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from dataroot import contract

ARROW_TYPES = {
    contract.STRING: pa.string(),
    contract.INT: pa.int64(),
    contract.DOUBLE: pa.float64(),
    contract.BOOL: pa.bool_(),
    contract.DATE: pa.date32(),
}
# zstd keeps files small. pyarrow writes no timestamp, so the same table gives the same bytes with
# the same library version (the footer names it in "created_by").
PARQUET_OPTIONS = {"compression": "zstd"}


def arrow_schema(table: contract.Table, names: list[str] | None = None) -> pa.Schema:
    columns = table.columns if names is None else [table.column(n) for n in names]
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in columns])


def to_arrow_array(values, arrow_type: pa.DataType, mask: np.ndarray | None = None) -> pa.Array:
    """One column: dates come as day numbers, nulls as a mask (or None/NaN in the values)."""
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return values.cast(arrow_type)
    if arrow_type == pa.date32():
        days = np.asarray(values, dtype=np.int32)
        return pa.array(days, pa.int32(), mask=mask).cast(pa.date32())
    if mask is not None:
        return pa.array(np.asarray(values), arrow_type, mask=mask)
    array = pa.array(values, from_pandas=True)
    return array.cast(arrow_type)


def to_arrow(table: contract.Table, columns: dict, masks: dict | None = None) -> pa.Table:
    """A contract table from {column: values}; every required column must be given."""
    missing = [c.name for c in table.required_columns if c.name not in columns]
    unknown = [name for name in columns if name not in {c.name for c in table.columns}]
    if missing or unknown:
        raise ValueError(f"{table.name}: colonnes manquantes {missing}, inconnues {unknown}")
    names = [c.name for c in table.columns if c.name in columns]
    schema = arrow_schema(table, names)
    masks = masks or {}
    arrays = [to_arrow_array(columns[f.name], f.type, masks.get(f.name)) for f in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def write_table(arrow_table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(arrow_table, path, **PARQUET_OPTIONS)


def is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


@contextmanager
def staged_root(out: Path, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary folder next to ``out``; on success it replaces ``out`` in one rename.

    An existing non-empty ``out`` is replaced only with ``overwrite``; the old content is moved
    aside first and deleted after the swap, so a reader sees the old root or the new one.
    """
    out = Path(out)
    if out.exists() and not (overwrite or is_empty_dir(out)):
        raise FileExistsError(f"{out} existe et n'est pas vide")
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        yield staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
        os.replace(out, old / "root")
    os.chmod(staging, 0o755)  # mkdtemp makes it private; the root is a normal folder
    os.replace(staging, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
