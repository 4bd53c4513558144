"""Preparing an import: read, map, convert and stage the files, then check the would-be data root.

``prepare_snapshot`` and ``prepare_reference`` return an ImportReport. When it has no issue, its
staging folder holds the converted files, ready for ingest.importer.publishing.publish; otherwise
the staging folder is already removed and the data root is exactly as before.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from dataroot.contract import (
    OPTIONAL_REFERENCE_TABLES,
    OPTIONAL_SNAPSHOT_TABLES,
    REFERENCE_TABLES,
    SNAPSHOT_TABLES,
    Table,
)
from dataroot.errors import DataRootError
from dataroot.layout import REFERENCE_DIR, SNAPSHOTS_DIR, snapshot_dirname, table_path
from ingest.demo.writer import write_table
from ingest.importer.checking import Origin, check_staged
from ingest.importer.conversion import convert
from ingest.importer.mapping import Mapping, load_mapping
from ingest.importer.reading import read_source
from ingest.importer.report import ImportReport, Issues, SourceInfo
from ingest.importer.sources import FORMATS, collect_sources, match_files, year_in_name
from ingest.importer.staging import clean_stale_staging, create_staging, remove_staging
from semantic.errors import InvalidValueError

# Reference tables keyed by year: an import replaces the years it brings and keeps the others, so
# the 2026 arrêté can be loaded alone without losing the thresholds of earlier years.
MERGED_BY_YEAR = ("plafonds", "seuils_q1")
EXTENSIONS = ", ".join(sorted({e for e in FORMATS if e not in (".txt", ".tsv", ".xlsm", ".json")}))


def parse_snapshot_date(value: str | dt.date) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise InvalidValueError(
            f"date de photographie invalide : « {value} » (format AAAA-MM-JJ, ex. 2025-12-31)"
        ) from None


def prepare_snapshot(
    source, data_root: Path | str, snapshot: str | dt.date, *, mapping: Mapping | None = None
) -> ImportReport:
    """Check the files of one snapshot (a folder, or {name: bytes} uploads) against the contract
    and the reference tables in place; on success they wait in a staging folder."""
    iso = parse_snapshot_date(snapshot)
    root = Path(data_root)
    if not root.is_dir():
        raise DataRootError(
            f"dossier de données introuvable : {root} (créez-le et importez d'abord les "
            "référentiels avec « peuplement import-reference »)"
        )
    mapping = mapping or load_mapping()
    clean_stale_staging(root)
    issues, warnings = Issues(), []
    tables = SNAPSHOT_TABLES + OPTIONAL_SNAPSHOT_TABLES  # optional ones imported when given
    matched, ignored, unusable = match_files(collect_sources(source), tables, mapping, issues)
    _report_absent(SNAPSHOT_TABLES, set(matched) | unusable, mapping, issues)
    staging = create_staging(root)
    try:
        _link_reference(root, staging)
        folder = staging / SNAPSHOTS_DIR / snapshot_dirname(iso)
        folder.mkdir(parents=True)
        origins, infos = {}, []
        for table in tables:
            if table.name in matched:
                staged = _stage(
                    matched[table.name], table, mapping, issues, table_path(staging, table, iso)
                )
                if staged is not None:
                    origins[_rel(staging, table, iso)], info = staged
                    infos.append(info)
        covered = {_rel(staging, t, iso) for t in tables}
        issues.extend(check_staged(staging, origins, covered, warnings=warnings))
    except BaseException:
        remove_staging(staging)
        raise
    existing = (root / SNAPSHOTS_DIR / snapshot_dirname(iso)).exists()
    report = _finish("snapshot", root, iso, issues, infos, ignored, staging, existing, mapping)
    report.warnings = warnings
    return report


def prepare_reference(
    source, data_root: Path | str, *, mapping: Mapping | None = None
) -> ImportReport:
    """Check new reference tables (any subset) with every snapshot in place; on success the whole
    new reference/ folder (new tables, and the others copied) waits in a staging folder."""
    root = Path(data_root)
    if not root.parent.is_dir():
        raise DataRootError(f"dossier parent introuvable : {root.parent}")
    created = not root.exists()
    root.mkdir(exist_ok=True)
    mapping = mapping or load_mapping()
    clean_stale_staging(root)
    issues, warnings = Issues(), []
    matched, ignored, unusable = match_files(
        collect_sources(source), REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES, mapping, issues
    )
    if not matched and not issues:
        issues.whole_file(
            "",
            "aucun fichier reconnu",
            "Aucun fichier de référentiel reconnu (territoires, qpv, plafonds, seuils_q1, "
            "delais_anormaux, attributions_territoire ; "
            f"extensions {EXTENSIONS}, .geojson).",
        )
    staging = create_staging(root)
    try:
        if (root / SNAPSHOTS_DIR).is_dir():
            os.symlink(
                root.resolve() / SNAPSHOTS_DIR, staging / SNAPSHOTS_DIR, target_is_directory=True
            )
        (staging / REFERENCE_DIR).mkdir()
        origins, infos, kept = {}, [], []
        for table in REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES:
            current, target = table_path(root, table), table_path(staging, table)
            if table.name in matched:
                staged = _stage(matched[table.name], table, mapping, issues, target, current)
                if staged is not None:
                    origins[_rel(staging, table)], info = staged
                    infos.append(info)
            elif table.name in unusable:
                continue
            elif current.is_file():  # a table not given is carried over, optional ones too
                shutil.copy2(current, target)
                kept.append(table.name)
            elif not table.optional:
                issues.whole_file(
                    table.name,
                    "fichier absent",
                    f"Le référentiel « {table.name} » n'est pas encore dans les données : "
                    "fournissez-le avec les autres.",
                )
        covered = {_rel(staging, t) for t in REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES}
        issues.extend(
            check_staged(
                staging,
                origins,
                covered,
                ignore_rules=frozenset({"no_snapshot"}),
                warnings=warnings,
            )
        )
    except BaseException:
        remove_staging(staging)
        raise
    existing = (root / REFERENCE_DIR).exists()
    report = _finish("reference", root, None, issues, infos, ignored, staging, existing, mapping)
    report.carried_over = kept
    report.warnings = warnings
    if not report.ok and created:
        shutil.rmtree(root, ignore_errors=True)  # it did not exist: leave nothing behind
    return report


def _finish(
    kind, root, iso, issues: Issues, infos, ignored, staging, existing, mapping
) -> ImportReport:
    closed = issues.closed()
    if closed:
        remove_staging(staging)
        staging = None
    return ImportReport(kind, root, iso, closed, infos, ignored, staging, existing, mapping.files)


def _rel(root: Path, table: Table, iso: str | None = None) -> str:
    return table_path(root, table, iso).relative_to(root).as_posix()


def _report_absent(tables, given: set[str], mapping: Mapping, issues: Issues) -> None:
    for table in tables:
        if table.name in given:
            continue
        names = ", ".join(mapping.table(table.name).files)
        issues.whole_file(
            table.name,
            "fichier absent",
            f"Aucun fichier pour la table « {table.name} » (noms acceptés : {names} ; "
            f"extensions {EXTENSIONS}).",
        )


def _link_reference(root: Path, staging: Path) -> None:
    """The reference tables in place, seen from the staging root (links: nothing is copied)."""
    (staging / REFERENCE_DIR).mkdir()
    for table in REFERENCE_TABLES + OPTIONAL_REFERENCE_TABLES:
        current = table_path(root, table)
        if current.exists():
            os.symlink(current.resolve(), table_path(staging, table))


def _stage(
    src, table: Table, mapping: Mapping, issues: Issues, target: Path, current: Path | None = None
):
    """Read, convert and write one table; its Origin and SourceInfo, or None if unreadable."""
    spec = mapping.table(table.name)
    expected = set(spec.lookup())
    raw = read_source(src, expected, issues)
    if raw is None:
        return None
    defaults = {}
    year = year_in_name(src.name)
    if table.name in MERGED_BY_YEAR and year is not None:
        defaults["annee"] = str(year)
    converted = convert(raw, spec, mapping, issues, defaults)
    if not raw.complete:  # rows are missing: checking the links to them would only add noise
        return None
    arrow = converted.table
    kept_from = None
    if (
        table.name in MERGED_BY_YEAR
        and current is not None
        and current.is_file()
        and "annee" in arrow.column_names
    ):
        arrow, kept_from = _merge_years(arrow, current), f"{REFERENCE_DIR}/{table.filename}"
    write_table(arrow, target)
    ignored = tuple(converted.ignored)
    info = SourceInfo(
        table.name,
        raw.label,
        raw.details,
        converted.table.num_rows,
        converted.columns,
        ignored,
        raw.sha256,
    )
    return (Origin(raw.label, converted.lines, converted.columns, kept_from), info)


def _merge_years(new: pa.Table, current: Path) -> pa.Table:
    """`new`, then the rows of the file in place whose year `new` does not bring."""
    old = pq.read_table(current)
    years = set(new.column("annee").drop_null().to_pylist())
    keep = [y not in years for y in old.column("annee").to_pylist()]
    kept = old.filter(pa.array(keep, pa.bool_()))
    try:
        return pa.concat_tables([new, kept.select(new.column_names).cast(new.schema)])
    except (KeyError, pa.ArrowException):  # the file in place is itself unusable: its years go
        return new
