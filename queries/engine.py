"""The query engine: one read-only DuckDB database per published state of a data root.

The engine reads every snapshot once and computes the derived values of the data contract
(sql/enrichment.sql) into one table per base, written to a compressed DuckDB file (about 20 times
smaller than the same tables held uncompressed in memory, and as fast to scan). That file is built
once per published state and shared by every process (queries/engine_file.py). Each engine opens
it read-only, with external access off and the configuration locked: queries see only the
enriched tables and can neither write them nor read or write any other file. A process holds one
DuckDB instance per file, read by each of its engines through its own connection. Each engine also
has a private folder for DuckDB's spills, removed when the engine is closed or collected.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
import threading
import weakref
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from dataroot.errors import DataRootError
from dataroot.layout import SNAPSHOTS_DIR
from dataroot.layout import (
    data_version as data_version,  # re-exported: the portal and tools import them from here
)
from dataroot.layout import (
    list_snapshots as list_snapshots,
)
from dataroot.leftovers import owner_alive
from dataroot.location import default_data_root
from queries import frames
from queries.engine_file import (
    duckdb_config,
    input_files,
    optional_inputs,
    published_database,
)
from queries.errors import RowCapError
from queries.sql import rules

# Guardrails at the database edge.
ROW_CAP = 200_000  # no screen or export needs more rows; a bigger result is a mistaken breakdown
WORKDIR_PREFIX = "peuplement-engine-"  # + owner pid + "-" + random: one folder per engine
_WORKDIR = re.compile(rf"^{WORKDIR_PREFIX}(\d+)-")


@dataclass
class Engine:
    data_root: Path
    snapshots: list[dt.date]
    connection: duckdb.DuckDBPyConnection
    version: tuple[object, ...] = ()  # data_version() of the root when this engine was built
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
        params: Mapping[str, object] | None = None,
        dtypes: Mapping[str, str] | None = None,
        constants: Mapping[str, bool] | None = None,
    ) -> pd.DataFrame:
        """Run one statement and return its rows. With `dtypes` (column -> "Int64"/"Float64") the
        frame is built from DuckDB's NumPy arrays with those columns typed, plus `constants`
        columns (queries/frames.py); without, it is DuckDB's own `.df()`."""
        result = self.cursor().execute(sql, params or {})
        df = result.df() if dtypes is None else frames.frame(result.fetchnumpy(), dtypes, constants)
        _within_cap(len(df))
        return df

    def fetch_arrays(
        self, sql: str, params: Mapping[str, object] | None = None
    ) -> dict[str, np.ndarray]:
        """Run one statement and return its columns as DuckDB's NumPy arrays (masked arrays where
        a column has NULLs), for callers that work on arrays before building a frame."""
        arrays = self.cursor().execute(sql, params or {}).fetchnumpy()
        _within_cap(len(next(iter(arrays.values()))) if arrays else 0)
        return arrays

    def missing_inputs(self, needed: Iterable[str], snapshot: dt.date) -> tuple[str, ...]:
        """The optional inputs among `needed` that the data has not at `snapshot`."""
        present = self.inputs.get(snapshot, frozenset())
        return tuple(n for n in needed if n not in present)

    def inputs_for(self, needed: Collection[str]) -> list[dt.date]:
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


def _within_cap(rows: int) -> None:
    if rows > ROW_CAP:
        cap = f"{ROW_CAP:,}".replace(",", " ")
        raise RowCapError(
            f"Le résultat dépasse {cap} lignes : choisissez moins de dimensions ou filtrez."
        )


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
    inputs_files = input_files(root, snapshots)
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
        database = published_database(root, inputs_files, rule_constants, version, workdir)
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
    con = duckdb.connect(str(database), read_only=True, config=duckdb_config(workdir))
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


def sweep_orphan_workdirs(parent: Path | None = None) -> list[Path]:
    """Remove the engine folders of processes that no longer exist (a killed server cannot clean
    up after itself). The owner's pid is in the folder's name; a live pid keeps its folder."""
    parent = Path(parent or tempfile.gettempdir())
    removed = []
    for folder in parent.glob(f"{WORKDIR_PREFIX}*"):
        match = _WORKDIR.match(folder.name)
        if match and folder.is_dir() and not owner_alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


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


_ENGINES: dict[tuple[object, ...], Engine] = {}
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
