"""Where things are in a data root, and what identifies its published state.

    <root>/reference/<table>.parquet             reference tables (territoires, qpv, plafonds, …)
    <root>/snapshots/date=YYYY-MM-DD/<table>.parquet   one folder per snapshot (arrêté date)
    <root>/objectifs.yaml                         local targets (optional)

This is the one module that lists snapshot folders: the engine, the validator and the importer all
call `scan_snapshots` / `list_snapshots`, so what counts as a snapshot is decided once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from dataroot.contract import Table

REFERENCE_DIR = "reference"
SNAPSHOTS_DIR = "snapshots"
OBJECTIFS_FILE = "objectifs.yaml"
SNAPSHOT_PREFIX = "date="
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Entries a tool may leave in snapshots/ (".DS_Store", Spark's "_SUCCESS", the importer's record
# "_import.json"): not snapshots, and not mistakes to report either.
IGNORED_PREFIXES = (".", "_")


def snapshot_dirname(date_iso: str) -> str:
    return f"{SNAPSHOT_PREFIX}{date_iso}"


def snapshot_dir(root: Path, date: dt.date | str) -> Path:
    """The folder of one snapshot (which may not exist)."""
    iso = date.isoformat() if isinstance(date, dt.date) else date
    return Path(root) / SNAPSHOTS_DIR / snapshot_dirname(iso)


def table_path(root: Path, table: Table, snapshot: str | None = None) -> Path:
    """Where a table lives in a data root (snapshot tables need the snapshot date, ISO)."""
    if table.folder == "reference":
        return Path(root) / REFERENCE_DIR / table.filename
    if snapshot is None:
        raise ValueError(f"la table {table.name} est une table de photographie: date requise")
    return snapshot_dir(root, snapshot) / table.filename


def objectifs_path(root: Path) -> Path:
    """The local targets file of a data root (optional: it may not exist)."""
    return Path(root) / OBJECTIFS_FILE


def snapshot_date(name: str) -> dt.date | None:
    """The date of a snapshot folder's name (`date=YYYY-MM-DD`), None for any other name."""
    value = name.removeprefix(SNAPSHOT_PREFIX)
    if value == name or not _DATE.fullmatch(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:  # 2025-02-30
        return None


@dataclass(frozen=True)
class SnapshotScan:
    """What snapshots/ holds: the snapshot folders (date, path), oldest first, and the entries
    that are not snapshots (a file named like one, or a folder whose name is not a valid date).
    `exists` is False when snapshots/ is absent or not a folder."""

    exists: bool
    snapshots: tuple[tuple[dt.date, Path], ...]
    strays: tuple[Path, ...]

    @property
    def dates(self) -> list[dt.date]:
        return [date for date, _ in self.snapshots]


def scan_snapshots(root: Path) -> SnapshotScan:
    """Read snapshots/ once: the snapshot folders and the entries that do not belong there."""
    folder = Path(root) / SNAPSHOTS_DIR
    if not folder.is_dir():
        return SnapshotScan(False, (), ())
    found: list[tuple[dt.date, Path]] = []
    strays: list[Path] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(IGNORED_PREFIXES):
            continue
        date = snapshot_date(entry.name)
        if date is not None and entry.is_dir():
            found.append((date, entry))
        else:
            strays.append(entry)
    return SnapshotScan(True, tuple(sorted(found)), tuple(strays))


def list_snapshots(root: Path | str) -> list[dt.date]:
    """Snapshot dates found as snapshots/date=YYYY-MM-DD folders, ascending."""
    return scan_snapshots(Path(root)).dates


def data_version(root: Path | str) -> tuple[object, ...]:
    """What identifies the published state of a data root: each snapshot date with its folder's
    identity, and the reference folder's. A publish renames a new folder into place (new inode),
    so a new, replaced or retired snapshot and new reference tables all change the version."""
    root = Path(root)
    parts = []
    for date, folder in scan_snapshots(root).snapshots:
        st = folder.stat()
        parts.append((date.isoformat(), st.st_ino, st.st_mtime_ns))
    ref = root / REFERENCE_DIR
    ref_id = (ref.stat().st_ino, ref.stat().st_mtime_ns) if ref.is_dir() else None
    return (str(root.resolve()), tuple(parts), ref_id)


def objectifs_version(root: Path | str) -> str:
    """What identifies the state of objectifs.yaml (read at every evaluation, never part of the
    data version): its identity, modification time and size, or "absent"."""
    path = objectifs_path(Path(root))
    try:
        st = path.stat()
    except FileNotFoundError:
        return "absent"
    return f"{st.st_ino}:{st.st_mtime_ns}:{st.st_size}"
