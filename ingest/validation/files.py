"""Opening one Parquet file of the contract: is it there, readable, with its columns and types.

Only the footer is read here (schema and row count), so this stays instant on any file size; the
rows themselves are read by the DuckDB session (ingest.validation.engine).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataroot.contract import BOOL, DATE, DOUBLE, INT, STRING, Column, Table
from ingest.validation.checks import ROW_NUMBER
from ingest.validation.problem import MAX_EXAMPLES, Problem

# Arrow types accepted for each logical type of the contract. Any integer width fits "int"; an
# integer column fits "double" too (a rent of 450 € written as 450); dates may be stored as days,
# milliseconds or timestamps.
ACCEPTED_TYPES: dict[str, Callable[[pa.DataType], bool]] = {
    STRING: lambda t: (
        pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)
    ),
    INT: pa.types.is_integer,
    DOUBLE: lambda t: pa.types.is_floating(t) or pa.types.is_integer(t),
    BOOL: pa.types.is_boolean,
    DATE: lambda t: pa.types.is_date32(t) or pa.types.is_date64(t) or pa.types.is_timestamp(t),
}
TYPE_LABELS = {
    STRING: "texte",
    INT: "entier",
    DOUBLE: "nombre décimal",
    BOOL: "booléen",
    DATE: "date",
}


@dataclass(frozen=True)
class TableFile:
    """A contract file whose footer could be read.

    `types` holds the contract columns present with an accepted type; an all-null column
    (Arrow type "null") is there too, so that its nulls are counted, but no other rule reads it.
    """

    table: Table
    path: Path
    relpath: str
    num_rows: int
    types: dict[str, pa.DataType]

    def usable(self, column: str) -> bool:
        arrow_type = self.types.get(column)
        return arrow_type is not None and not pa.types.is_null(arrow_type)


def type_accepted(column: Column, arrow_type: pa.DataType) -> bool:
    if pa.types.is_dictionary(arrow_type):  # pandas "category" columns
        arrow_type = arrow_type.value_type
    if pa.types.is_null(arrow_type):  # all values empty: the null check judges that
        return True
    return ACCEPTED_TYPES[column.type](arrow_type)


def open_table_file(root: Path, table: Table, path: Path) -> tuple[TableFile | None, list[Problem]]:
    """Read the footer of `path`; report a missing or unreadable file, missing columns, wrong types."""
    relpath = path.relative_to(root).as_posix()
    if not path.exists():
        return None, [
            Problem(
                relpath,
                None,
                "missing_file",
                f"Fichier absent: la table « {table.name} » est obligatoire "
                + (
                    "dans le dossier reference/."
                    if table.folder == "reference"
                    else "dans chaque dossier de photographie."
                )
                + " Écrivez-la à cet emplacement.",
            )
        ]
    if not path.is_file():
        return None, [_unreadable(relpath, "c'est un dossier, pas un fichier Parquet")]
    try:
        with pq.ParquetFile(path) as parquet:
            num_rows, names = parquet.metadata.num_rows, parquet.schema_arrow.names
            types, problems = _check_columns(relpath, table, parquet, num_rows)
    except (OSError, pa.ArrowException) as exc:
        return None, [_unreadable(relpath, str(exc))]
    if ROW_NUMBER in names:  # DuckDB cannot add its row numbers to this file
        return None, [*problems, _reserved(relpath)]
    return TableFile(table, path, relpath, num_rows, types), problems


def _check_columns(
    relpath: str, table: Table, parquet: pq.ParquetFile, num_rows: int
) -> tuple[dict[str, pa.DataType], list[Problem]]:
    """The contract columns fit to read, and the missing, doubled or mistyped ones."""
    schema = parquet.schema_arrow
    file_types = {field.name: field.type for field in schema}
    times = Counter(schema.names)
    types: dict[str, pa.DataType] = {}
    problems: list[Problem] = []
    for column in table.columns:
        found = file_types.get(column.name)
        if found is None:
            if column.required:
                problems.append(_missing_column(relpath, table, column, file_types, num_rows))
        elif times[column.name] > 1:
            problems.append(
                Problem(
                    relpath,
                    column.name,
                    "duplicate_column",
                    f"La colonne « {column.name} » figure {times[column.name]} fois dans le "
                    "fichier: gardez-en une seule.",
                    count=num_rows,
                )
            )
        elif type_accepted(column, found):
            types[column.name] = found
        else:
            problems.append(_wrong_type(relpath, column, found, num_rows, parquet))
    return types, problems


def _reserved(relpath: str) -> Problem:
    return Problem(
        relpath,
        ROW_NUMBER,
        "reserved_column",
        f"La colonne « {ROW_NUMBER} » ne fait pas partie du contrat et porte le nom que le "
        "vérificateur donne aux numéros de ligne: renommez-la ou supprimez-la pour que le "
        "fichier soit vérifié.",
    )


def _unreadable(relpath: str, reason: str) -> Problem:
    return Problem(
        relpath,
        None,
        "unreadable_file",
        f"Fichier illisible ({reason}). Réécrivez-le au format Parquet (fichier vide, tronqué ou "
        f"corrompu, ou autre format).",
    )


def _missing_column(
    relpath: str, table: Table, column: Column, file_types: dict[str, pa.DataType], num_rows: int
) -> Problem:
    others = [name for name in file_types if name not in {c.name for c in table.columns}]
    close = difflib.get_close_matches(column.name, others, n=1)
    hint = f" Une colonne « {close[0]} » existe: faute de frappe ?" if close else ""
    return Problem(
        relpath,
        column.name,
        "missing_column",
        f"Colonne obligatoire « {column.name} » absente ({TYPE_LABELS[column.type]} attendu). "
        f"Ajoutez-la au fichier.{hint}",
        count=num_rows,
    )


def _wrong_type(
    relpath: str, column: Column, found: pa.DataType, num_rows: int, parquet: pq.ParquetFile
) -> Problem:
    return Problem(
        relpath,
        column.name,
        "wrong_type",
        f"Type attendu: {TYPE_LABELS[column.type]} ({column.type}), trouvé: {found}. Convertissez "
        f"la colonne « {column.name} » avant d'écrire le fichier.",
        examples=_first_values(parquet, column.name),
        count=num_rows,
    )


def _first_values(parquet: pq.ParquetFile, name: str) -> tuple[str, ...]:
    """A few distinct values from the first rows, to show what the column holds instead."""
    try:
        batch = next(parquet.iter_batches(batch_size=1000, columns=[name]), None)
    except (OSError, pa.ArrowException):
        return ()
    if batch is None:
        return ()
    values = dict.fromkeys(str(v) for v in batch.column(0).to_pylist() if v is not None)
    return tuple(values)[:MAX_EXAMPLES]
