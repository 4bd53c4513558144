"""Publishing a prepared import: one rename makes it visible, the previous version is archived.

A snapshot goes from its staging folder to ``snapshots/date=YYYY-MM-DD`` by ``os.replace`` (same
filesystem, so the portal sees the whole folder or nothing). Replacing an existing date (only when
asked) first moves the old folder to ``archive/date=YYYY-MM-DD-replaced-<UTC time>/`` and moves it
back if the new one cannot be put in place. Reference tables are swapped as a whole ``reference/``
folder the same way (``archive/reference-replaced-<UTC time>/``). Each publication is recorded in
``_import.json`` inside the published folder (the contract and the engine read only their tables).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow.parquet as pq

from dataroot.contract import OPTIONAL_SNAPSHOT_TABLES, SNAPSHOT_TABLES
from dataroot.layout import REFERENCE_DIR, SNAPSHOTS_DIR, scan_snapshots, snapshot_dirname
from ingest.importer.pipeline import parse_snapshot_date
from ingest.importer.report import ImportReport
from ingest.importer.staging import fsync_dir, fsync_tree, publish_lock, remove_staging
from semantic.errors import PeuplementError

ARCHIVE_DIR = "archive"
RECORD_FILE = "_import.json"
RETIRED_FILE = "_retrait.json"


class PublishError(PeuplementError):
    """A publication refused: report with problems, existing date without replace, …"""


@dataclass(frozen=True)
class PublishRecord:
    """Who published what, when: written to _import.json, and given to the audit trail hook."""

    kind: str  # "snapshot" or "reference"
    snapshot: str | None
    path: str  # published folder, relative to the data root
    user: str
    published_at: str  # ISO 8601, UTC
    rows: dict[str, int]
    sources: list[dict]
    replaced: str | None  # the previous version's folder in archive/, relative to the data root
    mapping_files: list[str]

    def audit_details(self) -> dict:
        """The details for an audit event (ui.shell.audit.record(..., "admin_action", details=...))."""
        action = "import_photographie" if self.kind == "snapshot" else "import_referentiels"
        return {
            "action": action,
            "photographie": self.snapshot,
            "dossier": self.path,
            "lignes": self.rows,
            "fichiers": [s["file"] for s in self.sources],
            "version_archivee": self.replaced,
        }


def default_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "inconnu"


def _stamp(now: dt.datetime) -> str:
    return now.strftime("%Y%m%dT%H%M%S%fZ")


def publish(
    report: ImportReport,
    *,
    user: str | None = None,
    replace: bool = False,
    on_publish: Callable[[PublishRecord], None] | None = None,
) -> PublishRecord:
    """Publish a prepared import (see ingest.importer.pipeline). An existing snapshot date is
    refused unless `replace` (the prepared import stays ready, so a page can ask and retry).
    `on_publish` receives the record once the data is in place: the admin page passes a function
    writing the audit trail (ingest cannot import ui)."""
    if not report.ok or report.staging is None or not report.staging.is_dir():
        raise PublishError(
            "import non publiable : le rapport a des problèmes, a déjà été publié ou a expiré "
            "(préparez-le à nouveau)"
        )
    root = report.data_root
    now = dt.datetime.now(dt.UTC)
    if report.kind == "snapshot":
        staged = report.staging / SNAPSHOTS_DIR / snapshot_dirname(report.snapshot)
        target = root / SNAPSHOTS_DIR / snapshot_dirname(report.snapshot)
        archive = root / ARCHIVE_DIR / f"{snapshot_dirname(report.snapshot)}-replaced-{_stamp(now)}"
    else:
        staged = report.staging / REFERENCE_DIR
        target = root / REFERENCE_DIR
        archive = root / ARCHIVE_DIR / f"{REFERENCE_DIR}-replaced-{_stamp(now)}"
        replace = True  # reference tables are replaced as a whole, the old ones archived
    if target.exists() and not replace:
        raise PublishError(_exists(report.snapshot))
    try:
        with publish_lock(root):
            if target.exists() and not replace:  # published meanwhile by another import
                raise PublishError(_exists(report.snapshot))
            record = _swap(report, staged, target, archive if target.exists() else None, user, now)
    finally:
        remove_staging(report.staging)  # published, or failed: nothing is left in staging
        report.staging = None
    if on_publish is not None:
        on_publish(record)
    return record


def _exists(snapshot: str | None) -> str:
    return (
        f"la photographie du {snapshot} existe déjà : choisissez de la remplacer (--replace ; "
        "l'ancienne version est gardée dans archive/)"
    )


def _swap(report, staged: Path, target: Path, archived: Path | None, user, now) -> PublishRecord:
    """Under the publication lock: record, archive the version in place, rename the new one in."""
    root = report.data_root
    record = PublishRecord(
        report.kind,
        report.snapshot,
        target.relative_to(root).as_posix(),
        user or default_user(),
        now.isoformat(timespec="seconds"),
        report.rows,
        [asdict(s) for s in report.sources],
        archived.relative_to(root).as_posix() if archived else None,
        list(report.mapping_files),
    )
    (staged / RECORD_FILE).write_text(
        json.dumps(asdict(record), ensure_ascii=False, indent=2), encoding="utf-8"
    )
    fsync_tree(staged)
    target.parent.mkdir(parents=True, exist_ok=True)
    if archived is not None:
        archived.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, archived)
    try:
        _rename_into_place(staged, target)
    except BaseException:
        if archived is not None:
            os.replace(archived, target)  # the previous version comes back
        raise
    fsync_dir(target.parent)
    return record


def _rename_into_place(staged: Path, target: Path) -> None:
    """The one step that makes an import visible (kept apart so tests can interrupt it)."""
    os.replace(staged, target)


def discard(report: ImportReport) -> None:
    """Drop a prepared import that will not be published (the page's "cancel")."""
    remove_staging(report.staging)
    report.staging = None


@dataclass(frozen=True)
class SnapshotInfo:
    date: str
    rows: dict[str, int]
    user: str | None  # None for a snapshot not published by the importer (demo, copied by hand)
    published_at: str | None
    replaced: str | None


def published_snapshots(data_root: Path) -> list[SnapshotInfo]:
    """The snapshots in place, oldest first, with their row counts and who imported them."""
    infos = []
    for date, entry in scan_snapshots(Path(data_root)).snapshots:
        record = _read_record(entry / RECORD_FILE)
        rows = record.get("rows") or {
            t.name: pq.read_metadata(entry / t.filename).num_rows
            for t in SNAPSHOT_TABLES + OPTIONAL_SNAPSHOT_TABLES
            if (entry / t.filename).is_file()
        }
        infos.append(
            SnapshotInfo(
                date.isoformat(),
                rows,
                record.get("user"),
                record.get("published_at"),
                record.get("replaced"),
            )
        )
    return infos


def _read_record(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def retire_snapshot(data_root: Path, snapshot: str | dt.date, *, user: str | None = None) -> Path:
    """Move a snapshot to archive/date=…-retired-<UTC time>/ (kept, never deleted); the last
    snapshot cannot be retired, since the portal needs one."""
    root = Path(data_root)
    iso = parse_snapshot_date(snapshot)
    target = root / SNAPSHOTS_DIR / snapshot_dirname(iso)
    now = dt.datetime.now(dt.UTC)
    with publish_lock(root):
        if not target.is_dir():
            raise PublishError(f"aucune photographie au {iso} dans {root}")
        others = [i for i in published_snapshots(root) if i.date != iso]
        if not others:
            raise PublishError(f"la photographie du {iso} est la seule : le portail en a besoin")
        archived = root / ARCHIVE_DIR / f"{snapshot_dirname(iso)}-retired-{_stamp(now)}"
        archived.parent.mkdir(parents=True, exist_ok=True)
        os.replace(target, archived)
        (archived / RETIRED_FILE).write_text(
            json.dumps(
                {"user": user or default_user(), "retired_at": now.isoformat(timespec="seconds")}
            ),
            encoding="utf-8",
        )
    return archived
