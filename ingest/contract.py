"""Moved to the `dataroot` package (tables: dataroot.contract; paths: dataroot.layout).

Kept so that code written against the old place still imports; new code imports dataroot.
"""

from dataroot.contract import *  # noqa: F403
from dataroot.contract import Column, Table  # noqa: F401
from dataroot.layout import (  # noqa: F401
    OBJECTIFS_FILE,
    REFERENCE_DIR,
    SNAPSHOT_PREFIX,
    SNAPSHOTS_DIR,
    snapshot_dirname,
    table_path,
)
