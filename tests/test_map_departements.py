"""The département on the map (issue 18, item 4): a dimension every base carries (the commune's
département in the territories file), a filter that narrows the EPCIs and communes offered, and a
map that draws the communes of the départements chosen. On the tiny root with Voiron moved to a
second département (73) by hand: Grenoble and Saint-Martin-d'Hères (EPCI E1) stay in 38."""

from __future__ import annotations

import pandas as pd
import pytest

from queries.engine import open_engine
from queries.evaluate import evaluate
from queries.map_data import map_data
from queries.members import members
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.tiny_data import C1, C2, C3, E1, E2, write_tiny_root

MANAGER = Scope.internal("manager")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    root = write_tiny_root(tmp_path_factory.mktemp("deux-departements") / "racine")
    path = root / "reference" / "territoires.parquet"
    territoires = pd.read_parquet(path)
    territoires.loc[territoires["code_commune"] == C3, "code_departement"] = "73"
    territoires.to_parquet(path, index=False)
    opened = open_engine(root)
    yield opened
    opened.close()


def test_every_base_breaks_down_by_departement_as_its_epcis_add_up(engine):
    by_epci = evaluate(engine, "nb_logements", MANAGER, by=["epci"]).set_index("epci")
    by_dep = evaluate(engine, "nb_logements", MANAGER, by=["departement"]).set_index("departement")
    assert by_dep["valeur"].to_dict() == {
        "38": by_epci.loc[E1, "valeur"],
        "73": by_epci.loc[E2, "valeur"],
    }
    for sql in (
        "SELECT DISTINCT code_commune, code_departement FROM logements",
        "SELECT DISTINCT code_commune, code_departement FROM menages",
        "SELECT DISTINCT code_commune, code_departement FROM attributions",
        "SELECT DISTINCT code_commune, code_departement FROM departs",
        "SELECT DISTINCT code_commune, code_departement FROM demandes",
    ):
        found = engine.fetch(sql)
        assert set(map(tuple, found.dropna().to_numpy().tolist())) <= {
            (C1, "38"),
            (C2, "38"),
            (C3, "73"),
        }, sql


def offered(engine, dimension, scope=MANAGER, **where):
    """Code -> label of `dimension`'s values in `scope`, narrowed by `where`: the filters' lists
    (ui.shared.filters.options asks exactly this, per dimension)."""
    found = members(engine, dimension, scope, snapshot=engine.latest, where=where or None)
    return dict(zip(found["code"], found["libelle"], strict=True))


def test_the_departement_filter_narrows_the_epcis_and_communes_offered(engine):
    label = load_catalogue().departement_label
    assert {c: label(c) for c in offered(engine, "departement")} == {
        "38": "38 — Isère",
        "73": "73 — Savoie",
    }
    assert list(offered(engine, "epci", departement=["73"])) == [E2]
    assert list(offered(engine, "commune", departement=["73"])) == [C3]
    isere_e1 = offered(engine, "commune", departement=["38"], epci=[E1])
    assert sorted(isere_e1) == sorted([C1, C2])


def test_a_departement_reads_as_code_and_name_or_as_its_code_alone():
    assert load_catalogue().departement_label("2A") == "2A — Corse-du-Sud"
    assert load_catalogue().departement_label("99") == "99"


def test_a_partner_of_one_epci_is_offered_its_own_departement_only(engine):
    partner = Scope("partenaire", epci=(E2,))
    assert list(offered(engine, "departement", partner)) == ["73"]


def test_the_map_of_one_departement_draws_its_communes_and_residences_only(engine):
    md = map_data(
        engine, MANAGER, residence_indicator="taux_vacance", where={"departement": ["73"]}
    )
    assert md.area_level == "commune"
    assert list(md.communes["commune"]) == [C3]
    assert len(md.residences) and set(md.residences["commune"]) == {C3}
    isere = map_data(
        engine, MANAGER, residence_indicator="taux_vacance", where={"departement": ["38"]}
    )
    assert sorted(isere.communes["commune"]) == sorted([C1, C2])
    assert set(isere.residences["commune"]) <= {C1, C2} and len(isere.residences)
