"""The contract check of a staged data root, its problems told in the user's files and lines.

The validator (ingest.validate) reads Parquet files and numbers their rows from 1; each staged file
keeps the user's line of each of its rows (`Origin`), so "menages.parquet, row 3" becomes
"menages.csv, ligne 7, colonne NUMLOG". Problems the conversion already reported row by row (empty
cells, missing columns or files, unreadable cells) are not repeated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ingest.importer.report import RULE_LABELS, ImportIssue
from ingest.validate import Problem, check_root

# Validator rules on a staged file that the conversion has already reported, with the user's line:
# every empty or unconvertible cell ("null_value"), every missing column or file.
COVERED_BY_CONVERSION = frozenset(
    {"null_value", "missing_column", "missing_file", "unreadable_file", "wrong_type"}
)
IN_PLACE = "données en place"


@dataclass(frozen=True)
class Origin:
    """Where the rows of one staged file come from: the first `len(lines)` rows from the user's
    file `label`, the others (reference tables merged by year) from the file already in place."""

    label: str
    lines: np.ndarray
    columns: dict[str, str] = field(default_factory=dict)  # contract column -> user's column
    kept_from: str | None = None

    def line(self, row: int) -> str:
        if row <= len(self.lines):
            return str(int(self.lines[row - 1]))
        return f"{self.kept_from} ({IN_PLACE}) n°{row - len(self.lines)}"


def check_staged(
    staging_root,
    origins: dict[str, Origin],
    covered: set[str],
    ignore_rules: frozenset[str] = frozenset(),
    warnings: list[ImportIssue] | None = None,
) -> list[ImportIssue]:
    """Run the validator on `staging_root`; `covered` holds the relative paths the import wrote.
    The validator's warnings (data usable but suspicious, like a ceiling lower than the year
    before) do not stop the import: they are appended to `warnings`, translated like the errors."""
    report = check_root(staging_root)
    # the validator's messages name the Parquet files; the user gave their own
    names = {path.rsplit("/", 1)[-1]: origin.label for path, origin in origins.items()}
    issues = []
    for problem in report.problems:
        if problem.rule in ignore_rules:
            continue
        if problem.file in covered and problem.rule in COVERED_BY_CONVERSION:
            continue
        issues.append(translate(problem, origins.get(problem.file), names))
    if warnings is not None:
        warnings.extend(translate(w, origins.get(w.file), names) for w in report.warnings)
    return issues


def translate(
    problem: Problem, origin: Origin | None, names: dict[str, str] | None = None
) -> ImportIssue:
    rule = RULE_LABELS.get(problem.rule, problem.rule)
    more = ", …" if problem.count > len(problem.rows) else ""
    message = problem.message
    for parquet, label in (names or {}).items():
        message = message.replace(parquet, label)
    if origin is None:
        file = f"{problem.file} ({IN_PLACE})"
        lines = [str(r + 1) for r in problem.rows]  # a Parquet file's header counts as line 1
        column = problem.column or ""
        if problem.rule == "missing_file" and problem.file.startswith("reference/"):
            message += " Importez d'abord les référentiels : peuplement import-reference DOSSIER."
    else:
        file = origin.label
        lines = [origin.line(r) for r in problem.rows]
        column = ", ".join(
            _column_label(name.strip(), origin)
            for name in (problem.column or "").split(",")
            if name.strip()
        )
    return ImportIssue(
        file,
        ", ".join(lines) + more if lines else "",
        column,
        ", ".join(problem.examples),
        rule,
        message,
        max(problem.count, 1),
    )


def _column_label(name: str, origin: Origin) -> str:
    source = origin.columns.get(name)
    return name if source in (None, name) else f"{source} ({name})"
