"""The user's files: which file holds which table, and what a file read as text looks like.

A table's file is found by its name without extension, compared without case or accents: the
table's own name (logements.csv) or one of the `files` names of the mapping (rpls.xlsx,
occupants.parquet…; see ingest/mappings/rpls.yaml). A reference table keyed by year may carry the
year in its name (seuils_q1_2026.csv). Extensions: .csv .txt .tsv, .xlsx .xlsm, .parquet,
.geojson .json. Other files are listed as ignored; hidden files, Excel lock files and symbolic
links are skipped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dataroot.contract import Table
from ingest.importer.mapping import Mapping, normalize
from ingest.importer.report import Issues

FORMATS = {
    ".csv": "CSV",
    ".txt": "CSV",
    ".tsv": "CSV",
    ".xlsx": "XLSX",
    ".xlsm": "XLSX",
    ".parquet": "Parquet",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
}
UNSUPPORTED = {".xls": "Excel 97-2003", ".ods": "OpenDocument", ".zip": "archive"}
REPORT_FILENAME = "rapport_import.csv"  # the CLI's default report: never taken for a table


@dataclass(frozen=True)
class SourceFile:
    """A file given by the user: on disk (`path`) or uploaded (`data`)."""

    name: str
    path: Path | None = None
    data: bytes | None = None

    def read_bytes(self) -> bytes:
        if self.data is not None:
            return self.data
        # O_NOFOLLOW: a file swapped for a symbolic link after the folder was listed is not read.
        fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            return handle.read()

    @property
    def suffix(self) -> str:
        return Path(self.name).suffix.lower()

    @property
    def stem(self) -> str:
        return normalize(Path(self.name).stem)


@dataclass
class RawTable:
    """One file read as text: `frame` has one column per header position, "" for an empty cell;
    `lines[i]` is the line of row i as the user sees it (header = 1; in GeoJSON, the feature)."""

    label: str
    format: str
    header: list[str]
    frame: pd.DataFrame
    lines: np.ndarray
    details: str
    sha256: str
    complete: bool = True  # False when rows were left out (wrong number of fields)


def text_frame(rows: list[list[str]], width: int) -> pd.DataFrame:
    if rows:
        return pd.DataFrame(rows, columns=range(width), dtype=object)
    return pd.DataFrame({i: pd.Series([], dtype=object) for i in range(width)})


def collect_sources(
    source: Path | str | AbcMapping[str, bytes] | Iterable[SourceFile],
) -> list[SourceFile]:
    """The files of a folder (not its subfolders, nor symbolic links: a link could point at any
    file of the server), or uploaded files given as {name: bytes}."""
    if isinstance(source, str | Path):
        return [
            SourceFile(p.name, path=p)
            for p in sorted(Path(source).iterdir())
            if not p.is_symlink() and p.is_file() and not p.name.startswith((".", "~$"))
        ]
    if isinstance(source, AbcMapping):
        return [SourceFile(Path(name).name, data=bytes(data)) for name, data in source.items()]
    return list(source)


def match_files(
    sources: list[SourceFile], tables: Iterable[Table], mapping: Mapping, issues: Issues
) -> tuple[dict[str, SourceFile], list[str], set[str]]:
    """Which file holds each table, the files left over, and the tables whose file cannot be used
    (several files, or a format not supported: reported here)."""
    tables = list(tables)
    owner: dict[str, str] = {}
    for table in tables:
        for name in mapping.table(table.name).files:
            owner.setdefault(normalize(name), table.name)
    found: dict[str, list[SourceFile]] = {}
    ignored: list[str] = []
    unusable: set[str] = set()
    for src in sources:
        table_name = owner.get(src.stem) or _year_suffixed(src.stem, owner)
        if src.name == REPORT_FILENAME or table_name is None:
            ignored.append(src.name)
        elif src.suffix in UNSUPPORTED:
            unusable.add(table_name)
            issues.whole_file(
                src.name,
                "format non pris en charge",
                f"Format {UNSUPPORTED[src.suffix]} non pris en charge : enregistrez le fichier "
                "en .xlsx, .csv ou .parquet.",
            )
        elif src.suffix not in FORMATS:
            ignored.append(src.name)
        else:
            found.setdefault(table_name, []).append(src)
    matched: dict[str, SourceFile] = {}
    for table in tables:
        candidates = found.get(table.name, [])
        if len(candidates) > 1:
            unusable.add(table.name)
            names = ", ".join(c.name for c in candidates)
            issues.whole_file(
                names,
                "fichiers en double",
                f"Plusieurs fichiers pour la table « {table.name} » ({names}) : gardez-en un seul.",
            )
        elif candidates:
            matched[table.name] = candidates[0]
    return matched, ignored, unusable


def _year_suffixed(stem: str, owner: dict[str, str]) -> str | None:
    """seuils_q1_2026 is the seuils_q1 table (an arrêté's year in the file name)."""
    match = re.fullmatch(r"(.+?)_(\d{4})", stem)
    return owner.get(match.group(1)) if match else None


def year_in_name(name: str) -> int | None:
    match = re.search(r"(?<!\d)(19|20)(\d{2})(?!\d)", Path(name).stem)
    return int(match.group(0)) if match else None
