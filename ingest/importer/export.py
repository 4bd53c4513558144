"""Writing a data root out as a bailleur's extracts would look: RPLS-style CSV from French Excel.

Semicolons, decimal comma, Windows-1252 ("Latin-1"), dates as 31/12/2025, column names and codes
taken from the mapping (the first alias of each column, the first code of each value), booleans as
oui/non, QPV polygons as GeoJSON. Re-importing these files with the same mapping gives the same
tables: the round trip test holds the importer to that.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataroot.contract import (
    BOOL,
    DATE,
    DOUBLE,
    INT,
    OPTIONAL_REFERENCE_TABLES,
    OPTIONAL_SNAPSHOT_TABLES,
    QPV,
    REFERENCE_TABLES,
    SNAPSHOT_TABLES,
    Table,
)
from dataroot.layout import table_path
from ingest.importer.mapping import Mapping, load_mapping
from ingest.importer.pipeline import parse_snapshot_date

EXCEL_ENCODING = (
    "cp1252"  # what French Excel writes when it saves "CSV (séparateur : point-virgule)"
)


def export_rpls(
    root: Path,
    snapshot: str | dt.date,
    out_dir: Path,
    *,
    mapping: Mapping | None = None,
    encoding: str = EXCEL_ENCODING,
) -> list[Path]:
    """The seven tables of one snapshot of `root` as CSV files in `out_dir`, then the optional
    ones it has (propositions)."""
    mapping = mapping or load_mapping()
    iso = parse_snapshot_date(snapshot)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return [
        _write_csv(pq.read_table(table_path(Path(root), table, iso)), table, mapping, out, encoding)
        for table in SNAPSHOT_TABLES + OPTIONAL_SNAPSHOT_TABLES
        if table.optional is False or table_path(Path(root), table, iso).is_file()
    ]


def export_reference(
    root: Path, out_dir: Path, *, mapping: Mapping | None = None, encoding: str = EXCEL_ENCODING
) -> list[Path]:
    """The reference tables of `root`: CSV files, and the QPV polygons as GeoJSON."""
    mapping = mapping or load_mapping()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES:
        if table.optional and not table_path(Path(root), table).is_file():
            continue
        arrow = pq.read_table(table_path(Path(root), table))
        if table is QPV:
            paths.append(_write_geojson(arrow, table, mapping, out))
        else:
            paths.append(_write_csv(arrow, table, mapping, out, encoding))
    return paths


def _columns(arrow: pa.Table, table: Table, mapping: Mapping) -> list[tuple[str, list[str]]]:
    """(exported name, values as text) for each contract column of `arrow`, then the flags."""
    spec = mapping.table(table.name)
    out = []
    for column in table.columns:
        if column.name not in arrow.column_names:
            continue
        col_map = spec.columns[column.name]
        values = arrow.column(column.name).to_pylist()
        out.append(
            (
                col_map.export_name,
                [_text(v, column.type, col_map.export_codes, mapping) for v in values],
            )
        )
    for flag in spec.flags:
        if flag.target in arrow.column_names:
            target = arrow.column(flag.target).to_pylist()
            out.append(
                (flag.column, [flag.filled[0] if v is not None else flag.empty[0] for v in target])
            )
    return out


def _text(value, type_: str, codes: dict[str, str], mapping: Mapping) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if type_ == DATE:
        return value.strftime("%d/%m/%Y")
    if type_ == BOOL:
        return mapping.export_true if value else mapping.export_false
    if type_ == DOUBLE:
        return repr(float(value)).replace(".", ",")  # repr: the shortest text giving the same float
    text = str(int(value)) if type_ == INT else str(value)
    return codes.get(text, text)


def _write_csv(arrow: pa.Table, table: Table, mapping: Mapping, out: Path, encoding: str) -> Path:
    columns = _columns(arrow, table, mapping)
    path = out / f"{mapping.table(table.name).files[0]}.csv"
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow([name for name, _ in columns])
        writer.writerows(zip(*(values for _, values in columns), strict=True))
    return path


def _write_geojson(arrow: pa.Table, table: Table, mapping: Mapping, out: Path) -> Path:
    columns = [(n, v) for n, v in _columns(arrow, table, mapping) if n.casefold() != "geometry"]
    geometries = arrow.column("geometry").to_pylist()
    features = [
        {
            "type": "Feature",
            "properties": {name: values[i] for name, values in columns},
            "geometry": json.loads(geometries[i]) if geometries[i] else None,
        }
        for i in range(arrow.num_rows)
    ]
    path = out / f"{mapping.table(table.name).files[0]}.geojson"
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    return path
