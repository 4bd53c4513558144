"""Check a whole data root against the data contract and report every problem at once.

The contract (dataroot.contract) says what to check; this module walks the root, opens each file and
runs the checks, never stopping at the first problem: a file that cannot be read is reported and
the checks that need it are skipped. Parts live in ingest.validation (see its docstring).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from dataroot.contract import (
    OPTIONAL_REFERENCE_TABLES,
    OPTIONAL_SNAPSHOT_TABLES,
    REFERENCE_TABLES,
    SNAPSHOT_TABLES,
    Table,
)
from dataroot.layout import table_path
from ingest.validation.ceilings import CEILING_RULES
from ingest.validation.checks import Check, contract_checks
from ingest.validation.engine import Session
from ingest.validation.files import ACCEPTED_TYPES, open_table_file
from ingest.validation.layout import check_objectifs, find_snapshots
from ingest.validation.problem import Problem, Report, format_problems, summary
from ingest.validation.rules import RULES

__all__ = [
    "ACCEPTED_TYPES",
    "Problem",
    "Report",
    "check_root",
    "format_problems",
    "summary",
    "validate_root",
]

_REFERENCE_NAMES = frozenset(t.name for t in REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES)
_CHECKED = REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES + SNAPSHOT_TABLES + OPTIONAL_SNAPSHOT_TABLES
ALL_CHECKS: tuple[Check, ...] = (
    *(check for table in _CHECKED for check in contract_checks(table)),
    *RULES,
    *CEILING_RULES,
)
# Checks on reference tables only run once; the others run again in every snapshot.
REFERENCE_CHECKS = [c for c in ALL_CHECKS if c.tables <= _REFERENCE_NAMES]
SNAPSHOT_CHECKS = [c for c in ALL_CHECKS if not c.tables <= _REFERENCE_NAMES]


def validate_root(root: Path) -> list[Problem]:
    """Every error of the data root at `root` (an empty list when it follows the contract).

    Warnings (see check_root) are left out: they never make a root invalid."""
    return list(check_root(root).problems)


def check_root(root: Path) -> Report:
    """Like validate_root, with the number of files and rows read (for the all-clear message)."""
    root = Path(root)
    problems: list[Problem] = []
    with Session() as session:
        for table in REFERENCE_TABLES:
            problems += _load(session, root, table, None)
        for table in OPTIONAL_REFERENCE_TABLES:  # checked when the data root has them
            if table_path(root, table).exists():
                problems += _load(session, root, table, None)
        problems += session.run(REFERENCE_CHECKS)
        dates, layout_problems = find_snapshots(root)
        problems += layout_problems
        for date in dates:
            session.forget([t.name for t in SNAPSHOT_TABLES + OPTIONAL_SNAPSHOT_TABLES])
            for table in SNAPSHOT_TABLES:
                problems += _load(session, root, table, date)
            for table in OPTIONAL_SNAPSHOT_TABLES:  # checked in the snapshots that have them
                if table_path(root, table, date.isoformat()).exists():
                    problems += _load(session, root, table, date)
            problems += session.run(SNAPSHOT_CHECKS, date)
        problems += check_objectifs(root)
        errors = tuple(p for p in problems if p.severity == "error")
        warnings = tuple(p for p in problems if p.severity != "error")
        return Report(errors, session.files_checked, session.rows_checked, warnings)


def _load(session: Session, root: Path, table: Table, date: dt.date | None) -> list[Problem]:
    path = table_path(root, table, date.isoformat() if date else None)
    table_file, problems = open_table_file(root, table, path)
    if table_file is not None:
        problems += session.load(table_file)
    return problems
