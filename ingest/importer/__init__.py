"""Importing a bailleur's extracts (CSV, XLSX, Parquet, GeoJSON) into a data root.

Two steps, so a page can show the report before publishing:

- ``prepare_snapshot(source, data_root, snapshot)`` / ``prepare_reference(source, data_root)``:
  ``source`` is a folder or uploaded files ``{name: bytes}``. The files are found by name, read,
  mapped (``mapping``: RPLS/OPS/SNE names and codes, ingest/mappings/rpls.yaml, plus user YAML),
  converted to the contract's types, written to a hidden staging folder inside the data root, and
  the would-be data root is checked by the contract validator. The ImportReport lists every problem
  (file, line, column, value, rule; ``.text()``, ``.csv()``); nothing visible changes.
- ``publish(report, user=…, replace=…, on_publish=…)``: one rename puts the checked files in place;
  a replaced version goes to ``archive/``. ``discard(report)`` drops a prepared import.

``import_snapshot`` / ``import_reference`` do both (the CLI). Modules: reading, mapping,
conversion, checking (validator problems in the user's lines), report, staging, pipeline,
publishing, export (RPLS-style CSV from a data root).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from dataroot.layout import SNAPSHOTS_DIR, snapshot_dirname
from ingest.importer.export import export_reference, export_rpls
from ingest.importer.mapping import SHIPPED_MAPPING, Mapping, load_mapping
from ingest.importer.pipeline import (
    DataRootError,
    parse_snapshot_date,
    prepare_reference,
    prepare_snapshot,
)
from ingest.importer.publishing import (
    ARCHIVE_DIR,
    RECORD_FILE,
    PublishError,
    PublishRecord,
    SnapshotInfo,
    discard,
    publish,
    published_snapshots,
    retire_snapshot,
)
from ingest.importer.report import ImportIssue, ImportReport, SourceInfo

__all__ = [
    "ARCHIVE_DIR",
    "RECORD_FILE",
    "SHIPPED_MAPPING",
    "DataRootError",
    "ImportIssue",
    "ImportReport",
    "Mapping",
    "PublishError",
    "PublishRecord",
    "SnapshotInfo",
    "SourceInfo",
    "discard",
    "export_reference",
    "export_rpls",
    "import_reference",
    "import_snapshot",
    "load_mapping",
    "prepare_reference",
    "prepare_snapshot",
    "publish",
    "published_snapshots",
    "retire_snapshot",
]

OnPublish = Callable[[PublishRecord], None]
_EXISTS = (
    "la photographie du {iso} existe déjà : ajoutez --replace pour la remplacer (l'ancienne "
    "version est gardée dans archive/)"
)


def import_snapshot(
    source,
    data_root: Path | str,
    snapshot: str | dt.date,
    *,
    mapping: Mapping | None = None,
    replace: bool = False,
    user: str | None = None,
    on_publish: OnPublish | None = None,
) -> tuple[ImportReport, PublishRecord | None]:
    """Prepare, and publish when there is no problem (the record is None otherwise). An existing
    date is refused before any work unless `replace`."""
    iso = parse_snapshot_date(snapshot)
    if not replace and (Path(data_root) / SNAPSHOTS_DIR / snapshot_dirname(iso)).exists():
        raise PublishError(_EXISTS.format(iso=iso))
    report = prepare_snapshot(source, data_root, iso, mapping=mapping)
    if not report.ok:
        return report, None
    if report.existing and not replace:  # published meanwhile by someone else
        discard(report)
        raise PublishError(_EXISTS.format(iso=iso))
    return report, publish(report, user=user, replace=replace, on_publish=on_publish)


def import_reference(
    source,
    data_root: Path | str,
    *,
    mapping: Mapping | None = None,
    user: str | None = None,
    on_publish: OnPublish | None = None,
) -> tuple[ImportReport, PublishRecord | None]:
    report = prepare_reference(source, data_root, mapping=mapping)
    if not report.ok:
        return report, None
    return report, publish(report, user=user, on_publish=on_publish)
