"""Where the state store lives and how to reach it: one engine per URL and process, migrated to
the latest schema the first time it is opened.

SQLite (the default, a file beside the audit trail) gets WAL, a busy timeout and an explicit
`BEGIN IMMEDIATE` for writes, so that threads and processes of one machine queue for the write
lock instead of failing; PostgreSQL serialises with row locks (`SELECT … FOR UPDATE`).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from semantic.errors import InvalidValueError

DATABASE_URL_ENV = "PEUPLEMENT_DATABASE_URL"
# The audit location names the folder of the default SQLite store (the portal's settings and the
# `peuplement` command read it alike).
AUDIT_FILE_ENV = "PEUPLEMENT_AUDIT_FILE"
DEFAULT_AUDIT_FILE = Path(__file__).resolve().parent.parent / "data" / "audit" / "audit.jsonl"
# Beside the audit trail's location (data/audit/ by default, git-ignored).
SQLITE_FILENAME = "peuplement.sqlite3"
# A writer waits this long for another one (a login, an audit line) before giving up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Several server processes may start at once on one PostgreSQL: one migrates, the others wait.
PG_MIGRATION_LOCK = 160_016
_SUPPORTED = ("sqlite", "postgresql")


def audit_location(environ: Mapping[str, str]) -> Path:
    """PEUPLEMENT_AUDIT_FILE, or data/audit/audit.jsonl in the project."""
    value = environ.get(AUDIT_FILE_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else DEFAULT_AUDIT_FILE


def configured_url(environ: Mapping[str, str]) -> str:
    """The store the portal started with these variables uses."""
    return database_url(audit_location(environ), environ)


def database_url(audit_file: Path, environ: Mapping[str, str]) -> str:
    """PEUPLEMENT_DATABASE_URL when set, else a SQLite file beside the audit trail."""
    url = environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    return f"sqlite:///{Path(audit_file).with_name(SQLITE_FILENAME)}"


class Store:
    """An engine on the state database, with read and write transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction that holds the write lock from its start (SQLite) and commits on exit."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(peuplement_write=True)
            with conn.begin():
                yield conn


_stores: dict[str, Store] = {}
_stores_lock = threading.Lock()


def open_store(url: str) -> Store:
    """The store at `url`, migrated to head on first use in this process (cached per URL)."""
    with _stores_lock:
        found = _stores.get(url)
        if found is None:
            found = _stores[url] = Store(_engine(url))
            migrate(found)
        return found


def forget_stores() -> None:
    """Dispose every cached engine (tests, and the CLI before it exits)."""
    with _stores_lock:
        for store in _stores.values():
            store.engine.dispose()
        _stores.clear()


def _engine(url: str) -> Engine:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in _SUPPORTED:
        raise InvalidValueError(
            f"Base d'état non prise en charge : « {backend} » ({DATABASE_URL_ENV}). "
            f"Valeurs valides : {', '.join(_SUPPORTED)}."
        )
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True)
    if parsed.database:
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(parsed, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy's begin event issues BEGIN itself
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("peuplement_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def migrate(store: Store, revision: str = "head") -> None:
    """`alembic upgrade <revision>`, programmatically, one process at a time."""
    from store.migrations.runner import upgrade

    if store.dialect == "postgresql":
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": PG_MIGRATION_LOCK})
            try:
                upgrade(store.engine, revision)
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_MIGRATION_LOCK})
                conn.commit()
        return
    database = store.engine.url.database
    if not database or database == ":memory:":
        upgrade(store.engine, revision)
        return
    with open(f"{database}.migration-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        upgrade(store.engine, revision)
