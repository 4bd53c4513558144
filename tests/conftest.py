"""Shared fixtures: the hand-written tiny data root and an engine over it."""

from __future__ import annotations

import pytest

from queries.engine import open_engine
from tests.tiny_data import write_tiny_root


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory):
    return write_tiny_root(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def tiny_engine(tiny_root):
    engine = open_engine(tiny_root)
    yield engine
    engine.connection.close()
