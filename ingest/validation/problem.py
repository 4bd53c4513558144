"""What the validator reports, and the text the CLI prints from it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

# At most this many offending values or row numbers are kept per problem: enough to find the rows.
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class Problem:
    """One broken rule in one file.

    `file` is relative to the data root ("snapshots/date=2025-12-31/menages.parquet"); `rule` is a
    short stable id ("orphan_reference"); `message` says in French what is wrong and how to fix it.
    `examples` holds a few offending values, `count` the number of offending rows, `rows` the first
    offending row numbers (1 = first data row of the file) and `line` a line of a text file.
    `severity` is "error" (breaks the contract) or "warning" (readable, but looks wrong).
    """

    file: str
    column: str | None
    rule: str
    message: str
    examples: tuple[str, ...] = ()
    count: int = 0
    rows: tuple[int, ...] = ()
    line: int | None = None
    severity: str = "error"


@dataclass(frozen=True)
class Report:
    """Every problem of a data root, with what was read (for the "all clear" line).

    `problems` holds the errors only; `warnings` what can be read but looks wrong (they never make
    a root invalid).
    """

    problems: tuple[Problem, ...]
    files_checked: int
    rows_checked: int
    warnings: tuple[Problem, ...] = ()


def _plural(n: int, word: str) -> str:
    """Count and noun, e.g. 1 ligne or 12 345 lignes (thousands apart, as in French)."""
    return f"{n:,} {word}{'s' if n > 1 else ''}".replace(",", " ")


def format_problems(problems: list[Problem] | tuple[Problem, ...]) -> str:
    """The problems as text, grouped by file in the order they were found."""
    by_file: dict[str, list[Problem]] = defaultdict(list)
    for problem in problems:
        by_file[problem.file].append(problem)
    lines: list[str] = []
    for file, file_problems in by_file.items():
        lines.append(file)
        for p in file_problems:
            where = " · ".join(
                part
                for part in (
                    p.rule,
                    f"colonne {p.column}" if p.column else "",
                    _plural(p.count, "ligne") if p.count else "",
                    f"ligne {p.line}" if p.line else "",
                )
                if part
            )
            lines.append(f"  - [{where}]")
            lines.append(f"    {p.message}")
            if p.examples:
                lines.append(f"    exemples: {', '.join(p.examples)}")
            if p.rows:
                more = ", …" if p.count > len(p.rows) else ""
                lines.append(f"    lignes: {', '.join(map(str, p.rows))}{more}")
        lines.append("")
    return "\n".join(lines)


def summary(report: Report) -> str:
    """One closing line: the count of problems, or the all-clear with what was checked."""
    checked = (
        f"{_plural(report.files_checked, 'fichier')} et "
        f"{_plural(report.rows_checked, 'ligne')} vérifiés"
    )
    warned = f", {_plural(len(report.warnings), 'avertissement')}" if report.warnings else ""
    if not report.problems:
        return f"Aucun problème{warned}: {checked}."
    files = len({p.file for p in report.problems})
    return (
        f"{_plural(len(report.problems), 'problème')} dans {_plural(files, 'fichier')}{warned} "
        f"({checked})."
    )
