"""The query engine: one in-memory DuckDB database per data root, built from its Parquet files.

On start the engine reads every snapshot once and computes the derived values of the data contract
(sql/enrichment.sql) into one table per base. After that it can no longer read or write files
(external access off, configuration locked): queries see only the loaded tables.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ingest.contract import REFERENCE_TABLES, SNAPSHOT_TABLES, SNAPSHOTS_DIR, table_path
from queries.errors import DataRootError, RowCapError
from queries.settings import default_data_root

# Guardrails at the database edge.
THREADS = 2  # the machines we run on have 2 cores; more threads only add contention
MEMORY_LIMIT = "4GB"  # the national-scale root fits with room; past this DuckDB spills or fails
ROW_CAP = 200_000  # no screen or export needs more rows; a bigger result is a mistaken breakdown
ENRICHMENT_SQL = Path(__file__).parent / "sql" / "enrichment.sql"
_SNAPSHOT_DIR = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")


def list_snapshots(data_root: Path) -> list[dt.date]:
    """Snapshot dates found as snapshots/date=YYYY-MM-DD folders, ascending."""
    folder = Path(data_root) / SNAPSHOTS_DIR
    if not folder.is_dir():
        return []
    dates = []
    for child in folder.iterdir():
        match = _SNAPSHOT_DIR.match(child.name)
        if child.is_dir() and match:
            try:
                dates.append(dt.date.fromisoformat(match.group(1)))
            except ValueError:
                continue
    return sorted(dates)


@dataclass
class Engine:
    data_root: Path
    snapshots: list[dt.date]
    connection: duckdb.DuckDBPyConnection
    version: tuple = ()  # data_version() of the root when this engine was built
    _local: threading.local = field(default_factory=threading.local, repr=False)

    @property
    def latest(self) -> dt.date:
        return self.snapshots[-1]

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor for the calling thread: a DuckDB connection is not safe across threads."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._local.cursor = self.connection.cursor()
        return cur

    def fetch(self, sql: str, params: dict | None = None) -> pd.DataFrame:
        df = self.cursor().execute(sql, params or {}).df()
        if len(df) > ROW_CAP:
            raise RowCapError(
                f"Le résultat dépasse {ROW_CAP:,} lignes : choisissez moins de dimensions ou filtrez.".replace(
                    ",", " "
                )
            )
        return df

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
    params: dict[str, object] = {}
    for table in REFERENCE_TABLES:
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
    con = duckdb.connect(":memory:", config={"threads": THREADS, "memory_limit": MEMORY_LIMIT})
    try:
        for statement in _statements(ENRICHMENT_SQL.read_text(encoding="utf-8")):
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
    except duckdb.Error as exc:
        con.close()
        raise DataRootError(f"lecture impossible des données de {root} : {exc}") from None
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")
    return Engine(root, snapshots, con, version)


def _statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


_ENGINES: dict[tuple, Engine] = {}
_LOCK = threading.Lock()


def data_version(data_root: Path | str) -> tuple:
    """What identifies the published state of a data root: each snapshot date with its folder's
    identity, and the reference folder's. A publish renames a new folder into place (new inode),
    so a new, replaced or retired snapshot and new reference tables all change the version."""
    root = Path(data_root)
    parts = []
    for date in list_snapshots(root):
        st = (root / SNAPSHOTS_DIR / f"date={date.isoformat()}").stat()
        parts.append((date.isoformat(), st.st_ino, st.st_mtime_ns))
    ref = root / "reference"
    ref_id = (ref.stat().st_ino, ref.stat().st_mtime_ns) if ref.is_dir() else None
    return (str(root.resolve()), tuple(parts), ref_id)


def get_engine(data_root: Path | str | None = None) -> Engine:
    """The engine for a data root, rebuilt when its published state (data_version) changes."""
    root = Path(data_root) if data_root is not None else default_data_root()
    key = data_version(root)
    with _LOCK:
        engine = _ENGINES.get(key)
        if engine is None:
            for old in [k for k in _ENGINES if k[0] == key[0]]:
                _ENGINES.pop(old).connection.close()
            engine = _ENGINES[key] = open_engine(root)
        return engine
