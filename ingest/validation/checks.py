"""Row checks as data: each one is a query listing the offending rows of one table.

A check's SQL reads views named after the tables (one per loaded file, see engine) and always aliases
the table it reports on as `t`. It selects `t.file_row_number AS pos` and a short text `example`
per offending row; `{label}` stands for the row's identifier (or its line number) and `txt(x)` is
a macro turning any value into text. Identifiers come only from the contract; values are bound
(`$snapshot`, `$allowed`), never pasted into the SQL.

The checks written from the contract's Column/Table attributes are built here; the rules the
attributes cannot express are written by hand in ingest.validation.rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from dataroot.contract import TABLES, Column, Table
from dataroot.layout import REFERENCE_DIR

LABEL = "{label}"
# The column DuckDB adds to every view with the position of the row in its file (0-based).
ROW_NUMBER = "file_row_number"


@dataclass(frozen=True)
class Check:
    rule: str
    table: str  # the file the problem is reported on, aliased `t` in `sql`
    column: str | None
    needs: tuple[str, ...]  # "table.column" read by `sql`: skipped unless all are readable
    sql: str
    message: str
    allowed: tuple[str, ...] = ()  # bound as $allowed
    # "error": the data breaks the contract; "warning": it can be read but looks wrong
    severity: str = "error"

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(need.split(".", 1)[0] for need in self.needs)


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def sql(template: str, **identifiers: str) -> str:
    """`template` with each `{name}` replaced by the quoted identifier given for it."""
    for key, name in identifiers.items():
        template = template.replace("{" + key + "}", ident(name))
    return template


def label_column(table: Table) -> str | None:
    """The column naming a row in examples: the first unique one, else the first `id_…` one."""
    for column in table.columns:
        if column.unique:
            return column.name
    return next((c.name for c in table.columns if c.name.startswith("id_")), None)


def describe_file(table: Table) -> str:
    if table.folder == "reference":
        return f"{REFERENCE_DIR}/{table.filename}"
    return f"{table.filename} de la même photographie"


def contract_checks(table: Table) -> list[Check]:
    """The checks the contract's attributes ask for (nulls are counted apart, see engine)."""
    checks: list[Check] = []
    for column in table.columns:
        if column.allowed:
            checks.append(_allowed(table, column))
        if column.unique:
            checks.append(_duplicate(table, (column.name,)))
        if column.references:
            checks.append(_orphan(table, column))
        if column.minimum is not None or column.maximum is not None:
            checks.append(_out_of_range(table, column))
    checks.extend(_duplicate(table, columns) for columns in table.unique_together)
    return checks


def _allowed(table: Table, column: Column) -> Check:
    return Check(
        "not_allowed",
        table.name,
        column.name,
        (f"{table.name}.{column.name}",),
        sql(
            "SELECT t.file_row_number AS pos, txt(t.{c}) AS example FROM {t} t "
            "WHERE t.{c} IS NOT NULL AND NOT list_contains($allowed, t.{c})",
            t=table.name,
            c=column.name,
        ),
        f"Valeur hors liste dans « {column.name} ». Valeurs admises: {', '.join(column.allowed or ())}."
        " Corrigez ces valeurs (majuscules, accents et espaces comptent).",
        allowed=column.allowed or (),
    )


def _out_of_range(table: Table, column: Column) -> Check:
    """A number outside the column's plausible range (a sign typed wrong, a unit mixed up)."""
    low, high = column.minimum, column.maximum
    tests = ([f"t.{{c}} < {float(low)!r}"] if low is not None else []) + (
        [f"t.{{c}} > {float(high)!r}"] if high is not None else []
    )
    unit = f" {column.unit}" if column.unit else ""
    if low is not None and high is not None:
        expected = f"entre {low:g} et {high:g}{unit}"
    elif low is not None:
        expected = f"au moins {low:g}{unit}"
    else:
        expected = f"au plus {high:g}{unit}"
    return Check(
        "out_of_range",
        table.name,
        column.name,
        (f"{table.name}.{column.name}",),
        # S608: the bounds are numbers of the contract, the names contract column names.
        sql(
            f"SELECT t.file_row_number AS pos, {LABEL} || ' (' || {literal(column.name + '=')} "  # noqa: S608
            f"|| txt(t.{{c}}) || ')' AS example FROM {{t}} t WHERE {' OR '.join(tests)}",
            t=table.name,
            c=column.name,
        ),
        f"« {column.name} » doit être {expected}. Corrigez ces valeurs (signe, unité, virgule "
        "décimale mal placée ?).",
    )


def _duplicate(table: Table, columns: tuple[str, ...]) -> Check:
    quoted = ", ".join(ident(c) for c in columns)
    on = " AND ".join(f"t.{ident(c)} = d.{ident(c)}" for c in columns)
    if len(columns) == 1:
        example = f"txt(t.{ident(columns[0])})"
        what = f"La valeur de « {columns[0]} » doit être unique"
    else:
        pairs = ", ".join(f"{literal(c + '=')} || txt(t.{ident(c)})" for c in columns)
        example = f"concat_ws(', ', {pairs})"
        what = f"La combinaison ({', '.join(columns)}) doit être unique"
    return Check(
        "duplicate",
        table.name,
        ", ".join(columns),
        tuple(f"{table.name}.{c}" for c in columns),
        # S608: the fragments are built from contract column names only, each quoted by ident().
        sql(
            f"SELECT t.file_row_number AS pos, {example} AS example FROM {{t}} t "  # noqa: S608
            f"JOIN (SELECT {quoted} FROM {{t}} GROUP BY ALL HAVING count(*) > 1) d ON {on}",
            t=table.name,
        ),
        f"{what} dans le fichier: ces valeurs apparaissent plusieurs fois. Supprimez les doublons "
        "ou corrigez l'identifiant.",
    )


def _orphan(table: Table, column: Column) -> Check:
    target_name, target_column = (column.references or "").split(".")
    target = TABLES[target_name]
    return Check(
        "orphan_reference",
        table.name,
        column.name,
        (f"{table.name}.{column.name}", column.references or ""),
        sql(
            "SELECT t.file_row_number AS pos, txt(t.{c}) AS example FROM {t} t "
            "WHERE t.{c} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM {r} r WHERE r.{rc} = t.{c})",
            t=table.name,
            c=column.name,
            r=target_name,
            rc=target_column,
        ),
        f"« {column.name} » renvoie à une ligne absente: chaque valeur doit exister dans la colonne "
        f"« {target_column} » de {describe_file(target)}. Ajoutez la ligne manquante ou corrigez "
        "la valeur.",
    )


def null_condition(float_type: bool) -> str:
    """Template (on `t.{c}`) of an empty value; NaN and infinities count as empty in decimals."""
    return _NULL_FLOAT if float_type else _NULL


_NULL = "t.{c} IS NULL"
# not isnan(): DuckDB answers it from the Parquet min/max statistics, which leave NaN out
_NULL_FLOAT = "t.{c} IS NULL OR NOT isfinite(t.{c})"
_NULL_ROWS = "SELECT t.file_row_number AS pos, {label} AS example FROM {t} t WHERE {where}"


def null_check(table: Table, column: Column, float_type: bool) -> Check:
    """Rows where a non-nullable column is empty."""
    return Check(
        "null_value",
        table.name,
        column.name,
        (f"{table.name}.{column.name}",),
        sql(_NULL_ROWS.replace("{where}", null_condition(float_type)), t=table.name, c=column.name),
        f"Valeur vide{' (ou NaN, infinie)' if float_type else ''} dans « {column.name} », "
        "obligatoire sur chaque ligne. Renseignez-la (exemples: identifiants des lignes concernées).",
    )
