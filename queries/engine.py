"""The query engine: one read-only DuckDB database per data root, built from its Parquet files.

On start the engine reads every snapshot once and computes the derived values of the data contract
(sql/enrichment.sql) into one table per base, written to a private, compressed DuckDB file in a
temporary folder (about 20 times smaller than the same tables held uncompressed in memory, and as
fast to scan). The file is then reopened read-only, with external access off and the
configuration locked: queries see only the enriched tables and can neither write them nor read or
write any other file. The folder is removed when the engine is closed or collected.
"""

from __future__ import annotations

import datetime as dt
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

from dataroot.contract import OPTIONAL_REFERENCE_TABLES, REFERENCE_TABLES, SNAPSHOT_TABLES
from dataroot.errors import DataRootError
from dataroot.layout import (
    SNAPSHOTS_DIR,
    table_path,
)
from dataroot.layout import (
    data_version as data_version,  # re-exported: the portal and tools import them from here
)
from dataroot.layout import (
    list_snapshots as list_snapshots,
)
from dataroot.location import default_data_root
from queries import frames
from queries.errors import RowCapError
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
    workdir: Path | None = None  # private folder of the database file; removed by close()
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def __post_init__(self) -> None:
        if self.workdir is not None:
            self._finalizer = weakref.finalize(self, _discard, self.connection, self.workdir)

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
        database = _build_database(root, {**params, **rule_constants}, workdir)
        con = duckdb.connect(str(database), read_only=True, config=_config(workdir))
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return Engine(root, snapshots, con, version, workdir)


def _config(workdir: Path) -> dict[str, str | bool | int | float | list[str]]:
    return {
        "threads": THREADS,
        "memory_limit": MEMORY_LIMIT,
        "temp_directory": str(workdir / "spill"),
    }


def _build_database(root: Path, params: Mapping[str, object], workdir: Path) -> Path:
    """Run sql/enrichment.sql into a new database file; each table is checkpointed (written
    compressed) as soon as it is built, so that at most one table is held uncompressed."""
    database = workdir / "enrichi.duckdb"
    con = duckdb.connect(str(database), config=_config(workdir))
    try:
        for statement in _statements(ENRICHMENT_SQL.read_text(encoding="utf-8")):
            if any(
                f"${t.name}" in statement and t.name not in params
                for t in OPTIONAL_REFERENCE_TABLES
            ):
                continue  # reads an optional table the data root does not have
            used = {k: v for k, v in params.items() if f"${k}" in statement}
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


def _discard(connection: duckdb.DuckDBPyConnection, workdir: Path) -> None:
    connection.close()
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
