"""The département on the dashboard (issue 18, item 4) driven with AppTest: on a copy of the small
demo root whose Pays Voironnais communes are moved to a second département (73) by hand, the
territory cascade starts with a Département filter that narrows the EPCIs offered, and the rows
by département hold what `evaluate` computes, named « 73 — Savoie ». A root of one département
(every other page test) shows no such filter."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from queries.engine import open_engine
from queries.evaluate import evaluate
from semantic.scope import Scope
from tests.apptest_support import ACCOUNTS, logged_in, portal, run_with, steady_navigation
from ui.shell.navigation import page_path

PAGE = str(page_path("tableau_de_bord"))
VOIRONNAIS = "243800984"


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(scope="module")
def root(small_demo_root, tmp_path_factory):
    copy = tmp_path_factory.mktemp("deux-departements") / "racine"
    shutil.copytree(small_demo_root, copy, ignore=shutil.ignore_patterns(".moteur"))
    path = copy / "reference" / "territoires.parquet"
    territoires = pd.read_parquet(path)
    territoires.loc[territoires["code_epci"] == VOIRONNAIS, "code_departement"] = "73"
    territoires.to_parquet(path, index=False)
    return copy


@pytest.fixture(scope="module")
def engine(root):
    opened = open_engine(root)
    yield opened
    opened.close()


def test_the_cascade_starts_with_the_departement_and_rows_by_departement_are_evaluate(
    monkeypatch, tmp_path, root, engine
):
    portal(monkeypatch, tmp_path, root)
    at = run_with(logged_in(ACCOUNTS["manager"], PAGE), {"tdb_echelle": "departement"})
    picker = at.multiselect(key="tdb_departement")
    assert picker.label == "Département"
    assert picker.options == ["38 — Isère", "73 — Savoie"]
    assert len(at.multiselect(key="tdb_epci").options) > 1
    (grid,) = at.dataframe
    counts = evaluate(engine, "nb_logements", Scope.internal("manager"), by=["departement"])
    assert list(grid.value.index) == ["38", "73"]
    assert list(grid.value["Territoire"]) == ["38 — Isère", "73 — Savoie"]
    assert grid.value["Nombre de logements"].to_dict() == dict(
        zip(counts["departement"], counts["valeur"], strict=True)
    )
    # the 3 000 dwellings of the root, the Pays Voironnais's in 73
    by_epci = evaluate(engine, "nb_logements", Scope.internal("manager"), by=["epci"])
    voironnais = by_epci.set_index("epci").loc[VOIRONNAIS, "valeur"]
    assert counts.set_index("departement")["valeur"].to_dict() == {
        "38": 3000 - voironnais,
        "73": voironnais,
    }

    at = run_with(at, {"tdb_departement": ["73"]})
    assert at.multiselect(key="tdb_epci").options == [
        "Communauté d'agglomération du Pays Voironnais"
    ]


def test_a_root_of_one_departement_offers_no_departement_filter(
    monkeypatch, tmp_path, small_demo_root
):
    portal(monkeypatch, tmp_path, small_demo_root)
    at = run_with(logged_in(ACCOUNTS["manager"], PAGE), {})
    assert not [w for w in at.main if getattr(w, "key", None) == "tdb_departement"]


def test_the_map_offers_the_departement_and_narrows_the_epcis(monkeypatch, tmp_path, root):
    portal(monkeypatch, tmp_path, root)
    at = logged_in(ACCOUNTS["manager"])  # through Home.py: the map links to other pages
    at.run()
    at = run_with(at.switch_page("pages/carte.py"), {})
    assert at.multiselect(key="carte_departement").options == ["38 — Isère", "73 — Savoie"]
    at = run_with(at, {"carte_departement": ["73"]})
    assert at.multiselect(key="carte_epci").options == [
        "Communauté d'agglomération du Pays Voironnais"
    ]
    communes = at.multiselect(key="carte_communes").options
    voironnais = pd.read_parquet(root / "reference" / "territoires.parquet").query(
        "code_epci == @VOIRONNAIS"
    )
    assert set(communes) <= set(voironnais["nom_commune"]) and communes
