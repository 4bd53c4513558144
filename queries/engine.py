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
from queries.sql import rules

# Guardrails at the database edge.
THREADS = 2  # the machines we run on have 2 cores; more threads only add contention
# DuckDB's own memory (buffers, hash tables, sorts); past it, it spills to the engine's temporary
# folder. The 5 M-dwelling root builds in it and answers within the latency targets.
MEMORY_LIMIT = "3GB"
ROW_CAP = 200_000  # no screen or export needs more rows; a bigger result is a mistaken breakdown
ENRICHMENT_SQL = Path(__file__).parent / "sql" / "enrichment.sql"
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
    root = Path(data_root) if data_root is not None else default_data_root()
    if not root.is_dir():
        raise DataRootError(f"dossier de données introuvable : {root}")
    version = data_version(root)
    snapshots = list_snapshots(root)
    if not snapshots:
        raise DataRootError(
            f"aucune photographie (dossier {SNAPSHOTS_DIR}/date=AAAA-MM-JJ) dans {root}"
        )
    params: dict[str, str | list[str]] = {}
    for table in REFERENCE_TABLES:
        params[table.name] = str(table_path(root, table))
    for table in OPTIONAL_REFERENCE_TABLES:  # left out of the data root: the table stays empty
        if table_path(root, table).is_file():
            params[table.name] = str(table_path(root, table))
    for table in SNAPSHOT_TABLES:
        params[table.name] = [str(table_path(root, table, d.isoformat())) for d in snapshots]
    for table in OPTIONAL_SNAPSHOT_TABLES:  # the snapshots that have it; none: the table is empty
        paths = [table_path(root, table, d.isoformat()) for d in snapshots]
        if any(p.is_file() for p in paths):
            params[table.name] = [str(p) for p in paths if p.is_file()]
    missing = [
        p
        for v in params.values()
        for p in ([v] if isinstance(v, str) else v)
        if not Path(p).is_file()
    ]
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
        database = _shared_database(root, params, rule_constants, version, workdir)
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


def engine_key(
    params: Mapping[str, object], constants: Mapping[str, object], version: tuple
) -> str:
    """What a built database depends on: the published state of the data root (data_version),
    each input file (path, size, modification time: a file rewritten in place is seen too), the
    rule constants bound into the enrichment SQL, that SQL and the DuckDB version that wrote it."""
    digest = hashlib.sha256()
    files = sorted(
        str(p)
        for v in params.values()
        for p in ([v] if isinstance(v, str) else list(v))  # type: ignore[call-overload]
    )
    stats = [(f, os.stat(f).st_size, os.stat(f).st_mtime_ns) for f in files]
    bound = repr(sorted(constants.items()))
    for part in (repr(version), repr(stats), bound, ENRICHMENT_SQL.read_text("utf-8")):
        digest.update(part.encode())
    digest.update(duckdb.__version__.encode())
    return digest.hexdigest()[:20]


def _shared_database(
    root: Path,
    params: Mapping[str, object],
    constants: Mapping[str, object],
    version: tuple,
    workdir: Path,
) -> Path:
    """The database of this published state: found in the engine folder, or built there once
    (under its lock, written beside and renamed into place); built in `workdir` when the engine
    folder cannot be written."""
    folder = engine_dir(root)
    target = folder / f"{ENGINE_FILE_PREFIX}{engine_key(params, constants, version)}.duckdb"
    params = {**params, **constants}
    if target.is_file():
        _touch(target)
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = open(folder / ".verrou", "a+b")  # noqa: SIM115 - held for the whole build
    except OSError:
        return _build_database(root, params, workdir)  # read-only data root: a private build
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another process building the same state: wait for it
        if target.is_file():
            _touch(target)
            return target
        building = folder / f".{target.name}.{os.getpid()}.en-cours"
        try:
            built = _build_database(root, params, workdir, building)
            os.replace(built, target)
        except BaseException:
            building.unlink(missing_ok=True)
            Path(f"{building}.wal").unlink(missing_ok=True)
            raise
        _retire_old_files(folder, keep=target)
    return target


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


def _build_database(
    root: Path, params: Mapping[str, object], workdir: Path, database: Path | None = None
) -> Path:
    """Run sql/enrichment.sql into a new database file (`database`, or one in `workdir`); each
    table is checkpointed (written compressed) as soon as it is built, so that at most one table
    is held uncompressed."""
    database = database or workdir / "enrichi.duckdb"
    con = duckdb.connect(str(database), config=_config(workdir))
    try:
        con.execute("SET enable_progress_bar = false")
        for statement in _statements(ENRICHMENT_SQL.read_text(encoding="utf-8")):
            named = set(re.findall(r"\$(\w+)", statement))
            if any(
                t.name in named and t.name not in params
                for t in OPTIONAL_REFERENCE_TABLES + OPTIONAL_SNAPSHOT_TABLES
            ):
                continue  # reads an optional table the data root does not have
            used = {k: v for k, v in params.items() if k in named}
            con.execute(statement, used)
            con.execute("CHECKPOINT")
    except duckdb.Error as exc:
        raise DataRootError(f"lecture impossible des données de {root} : {exc}") from None
    finally:
        con.close()
    return database


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


def _statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


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
