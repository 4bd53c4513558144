"""The territory reference table (communes and their EPCIs), read for callers outside the engine.

The engine loads every table into its own database; this reader serves those who need the names
of territories without building an engine (the accounts form names territories, not data).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dataroot.contract import TERRITOIRES
from dataroot.layout import table_path

NAME_COLUMNS = ("code_commune", "nom_commune", "code_epci", "nom_epci")


def territories_file(root: Path) -> Path:
    return table_path(root, TERRITOIRES)


def read_territories(root: Path, columns: tuple[str, ...] = NAME_COLUMNS) -> pd.DataFrame:
    """The communes with their EPCI, sorted by EPCI then commune name; an empty frame with the
    same columns when the data root has no territory table yet."""
    path = territories_file(root)
    if not path.is_file():
        return pd.DataFrame(columns=list(columns))
    return pd.read_parquet(path, columns=list(columns)).sort_values(["nom_epci", "nom_commune"])
