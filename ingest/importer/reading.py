"""Reading one file of any accepted format as rows of text (a RawTable).

CSV: see ingest.importer.csv_files. XLSX: the sheet and header row holding the most expected column
names within the first rows of each sheet (the data need not be on the first sheet, nor start on
row 1); lines are the sheet's row numbers. Parquet: read whole; row k is line k + 1, as if it had a
header. GeoJSON: one row per feature (line = the feature's number), properties as columns and the
geometry as a `geometry` column; a projected file (Lambert 93…) is refused. Values stay text here:
ingest.importer.conversion applies one set of rules and messages to every format.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import warnings

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.importer.csv_files import decode, read_csv
from ingest.importer.mapping import normalize
from ingest.importer.report import Issues
from ingest.importer.sources import FORMATS, RawTable, SourceFile, text_frame

HEADER_SCAN_ROWS = 30  # an XLSX header below a title block is looked for in this many rows
_PROJECTED = re.compile(r"EPSG:+(2154|3857|3395|27572|2975|2972|32620|32740)\b")


def read_source(src: SourceFile, expected: set[str], issues: Issues) -> RawTable | None:
    """Read one file; `expected` holds the normalized names that may head its columns."""
    data = src.read_bytes()
    if not data:
        issues.whole_file(
            src.name, "fichier vide", "Fichier vide (0 octet) : exportez-le à nouveau."
        )
        return None
    digest = hashlib.sha256(data).hexdigest()
    reader = {
        "CSV": read_csv,
        "XLSX": _read_xlsx,
        "Parquet": _read_parquet,
        "GeoJSON": _read_geojson,
    }
    table = reader[FORMATS[src.suffix]](src.name, data, expected, issues, digest)
    if table is not None and not any(normalize(h) in expected for h in table.header):
        # Not a table of ours: say so without repeating any of its content (header or values).
        issues.whole_file(
            src.name,
            "colonnes introuvables",
            "Aucune des colonnes attendues dans la ligne d'en-tête : ce fichier n'est pas une "
            "table de la photographie ou du référentiel (son contenu n'est pas repris ici).",
        )
        return None
    return table


def _read_xlsx(name, data, expected, issues: Issues, digest) -> RawTable | None:
    import openpyxl  # imported here: only XLSX imports need it

    try:
        with warnings.catch_warnings():  # "no default style" and the like: not the user's problem
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged or non-XLSX file
        issues.whole_file(name, "fichier illisible", f"Classeur XLSX illisible ({exc}).")
        return None
    try:
        best = None  # (score, sheet index, header row number)
        for index, sheet in enumerate(book.worksheets):
            rows = sheet.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True)
            for number, row in enumerate(rows, 1):
                score = sum(1 for v in row if v is not None and normalize(v) in expected)
                if score and (best is None or score > best[0]):
                    best = (score, index, number)
        if best is None:
            sheets = ", ".join(f"« {s.title} »" for s in book.worksheets)
            issues.whole_file(
                name,
                "colonnes introuvables",
                f"Aucune feuille ({sheets}) n'a, dans ses {HEADER_SCAN_ROWS} premières lignes, une "
                "ligne d'en-tête avec les colonnes attendues.",
            )
            return None
        _, index, header_row = best
        sheet = book.worksheets[index]
        rows_iter = sheet.iter_rows(min_row=header_row, values_only=True)
        header = [_cell(v) for v in next(rows_iter)]
        width = len(header)
        rows, lines = [], []
        for offset, row in enumerate(rows_iter, 1):
            cells = [_cell(v) for v in row[:width]] + [""] * (width - len(row))
            if any(cells):
                rows.append(cells)
                lines.append(header_row + offset)
        title = sheet.title
    finally:
        book.close()
    details = f"XLSX, feuille « {title} », en-tête ligne {header_row}"
    lines_array = np.asarray(lines, dtype=np.int64)
    return RawTable(name, "XLSX", header, text_frame(rows, width), lines_array, details, digest)


def _cell(value) -> str:
    """A cell as the text a CSV export would hold (dates ISO, 12.0 as 12, NaN empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value).strip()


def _read_parquet(name, data, expected, issues: Issues, digest) -> RawTable | None:
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (OSError, pa.ArrowException) as exc:
        issues.whole_file(
            name,
            "fichier illisible",
            f"Fichier Parquet illisible ({exc}) : tronqué ou corrompu, exportez-le à nouveau.",
        )
        return None
    header = list(table.column_names)
    columns = [[_cell(v) for v in column.to_pylist()] for column in table.columns]
    rows = [list(row) for row in zip(*columns, strict=True)]
    lines = np.arange(2, table.num_rows + 2, dtype=np.int64)
    return RawTable(
        name, "Parquet", header, text_frame(rows, len(header)), lines, "Parquet", digest
    )


def _read_geojson(name, data, expected, issues: Issues, digest) -> RawTable | None:
    try:
        document = json.loads(decode(data)[0])
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        issues.whole_file(name, "fichier illisible", f"GeoJSON illisible ({exc}).")
        return None
    document = document if isinstance(document, dict) else {}
    features = document.get("features")
    if document.get("type") != "FeatureCollection" or not isinstance(features, list):
        issues.whole_file(name, "fichier illisible", "GeoJSON attendu : une FeatureCollection.")
        return None
    crs = json.dumps(document.get("crs") or "")
    if _PROJECTED.search(crs):
        issues.whole_file(
            name,
            "projection",
            "Les contours doivent être en WGS84 (degrés, EPSG:4326) ; ce fichier est projeté : "
            "reprojetez-le avant l'import.",
            column="geometry",
            value=crs,
        )
        return None
    header: list[str] = []
    for feature in features:
        for key in feature.get("properties") or {}:
            if key not in header and normalize(key) != "geometry":
                header.append(key)
    rows = []
    for feature in features:
        props, geometry = feature.get("properties") or {}, feature.get("geometry")
        shape = json.dumps(geometry, separators=(",", ":")) if geometry else ""
        rows.append([_cell(props.get(k)) for k in header] + [shape])
    header.append("geometry")
    lines = np.arange(1, len(rows) + 1, dtype=np.int64)
    details = "GeoJSON (ligne = numéro de l'entité)"
    return RawTable(name, "GeoJSON", header, text_frame(rows, len(header)), lines, details, digest)
