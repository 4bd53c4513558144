"""Where the portal's data lives, read from the environment with a documented default."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The demo data root written by `peuplement demo` (see README): the default for the portal and CLI.
DEMO_DATA_ROOT = PROJECT_ROOT / "data" / "demo"
DATA_DIR_ENV = "PEUPLEMENT_DATA_DIR"


def default_data_root() -> Path:
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser().resolve() if value else DEMO_DATA_ROOT


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
