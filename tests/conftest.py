"""Shared fixtures: the hand-written tiny data root and an engine over it."""

from __future__ import annotations

import pytest

from queries.engine import open_engine
from tests.tiny_data import write_tiny_root

# The AppTest helpers assert too: rewrite their asserts as pytest does a test module's.
pytest.register_assert_rewrite("tests.apptest_support")


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    return write_tiny_root(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def tiny_engine(tiny_root):
    engine = open_engine(tiny_root)
    yield engine
    engine.close()


@pytest.fixture(scope="session")
def demo_root(tmp_path_factory):
    """The default demo data root (20,000 dwellings, 13 snapshots, seed 42), generated once."""
    from ingest.demo import generate

    root = tmp_path_factory.mktemp("demo") / "root"
    generate(root)
    return root


@pytest.fixture(autouse=True)
def no_shared_database(monkeypatch):
    """Tests keep their state beside their own audit location, never in a developer's database;
    the engines a test opened are disposed after it (each test has its own database file: kept
    open, their connections would pile up over the suite)."""
    monkeypatch.delenv("PEUPLEMENT_DATABASE_URL", raising=False)
    yield
    from store.database import forget_stores

    forget_stores()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path):
    """An empty state database, on SQLite and on a real PostgreSQL (see tests/state_store.py)."""
    from tests.state_store import fresh_database

    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store(store_url):
    """The state store at `store_url`, migrated to head."""
    from store import open_store

    return open_store(store_url)
