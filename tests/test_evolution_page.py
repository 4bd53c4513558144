"""The Évolution page driven with AppTest, per role, on a small root from the demo generator: one
line per territory over every snapshot, the legal threshold and local targets as rules, masked
points left out of the lines and named under the chart. The chart builders are also checked as
plain functions.
"""

from __future__ import annotations

import json

import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from queries.engine import open_engine
from queries.members import members
from queries.series import series
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.apptest_support import (
    ACCOUNTS,
    charts,
    logged_in,
    portal,
    run_with,
    steady_navigation,
)
from ui.screens.evolution import trends
from ui.shared.charts import TERRITORY_PALETTE
from ui.shared.kpi_targets import filters_key
from ui.shell.navigation import page_path

PAGE = str(page_path("evolution"))
PARTNER_EPCI = "243800984"
PARTNER_SCOPE = Scope(role="partenaire", epci=(PARTNER_EPCI,))
INTERNAL_SCOPE = Scope.internal("manager")
T1 = "part_attributions_q1_hors_qpv"
SNAPSHOTS = 5


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(scope="module")
def demo_root(small_demo_root_5):
    assert SNAPSHOTS == 5  # the shared five-snapshot root of tests/conftest.py
    return small_demo_root_5


@pytest.fixture(scope="module")
def engine(demo_root):
    eng = open_engine(demo_root)
    yield eng
    eng.close()


@pytest.fixture(autouse=True)
def portal_env(monkeypatch, tmp_path, demo_root):
    portal(monkeypatch, tmp_path, demo_root)


def evolution(role: str, **widgets) -> AppTest:
    return run_with(logged_in(ACCOUNTS[role], PAGE), widgets)


def layers(chart) -> list[tuple[dict, pd.DataFrame]]:
    """Each layer of a chart's spec with the rows of its dataset."""
    spec = json.loads(chart.proto.spec)
    datasets = {
        d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets
    }
    shared = spec.get("data")  # altair hoists the data of layers that all share it
    return [(layer, datasets[layer.get("data", shared)["name"]]) for layer in spec["layer"]]


def lines(chart) -> pd.DataFrame:
    (points,) = {
        id(df): df for layer, df in layers(chart) if layer["mark"]["type"] == "line"
    }.values()
    return points


def rules(chart) -> pd.DataFrame:
    found = [df for layer, df in layers(chart) if layer["mark"]["type"] == "rule"]
    return pd.concat(found, ignore_index=True) if found else pd.DataFrame()


# --- the page, per role ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "charge_clientele", "admin"])
def test_internal_roles_compare_every_epci_with_the_t1_threshold(engine, role):
    at = evolution(role)
    assert [t.value for t in at.title] == ["Évolution"]
    assert [s.value for s in at.subheader] == [
        load_catalogue().indicator(T1).label,
        "Tendance de la demande : les 4 prochains trimestres",
    ]
    (chart,) = charts(at)
    points = lines(chart)
    expected = series(engine, T1, INTERNAL_SCOPE, by=["epci"])
    assert points["date"].nunique() == SNAPSHOTS == len(engine.snapshots)
    assert points["territoire"].nunique() == 3 == expected["epci"].nunique()
    merged = points.merge(
        expected.rename(columns={"epci": "code"}), on=["date", "code"], suffixes=("", "_engine")
    )
    assert len(merged) == len(points) == len(expected)
    assert merged["valeur"].to_numpy() == pytest.approx(merged["valeur_engine"].astype(float))
    drawn = rules(chart)
    legal = drawn[drawn["territoire"] == ""]
    assert legal["cible"].tolist() == [0.25]
    assert legal["libelle"].str.startswith("T1 ≥ 25").all()
    # the demo CIA raises T1 to 30 % on Grenoble-Alpes-Métropole: a rule in its colour
    local = drawn[drawn["territoire"] != ""]
    assert set(local["territoire"]) == {"Grenoble-Alpes-Métropole"}
    assert set(local["cible"]) == {0.30}
    assert any("Grenoble-Alpes-Métropole ≥ 30,0\u202f% (2025, 2026)" in c.value for c in at.caption)
    # territories in neutral colours: red, orange and green mean a target's status (issue 21)
    palette = json.loads(chart.proto.spec)["layer"][0]["encoding"]["color"]["scale"]["range"]
    assert palette == list(TERRITORY_PALETTE)
    status_hues = {"#c0392b", "#d62728", "#e08e0b", "#ff7f0e", "#2e7d32", "#2ca02c", "red"}
    assert not status_hues & {c.lower() for c in palette}


def test_partner_sees_only_their_epci(engine):
    at = evolution("partenaire")
    (chart,) = charts(at)
    points = lines(chart)
    assert set(points["code"]) == {PARTNER_EPCI}
    assert points["date"].nunique() == SNAPSHOTS
    assert at.multiselect(key="evo_territoires").options == [
        "Communauté d'agglomération du Pays Voironnais"
    ]


def test_partner_masked_points_are_not_drawn_and_named(engine):
    """T1 by commune of the partner's EPCI: most communes allocate fewer than 11 a year."""
    communes = members(engine, "commune", PARTNER_SCOPE)
    codes = list(communes["code"][:6])
    at = evolution("partenaire", evo_echelle="commune", evo_territoires=codes)
    (chart,) = charts(at)
    points = lines(chart)
    expected = series(engine, T1, PARTNER_SCOPE, by=["commune"], where={"commune": codes})
    masked = expected[expected["masque"]]
    assert len(masked) > 0
    assert points["territoire"].nunique() == len(codes)
    hidden = points[points["masque"]]
    assert len(hidden) == len(masked) and hidden["valeur"].isna().all()
    assert set(hidden["texte"]) == {"secret statistique (moins de 11 ménages ou attributions)"}
    # a masked point breaks its territory's line: the runs on either side are separate traces
    for _, group in points.groupby("code"):
        for trace, run in group.groupby("trace"):
            assert run["valeur"].iloc[1:].notna().all(), trace
    note = next(c.value for c in at.caption if "secret statistique" in c.value)
    assert "Non tracés" in note and "La courbe s'interrompt" in note
    first = masked.iloc[0]
    assert f"{first['commune_libelle']} (" in note


def test_residences_must_be_chosen_before_drawing():
    at = evolution("manager", evo_echelle="residence")
    assert not charts(at)
    assert "Choisissez de 1 à 10 territoires" in at.info[0].value


def test_indicators_without_the_scale_are_named(engine):
    residence = members(engine, "residence", INTERNAL_SCOPE)["code"].iloc[0]
    at = evolution(
        "manager",
        evo_indicateurs=["nb_demandes"],
        evo_echelle="residence",
        evo_territoires=[residence],
    )
    assert not charts(at)
    assert at.info[0].value == "Aucun des indicateurs choisis ne se calcule à cette échelle."
    assert at.caption[0].value == "Demandes actives : pas de découpage par résidence."


def test_no_indicator_is_an_empty_state_not_an_error():
    at = evolution("manager", evo_indicateurs=[])
    assert not charts(at)
    assert at.info[0].value == "Choisissez au moins un indicateur."


def test_several_indicators_give_one_chart_each_with_their_own_targets():
    at = evolution(
        "manager", evo_indicateurs=[T1, "part_attributions_non_q1_en_qpv", "taux_vacance"]
    )
    drawn = [rules(chart) for chart in charts(at)]
    assert len(drawn) == 3
    assert drawn[0]["cible"].iloc[0] == 0.25 and drawn[1]["cible"].iloc[0] == 0.50
    assert drawn[2].empty  # no target on vacancy at EPCI scale


# --- plain functions ------------------------------------------------------------------------------


def test_chart_data_breaks_lines_at_missing_points():
    dates = pd.to_datetime(["2025-09-30", "2025-12-31", "2026-03-31", "2026-06-30"])
    df = pd.DataFrame(
        {
            "date": list(dates) * 2,
            "commune": ["A"] * 4 + ["B"] * 4,
            "commune_libelle": ["Alpha"] * 4 + ["Bêta"] * 4,
            "valeur": pd.array([0.1, None, 0.3, 0.4, 0.2, 0.2, None, 0.2], dtype="Float64"),
            "masque": [False, True, False, False, False, False, False, False],
        }
    )
    points = trends.chart_data(df, "commune", "ratio")
    assert points["trace"].tolist() == ["A-0", "A-1", "A-1", "A-1", "B-0", "B-0", "B-1", "B-1"]
    assert points["texte"].tolist()[:2] == [
        "10,0\u202f%",
        "secret statistique (moins de 11 ménages ou attributions)",
    ]
    masked, missing = trends.gaps(points)
    assert masked == ["Alpha (31/12/2025)"] and missing == ["Bêta (31/03/2026)"]
    hidden = points.assign(masque=points["code"] == "B")
    assert trends.gaps(hidden)[0] == ["Bêta (toutes les photographies)"]


def test_target_rules_hold_legal_thresholds_and_local_targets_of_the_territories_shown():
    catalogue = load_catalogue()
    points = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-09-30", "2026-09-30"]),
            "code": ["E1", "E1"],
            "territoire": ["Est", "Est"],
        }
    )
    local = pd.DataFrame(
        {
            "indicateur": [T1, T1, T1],
            "echelle": ["epci", "epci", "epci"],
            "code": ["E1", "E2", "E1"],
            "sens": [">=", ">=", ">="],
            "cible": [0.3, 0.4, 0.35],
            "filtres": ["", "", filters_key({"reservataire": ["etat"]})],
            "annee": [2026, 2026, 2026],
        }
    )
    drawn = trends.target_rules(catalogue, T1, points, local, "epci")
    assert drawn["libelle"].tolist() == [
        "T1 ≥ 25,0\u202f% (légal)",
        "Objectif local 2026 ≥ 30,0\u202f%",
    ]
    assert drawn["debut"].iloc[1] == pd.Timestamp("2026-01-01")
    assert drawn["fin"].iloc[1] == pd.Timestamp("2026-09-30")  # not past the last snapshot
    t3 = trends.target_rules(catalogue, "part_attributions_prioritaires", points, local, "epci")
    assert t3["libelle"].tolist() == ["T3 ≥ 25,0\u202f% par réservataire (légal)"]


def test_year_to_date_draws_no_rate_over_a_stock():
    # nine months of departures over the whole stock would read as a low rotation
    at = evolution("manager", evo_indicateurs=[T1, "taux_rotation"], evo_periode="ytd")
    assert len(charts(at)) == 1  # T1 only
    assert "Taux de rotation : taux rapporté à un stock, sur 12 mois glissants seulement." in [
        c.value for c in at.caption
    ]
    at = evolution("manager", evo_indicateurs=[T1, "taux_rotation"], evo_periode="rolling12")
    assert len(charts(at)) == 2


@pytest.mark.parametrize("role,scope", [("manager", INTERNAL_SCOPE), ("partenaire", PARTNER_SCOPE)])
def test_demand_trend_comes_from_the_users_projection(engine, role, scope):
    from queries.forecast.projection import projection
    from ui.screens.evolution.demand_view import demand_table

    at = evolution(role)
    (shown,) = [d.value for d in at.dataframe if "Pièces" in d.value.columns]
    found = {
        i: projection(engine, i, scope, by=("epci", "nb_pieces"), horizon=4)
        for i in ("nb_demandes", "nb_attributions")
    }
    assert shown.astype(str).equals(demand_table(found).astype(str))
    assert set(shown["EPCI"]) <= set(found["nb_demandes"]["epci_libelle"])
    if scope.masks_small_cells:
        assert set(found["nb_demandes"]["epci"]) == {PARTNER_EPCI}
    # five snapshots: no back-test is possible, so the naive value is shown and said so
    captions = " ".join(c.value for c in at.caption)
    assert "historique trop court pour éprouver la méthode" in captions
