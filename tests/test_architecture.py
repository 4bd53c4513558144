"""Layers run one way: pages -> ui -> queries -> semantic (ingest holds the data contract and
sits beside queries). A wrong-way import, SQL or file reading in a page fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> the project packages and libraries it must never import
FORBIDDEN = {
    "semantic": {"queries", "ui", "pages", "cli", "ingest", "streamlit", "duckdb"},
    "queries": {"reports", "ui", "pages", "cli", "streamlit"},
    "ingest": {"ui", "pages", "cli", "queries", "streamlit"},
    "reports": {"ui", "pages", "cli", "streamlit"},
    "ui": {"pages", "cli", "duckdb"},
    "pages": {"duckdb", "yaml", "pyarrow", "ingest"},
    "cli": {"ui", "pages", "streamlit"},
    # the shared state store: used by ui, cli and tests alike, so it imports none of them
    "store": {"ui", "pages", "cli", "queries", "reports", "ingest", "streamlit", "duckdb"},
}


def _python_files(package: str):
    base = ROOT / package
    return sorted(base.rglob("*.py")) if base.is_dir() else []


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


CASES = [(pkg, f) for pkg in FORBIDDEN for f in _python_files(pkg)] + [("pages", ROOT / "Home.py")]


@pytest.mark.parametrize(
    ("package", "path"), CASES, ids=[str(p.relative_to(ROOT)) for _, p in CASES]
)
def test_no_wrong_way_import(package, path):
    bad = _imports(path) & FORBIDDEN[package]
    assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}, against the layering"


SQL = re.compile(r"\b(SELECT\s+.+\s+FROM|read_parquet|CREATE\s+TABLE)\b", re.IGNORECASE | re.DOTALL)


@pytest.mark.parametrize("path", [*_python_files("pages"), ROOT / "Home.py"], ids=lambda p: p.name)
def test_pages_hold_no_sql_and_read_no_files(path):
    text = path.read_text(encoding="utf-8")
    assert not SQL.search(text), f"{path.name} holds SQL: move it to queries/"
    assert "open(" not in text and ".read_text(" not in text, f"{path.name} reads files itself"


def test_sql_is_written_only_by_the_builder_and_the_engine():
    writers = set()
    for package in ("queries", "reports", "ui", "cli", "semantic"):
        for path in _python_files(package):
            if re.search(r"\bSELECT\b[^\"']*\bFROM\b", path.read_text(encoding="utf-8")):
                writers.add(path.relative_to(ROOT).as_posix())
    # The benchmark's SQL is written by hand on purpose: it is what the builder is measured against.
    allowed = {"queries/bench/questions.py"}
    assert all(w.startswith("queries/sql/") or w in allowed for w in writers), writers
