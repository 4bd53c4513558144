"""The enrichment script (enrichment.sql) read as the engine runs it: its three sections, and the
two rewrites that let its per-snapshot section run once per snapshot on one database."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).parent / "enrichment.sql"
SNAPSHOT_SECTION = "-- ======== PAR PHOTOGRAPHIE ========"
END_SECTION = "-- ======== FIN ========"
_CREATE_AS = re.compile(r"^CREATE TABLE (\w+) AS\b", re.IGNORECASE)
_CREATE = re.compile(r"^CREATE TABLE (\w+)\b", re.IGNORECASE)
_PARAMETER = re.compile(r"\$(\w+)")
# The tables of a database, to tell a table an earlier snapshot created from a new one.
TABLE_NAMES = "SELECT table_name FROM duckdb_tables()"


@dataclass(frozen=True)
class Script:
    reference: list[str]  # run once, first
    per_snapshot: list[str]  # run once per snapshot, oldest first, with $photographie
    end: list[str]  # run once, last


def script() -> Script:
    head, _, rest = SCRIPT.read_text(encoding="utf-8").partition(SNAPSHOT_SECTION)
    per_snapshot, _, end = rest.partition(END_SECTION)
    return Script(_statements(head), _statements(per_snapshot), _statements(end))


def text() -> str:
    """The whole script, as the engine's key depends on it."""
    return SCRIPT.read_text(encoding="utf-8")


def parameters(statement: str) -> set[str]:
    """The $names a statement binds."""
    return set(_PARAMETER.findall(statement))


def replacing(statement: str) -> str:
    """A reference statement run again on a copied database: CREATE TABLE t becomes CREATE OR
    REPLACE TABLE t (reference tables are small and rebuilt whole)."""
    return _CREATE.sub(r"CREATE OR REPLACE TABLE \1", statement, count=1)


def appending(statement: str, existing: set[str]) -> str:
    """A per-snapshot statement: CREATE TABLE t AS … of a table that already exists (an earlier
    snapshot created it) becomes INSERT INTO t BY NAME …, which appends this snapshot's rows."""
    match = _CREATE_AS.match(statement)
    if match is None or match.group(1) not in existing:
        return statement
    return f"INSERT INTO {match.group(1)} BY NAME{statement[match.end() :]}"


def _statements(script: str) -> list[str]:
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
