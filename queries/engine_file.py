"""The engine's database file for a published state of a data root: built once, shared by all.

Its name is a key of the state (the data root's version, every input file's path, size and
modification time, the rule constants, the enrichment SQL and the DuckDB version), so every
server process, every restart and every CLI run of the same state finds the same file in the
engine folder (`<data root>/.moteur/`, or PEUPLEMENT_ENGINE_DIR). It is built once, under a lock
file, written under a temporary name and renamed into place: no process opens a half-written
database and two processes never build the same one. A state that only adds newer snapshots to
a built one (the quarterly publication) is built from a copy of that file, appending the new
snapshots. Old files are retired with the answers kept for them (queries.answers); a file the
engine folder cannot hold (a read-only data root) is built in the engine's private folder.
queries/engine.py opens the file read-only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from dataroot.contract import (
    OPTIONAL_INPUTS,
    OPTIONAL_REFERENCE_TABLES,
    OPTIONAL_SNAPSHOT_TABLES,
    REFERENCE_TABLES,
    SNAPSHOT_TABLES,
    TABLES,
)
from dataroot.errors import DataRootError
from dataroot.layout import table_path
from dataroot.leftovers import owner_alive
from queries.settings import engine_dir
from queries.sql import enrichment

THREADS = 2  # the machines we run on have 2 cores; more threads only add contention
# DuckDB's own memory (buffers, hash tables, sorts); past it, it spills to the engine's temporary
# folder. The 5 M-dwelling root builds in it and answers within the latency targets.
MEMORY_LIMIT = "3GB"

ENGINE_FILE_PREFIX = "enrichi-"
KEPT_ENGINE_FILES = 2  # the current state's file and the one before (a process may still read it)
MANIFEST_SUFFIX = ".json"  # beside each built file: what it was built from (see _Manifest)
# The answers kept for a published state (queries.answers), retired with its file.
ANSWERS_SUFFIX = ".reponses"


@dataclass(frozen=True)
class InputFiles:
    """The Parquet files an engine reads: the reference tables (one file each) and, per snapshot,
    each snapshot table's file (an optional table only where the snapshot has it)."""

    reference: dict[str, str]
    snapshots: dict[dt.date, dict[str, list[str]]]

    def paths(self) -> list[str]:
        per_snapshot = (p for files in self.snapshots.values() for v in files.values() for p in v)
        return [*self.reference.values(), *per_snapshot]


def input_files(root: Path, snapshots: list[dt.date]) -> InputFiles:
    reference = {t.name: str(table_path(root, t)) for t in REFERENCE_TABLES}
    for table in OPTIONAL_REFERENCE_TABLES:  # left out of the data root: the table stays empty
        if table_path(root, table).is_file():
            reference[table.name] = str(table_path(root, table))
    per_snapshot: dict[dt.date, dict[str, list[str]]] = {}
    for date in snapshots:
        files = {t.name: [str(table_path(root, t, date.isoformat()))] for t in SNAPSHOT_TABLES}
        for table in OPTIONAL_SNAPSHOT_TABLES:  # absent at this snapshot: nothing to append
            path = table_path(root, table, date.isoformat())
            if path.is_file():
                files[table.name] = [str(path)]
        per_snapshot[date] = files
    return InputFiles(reference, per_snapshot)


def _stats(paths: Iterable[str]) -> str:
    """Each file's path, size and modification time: a file rewritten in place is seen too."""
    return repr([(p, os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in sorted(paths)])


def _digest(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode())
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class _Manifest:
    """What a built database was built from: a key of everything but the snapshots (reference
    files, rule constants, enrichment SQL, DuckDB version) and one key per snapshot (its files),
    oldest first. A state whose base key is the same and whose snapshots extend a built file's
    (the usual quarterly publication) is built by copying that file and appending the new
    snapshots only."""

    base: str
    snapshots: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, inputs: InputFiles, constants: Mapping[str, object]) -> _Manifest:
        base = _digest(
            _stats(inputs.reference.values()),
            repr(sorted(constants.items())),
            enrichment.text(),
            duckdb.__version__,
        )
        keys = tuple(
            (date.isoformat(), _digest(_stats(p for v in files.values() for p in v)))
            for date, files in sorted(inputs.snapshots.items())
        )
        return cls(base, keys)

    def extends(self, built: _Manifest) -> bool:
        """True when `built` holds a strict, older prefix of these snapshots on the same base."""
        n = len(built.snapshots)
        return (
            built.base == self.base
            and 0 < n < len(self.snapshots)
            and (self.snapshots[:n] == built.snapshots)
        )

    def dumps(self) -> str:
        return json.dumps({"base": self.base, "photographies": [list(s) for s in self.snapshots]})

    @classmethod
    def read(cls, path: Path) -> _Manifest | None:
        try:
            raw = json.loads(path.read_text("utf-8"))
            return cls(str(raw["base"]), tuple((str(d), str(k)) for d, k in raw["photographies"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # no manifest, or not one we can read: that file is never extended


def published_database(
    root: Path,
    inputs: InputFiles,
    constants: Mapping[str, object],
    version: tuple[object, ...],
    workdir: Path,
) -> Path:
    """The database of this published state: found in the engine folder, or built there once
    (under its lock, written beside and renamed into place; appended to a copy of the previous
    state's file when this state only adds newer snapshots); built in `workdir` when the engine
    folder cannot be written."""
    folder = engine_dir(root)
    manifest = _Manifest.of(inputs, constants)
    target = folder / f"{ENGINE_FILE_PREFIX}{_digest(repr(version), manifest.dumps())}.duckdb"
    if target.is_file():
        _touch(target)
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".verrou", "a+b")  # noqa: SIM115 - held for the whole build
    except OSError:  # read-only data root: a private build
        return _build_database(root, inputs, constants, workdir)
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process building the same state: wait for it
        if target.is_file():
            _touch(target)
            return target
        building = folder / f".{target.name}.{os.getpid()}.en-cours"
        sidecar = _manifest_path(target)
        try:
            previous = _extendable(folder, manifest)
            if previous is not None:
                shutil.copyfile(previous[0], building)
            built = _build_database(
                root,
                inputs,
                constants,
                workdir,
                building,
                skip=len(previous[1].snapshots) if previous else 0,
            )
            sidecar.write_text(manifest.dumps(), "utf-8")
            os.replace(built, target)
        except BaseException:
            building.unlink(missing_ok=True)
            Path(f"{building}.wal").unlink(missing_ok=True)
            sidecar.unlink(missing_ok=True)
            raise
        _retire_old_files(folder, keep=target)
    return target


def _manifest_path(database: Path) -> Path:
    return database.with_suffix(MANIFEST_SUFFIX)


def _extendable(folder: Path, manifest: _Manifest) -> tuple[Path, _Manifest] | None:
    """The built file of the engine folder holding the longest prefix of `manifest`'s snapshots
    on the same base, if any."""
    best: tuple[Path, _Manifest] | None = None
    for path in folder.glob(f"{ENGINE_FILE_PREFIX}*.duckdb"):
        built = _Manifest.read(_manifest_path(path))
        if built is None or not manifest.extends(built):
            continue
        if best is None or len(built.snapshots) > len(best[1].snapshots):
            best = (path, built)
    return best


def _touch(path: Path) -> None:
    """Mark a database as in use (its age decides which old files are retired)."""
    with contextlib.suppress(OSError):  # a read-only engine folder: the file is still read
        os.utime(path)


def _retire_old_files(folder: Path, keep: Path) -> None:
    """Keep the newest KEPT_ENGINE_FILES databases; remove older ones and builds left by a killed
    process (a process still reading a removed file keeps it until it closes it)."""
    files = sorted(
        folder.glob(f"{ENGINE_FILE_PREFIX}*.duckdb"), key=lambda p: p.stat().st_mtime, reverse=True
    )
    old = [p for p in files if p != keep][KEPT_ENGINE_FILES - 1 :]
    for leftover in folder.glob(f".{ENGINE_FILE_PREFIX}*.en-cours*"):
        match = re.search(r"\.(\d+)\.en-cours", leftover.name)
        if match and not owner_alive(int(match.group(1))):
            old.append(leftover)
    for path in old:
        path.unlink(missing_ok=True)
        if path.suffix == ".duckdb":
            _manifest_path(path).unlink(missing_ok=True)
            shutil.rmtree(path.with_suffix(ANSWERS_SUFFIX), ignore_errors=True)


def optional_inputs(root: Path, snapshots: list[dt.date]) -> dict[dt.date, frozenset[str]]:
    """For each snapshot, the optional inputs of the contract its files have: an optional table
    whose file is there, an optional column in its table's file (read from the Parquet schema)."""
    out = {}
    for date in snapshots:
        present = set()
        for name in OPTIONAL_INPUTS:
            table_name, _, column = name.partition(".")
            table = TABLES[table_name]
            path = table_path(
                root, table, None if table.folder == "reference" else date.isoformat()
            )
            if path.is_file() and (not column or column in pq.read_schema(path).names):
                present.add(name)
        out[date] = frozenset(present)
    return out


def duckdb_config(workdir: Path) -> dict[str, str | bool | int | float | list[str]]:
    return {
        "threads": THREADS,
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(workdir / "spill"),
    }


_OPTIONAL = tuple(t.name for t in OPTIONAL_REFERENCE_TABLES + OPTIONAL_SNAPSHOT_TABLES)


def _build_database(
    root: Path,
    inputs: InputFiles,
    constants: Mapping[str, object],
    workdir: Path,
    database: Path | None = None,
    skip: int = 0,
) -> Path:
    """Run sql/enrichment.sql into a database file (`database`, or a new one in `workdir`): the
    reference statements, then the per-snapshot ones for each snapshot in date order, then the
    final ones. With `skip`, `database` is a copy of a file built on the same base with the first
    `skip` snapshots: the reference tables are replaced and only the later snapshots appended.
    Each statement is checkpointed (written compressed) as soon as it has run, so that at most
    one snapshot of one table is held uncompressed."""
    database = database or workdir / "enrichi.duckdb"
    steps = enrichment.script()
    con = duckdb.connect(str(database), config=duckdb_config(workdir))
    try:
        con.execute("SET enable_progress_bar = false")
        params = {**inputs.reference, **constants}
        for statement in steps.reference:
            # the copied file has them: rebuilt in place (they are small)
            _run(con, enrichment.replacing(statement) if skip else statement, params)
        for date in sorted(inputs.snapshots)[skip:]:
            snapshot_params = {**params, **inputs.snapshots[date], "photographie": date}
            for statement in steps.per_snapshot:
                existing = {row[0] for row in con.execute(enrichment.TABLE_NAMES).fetchall()}
                _run(con, enrichment.appending(statement, existing), snapshot_params)
        for statement in steps.end:
            _run(con, statement, params)
    except duckdb.Error as exc:
        raise DataRootError(f"lecture impossible des données de {root} : {exc}") from None
    finally:
        con.close()
    return database


def _run(con: duckdb.DuckDBPyConnection, statement: str, params: Mapping[str, object]) -> None:
    """One enrichment statement with the parameters it names, then a checkpoint; skipped when it
    reads an optional input the data root (or this snapshot) does not have."""
    named = enrichment.parameters(statement)
    if any(name in named and name not in params for name in _OPTIONAL):
        return
    con.execute(statement, {k: v for k, v in params.items() if k in named})
    con.execute("CHECKPOINT")
