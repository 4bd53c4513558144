"""The column and code mapping: source names and codes (RPLS, OPS, SNE, French labels) -> contract.

The shipped mapping is ``ingest/mappings/rpls.yaml``; a user mapping has the same shape and is merged
over it (see the header of that file; its format is checked in ingest.importer.mapping_yaml).
Names and codes are compared without case, accents or punctuation.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from dataroot.contract import TABLES, Table
from ingest.importer.mapping_yaml import ColumnSpec, FlagSpec, MappingFile, read_mapping_file
from semantic.errors import DefinitionError

SHIPPED_MAPPING = Path(__file__).resolve().parent.parent / "mappings" / "rpls.yaml"

_DIGITS = re.compile(r"^\s*[+]?(\d+)(?:[.,]0+)?\s*$")


def normalize(text: object) -> str:
    """A name or code compared without case, accents or punctuation: « Nb pièces » -> nb_pieces."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return re.sub(r"[^0-9a-z]+", "_", plain).strip("_")


def normalize_code(text: object) -> str:
    """Like normalize, and a number written with leading zeros or as 1,0 is the same code: 01 = 1."""
    match = _DIGITS.match(str(text))
    return str(int(match.group(1))) if match else normalize(text)


@dataclass(frozen=True)
class ColumnMapping:
    """One contract column: the source names it accepts and how its values are translated."""

    name: str
    aliases: tuple[str, ...]  # as written in the mapping, the first one named on export
    codes: dict[str, str]  # normalized source code -> contract value
    export_codes: dict[str, str]  # contract value -> the code written by export_rpls
    code_names: tuple[str, ...]  # the source codes as the mapping writes them (for messages)
    empty: frozenset[str]  # normalized source values meaning "no value"
    pad: int | None = None
    year_as_date: bool = False

    @property
    def export_name(self) -> str:
        return self.aliases[0] if self.aliases else self.name

    def known_codes(self) -> list[str]:
        """The source codes, as listed in a "code inconnu" message: numbers first, in order."""
        return sorted(
            self.code_names,
            key=lambda c: (not c.isdigit(), int(c) if c.isdigit() else 0, c.casefold()),
        )


@dataclass(frozen=True)
class TableMapping:
    table: Table
    files: tuple[str, ...]
    columns: dict[str, ColumnMapping]
    ignore: frozenset[str]  # normalized
    flags: tuple[FlagSpec, ...] = ()

    def lookup(self) -> dict[str, tuple[str, int]]:
        """normalized source name -> (contract column, rank): the contract's own name ranks 0,
        then the aliases in order, so a file with both IDENT_INT and IDENT_REP uses IDENT_INT."""
        index: dict[str, tuple[str, int]] = {}
        for col in self.table.columns:
            names = [col.name, *self.columns[col.name].aliases]
            for rank, name in enumerate(names):
                index.setdefault(normalize(name), (col.name, rank))
        return index

    def accepted_names(self, column: str) -> list[str]:
        names = [column, *self.columns[column].aliases]
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Mapping:
    tables: dict[str, TableMapping]
    true_values: frozenset[str]
    false_values: frozenset[str]
    export_true: str = "oui"
    export_false: str = "non"
    files: tuple[str, ...] = field(default=())  # the YAML files merged, shipped one first

    def table(self, name: str) -> TableMapping:
        return self.tables[name]


def load_mapping(*user_files: Path | str) -> Mapping:
    """The shipped mapping with each user mapping merged over it, in order."""
    paths = [SHIPPED_MAPPING, *(Path(p) for p in user_files)]
    problems: list[str] = []
    specs = [read_mapping_file(path, problems) for path in paths]
    if problems:
        raise DefinitionError(problems)
    mapping = _merge([s for s in specs if s is not None], [str(p) for p in paths], problems)
    if problems:
        raise DefinitionError(problems)
    return mapping


def _merge(specs: list[MappingFile], files: list[str], problems: list[str]) -> Mapping:
    """Later specs go first for names (a user alias wins) and override the same source code."""
    tables: dict[str, TableMapping] = {}
    for table_name, table in TABLES.items():
        layers = [s.tables[table_name] for s in reversed(specs) if table_name in s.tables]
        columns = {}
        for col in table.columns:
            col_specs = [t.columns[col.name] for t in layers if col.name in t.columns]
            columns[col.name] = _merge_column(col.name, col.allowed, col_specs)
        mapping = TableMapping(
            table,
            files=tuple(dict.fromkeys([table_name, *(f for t in layers for f in t.files)])),
            columns=columns,
            ignore=frozenset(normalize(n) for t in layers for n in t.ignore),
            flags=tuple(f for t in layers for f in t.flags),
        )
        _check_aliases(mapping, problems)
        tables[table_name] = mapping
    oui = [v for s in reversed(specs) for v in s.booleans.oui]
    non = [v for s in reversed(specs) for v in s.booleans.non]
    true_values = frozenset(normalize_code(v) for v in oui)
    false_values = frozenset(normalize_code(v) for v in non) - true_values
    return Mapping(
        tables,
        true_values,
        false_values,
        export_true=oui[0] if oui else "oui",
        export_false=non[0] if non else "non",
        files=tuple(files),
    )


def _merge_column(name: str, allowed, col_specs: list[ColumnSpec]) -> ColumnMapping:
    """`col_specs` are ordered user first, shipped last."""
    aliases = tuple(dict.fromkeys(a for s in col_specs for a in s.aliases))
    codes: dict[str, str] = {}
    export_codes: dict[str, str] = {}
    for spec in reversed(col_specs):  # shipped first, so the user's codes override
        for value, sources in spec.codes.items():
            for source in sources:
                codes[normalize_code(source)] = value
            if sources:
                export_codes[value] = sources[0]
    names = {normalize_code(c): c for s in col_specs for v in s.codes.values() for c in v}
    for value in allowed or ():  # the contract's own values are always understood
        codes.setdefault(normalize_code(value), value)
        export_codes.setdefault(value, value)
        names.setdefault(normalize_code(value), value)
    pad = next((s.pad for s in col_specs if s.pad is not None), None)
    return ColumnMapping(
        name,
        aliases,
        codes,
        export_codes,
        tuple(names.values()),
        frozenset(normalize_code(v) for s in col_specs for v in s.empty),
        pad,
        any(s.year_as_date for s in col_specs),
    )


def _check_aliases(mapping: TableMapping, problems: list[str]) -> None:
    """One source name may not stand for two columns of the same table."""
    seen: dict[str, str] = {}
    for col in mapping.table.columns:
        for alias in {normalize(a) for a in mapping.columns[col.name].aliases}:
            other = seen.setdefault(alias, col.name)
            if other != col.name:
                problems.append(
                    f"table {mapping.table.name} : le nom « {alias} » est donné à deux colonnes "
                    f"({other} et {col.name}) ; gardez-le pour une seule."
                )
