"""Layers run one way: pages -> ui -> queries -> semantic, with ingest beside queries, and dataroot
(the data root's contract and layout) at the bottom beside semantic, imported by ingest, queries
and ui; inside ui/, shell <- shared <- screens, and no screen imports another. A wrong-way import,
an import cycle, SQL or file reading in a page, a snapshot folder listed or a Parquet file read
outside dataroot fails here."""

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
    # the shared state store: used by ui, cli and tests alike, so it imports none of them
    "store": {"ui", "pages", "cli", "queries", "reports", "ingest", "streamlit", "duckdb"},
    # warming a published state sits above ui/ (it loads every screen), beside pages/
    "warmup": {"pages", "cli", "duckdb"},
}
# warmup is run (`python -m warmup`, by `peuplement import`), never imported by the project
for _package in FORBIDDEN:
    if _package != "warmup":
        FORBIDDEN[_package] = FORBIDDEN[_package] | {"warmup"}


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


# --- inside ui/: shell <- shared <- screens, no screen imports another, no import cycle ---------

PROJECT_PACKAGES = (
    "dataroot",
    "semantic",
    "queries",
    "ingest",
    "reports",
    "store",
    "cli",
    "ui",
    "pages",
    "warmup",
)
# ui sub-layer -> the ui sub-layers it must never import (screens are checked one against another)
UI_FORBIDDEN = {"ui.shell": ("ui.shared", "ui.screens"), "ui.shared": ("ui.screens",)}


def module_graph(root: Path, packages=PROJECT_PACKAGES) -> dict[str, set[str]]:
    """Module name -> the project modules it imports, anywhere in its text (top level, functions
    and `if TYPE_CHECKING:` blocks alike: a cycle hidden in a function is still a cycle)."""
    files = {}
    for package in packages:
        base = root / package
        for path in sorted(base.rglob("*.py")) if base.is_dir() else []:
            parts = path.relative_to(root).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            files[name] = path
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        is_package = path.name == "__init__.py"
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = name.split(".") if is_package else name.split(".")[:-1]
                    base_parts = base_parts[: len(base_parts) - node.level + 1]
                    module = ".".join([*base_parts, *([node.module] if node.module else [])])
                else:
                    module = node.module or ""
                # `from package import module` names a module; `from module import name` does not
                targets = [
                    f"{module}.{a.name}" if f"{module}.{a.name}" in files else module
                    for a in node.names
                ]
            else:
                continue
            found |= {t for t in targets if t in files and t != name}
        graph[name] = found
    return graph


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Wrong-way imports inside ui/, and a page importing another page's screen."""
    bad = []
    for module, imported in graph.items():
        for target in imported:
            for layer, forbidden in UI_FORBIDDEN.items():
                if module.startswith(layer + ".") and target.startswith(forbidden):
                    bad.append(f"{module} -> {target}")
            own = _screen_of(module)
            other = _screen_of(target)
            if other and module.startswith(("ui.screens.", "pages.")) and other != own:
                bad.append(f"{module} -> {target} (another screen)")
    return sorted(bad)


def _screen_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[:2] == ["ui", "screens"] and len(parts) > 2:
        return parts[2]
    if parts[0] == "pages" and len(parts) > 1:
        return parts[1]
    return None


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_ui_layers_and_screens_stay_apart():
    assert layer_violations(module_graph(ROOT)) == []


def test_no_import_cycle_in_the_project():
    assert import_cycles(module_graph(ROOT)) == []


def test_every_ui_module_is_in_a_layer():
    flat = [p.name for p in (ROOT / "ui").glob("*.py") if p.name != "__init__.py"]
    assert flat == [], f"ui/ modules outside ui/shell, ui/shared, ui/screens/<screen>: {flat}"


def _plant(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        for parent in path.relative_to(root).parents:
            if str(parent) != ".":
                (root / parent / "__init__.py").touch()
        path.write_text(text, encoding="utf-8")
    return root


def test_the_checks_catch_a_planted_screen_to_screen_import(tmp_path):
    root = _plant(
        tmp_path,
        {
            "ui/shared/formats.py": "",
            "ui/screens/carte/view.py": "from ui.shared import formats\n",
            "ui/screens/objectifs/cards.py": "from ui.screens.carte.view import x\n",
            "ui/shell/auth.py": "def f():\n    from ui.shared.formats import y\n",
            "pages/carte.py": "from ui.screens.objectifs import cards\n",
        },
    )
    assert layer_violations(module_graph(root)) == [
        "pages.carte -> ui.screens.objectifs.cards (another screen)",
        "ui.screens.objectifs.cards -> ui.screens.carte.view (another screen)",
        "ui.shell.auth -> ui.shared.formats",
    ]


def test_the_checks_catch_a_planted_cycle(tmp_path):
    root = _plant(
        tmp_path,
        {
            "ui/shared/charts.py": "from typing import TYPE_CHECKING\n"
            "if TYPE_CHECKING:\n    from ui.shared.cards import Card\n",
            "ui/shared/cards.py": "from ui.shared import charts\n",
            "queries/a.py": "from queries import b\n",
            "queries/b.py": "def later():\n    from .a import f\n",
            "queries/c.py": "from queries import a\n",
        },
    )
    assert import_cycles(module_graph(root)) == [
        ["queries.a", "queries.b"],
        ["ui.shared.cards", "ui.shared.charts"],
    ]


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
    packages = ("dataroot", "semantic", "queries", "ingest", "reports", "store", "ui", "cli")
    for package in packages:
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
