"""The data root: its contract (`dataroot.contract`: tables, columns, types), its layout (where
each file is, which snapshots exist, what identifies a published state), where it is
(PEUPLEMENT_DATA_DIR) and its error.

The lowest project package: ingest, queries, ui and cli import it; it imports only the exception
family of semantic.errors. Nothing else lists snapshot folders or builds a table's path.
"""

from dataroot.errors import DataRootError
from dataroot.layout import (
    OBJECTIFS_FILE,
    REFERENCE_DIR,
    SNAPSHOT_PREFIX,
    SNAPSHOTS_DIR,
    SnapshotScan,
    data_version,
    list_snapshots,
    objectifs_path,
    objectifs_version,
    scan_snapshots,
    snapshot_date,
    snapshot_dir,
    snapshot_dirname,
    table_path,
)
from dataroot.location import DATA_DIR_ENV, DEMO_DATA_ROOT, default_data_root

__all__ = [
    "DataRootError",
    "OBJECTIFS_FILE",
    "REFERENCE_DIR",
    "SNAPSHOT_PREFIX",
    "SNAPSHOTS_DIR",
    "SnapshotScan",
    "data_version",
    "list_snapshots",
    "objectifs_path",
    "objectifs_version",
    "scan_snapshots",
    "snapshot_date",
    "snapshot_dir",
    "snapshot_dirname",
    "table_path",
    "DATA_DIR_ENV",
    "DEMO_DATA_ROOT",
    "default_data_root",
]
