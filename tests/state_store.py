"""The state store under test: a fresh SQLite file, or a fresh database on a real PostgreSQL.

PostgreSQL is found through PEUPLEMENT_TEST_POSTGRES_URL (a server URL whose user may create
databases, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres); each test gets its own
database, dropped afterwards. Without it the PostgreSQL cases are skipped, saying so; CI sets
PEUPLEMENT_REQUIRE_POSTGRES=1, which turns that skip into a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL_ENV = "PEUPLEMENT_TEST_POSTGRES_URL"
REQUIRE_POSTGRES_ENV = "PEUPLEMENT_REQUIRE_POSTGRES"
BACKENDS = ("sqlite", "postgresql")


def postgres_server_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV, "").strip()
    if url:
        return url
    message = (
        f"PostgreSQL absent : {POSTGRES_URL_ENV} n'est pas défini, les cas PostgreSQL du store "
        "sont ignorés (apt-get install postgresql, démarrez un cluster, puis "
        f"{POSTGRES_URL_ENV}=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres)."
    )
    if os.environ.get(REQUIRE_POSTGRES_ENV) == "1":
        pytest.fail(message + f" {REQUIRE_POSTGRES_ENV}=1 (CI) : ils sont obligatoires.")
    pytest.skip(message)


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database on `backend`, dropped (PostgreSQL) on exit."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'etat' / 'peuplement.sqlite3'}"
        return
    server = make_url(postgres_server_url())
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"peuplement_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        from store.database import forget_stores

        forget_stores()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
