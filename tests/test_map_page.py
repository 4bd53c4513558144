"""The Carte page driven with AppTest on the default demo data root, as the demo manager and as the
demo partner of the Pays Voironnais: the deck's JSON (`deck_gl_json_chart`) is checked against the
query layer — layers, colours, scope, secrecy — and the attention list against its criteria.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from queries.engine import open_engine
from queries.evaluate import evaluate
from queries.places import boundaries, residences
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.apptest_support import portal, steady_navigation
from ui.screens.carte import map_layers as ml
from ui.screens.carte import map_legend as mlg
from ui.shared.formats import MASK_TEXT, value

pytestmark = pytest.mark.slow  # AppTest of the map on the full demo root

ROOT = Path(__file__).resolve().parent.parent
HOME = str(ROOT / "Home.py")
MANAGER, PARTNER = "direction.demo", "partenaire.voironnais"
PARTNER_EPCI = "243800984"
MANAGER_SCOPE = Scope.internal("manager")
PARTNER_SCOPE = Scope(role="partenaire", epci=(PARTNER_EPCI,))
LAYERS = ["communes", "qpv", "epci", "residences", "qpv-contours", "residences-attention"]


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(autouse=True)
def portal_env(monkeypatch, tmp_path, demo_root):
    portal(monkeypatch, tmp_path, demo_root, tmp_path / "audit.jsonl")


@pytest.fixture(scope="module")
def engine(demo_root):
    eng = open_engine(demo_root)
    yield eng
    eng.close()


def open_map(username: str, **widgets) -> AppTest:
    """The Carte page for a logged-in demo account, after setting widgets by key."""
    at = AppTest.from_file(HOME, default_timeout=90)
    at.secrets["unrelated"] = "x"  # never read a developer's real secrets.toml
    for key, val in {"authentication_status": True, "username": username, "name": username}.items():
        at.session_state[key] = val
    at.run()
    at.switch_page("pages/carte.py").run()
    for key, val in widgets.items():
        widget = next(w for w in at.main if getattr(w, "key", None) == key)
        widget.set_value(val)
    if widgets:
        at.run()
    assert not at.exception, at.exception
    assert not [e.value for e in at.error]
    return at


def deck_of(at: AppTest) -> dict:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def layer(deck: dict, layer_id: str) -> list[dict]:
    (found,) = [item for item in deck["layers"] if item["id"] == layer_id]
    data = found["data"]
    return data["features"] if isinstance(data, dict) else data


def points(deck: dict) -> dict[str, dict]:
    return {p["residence"]: p for p in layer(deck, "residences")}


# --- manager -------------------------------------------------------------------------------------


def test_manager_map_has_every_layer_and_every_place_with_no_basemap(engine):
    at = open_map(MANAGER)
    assert [t.value for t in at.title] == ["Carte"]
    deck = deck_of(at)
    assert [item["id"] for item in deck["layers"]] == LAYERS
    assert deck["mapStyle"] == "__MAP_STYLE__" and "mapProvider" not in deck
    (chart,) = at.get("deck_gl_json_chart")
    assert json.loads(chart.proto.tooltip)["text"] == "{infobulle}"
    places = residences(engine, MANAGER_SCOPE)
    assert set(points(deck)) == set(places["residence"])
    communes = boundaries(engine, "communes", MANAGER_SCOPE)
    assert {f["properties"]["commune"] for f in layer(deck, "communes")} == set(communes["commune"])
    assert {f["properties"]["epci"] for f in layer(deck, "epci")} == set(communes["epci"])
    qpv = boundaries(engine, "qpv", MANAGER_SCOPE)
    assert {f["properties"]["qpv"] for f in layer(deck, "qpv")} == set(qpv["qpv"])
    assert all("Périmètre fictif" in f["properties"]["infobulle"] for f in layer(deck, "qpv"))
    # the view is centred on the data
    view = deck["initialViewState"]
    assert places["lon"].min() < view["longitude"] < places["lon"].max()
    assert places["lat"].min() < view["latitude"] < places["lat"].max()


def test_the_basemap_says_what_happens_offline_and_the_threshold_reads_without_decimals(engine):
    """The tiles load in the browser: the page says that a closed network shows no background and
    the map stays complete (issue 21, item 12); the threshold input shows "50", not "50.00"."""
    from ui.screens.carte.map_view import BASEMAP_OFFLINE

    at = open_map(MANAGER)
    assert BASEMAP_OFFLINE not in [c.value for c in at.caption]
    (threshold,) = [w for w in at.number_input if w.key == "carte_seuil"]
    assert threshold.proto.format == "%g"
    at = open_map(MANAGER, carte_fond=True)
    assert BASEMAP_OFFLINE in [c.value for c in at.caption]
    assert "mapProvider" in deck_of(at) or deck_of(at)["mapStyle"] != "__MAP_STYLE__"


def test_manager_residence_colours_follow_the_fragility_classes(engine):
    deck = deck_of(open_map(MANAGER))
    found = evaluate(engine, "part_menages_fragiles", MANAGER_SCOPE, by=["residence"])
    values = found.set_index("residence")["valeur"].astype(float).sort_values()
    n, drawn = len(values), points(deck)
    # five quantile classes: class i starts at the value ranked n * i // 5 (ascending)
    starts = [values.iloc[n * i // 5] for i in range(1, 5)]
    assert starts == sorted(set(starts)) and starts[0] > values.iloc[0]  # no tie on a boundary
    for residence, rate in values.items():
        expected = sum(1 for start in starts if start <= rate)
        assert drawn[residence]["classe"] == expected, residence
        assert drawn[residence]["couleur"] == [*mlg.RESIDENCE_PALETTE[expected], ml.POINT_ALPHA]
    lowest, highest = values.index[0], values.index[-1]
    assert drawn[lowest]["couleur"][:3] == list(mlg.RESIDENCE_PALETTE[0])
    assert drawn[highest]["couleur"][:3] == list(mlg.RESIDENCE_PALETTE[-1])
    # the tooltip gives the value with its effectif for internal roles
    row = found.set_index("residence").loc[highest]
    expected_line = (
        f"Ménages en fragilité : {value(row['valeur'], 'ratio')} (effectif : {row['effectif']})"
    )
    assert expected_line in drawn[highest]["infobulle"].split("\n")


def test_manager_attention_list_links_to_the_residence_page(engine):
    at = open_map(MANAGER)
    links = {link.proto.query_string: link.label for link in at.get("page_link")}
    # the demo's PSA target on R00116 (fragility <= 35 %) is off track
    assert "residence=R00116" in links
    assert all(link.proto.page.endswith("residence") for link in at.get("page_link"))
    deck = deck_of(at)
    ringed = {r["residence"] for r in layer(deck, "residences-attention")}
    assert ringed == {q.split("=")[1] for q in links}
    assert (
        "objectif non atteint : Ménages en fragilité ≤ 35,0\u202f%"
        in points(deck)["R00116"]["infobulle"]
    )


def test_threshold_adds_the_residences_above_it(engine):
    at = open_map(MANAGER, carte_seuil=90.0)
    found = evaluate(engine, "part_menages_fragiles", MANAGER_SCOPE, by=["residence"])
    above = set(found.loc[found["valeur"] > 0.9, "residence"])
    assert above
    linked = {link.proto.query_string.split("=")[1] for link in at.get("page_link")}
    assert above <= linked


def test_filtering_a_commune_and_a_financement(engine):
    at = open_map(MANAGER, carte_communes=["38563"], carte_financement=["PLAI"])
    deck = deck_of(at)
    places = residences(
        engine, MANAGER_SCOPE, where={"commune": ["38563"], "financement": ["PLAI"]}
    )
    assert set(points(deck)) == set(places["residence"]) and len(places)
    assert {f["properties"]["commune"] for f in layer(deck, "communes")} == {"38563"}
    assert {f["properties"]["qpv"] for f in layer(deck, "qpv")} == {"QN03898X"}
    assert "Filtre sans objet pour les communes : financement." in [c.value for c in at.caption][0]
    assert deck["initialViewState"]["zoom"] > 11  # fitted on Voiron, not on the three EPCIs


def test_empty_filters_show_an_empty_state(engine):
    where = {"commune": ["38133"], "financement": ["PLI"]}  # Coublevie has no PLI dwelling
    assert len(residences(engine, MANAGER_SCOPE, where={"commune": ["38133"]}))
    assert residences(engine, MANAGER_SCOPE, where=where).empty
    at = open_map(MANAGER, carte_communes=["38133"], carte_financement=["PLI"])
    assert "Aucune résidence dans ce périmètre pour ces filtres." in [i.value for i in at.info]
    deck = deck_of(at)
    assert layer(deck, "residences") == []
    assert {f["properties"]["commune"] for f in layer(deck, "communes")} == {"38133"}


# --- partner -------------------------------------------------------------------------------------


def out_of_scope_names(engine) -> tuple[set[str], set[str]]:
    everyone = residences(engine, MANAGER_SCOPE)
    others = everyone[everyone["epci"] != PARTNER_EPCI]
    communes = boundaries(engine, "communes", MANAGER_SCOPE)
    other_communes = communes[communes["epci"] != PARTNER_EPCI]
    qpv = boundaries(engine, "qpv", MANAGER_SCOPE)
    codes = set(others["residence"]) | set(other_communes["commune"]) | set(other_communes["epci"])
    codes |= set(
        qpv.loc[
            ~qpv["commune"].isin(communes.loc[communes["epci"] == PARTNER_EPCI, "commune"]), "qpv"
        ]
    )
    names = set(other_communes["commune_libelle"]) | set(other_communes["epci_libelle"])
    return codes, names


def test_partner_filters_and_map_hold_only_their_territory(engine):
    at = open_map(PARTNER)
    epci, communes, _ = at.multiselect
    assert epci.options == ["Communauté d'agglomération du Pays Voironnais"]
    partner_communes = boundaries(engine, "communes", PARTNER_SCOPE)
    assert set(communes.options) <= set(partner_communes["commune_libelle"])
    deck = deck_of(at)
    text = json.dumps(deck, ensure_ascii=False)
    codes, names = out_of_scope_names(engine)
    assert not [c for c in codes if f'"{c}"' in text or f"({c})" in text]
    assert not [n for n in names if f"Commune : {n}\n" in text or f"EPCI : {n}" in text]
    assert {f["properties"]["epci"] for f in layer(deck, "communes")} == {PARTNER_EPCI}
    assert set(points(deck)) == set(residences(engine, PARTNER_SCOPE)["residence"])
    assert {f["properties"]["qpv"] for f in layer(deck, "qpv")} == {"QN03898X"}
    assert not at.get("page_link")  # partners cannot open the Fiche résidence


@pytest.mark.parametrize("indicator", ["part_menages_fragiles", "part_attributions_q1_hors_qpv"])
def test_partner_masked_residences_are_neutral_and_carry_no_value(engine, indicator):
    at = open_map(PARTNER, carte_indicateur=indicator)
    deck = deck_of(at)
    text = json.dumps(deck, ensure_ascii=False)
    assert "effectif" not in text
    seen = evaluate(engine, indicator, PARTNER_SCOPE, by=["residence"]).set_index("residence")
    internal = evaluate(engine, indicator, MANAGER_SCOPE, by=["residence"]).set_index("residence")
    drawn = points(deck)
    masked = [r for r in drawn if r not in seen.index or seen.loc[r, "masque"]]
    assert masked, "the demo partner should have residences under the secrecy threshold"
    for residence in masked:
        point = drawn[residence]
        assert point["classe"] is None and point["couleur"][:3] == list(mlg.MASKED_COLOUR)
        assert point["infobulle"].endswith(
            "secret statistique (moins de 11 ménages ou attributions)"
        )
        assert not re.search(r"\d\u202f%", point["infobulle"])  # no rate at all for it
        if residence in internal.index and pd.notna(internal.loc[residence, "valeur"]):
            assert value(internal.loc[residence, "valeur"], "ratio") not in json.dumps(point)
        assert not point["attention"]
    legend = " ".join(c.value for c in at.caption)
    assert "masquées (< 11)" in legend
    communes = layer(deck, "communes")
    for feature in communes:
        props = feature["properties"]
        if "secret statistique (moins de 11 ménages ou attributions)" in props["infobulle"]:
            assert props["couleur"][:3] == list(ml.MASKED_AREA)


def test_a_project_error_is_shown_as_a_message(monkeypatch):
    import streamlit as st

    from queries.errors import InvalidValueError

    def refuse(*args, **kwargs):
        raise InvalidValueError("filtre « financement » : valeur inconnue « PLX »")

    st.cache_data.clear()  # the map of an earlier test must not answer instead,
    monkeypatch.setattr(  # neither from memory nor as kept for the published state
        "ui.shared.data.remembered", lambda engine, name, args, kwargs, compute: compute()
    )
    monkeypatch.setattr("queries.map_data.map_data", refuse)
    at = AppTest.from_file(HOME, default_timeout=90)
    at.secrets["unrelated"] = "x"
    at.session_state["authentication_status"] = True
    at.session_state["username"] = MANAGER
    at.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    assert [e.value for e in at.error] == ["filtre « financement » : valeur inconnue « PLX »"]
    assert not at.get("deck_gl_json_chart")
    st.cache_data.clear()


def test_communes_coloured_by_demand_pressure_of_one_typology(engine):
    # issue 15: the pressure by typology is offered as the communes' colouring, for one typology
    at = open_map(MANAGER, carte_indicateur_communes="pression_demande_typologie")
    typology = next(w for w in at.main if getattr(w, "key", None) == "carte_typologie")
    typology.set_value("T2")
    at.run()
    assert not at.exception, at.exception
    expected = evaluate(
        engine,
        "pression_demande_typologie",
        MANAGER_SCOPE,
        by=["commune"],
        where={"nb_pieces": [2]},
    ).set_index("commune")["valeur"]
    tooltips = {
        f["properties"]["commune"]: f["properties"]["infobulle"]
        for f in layer(deck_of(at), "communes")
    }
    compared = [c for c in tooltips if c in expected.index and not pd.isna(expected[c])]
    assert len(compared) > 20
    label = "Demandes SNE (tous bailleurs) par attribution du bailleur, par typologie"
    for commune in compared:
        shown = f"{label} : {value(expected[commune], 'demandes_par_attribution')}"
        assert shown in tooltips[commune], (commune, tooltips[commune])
    # the legend's title names the typology: tests/test_map_layers.py


@pytest.mark.parametrize("username,scope", [(MANAGER, MANAGER_SCOPE), (PARTNER, PARTNER_SCOPE)])
def test_expected_departures_colouring_comes_from_the_users_projection(engine, username, scope):
    from queries.forecast.projection import projection
    from queries.map_data import EXPECTED_DEPARTURES

    at = open_map(username, carte_indicateur=EXPECTED_DEPARTURES)
    drawn = points(deck_of(at))
    found = projection(engine, "nb_departs", scope, by=("residence",), horizon=4)
    sums = found.groupby("residence")["attendu"].sum(min_count=4)
    masked = found.groupby("residence")["masque"].any()
    label = "Départs attendus (4 prochains trimestres)"
    shown = 0
    for residence, point in drawn.items():
        lines = point["infobulle"].split("\n")
        if masked.get(residence, scope.masks_small_cells):
            assert point["classe"] is None and point["couleur"][:3] == list(mlg.MASKED_COLOUR)
            assert f"{label} : {MASK_TEXT}" in lines
        else:
            line = f"{label} : {value(sums[residence], 'departs_attendus')}"
            assert any(x.startswith(line) for x in lines), (residence, lines)
            shown += 1
    assert shown
    if scope.masks_small_cells:  # the partner's values are their own, not the internal ones
        internal = projection(engine, "nb_departs", MANAGER_SCOPE, by=("residence",), horizon=4)
        internal = internal.groupby("residence")["attendu"].sum()
        differ = [r for r in sums.index if not masked[r] and abs(sums[r] - internal[r]) > 1e-9]
        assert differ, "partner sums should come from perturbed counts"


T1 = "part_attributions_q1_hors_qpv"


def test_t1_colours_and_threshold_follow_the_indicator_direction(engine):
    """Issue 21, item 6: for T1 a higher share is better (catalogue: favorable: hausse), so the
    lowest residence is drawn in the palette's red end, the highest in its pale end, and the
    alert threshold flags residences *below* it."""
    assert load_catalogue().indicator(T1).favorable == "hausse"
    at = open_map(MANAGER, carte_indicateur=T1, carte_seuil=20.0)
    drawn = points(deck_of(at))
    found = evaluate(engine, T1, MANAGER_SCOPE, by=["residence"]).dropna(subset=["valeur"])
    # a share on fewer than 5 allocations has no colour class and raises no alert (item 6)
    few = set(found.loc[found["effectif"] < 5, "residence"])
    assert few and all(drawn[r]["couleur"][:3] == list(mlg.FEW_COLOUR) for r in few if r in drawn)
    found = found[found["effectif"] >= 5]
    values = found.set_index("residence")["valeur"].astype(float).sort_values()
    lowest, highest = values.index[0], values.index[-1]
    assert values.iloc[0] < values.iloc[-1]
    assert drawn[lowest]["couleur"][:3] == list(mlg.RESIDENCE_PALETTE[-1])  # dark red: bad
    assert drawn[highest]["couleur"][:3] == list(mlg.RESIDENCE_PALETTE[0])  # pale: good
    below = set(values[values < 0.20].index)
    above = set(values[values > 0.20].index)
    linked = {link.proto.query_string.split("=")[1] for link in at.get("page_link")}
    assert below and below <= linked
    flagged = [r for r in above if "sous le seuil" in drawn[r]["infobulle"]]
    assert not flagged
    assert f"sous le seuil de {value(0.2, 'ratio')}" in drawn[lowest]["infobulle"]
