"""One file read as text -> one contract table: columns found by name, codes translated, types
converted, with one problem per offending row (file, line, column, value, rule).

A column is found by the contract's name or one of the mapping's aliases (case, accents and
punctuation aside); when several of the file's columns match, the contract's name wins, then the
first alias (an RPLS extract has both IDENT_INT and IDENT_REP: IDENT_INT is taken, IDENT_REP is
listed as ignored). Two columns with the same name are an error.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from dataroot.contract import Column
from ingest.importer.consistency import check_flags, check_geometry
from ingest.importer.mapping import ColumnMapping, Mapping, TableMapping, normalize, normalize_code
from ingest.importer.report import Issues
from ingest.importer.sources import RawTable
from ingest.importer.values import Cells, by_unique, typed_array

MAX_LISTED_CODES = 40  # a "code inconnu" message lists at most this many known codes
DEFAULT_VALUE = "valeur par défaut"


@dataclass
class Converted:
    table: pa.Table
    lines: np.ndarray  # the user's line of each row
    columns: dict[str, str]  # contract column -> the file's column name (or DEFAULT_VALUE)
    ignored: list[str]  # the file's columns the portal does not read


def convert(
    raw: RawTable,
    spec: TableMapping,
    mapping: Mapping,
    issues: Issues,
    defaults: dict[str, str] | None = None,
) -> Converted:
    """The contract table of `raw`; every problem goes to `issues`. `defaults` gives a value to
    a column the file lacks (the year of a seuils_q1_2026.csv file)."""
    found, doubled, ignored = _find_columns(raw, spec, issues)
    arrays: dict[str, pa.Array] = {}
    texts: dict[str, pd.Series] = {}
    used: dict[str, str] = {}
    for column in spec.table.columns:
        if column.name in found:
            values = raw.frame[found[column.name]]
            used[column.name] = raw.header[found[column.name]]
        elif column.name in (defaults or {}):
            values = pd.Series([defaults[column.name]] * len(raw.frame), dtype=object)
            used[column.name] = DEFAULT_VALUE
        else:
            if column.required and column.name not in doubled:
                _missing(raw, spec, column, ignored, issues)
            continue
        col_map = spec.columns[column.name]
        text = values.fillna("").astype(str).str.replace("\u00a0", " ", regex=False).str.strip()
        cells = Cells(raw.label, used[column.name], raw.lines, text, issues)
        cells.text, unknown = _translate(cells, column, col_map)
        if column.name == "geometry":
            unknown |= check_geometry(cells)
        texts[column.name] = cells.text
        arrays[column.name] = typed_array(cells, column, col_map, unknown, mapping)
    check_flags(raw, spec, texts, issues)
    names = [c.name for c in spec.table.columns if c.name in arrays]
    arrow = pa.Table.from_arrays([arrays[n] for n in names], names=names)
    return Converted(arrow, raw.lines, used, ignored)


def _find_columns(
    raw: RawTable, spec: TableMapping, issues: Issues
) -> tuple[dict[str, int], set[str], list[str]]:
    """contract column -> position in the file; the columns given twice (reported); the file's
    columns left unread."""
    lookup = spec.lookup()
    flags = {normalize(f.column) for f in spec.flags}
    ranked: dict[str, list[tuple[int, int]]] = {}  # contract column -> [(rank, position)]
    ignored: list[str] = []
    for index, name in enumerate(raw.header):
        key = normalize(name)
        if key in lookup:
            column, rank = lookup[key]
            ranked.setdefault(column, []).append((rank, index))
        elif key and key not in flags and key not in spec.ignore:  # known but unused: silent
            ignored.append(name)
    found: dict[str, int] = {}
    doubled: set[str] = set()
    for column, candidates in ranked.items():
        candidates.sort()
        best = [i for rank, i in candidates if rank == candidates[0][0]]
        ignored += [raw.header[i] for rank, i in candidates if rank != candidates[0][0]]
        if len(best) == 1:
            found[column] = best[0]
            continue
        doubled.add(column)
        names = ", ".join(f"« {raw.header[i]} »" for i in best)
        issues.whole_file(
            raw.label,
            "colonne en double",
            f"Plusieurs colonnes ({names}) donnent « {column} » : gardez-en une seule.",
            line=1,
            column=column,
        )
    return found, doubled, ignored


def _missing(raw, spec: TableMapping, column: Column, ignored: list[str], issues: Issues) -> None:
    accepted = spec.accepted_names(column.name)
    keys = [normalize(a) for a in accepted]
    close = [n for n in ignored if difflib.get_close_matches(normalize(n), keys, n=1, cutoff=0.75)]
    hint = f" Une colonne « {close[0]} » existe : faute de frappe ?" if close else ""
    issues.whole_file(
        raw.label,
        "colonne absente",
        f"Colonne obligatoire « {column.name} » absente (noms acceptés : "
        f"{', '.join(accepted)}).{hint}",
        line=1,
        column=column.name,
    )


def _translate(
    cells: Cells, column: Column, col_map: ColumnMapping
) -> tuple[pd.Series, np.ndarray]:
    """Apply `empty`, `pad` and `codes`: the new texts ("" when empty) and the unknown codes."""
    text = cells.text
    if col_map.empty:
        text = text.where(~by_unique(text, normalize_code).isin(col_map.empty), "")
    if col_map.pad:
        short = text.str.fullmatch(r"\d+") & (text.str.len() < col_map.pad)
        text = text.where(~short, text.str.zfill(col_map.pad))
    no_code = np.zeros(len(text), dtype=bool)
    if not col_map.codes:
        return text, no_code
    translated = by_unique(text, lambda v: col_map.codes.get(normalize_code(v)))
    if not column.allowed:  # e.g. ETAGE: RDC -> 0, the other values are kept as they are
        return translated.where(translated.notna(), text), no_code
    unknown = ((text != "") & translated.isna()).to_numpy()
    if unknown.any():
        known = col_map.known_codes()
        listed = ", ".join(known[:MAX_LISTED_CODES]) + (
            ", …" if len(known) > MAX_LISTED_CODES else ""
        )
        cells.issues.add_rows(
            cells.file,
            cells.lines[unknown],
            cells.column,
            text[unknown],
            "code inconnu",
            lambda v: (
                f"code inconnu {v} (codes connus : {listed}) ; s'il est valide, ajoutez-le "
                "dans un fichier --mapping."
            ),
        )
    return translated.where(translated.notna(), "").astype(str), unknown
