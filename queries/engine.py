"""The query engine: one read-only DuckDB database per published state of a data root.

The engine reads every snapshot once and computes the derived values of the data contract
(sql/enrichment.sql) into one table per base, written to a compressed DuckDB file (about 20 times
smaller than the same tables held uncompressed in memory, and as fast to scan). The file is built
once per published state and kept in the engine folder (`<data root>/.moteur/`, or
PEUPLEMENT_ENGINE_DIR), named by a key of that state, the enrichment SQL and the DuckDB version:
every server process, every restart and every CLI run reuses it, each opening it read-only, with
external access off and the configuration locked: queries see only the enriched tables and can
neither write them nor read or write any other file. A build is written under a temporary name and
renamed into place, under a lock file, so that no process ever opens a half-written database and
two processes never build the same one. When the engine folder cannot be written (a read-only
data root), the database is built in a private temporary folder as before. Each engine also has
a private folder for DuckDB's spills, removed when the engine is closed or collected.
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
import tempfile
import threading
import weakref
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
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
from dataroot.layout import SNAPSHOTS_DIR, table_path
from dataroot.layout import (
    data_version as data_version,  # re-exported: the portal and tools import them from here
)
from dataroot.layout import (
    list_snapshots as list_snapshots,
)
from dataroot.location import default_data_root
from queries import frames
from queries.errors import RowCapError
from queries.settings import engine_dir
from queries.sql import enrichment, rules

# Guardrails at the database edge.
THREADS = 2  # the machines we run on have 2 cores; more threads only add contention
# DuckDB's own memory (buffers, hash tables, sorts); past it, it spills to the engine's temporary
# folder. The 5 M-dwelling root builds in it and answers within the latency targets.
MEMORY_LIMIT = "3GB"
ROW_CAP = 200_000  # no screen or export needs more rows; a bigger result is a mistaken breakdown
WORKDIR_PREFIX = "peuplement-engine-"  # + owner pid + "-" + random: one folder per engine
_WORKDIR = re.compile(rf"^{WORKDIR_PREFIX}(\d+)-")


@dataclass
class Engine:
    data_root: Path
    snapshots: list[dt.date]
    connection: duckdb.DuckDBPyConnection
    version: tuple = ()  # data_version() of the root when this engine was built
    workdir: Path | None = None  # private folder (spills; a private database); removed by close()
    database: Path | None = None  # the database file the engine reads
    # the optional inputs of the contract ("table" or "table.column") each snapshot has
    inputs: dict[dt.date, frozenset[str]] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def __post_init__(self) -> None:
        if self.workdir is not None:
            self._finalizer = weakref.finalize(
                self, _discard, self.connection, self.workdir, self.database
            )

    def close(self) -> None:
        """Close the database and remove its folder (also done when the engine is collected)."""
        if self.workdir is not None:
            self._finalizer()
        else:
            self.connection.close()

    @property
    def latest(self) -> dt.date:
        return self.snapshots[-1]

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread: a DuckDB connection is not safe across threads."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.connection.cursor()
        return cur

    def fetch(
        self,
        sql: str,
        params: dict | None = None,
        dtypes: Mapping[str, str] | None = None,
        constants: Mapping[str, bool] | None = None,
    ) -> pd.DataFrame:
        """Run one statement and return its rows. With `dtypes` (column -> "Int64"/"Float64") the
        frame is built from DuckDB's NumPy arrays with those columns typed, plus `constants`
        columns (queries/frames.py); without, it is DuckDB's own `.df()`."""
        result = self.cursor().execute(sql, params or {})
        df = result.df() if dtypes is None else frames.frame(result.fetchnumpy(), dtypes, constants)
        if len(df) > ROW_CAP:
            raise RowCapError(
                f"Le résultat dépasse {ROW_CAP:,} lignes : choisissez moins de dimensions ou filtrez.".replace(
                    ",", " "
                )
            )
        return df

    def fetch_arrays(self, sql: str, params: dict | None = None) -> dict[str, np.ndarray]:
        """Run one statement and return its columns as DuckDB's NumPy arrays (masked arrays where
        a column has NULLs), for callers that work on arrays before building a frame."""
        arrays = self.cursor().execute(sql, params or {}).fetchnumpy()
        if arrays and len(next(iter(arrays.values()))) > ROW_CAP:
            raise RowCapError(
                f"Le résultat dépasse {ROW_CAP:,} lignes : choisissez moins de dimensions ou filtrez.".replace(
                    ",", " "
                )
            )
        return arrays

    def missing_inputs(self, needed, snapshot: dt.date) -> tuple[str, ...]:
        """The optional inputs among `needed` that the data has not at `snapshot`."""
        present = self.inputs.get(snapshot, frozenset())
        return tuple(n for n in needed if n not in present)

    def inputs_for(self, needed) -> list[dt.date]:
        """The snapshots that have every optional input among `needed`."""
        return [d for d in self.snapshots if not self.missing_inputs(needed, d)]

    def resolve_snapshot(self, snapshot: dt.date | str | None) -> dt.date:
        from queries.errors import InvalidValueError

        if snapshot is None:
            return self.latest
        if isinstance(snapshot, str):
            try:
                snapshot = dt.date.fromisoformat(snapshot)
            except ValueError:
                raise InvalidValueError(
                    f"date de photographie invalide : « {snapshot} » (format AAAA-MM-JJ)"
                ) from None
        if snapshot not in self.snapshots:
            listed = ", ".join(d.isoformat() for d in self.snapshots)
            raise InvalidValueError(
                f"aucune photographie au {snapshot.isoformat()}. Photographies disponibles : {listed}."
            )
        return snapshot


def open_engine(data_root: Path | str | None = None) -> Engine:
    # resolved: the built file's name depends on its inputs' paths, and a root named relatively
    # (peuplement import --data-dir data/x) must open the file the server built, not build one
    root = Path(data_root).expanduser().resolve() if data_root is not None else default_data_root()
    if not root.is_dir():
        raise DataRootError(f"dossier de données introuvable : {root}")
    version = data_version(root)
    snapshots = list_snapshots(root)
    if not snapshots:
        raise DataRootError(
            f"aucune photographie (dossier {SNAPSHOTS_DIR}/date=AAAA-MM-JJ) dans {root}"
        )
    inputs_files = _input_files(root, snapshots)
    missing = [p for p in inputs_files.paths() if not Path(p).is_file()]
    if missing:
        raise DataRootError(
            f"fichier(s) manquant(s) dans {root} : {', '.join(missing[:5])} — lancez « peuplement validate {root} »"
        )
    sweep_orphan_workdirs()
    try:
        workdir = Path(tempfile.mkdtemp(prefix=f"{WORKDIR_PREFIX}{os.getpid()}-"))
    except OSError as exc:
        raise DataRootError(
            f"le moteur ne peut pas créer sa base de travail dans {tempfile.gettempdir()} "
            f"({exc.strerror}) : indiquez un dossier accessible en écriture avec TMPDIR"
        ) from None
    try:
        rule_constants = rules.occupancy_parameters()  # parametres.yaml, bound in enrichment.sql
        database = _shared_database(root, inputs_files, rule_constants, version, workdir)
        if database.parent == workdir:  # built privately: this engine's own database
            con = _connect_read_only(database, workdir)
        else:
            con, workdir = _open_shared(database, workdir)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    inputs = optional_inputs(root, snapshots)
    return Engine(root, snapshots, con, version, workdir, database, inputs)


def _connect_read_only(database: Path, workdir: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(str(database), read_only=True, config=_config(workdir))
    con.execute("SET enable_progress_bar = false")  # a CLI's output is for its reader
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return con


@dataclass
class _SharedFile:
    """One read-only DuckDB instance per shared database file in this process (DuckDB refuses a
    second instance of one file in a process); each engine reads it through its own connection."""

    connection: duckdb.DuckDBPyConnection
    workdir: Path  # its spill folder, removed with the last engine reading it
    engines: int = 0


_SHARED: dict[Path, _SharedFile] = {}
_SHARED_LOCK = threading.Lock()


def _open_shared(database: Path, workdir: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    """A connection to the process's instance of `database`, opened with `workdir` as its spill
    folder when it is the first (otherwise `workdir` is removed and the instance's is used)."""
    with _SHARED_LOCK:
        shared = _SHARED.get(database)
        if shared is None:
            shared = _SHARED[database] = _SharedFile(_connect_read_only(database, workdir), workdir)
        elif workdir != shared.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
        shared.engines += 1
        return shared.connection.cursor(), shared.workdir


ENGINE_FILE_PREFIX = "enrichi-"
KEPT_ENGINE_FILES = 2  # the current state's file and the one before (a process may still read it)
MANIFEST_SUFFIX = ".json"  # beside each built file: what it was built from (see _Manifest)
# The answers kept for a published state (queries.answers), retired with its file.
ANSWERS_SUFFIX = ".reponses"


@dataclass(frozen=True)
class _InputFiles:
    """The Parquet files an engine reads: the reference tables (one file each) and, per snapshot,
    each snapshot table's file (an optional table only where the snapshot has it)."""

    reference: dict[str, str]
    snapshots: dict[dt.date, dict[str, list[str]]]

    def paths(self) -> list[str]:
        per_snapshot = (p for files in self.snapshots.values() for v in files.values() for p in v)
        return [*self.reference.values(), *per_snapshot]


def _input_files(root: Path, snapshots: list[dt.date]) -> _InputFiles:
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
    return _InputFiles(reference, per_snapshot)


def _stats(paths) -> str:
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
    def of(cls, inputs: _InputFiles, constants: Mapping[str, object]) -> _Manifest:
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


def _shared_database(
    root: Path,
    inputs: _InputFiles,
    constants: Mapping[str, object],
    version: tuple,
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
        if match and not _alive(int(match.group(1))):
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


def _config(workdir: Path) -> dict[str, str | bool | int | float | list[str]]:
    return {
        "threads": THREADS,
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(workdir / "spill"),
    }


_OPTIONAL = tuple(t.name for t in OPTIONAL_REFERENCE_TABLES + OPTIONAL_SNAPSHOT_TABLES)


def _build_database(
    root: Path,
    inputs: _InputFiles,
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
    con = duckdb.connect(str(database), config=_config(workdir))
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


def sweep_orphan_workdirs(parent: Path | None = None) -> list[Path]:
    """Remove the engine folders of processes that no longer exist (a killed server cannot clean
    up after itself). The owner's pid is in the folder's name; a live pid keeps its folder."""
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    for folder in parent.glob(f"{WORKDIR_PREFIX}*"):
        match = _WORKDIR.match(folder.name)
        if match and folder.is_dir() and not _alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def _discard(connection: duckdb.DuckDBPyConnection, workdir: Path, database: Path | None) -> None:
    connection.close()
    with _SHARED_LOCK:
        shared = _SHARED.get(database) if database is not None else None
        if database is not None and shared is not None and shared.workdir == workdir:
            shared.engines -= 1
            if shared.engines:
                return  # other engines of this process still read the file
            del _SHARED[database]
            shared.connection.close()
    shutil.rmtree(workdir, ignore_errors=True)


_ENGINES: dict[tuple, Engine] = {}
_LOCK = threading.Lock()


def get_engine(data_root: Path | str | None = None) -> Engine:
    """The engine for a data root, rebuilt when its published state (data_version) changes."""
    root = Path(data_root) if data_root is not None else default_data_root()
    key = data_version(root)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            for old in [k for k in _ENGINES if k[0] == key[0]]:
                _ENGINES.pop(old).close()
            engine = _ENGINES[key] = open_engine(root)
        return engine
