"""Layers run one way: pages -> ui -> queries -> semantic, with ingest beside queries, and dataroot
(the data root's contract and layout) at the bottom beside semantic, imported by ingest, queries
and ui. A wrong-way import, SQL or file reading in a page, a snapshot folder listed or a Parquet
file read outside dataroot fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# package -> the project packages and libraries it must never import
FORBIDDEN = {
    # dataroot imports nothing of the project but the exception family (semantic.errors)
    "dataroot": {"queries", "ui", "pages", "cli", "ingest", "reports", "streamlit", "duckdb"},
    "semantic": {"queries", "ui", "pages", "cli", "ingest", "dataroot", "streamlit", "duckdb"},
    "queries": {"reports", "ui", "pages", "cli", "streamlit"},
    "ingest": {"ui", "pages", "cli", "queries", "streamlit"},
    "reports": {"ui", "pages", "cli", "streamlit"},
    "ui": {"pages", "cli", "duckdb"},
    "pages": {"duckdb", "yaml", "pyarrow", "ingest"},
    "cli": {"ui", "pages", "streamlit"},
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


def _project_imports(path: Path) -> set[str]:
    """Full module names of the absolute imports of `path` ("semantic.errors", "ingest.contract")."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", _python_files("dataroot"), ids=lambda p: p.name)
def test_dataroot_uses_only_the_exception_family_of_semantic(path):
    semantic = {m for m in _project_imports(path) if m.split(".")[0] == "semantic"}
    assert semantic <= {"semantic.errors"}, f"{path.name} imports {sorted(semantic)}"


LAYERS_ABOVE = ("queries", "ui", "pages", "cli", "reports", "ingest")


def test_the_contract_is_imported_from_dataroot():
    """ingest/contract.py is a shim kept for old code: the project imports dataroot."""
    shim = ROOT / "ingest" / "contract.py"
    old = [
        path.relative_to(ROOT).as_posix()
        for package in LAYERS_ABOVE
        for path in _python_files(package)
        if path != shim and "ingest.contract" in _project_imports(path)
    ]
    assert not old, f"import the contract from dataroot, not ingest.contract: {old}"


# A snapshot folder's name is matched, or a snapshot listing built, only in dataroot/layout.py.
LISTING = re.compile(r"SNAPSHOT_PREFIX|date=\(|SNAPSHOTS_DIR\)?\s*\.(iterdir|glob)\(")
# Reading Parquet is the engine's (sql/enrichment.sql, paths from dataroot) and dataroot's; ingest
# reads the files it validates and imports. The benchmark reads them by hand on purpose.
PARQUET = re.compile(r"read_parquet|read_table|read_metadata|ParquetFile")


def test_only_dataroot_lists_snapshot_folders():
    shim = ROOT / "ingest" / "contract.py"
    listing = [
        path.relative_to(ROOT).as_posix()
        for package in LAYERS_ABOVE
        for path in _python_files(package)
        if path != shim and LISTING.search(path.read_text(encoding="utf-8"))
    ]
    assert not listing, f"list snapshots with dataroot.layout.scan_snapshots: {listing}"


def test_only_dataroot_and_the_engine_read_parquet():
    readers = [
        path.relative_to(ROOT).as_posix()
        for package in ("queries", "ui", "pages", "cli", "reports", "semantic")
        for path in _python_files(package)
        if PARQUET.search(path.read_text(encoding="utf-8"))
        and not path.relative_to(ROOT).as_posix().startswith("queries/bench/")
    ]
    assert not readers, f"read Parquet through dataroot (or the engine): {readers}"


def test_every_environment_variable_is_documented():
    """Each PEUPLEMENT_* variable named in the code has its line in docs/architecture.md."""
    named = set()
    for package in ("dataroot", "semantic", "queries", "ingest", "reports", "ui", "cli"):
        for path in _python_files(package):
            named |= set(re.findall(r"\"(PEUPLEMENT_[A-Z_]+)\"", path.read_text(encoding="utf-8")))
    documented = set(
        re.findall(
            r"^\| `(PEUPLEMENT_[A-Z_]+)` \|",
            (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"),
            re.M,
        )
    )
    assert named, "no environment variable found: the search is broken"
    assert named <= documented, (
        f"undocumented in docs/architecture.md: {sorted(named - documented)}"
    )


def test_the_dataroot_rules_catch_planted_mistakes(tmp_path):
    """The checks above fail on what they are meant to catch: dataroot importing a layer above,
    a snapshot listing written again, a Parquet file read by a screen."""
    planted = tmp_path / "planted.py"
    planted.write_text("from queries.engine import get_engine\nimport duckdb\n", encoding="utf-8")
    assert _imports(planted) & FORBIDDEN["dataroot"] == {"queries", "duckdb"}
    old_engine_listing = '_SNAPSHOT_DIR = re.compile(r"^date=(\\d{4}-\\d{2}-\\d{2})$")'
    assert LISTING.search(old_engine_listing)
    assert LISTING.search("for child in (root / SNAPSHOTS_DIR).iterdir():")
    assert PARQUET.search("return pd.read_parquet(path, columns=columns)")
