"""Where the portal's data lives: moved to dataroot.location, re-exported here for the CLI, the
benchmark and code written against this module."""

from dataroot.location import (
    DATA_DIR_ENV,
    DEMO_DATA_ROOT,
    PROJECT_ROOT,
    default_data_root,
)

__all__ = ["DATA_DIR_ENV", "DEMO_DATA_ROOT", "PROJECT_ROOT", "default_data_root"]
