"""The GeoJSON features of the map's area layers (communes, EPCIs, QPV, the urban projects' QPV):
the rows that have a geometry, and one feature per geometry. Shared by ui.screens.carte.map_layers
and ui.screens.carte.map_projects.
"""

from __future__ import annotations

import json

import pandas as pd


def drawable(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that have a geometry (a data root may lack some boundaries)."""
    return frame[frame["geometry"].notna()] if "geometry" in frame else frame.iloc[0:0]


def feature(geometry, properties: dict) -> dict:
    geometry = json.loads(geometry) if isinstance(geometry, str) else geometry
    return {"type": "Feature", "geometry": geometry, "properties": properties}
