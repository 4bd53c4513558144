"""Shared fixtures: the hand-written tiny data root and an engine over it, the small demo roots
shared by the page tests, the default demo root; and how the tests are spread over pytest-xdist
workers (each module stays on one worker, the browser tests all on one)."""

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


@pytest.fixture(scope="session")
def small_demo_root(tmp_path_factory):
    """A small root from the demo generator (3,000 dwellings, 2 snapshots), generated once per
    test process and shared by the page tests: realistic volumes, so a partner's EPCI figures
    are above the secrecy threshold. Read-only: a test that changes a data root copies it."""
    from tests.apptest_support import small_demo  # after register_assert_rewrite above

    return small_demo(tmp_path_factory)


@pytest.fixture(scope="session")
def small_demo_root_5(tmp_path_factory):
    """The same with five quarterly snapshots (a previous one and one a year earlier)."""
    from tests.apptest_support import small_demo

    return small_demo(tmp_path_factory, snapshots=5)


def pytest_collection_modifyitems(config, items):
    """Under `pytest -n N --dist loadgroup`, keep each module's tests on one worker (their module
    fixtures, engines and demo roots, are built once) and every browser test on the same worker
    (one portal server and one Chromium at a time, as in a serial run)."""
    for item in items:
        if item.get_closest_marker("xdist_group"):
            continue
        browser = item.get_closest_marker("browser") is not None
        group = "browser" if browser else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
