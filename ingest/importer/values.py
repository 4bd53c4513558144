"""Cell texts to the contract's types, each unconvertible cell reported with its line.

Numbers accept the decimal comma and spaces (also non-breaking) between thousands, « 1 234,5 »,
and a point as decimal mark when there is no comma. Dates accept 31/12/2025 (also with `-` or `.`)
and 2025-12-31, with an optional time that is dropped (Excel writes « 31/12/2025 00:00 »); a year
alone only where the mapping says `year_as_date`. Booleans accept the mapping's `booleans` values.
A cell that cannot be converted becomes empty in the staged table, so the contract checks still
run on the other cells (and the validator's "empty value" is not reported twice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from dataroot.contract import BOOL, DATE, DOUBLE, INT, STRING, Column
from ingest.demo.writer import ARROW_TYPES
from ingest.importer.mapping import ColumnMapping, Mapping, normalize_code
from ingest.importer.report import Issues

_FR_NUMBER = r"[+-]?(?:\d+|\d{1,3}(?:\.\d{3})+),\d*"  # 1.234,5 or 12,5: only with a comma
_SPACES = r"[\s\u00a0\u202f€]"  # spaces between thousands, a euro sign
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
_ISO_DATE = rf"(?P<y>\d{{4}})-(?P<m>\d{{1,2}})-(?P<d>\d{{1,2}}){_TIME}"
_FR_DATE = rf"(?P<d>\d{{1,2}})[/.-](?P<m>\d{{1,2}})[/.-](?P<y>\d{{4}}){_TIME}"
MAX_SAFE_INTEGER = 2**53  # beyond this a number read as a float is no longer an exact integer


@dataclass
class Cells:
    """The texts of one column of one file, with where to report their problems."""

    file: str
    column: str  # the file's column name, as the user knows it
    lines: np.ndarray
    text: pd.Series  # "" when empty
    issues: Issues

    def report(self, bad: np.ndarray, rule: str, message: str) -> None:
        if bad.any():
            self.issues.add_rows(
                self.file, self.lines[bad], self.column, self.text[bad], rule, message
            )


def by_unique(values: pd.Series, function) -> pd.Series:
    """`function` applied once per distinct value (files repeat the same codes many times)."""
    table = {v: function(v) for v in pd.unique(values)}
    return values.map(table)


def typed_array(
    cells: Cells, column: Column, col_map: ColumnMapping, unknown_code: np.ndarray, mapping: Mapping
) -> pa.Array:
    """The Arrow array of the cells in the contract type; unconvertible cells are null."""
    text = cells.text
    empty = (text == "").to_numpy() | unknown_code
    if not column.nullable:
        cells.report(
            empty & ~unknown_code,
            "valeur obligatoire manquante",
            f"Valeur vide : « {column.name} » est obligatoire sur chaque ligne.",
        )
    if column.type == STRING:
        return pa.array(np.where(empty, None, text.to_numpy(dtype=object)), type=pa.string())
    if column.type == DOUBLE:
        numbers = _numbers(text)
        bad = ~empty & ~np.isfinite(numbers)
        cells.report(bad, "nombre invalide", "nombre invalide : nombre attendu")
        return pa.array(np.where(empty | bad, 0.0, numbers), ARROW_TYPES[DOUBLE], mask=empty | bad)
    if column.type == INT:
        numbers = _numbers(text)
        whole = np.isfinite(numbers) & (np.floor(numbers) == numbers)
        bad = ~empty & ~(whole & (np.abs(numbers) < MAX_SAFE_INTEGER))
        cells.report(bad, "entier invalide", "entier invalide : nombre entier attendu")
        ints = np.where(empty | bad, 0, numbers).astype(np.int64)
        return pa.array(ints, ARROW_TYPES[INT], mask=empty | bad)
    if column.type == DATE:
        days, shaped = _dates(text, col_map.year_as_date)
        what = "JJ/MM/AAAA ou AAAA-MM-JJ" + (" ou AAAA" if col_map.year_as_date else "")
        cells.report(~empty & ~shaped, "date invalide", f"date invalide : format attendu {what}")
        impossible = ~empty & shaped & np.isnan(days)
        cells.report(impossible, "date invalide", "date invalide : ce jour n'existe pas")
        mask = empty | np.isnan(days)
        ints = np.where(mask, 0, days).astype(np.int32)
        return pa.array(ints, pa.int32(), mask=mask).cast(ARROW_TYPES[DATE])
    if column.type == BOOL:
        codes = by_unique(text, normalize_code)
        true = codes.isin(mapping.true_values).to_numpy()
        bad = ~empty & ~true & ~codes.isin(mapping.false_values).to_numpy()
        allowed = f"{mapping.export_true}/{mapping.export_false}, 1/0, vrai/faux"
        cells.report(bad, "booléen invalide", f"booléen invalide : valeurs admises {allowed}")
        return pa.array(true, ARROW_TYPES[BOOL], mask=empty | bad)
    raise ValueError(f"type de colonne inconnu : {column.type}")  # a bug in the contract


def _numbers(text: pd.Series) -> np.ndarray:
    compact = text.str.replace(_SPACES, "", regex=True)
    french = compact.str.fullmatch(_FR_NUMBER)
    point = compact.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    compact = compact.where(~french, point)
    return pd.to_numeric(compact.replace("", np.nan), errors="coerce").to_numpy(dtype=np.float64)


def _dates(text: pd.Series, year_as_date: bool) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970-01-01 (NaN when not a real day) and whether each cell looks like a date."""
    parts = text.str.extract(f"^{_ISO_DATE}$")
    parts = parts.fillna(text.str.extract(f"^{_FR_DATE}$")[["y", "m", "d"]])
    if year_as_date:
        year = text.str.extract(r"^(?P<y>\d{4})$")["y"]
        parts["y"] = parts["y"].fillna(year)
        parts.loc[year.notna(), ["m", "d"]] = "1"
    numbers = parts.apply(pd.to_numeric, errors="coerce")
    stamps = pd.to_datetime(
        pd.DataFrame({"year": numbers["y"], "month": numbers["m"], "day": numbers["d"]}),
        errors="coerce",
    )
    days = (stamps - pd.Timestamp("1970-01-01")).dt.days
    return days.to_numpy(dtype=np.float64, na_value=np.nan), parts["y"].notna().to_numpy()
