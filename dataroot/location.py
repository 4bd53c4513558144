"""Which data root the portal and the CLI use: PEUPLEMENT_DATA_DIR, else the demo root.

The portal's other settings (demo mode, users file, cookie key, audit file, import folder) are the
portal's business and live in ui/shell/settings.py and ui/screens/administration/import_folder.py; every environment variable is
listed in docs/architecture.md (a test checks the list is complete).
"""

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
