"""The DuckDB session that reads the tables of a data root and runs the checks on them.

Each readable file becomes a view named after its table, with DuckDB's `file_row_number` so every
problem can point at its rows. Files are read where they lie, column by column, so a 5-million-row
root is checked without loading it into Python.
"""

from __future__ import annotations

import datetime as dt
import difflib

import duckdb
import pyarrow as pa

from ingest.validation.checks import (
    LABEL,
    Check,
    ident,
    label_column,
    null_check,
    null_condition,
    sql,
)
from ingest.validation.files import TableFile
from ingest.validation.problem import MAX_EXAMPLES, Problem

# Counts the offending rows of one check and keeps the first rows and distinct examples; `bad` is
# computed once (MATERIALIZED) since it is read three times. A cheaper "SELECT EXISTS (bad)" first
# was tried: on 5 million rows DuckDB plans the anti-joins of the reference checks 4x slower.
_SUMMARY = """
WITH bad AS MATERIALIZED ({bad})
SELECT
    (SELECT count(DISTINCT pos) FROM bad),
    (SELECT list(pos ORDER BY pos) FROM (SELECT DISTINCT pos FROM bad ORDER BY pos LIMIT $n)),
    (SELECT list(example ORDER BY first, example) FROM (
        SELECT example, min(pos) AS first FROM bad GROUP BY example ORDER BY first, example LIMIT $n))
"""
# Errors in the SQL itself: a bug here, never a property of the data, so they are not caught.
_SQL_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException)


class Session:
    """One in-memory DuckDB connection; `tables` holds the files loaded and fully readable."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        # no progress bar on long checks: the CLI output is the report alone
        self.con.execute("SET enable_progress_bar = false")
        self.con.execute("CREATE TEMP MACRO txt(x) AS coalesce(CAST(x AS VARCHAR), 'vide')")
        self.tables: dict[str, TableFile] = {}
        self.files_checked = 0
        self.rows_checked = 0

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, tf: TableFile) -> list[Problem]:
        """Expose `tf` as a view and read it whole once: nulls are counted, bad pages surface."""
        name = tf.table.name
        columns = list(tf.types)
        counts = [
            sql(f"count(*) FILTER (WHERE {null_condition(_is_float(tf, c))})", c=c) for c in columns
        ]
        # S608: identifiers only, from the contract, quoted by ident().
        probe = f"SELECT {', '.join(['count(*)', *counts])} FROM {ident(name)} t"  # noqa: S608
        try:
            self.con.read_parquet(str(tf.path), file_row_number=True).create_view(
                name, replace=True
            )
            total, *nulls = self._one(probe)
        except duckdb.Error as exc:  # a page DuckDB cannot decode (corrupt, truncated, I/O)
            if isinstance(exc, _SQL_ERRORS):
                raise
            self.forget([name])
            return [
                Problem(
                    tf.relpath,
                    None,
                    "unreadable_file",
                    f"Fichier illisible ({exc}). Réécrivez-le au format Parquet (fichier tronqué ou "
                    "corrompu).",
                )
            ]
        self.tables[name] = tf
        self.files_checked += 1
        self.rows_checked += total
        problems = []
        for column_name, null_count in zip(columns, nulls, strict=True):
            column = tf.table.column(column_name)
            if null_count and not column.nullable:
                problems.append(self._run(null_check(tf.table, column, _is_float(tf, column_name))))
        return [p for p in problems if p is not None]

    def forget(self, names: list[str]) -> None:
        """Drop the views of `names` (the snapshot tables, before the next snapshot is loaded)."""
        for name in names:
            self.tables.pop(name, None)
            self.con.execute(f"DROP VIEW IF EXISTS {ident(name)}")

    def run(self, checks: list[Check], snapshot: dt.date | None = None) -> list[Problem]:
        """Run every check whose columns are all loaded and readable; skip the others."""
        problems = []
        for check in checks:
            if all(self._usable(need) for need in check.needs):
                problem = self._run(check, snapshot)
                if problem is not None:
                    problems.append(problem)
        return problems

    def _one(self, query: str, params: dict[str, object] | None = None) -> tuple:
        # fetchall, not fetchone: DuckDB keeps a result open until it is read to the end, and
        # refuses to create the next view while one is open
        (row,) = self.con.execute(query, params or {}).fetchall()
        return row

    def _usable(self, need: str) -> bool:
        table, column = need.split(".", 1)
        tf = self.tables.get(table)
        return tf is not None and tf.usable(column)

    def _label(self, tf: TableFile, avoid: str | None = None) -> str:
        column = label_column(tf.table)
        if column is not None and column != avoid and tf.usable(column):
            return f"txt(t.{ident(column)})"
        return "'ligne ' || (t.file_row_number + 1)"

    def _run(self, check: Check, snapshot: dt.date | None = None) -> Problem | None:
        tf = self.tables[check.table]
        # the row label is never the column in question (a null or duplicate id cannot name its row)
        bad = check.sql.replace(LABEL, self._label(tf, avoid=check.column))
        params: dict[str, object] = {"n": MAX_EXAMPLES}
        if "$snapshot" in bad:
            params["snapshot"] = snapshot
        if check.allowed:
            params["allowed"] = list(check.allowed)
        count, rows, examples = self._one(_SUMMARY.replace("{bad}", bad), params)
        if not count:
            return None
        message = check.message + _suggestion(examples, check.allowed)
        return Problem(
            tf.relpath,
            check.column,
            check.rule,
            message,
            examples=tuple(examples),
            count=count,
            rows=tuple(pos + 1 for pos in rows),
            severity=check.severity,
        )


def _is_float(tf: TableFile, column: str) -> bool:
    return pa.types.is_floating(tf.types[column])


def _suggestion(examples: list[str], allowed: tuple[str, ...]) -> str:
    """The "Vouliez-vous dire" hint for values close to an allowed one ("plus " → "PLUS")."""
    if not allowed:
        return ""
    by_key = {a.strip().casefold(): a for a in allowed}
    pairs = []
    for value in examples:
        match = by_key.get(value.strip().casefold()) or next(
            iter(difflib.get_close_matches(value, allowed, n=1, cutoff=0.6)), None
        )
        if match is not None:
            pairs.append(f"« {value} » → « {match} »")
    return f" Vouliez-vous dire: {', '.join(pairs)} ?" if pairs else ""
