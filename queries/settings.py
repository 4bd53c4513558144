"""Where the portal's data lives: moved to dataroot.location, re-exported here for the CLI, the
benchmark and code written against this module."""

import hashlib
import os
from pathlib import Path

from dataroot.location import (
    DATA_DIR_ENV,
    DEMO_DATA_ROOT,
    PROJECT_ROOT,
    default_data_root,
)

__all__ = [
    "DATA_DIR_ENV",
    "DEMO_DATA_ROOT",
    "ENGINE_DIR_ENV",
    "PROJECT_ROOT",
    "default_data_root",
    "engine_dir",
]

ENGINE_DIR_ENV = "PEUPLEMENT_ENGINE_DIR"
ENGINE_DIR_NAME = ".moteur"  # inside the data root; not part of its published state


def engine_dir(data_root: Path) -> Path:
    """Where the engine keeps the database built for each published state of `data_root`: the
    folder named by PEUPLEMENT_ENGINE_DIR (one subfolder per data root), or `.moteur` inside it."""
    value = os.environ.get(ENGINE_DIR_ENV)
    if not value:
        return Path(data_root) / ENGINE_DIR_NAME
    name = hashlib.sha256(str(Path(data_root).resolve()).encode()).hexdigest()[:16]
    return Path(value).expanduser().resolve() / name
