"""The mapping file's format: YAML loaded into frozen models that forbid unknown keys, then every
table, column and contract value it names checked against the contract, so a typo is an error with
file and line, never a silent default (see the header of ingest/mappings/rpls.yaml)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from dataroot.contract import BOOL, DATE, DOUBLE, INT, TABLES
from semantic.errors import closest
from semantic.yaml_lines import line_of, load_with_lines


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _texts(value: Any) -> Any:
    """YAML reads 1 as a number and yes as a boolean: names and codes are texts."""
    if isinstance(value, bool):
        raise ValueError(
            f"{value!r} est lu comme un booléen YAML : écrivez la valeur entre guillemets"
        )
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list | tuple):
        return [_texts(v) for v in value]
    return value


class ColumnSpec(_Frozen):
    aliases: tuple[str, ...] = ()
    codes: dict[str, tuple[str, ...]] = {}
    empty: tuple[str, ...] = ()
    pad: int | None = None
    year_as_date: bool = False

    @field_validator("aliases", "empty", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _texts(value)

    @field_validator("codes", mode="before")
    @classmethod
    def _code_texts(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {_texts(k): _texts(v) for k, v in value.items()}


class FlagSpec(_Frozen):
    column: str
    target: str
    filled: tuple[str, ...]
    empty: tuple[str, ...]

    @field_validator("filled", "empty", mode="before")
    @classmethod
    def _values(cls, value: Any) -> Any:
        return _texts(value)


class TableSpec(_Frozen):
    files: tuple[str, ...] = ()
    columns: dict[str, ColumnSpec] = {}
    ignore: tuple[str, ...] = ()
    flags: tuple[FlagSpec, ...] = ()

    @field_validator("columns", mode="before")
    @classmethod
    def _short_form(cls, value: Any) -> Any:
        """`col: [A, B]` is short for `col: {aliases: [A, B]}`."""
        if not isinstance(value, dict):
            return value
        return {k: {"aliases": v} if isinstance(v, list) else v for k, v in value.items()}

    @field_validator("files", "ignore", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        return _texts(value)


class BooleanSpec(_Frozen):
    oui: tuple[str, ...] = ()
    non: tuple[str, ...] = ()

    @field_validator("oui", "non", mode="before")
    @classmethod
    def _values(cls, value: Any) -> Any:
        return _texts(value)


class MappingFile(_Frozen):
    version: Literal[1] = 1
    booleans: BooleanSpec = BooleanSpec()
    tables: dict[str, TableSpec] = {}


def read_mapping_file(path: Path, problems: list[str]) -> MappingFile | None:
    """The file as a model, or None with its problems (file:line) added to `problems`."""
    if not path.is_file():
        problems.append(f"{path}: fichier de correspondance introuvable")
        return None
    try:
        data, lines = load_with_lines(path)
    except (ValueError, UnicodeDecodeError) as exc:
        problems.append(f"{path}: {exc}")
        return None
    try:
        spec = MappingFile.model_validate(data or {})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "clé inconnue"
            problems.append(f"{path.name}:{line_of(lines, loc)}: {'.'.join(map(str, loc))}: {msg}")
        return None
    _check(spec, path, lines, problems)
    return spec


def _check(spec: MappingFile, path: Path, lines, problems: list[str]) -> None:
    """Every table, column and contract value named by the mapping exists in the contract."""

    def report(loc: tuple, what: str, value: str, valid: Iterable[str]) -> None:
        valid = list(valid)
        guess = closest(value, valid)
        hint = f" Vouliez-vous dire « {guess} » ?" if guess else ""
        problems.append(
            f"{path.name}:{line_of(lines, loc)}: {what} inconnu(e) « {value} ».{hint} "
            f"Valeurs valides : {', '.join(valid)}."
        )

    for table_name, table_spec in spec.tables.items():
        if table_name not in TABLES:
            report(("tables", table_name), "table", table_name, TABLES)
            continue
        table = TABLES[table_name]
        names = [c.name for c in table.columns]
        for col_name, col_spec in table_spec.columns.items():
            loc = ("tables", table_name, "columns", col_name)
            if col_name not in names:
                report(loc, "colonne", col_name, names)
                continue
            column = table.column(col_name)
            for value in col_spec.codes:
                if column.allowed and value not in column.allowed:
                    report((*loc, "codes", value), "valeur", value, column.allowed)
                elif not column.allowed and not _fits(value, column.type):
                    problems.append(
                        f"{path.name}:{line_of(lines, (*loc, 'codes', value))}: « {value} » n'est "
                        f"pas une valeur de type {column.type} pour la colonne {col_name}."
                    )
        for i, flag in enumerate(table_spec.flags):
            if flag.target not in names:
                report(("tables", table_name, "flags", i, "target"), "colonne", flag.target, names)


def _fits(value: str, type_: str) -> bool:
    if type_ == INT:
        return bool(re.fullmatch(r"[+-]?\d+", value))
    if type_ == DOUBLE:
        return bool(re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", value))
    return type_ not in (BOOL, DATE)
