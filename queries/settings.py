"""Where the portal's data lives, read from the environment with a documented default."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The demo data root written by `peuplement demo` (see README): the default for the portal and CLI.
DEMO_DATA_ROOT = PROJECT_ROOT / "data" / "demo"
DATA_DIR_ENV = "PEUPLEMENT_DATA_DIR"


def default_data_root() -> Path:
    value = os.environ.get(DATA_DIR_ENV)
    return Path(value).expanduser().resolve() if value else DEMO_DATA_ROOT
