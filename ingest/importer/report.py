"""What an import reports: every problem (file, line, column, value, rule), as text and as CSV.

Conversion problems are found row by row in the files the user gave; contract problems come from the
validator (ingest.validate) run on the staged data root, and are translated back to the user's file
and line (the header is line 1, as in a spreadsheet).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from semantic.safe_text import spreadsheet_cell

# Rows kept per (file, column, rule): past this, one closing line gives the count. A column of
# a million malformed dates is one mistake, and the report must stay readable and small.
MAX_ROWS_PER_RULE = 1000
# Lines shown per (file, column, rule) in the text report; the CSV report has all kept rows.
TEXT_LINES_PER_RULE = 10
CSV_COLUMNS = ("fichier", "ligne", "colonne", "valeur", "regle", "message", "nb_lignes")
# The CSV opens in French Excel with its accents: semicolons and a UTF-8 byte order mark.
CSV_DELIMITER = ";"
CSV_ENCODING = "utf-8-sig"
# Short French names of the validator's rule ids (ingest.validation); unknown ids are shown as is.
RULE_LABELS = {
    "duplicate": "doublon",
    "orphan_reference": "référence inconnue",
    "not_allowed": "valeur hors liste",
    "null_value": "valeur obligatoire manquante",
    "missing_column": "colonne absente",
    "missing_file": "fichier absent",
    "unreadable_file": "fichier illisible",
    "wrong_type": "type invalide",
    "date_out_of_period": "date hors période",
    "household_size": "taille du ménage",
    "children_count": "nombre d'enfants",
    "coordinate_out_of_range": "coordonnées hors limites",
    "not_positive": "valeur non positive",
    "household_in_non_let_dwelling": "ménage dans un logement non loué",
    "residence_mismatch": "résidence incohérente",
    "etage_out_of_range": "étage hors limites",
    "vacancy_date": "date de vacance",
    "date_order": "dates dans le désordre",
    "bad_format": "format invalide",
    "out_of_range": "valeur hors limites",
    "inconsistent_value": "valeur incohérente",
    "duplicate_column": "colonne en double",
}


@dataclass(frozen=True)
class ImportIssue:
    """One problem. `line` is the user's line (header = 1) or "" for a whole file; `count` is the
    number of rows it stands for (more than 1 for a contract rule or a closing "and N more")."""

    file: str
    line: str
    column: str
    value: str
    rule: str
    message: str
    count: int = 1

    def as_row(self) -> tuple[str, ...]:
        return (
            self.file,
            self.line,
            self.column,
            self.value,
            self.rule,
            self.message,
            str(self.count),
        )


@dataclass
class Issues:
    """Collects issues, capping the rows kept per (file, column, rule)."""

    items: list[ImportIssue] = field(default_factory=list)
    _kept: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))
    _dropped: dict[tuple[str, str, str], int] = field(default_factory=lambda: defaultdict(int))

    def add(
        self,
        file: str,
        line: int | str | None,
        column: str,
        value: object,
        rule: str,
        message: str,
        count: int = 1,
    ) -> None:
        key = (file, column, rule)
        if self._kept[key] >= MAX_ROWS_PER_RULE:
            self._dropped[key] += count
            return
        self._kept[key] += 1
        self.items.append(
            ImportIssue(
                file, "" if line is None else str(line), column, _text(value), rule, message, count
            )
        )

    def whole_file(
        self, file: str, rule: str, message: str, *, line=None, column: str = "", value=""
    ) -> None:
        """A problem of a whole file (or of one line of it, without a column)."""
        self.add(file, line, column, value, rule, message)

    def add_rows(
        self,
        file: str,
        lines: Iterable[int],
        column: str,
        values: Iterable[object],
        rule: str,
        message,
    ) -> None:
        """One issue per row; `message` is a text or a function of the value."""
        for line, value in zip(lines, values, strict=True):
            text = message(value) if callable(message) else message
            self.add(file, int(line), column, value, rule, text)

    def extend(self, issues: Iterable[ImportIssue]) -> None:
        for issue in issues:
            self.add(
                issue.file,
                issue.line,
                issue.column,
                issue.value,
                issue.rule,
                issue.message,
                issue.count,
            )

    def closed(self) -> list[ImportIssue]:
        """The issues, with a closing "and N more" line after each capped (file, column, rule)."""
        out = list(self.items)
        for (file, column, rule), dropped in self._dropped.items():
            out.append(
                ImportIssue(
                    file,
                    "",
                    column,
                    "",
                    rule,
                    f"… et {dropped} autre(s) ligne(s) avec le même problème (seules les "
                    f"{MAX_ROWS_PER_RULE} premières sont détaillées).",
                    dropped,
                )
            )
        return out

    def __bool__(self) -> bool:
        return bool(self.items)


def _text(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return text if len(text) <= 200 else text[:200] + "…"


def issues_csv(issues: Sequence[ImportIssue]) -> str:
    """The report as CSV text: fichier;ligne;colonne;valeur;regle;message;nb_lignes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    # The values come from the user's files: a formula-like one must not run in the reader's Excel.
    writer.writerows([spreadsheet_cell(v) for v in issue.as_row()] for issue in issues)
    return buffer.getvalue()


def write_issues_csv(issues: Sequence[ImportIssue], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(issues_csv(issues), encoding=CSV_ENCODING, newline="")
    return path


def issues_text(issues: Sequence[ImportIssue]) -> str:
    """The report as text, grouped by file then by (column, rule), a few lines each."""
    by_file: dict[str, dict[tuple[str, str], list[ImportIssue]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for issue in issues:
        by_file[issue.file][(issue.column, issue.rule)].append(issue)
    out: list[str] = []
    for file, groups in by_file.items():
        out.append(file)
        for (column, rule), group in groups.items():
            total = sum(i.count for i in group)
            head = f"  - [{rule}{' · colonne ' + column if column else ''}"
            out.append(head + (f" · {total} ligne(s)]" if total > 1 else "]"))
            for issue in group[:TEXT_LINES_PER_RULE]:
                where = f"ligne {issue.line} : " if issue.line else ""
                value = f"« {issue.value} » — " if issue.value and issue.count == 1 else ""
                out.append(f"      {where}{value}{issue.message}")
                if issue.value and issue.count > 1:
                    out.append(f"        valeurs : {issue.value}")
            if len(group) > TEXT_LINES_PER_RULE:
                out.append(
                    f"      … {len(group) - TEXT_LINES_PER_RULE} autre(s) : voir le rapport CSV"
                )
        out.append("")
    return "\n".join(out)


@dataclass(frozen=True)
class SourceInfo:
    """One file read: what it was taken for, how it was read, what was kept."""

    table: str
    file: str
    details: str
    rows: int
    columns: dict[str, str]  # contract column -> the file's column
    ignored_columns: tuple[str, ...]
    sha256: str


@dataclass
class ImportReport:
    kind: str  # "snapshot" or "reference"
    data_root: Path
    snapshot: str | None
    issues: list[ImportIssue]
    sources: list[SourceInfo]
    ignored_files: list[str]
    staging: Path | None  # the converted files, ready to publish (None when there are issues)
    existing: bool  # a snapshot of this date, or reference tables, are already published
    mapping_files: tuple[str, ...] = ()
    carried_over: list[str] = field(default_factory=list)  # reference tables kept as they are
    # the validator's warnings: the data is usable and published, but looks wrong somewhere
    warnings: list[ImportIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def rows(self) -> dict[str, int]:
        return {s.table: s.rows for s in self.sources}

    @property
    def what(self) -> str:
        if self.kind != "snapshot":
            return "référentiels"
        return f"photographie du {dt.date.fromisoformat(str(self.snapshot)):%d/%m/%Y}"

    def summary(self) -> str:
        if self.issues:
            files = len({i.file for i in self.issues})
            return (
                f"Import refusé ({self.what}) : {len(self.issues)} problème(s) dans {files} "
                f"fichier(s). Rien n'a été écrit dans {self.data_root}."
            )
        rows = sum(self.rows.values())
        ready = "prête" if self.kind == "snapshot" else "prêts"
        return (
            f"{self.what.capitalize()} {ready} à publier : {len(self.sources)} fichier(s), "
            f"{rows} ligne(s)."
        )

    def text(self) -> str:
        """The whole report: a summary line, then every problem, or what each file gave."""
        out = [self.summary(), ""]
        if self.issues:
            out.append(issues_text(self.issues))
        else:
            for s in self.sources:
                out.append(f"  {s.table:<13} {s.file} ({s.details}) : {s.rows} ligne(s)")
                if s.ignored_columns:
                    out.append(f"  {'':<13} colonnes ignorées : {', '.join(s.ignored_columns)}")
            if self.carried_over:
                out.append(f"  conservés tels quels : {', '.join(self.carried_over)}")
        if self.ignored_files:
            out.append(f"Fichiers ignorés (nom non reconnu) : {', '.join(self.ignored_files)}")
        if self.warnings:
            out += ["", "Avertissements (les données restent utilisables ; vérifiez-les) :"]
            out.append(issues_text(self.warnings))
        return "\n".join(out).rstrip() + "\n"

    def csv(self) -> str:
        return issues_csv(self.issues)

    def write_csv(self, path: Path) -> Path:
        return write_issues_csv(self.issues, path)
