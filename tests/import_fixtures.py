"""Sources for the import tests: the tiny data root exported as a bailleur would send it (RPLS-style
CSV from French Excel), and small helpers to break one cell, one column or one file of it."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path

from ingest.importer import export_reference, export_rpls
from queries.settings import ENGINE_DIR_NAME
from tests.tiny_data import S3, write_tiny_root

NEW_DATE = "2026-03-31"  # a date the tiny root does not have yet
LATIN = "cp1252"


def tiny_root(tmp_path: Path) -> Path:
    return write_tiny_root(tmp_path / "root")


def tiny_source(tmp_path: Path, root: Path, name: str = "source") -> Path:
    """The last tiny snapshot as RPLS-style CSV files (`;`, decimal comma, Latin-1, 31/12/2025)."""
    return export_rpls(root, S3, tmp_path / name)[0].parent


def tiny_reference_source(tmp_path: Path, root: Path) -> Path:
    return export_reference(root, tmp_path / "reference_source")[0].parent


def read_rows(path: Path, encoding: str = LATIN) -> list[list[str]]:
    return list(
        csv.reader(io.StringIO(path.read_text(encoding=encoding), newline=""), delimiter=";")
    )


def write_rows(path: Path, rows: list[list[str]], encoding: str = LATIN, sep: str = ";") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=sep, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def set_cell(path: Path, line: int, column: str, value: str) -> None:
    """Set the cell of `column` on `line` (header = line 1) of a semicolon CSV."""
    rows = read_rows(path)
    rows[line - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def drop_column(path: Path, column: str) -> None:
    rows = read_rows(path)
    index = rows[0].index(column)
    write_rows(path, [r[:index] + r[index + 1 :] for r in rows])


def tree_hashes(root: Path) -> dict[str, str]:
    """Every file under `root` (hidden ones too) with the hash of its bytes, but the engine's own
    databases (`.moteur/`, derived from the data and rebuilt at will: not stored data)."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.relative_to(root).parts[0] != ENGINE_DIR_NAME
    }
