"""The Fiche résidence page driven with AppTest on a small root from the demo generator: a manager
(through a `residence` link) and a customer officer (through the search and the list) read a
residence whose card equals the query layer's facts and whose floor view adds up to its
households; a link to a residence outside the user's scope is ignored; a partner is refused.
"""

from __future__ import annotations

import secrets

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest

from queries.engine import open_engine
from queries.evaluate import evaluate
from queries.places import residences
from semantic.scope import Scope
from tests import apptest_support as support
from tests.apptest_support import HOME, ROOT, portal, steady_navigation
from ui.shared.formats import number, percent

PAGE = str(ROOT / "pages" / "residence.py")
MANAGER, OFFICER, PARTNER = "direction.demo", "clientele.demo", "partenaire.voironnais"
VOIRONNAIS = "243800984"
STAFF = Scope.internal("manager")


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(scope="module")
def engine(small_demo_root):
    eng = open_engine(small_demo_root)
    yield eng
    eng.close()


@pytest.fixture(autouse=True)
def portal_env(monkeypatch, tmp_path, small_demo_root):
    portal(monkeypatch, tmp_path, small_demo_root)


@pytest.fixture
def voironnais_officer(monkeypatch, tmp_path):
    """Production mode with one customer officer whose scope is the Pays Voironnais only."""
    password = bcrypt.hashpw(b"secret-de-test", bcrypt.gensalt(4)).decode()
    users = tmp_path / "users.yaml"
    users.write_text(
        "usernames:\n"
        "  clientele.voiron:\n"
        "    name: Chargée Voironnais\n"
        f'    password: "{password}"\n'
        "    role: charge_clientele\n"
        f'    territoires: {{epci: ["{VOIRONNAIS}"]}}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PEUPLEMENT_DEMO", "0")
    monkeypatch.setenv("PEUPLEMENT_USERS_FILE", str(users))
    monkeypatch.setenv("PEUPLEMENT_COOKIE_KEY", secrets.token_urlsafe(32))
    return "clientele.voiron"


def logged_in(username: str, script: str = HOME) -> AppTest:
    return support.logged_in(username, script, name=username)


def open_page(username: str, residence: str | None = None) -> AppTest:
    """The page inside the Home.py navigation, optionally through a `?residence=` link."""
    at = logged_in(username).run()
    if residence is not None:
        at.query_params["residence"] = residence
    at.switch_page("pages/residence.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Fiche résidence"]
    return at


def biggest_residence(engine, scope=STAFF) -> dict:
    """The residence with the most households in scope (several buildings and floors)."""
    counts = evaluate(engine, "nb_menages", scope, by=["residence"])
    best = counts.sort_values(["valeur", "residence"], ascending=[False, True]).iloc[0]
    facts = residences(engine, scope).set_index("residence").loc[best["residence"]]
    return {"residence": best["residence"], **facts.to_dict()}


def link_refused(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if "lien ignoré" in w.value]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def households_by_floor(at: AppTest):
    (table,) = [d.value for d in at.dataframe if "Ensemble" in d.value.columns]
    return table


def assert_card_matches_the_query_layer(at: AppTest, engine, facts: dict) -> None:
    where = {"residence": [facts["residence"]]}
    households = evaluate(engine, "nb_menages", STAFF, where=where)["valeur"].iloc[0]
    vacancy = evaluate(engine, "taux_vacance", STAFF, where=where)["valeur"].iloc[0]
    shown = metrics(at)
    assert shown["Construction"] == str(facts["annee_construction"])
    assert shown["Bâtiments"] == number(facts["nb_batiments"])
    assert shown["Logements"] == number(facts["nb_logements"])
    assert shown["Vacants"] == f"{number(facts['nb_vacants'])} ({percent(vacancy)})"
    assert shown["Ménages"] == number(households)
    qpv = facts["qpv_libelle"]
    place = (
        f"**Commune** : {facts['commune_libelle']} · **EPCI** : {facts['epci_libelle']} · "
        f"**QPV** : {qpv if isinstance(qpv, str) and qpv else 'hors QPV'}"
    )
    (line,) = [m for m in at.markdown if m.value == place]
    assert line.help == f"Identifiant de la résidence : {facts['residence']}"  # tooltip only
    assert any(h.value.startswith(facts["residence_libelle"]) for h in at.header)


def test_manager_opens_a_residence_from_a_link_and_reads_its_card(engine):
    facts = biggest_residence(engine)
    at = open_page(MANAGER, facts["residence"])
    assert not link_refused(at)
    assert at.selectbox(key="res_residence").value == facts["residence"]
    assert_card_matches_the_query_layer(at, engine, facts)
    # the dwellings by financement chart draws the query layer's counts
    by_financement = evaluate(
        engine, "nb_logements", STAFF, by=["financement"], where={"residence": [facts["residence"]]}
    )
    assert "**Logements par financement**" in [m.value for m in at.markdown]
    # dwellings ×2, income brackets, five profile groups, floor heatmap, projection scenarios
    assert len(at.get("vega_lite_chart")) == 10
    assert int(by_financement["valeur"].sum()) == facts["nb_logements"]


@pytest.mark.parametrize("username", [MANAGER, OFFICER])
def test_floor_view_adds_up_to_the_residence_households(engine, username):
    facts = biggest_residence(engine)
    at = open_page(username, facts["residence"])
    households = evaluate(engine, "nb_menages", STAFF, where={"residence": [facts["residence"]]})
    expected = int(households["valeur"].iloc[0])
    table = households_by_floor(at)
    assert int(table["Ensemble"].sum()) == expected
    buildings = [c for c in table.columns if c not in ("Étage", "Ensemble")]
    assert int(table[buildings].to_numpy().sum()) == expected
    assert len(buildings) >= 1 and len(table) >= 2  # a real floor-by-floor view
    assert any(
        c.value == f"Total : {number(expected)} ménages, ceux de la résidence." for c in at.caption
    )


def test_customer_officer_searches_by_commune_and_picks_from_the_list(engine):
    facts = biggest_residence(engine)
    at = open_page(OFFICER)
    assert [i.value for i in at.info] == ["Choisissez une résidence pour afficher sa fiche."]
    at.text_input(key="res_recherche").input(facts["commune_libelle"].lower()).run()
    options = at.selectbox(key="res_residence").options
    in_commune = residences(engine, STAFF).query("commune_libelle == @facts['commune_libelle']")
    assert len(options) == len(in_commune)
    at.selectbox(key="res_residence").set_value(facts["residence"]).run()
    assert not at.exception and not at.error
    assert_card_matches_the_query_layer(at, engine, facts)
    assert at.query_params["residence"] == facts["residence"]  # the URL names the choice


def test_profile_against_the_epci_comes_from_the_query_layer(engine):
    from queries.profile import residence_profile

    facts = biggest_residence(engine)
    at = open_page(MANAGER, facts["residence"])
    profile = residence_profile(engine, facts["residence"], STAFF)
    (table,) = [d.value for d in at.dataframe if "Thème" in d.value.columns]
    fragile = profile.set_index("indicateur").loc["part_menages_fragiles"]
    row = table[table["Indicateur"] == fragile["libelle"]].iloc[0]
    assert row["Résidence"] == percent(fragile["valeur_residence"])
    assert row["EPCI"] == percent(fragile["valeur_epci"])


def test_a_link_to_a_residence_outside_the_scope_is_ignored(engine, voironnais_officer):
    outside = biggest_residence(engine)  # in the central EPCI, not in the Pays Voironnais
    assert outside["epci"] != VOIRONNAIS
    at = open_page(voironnais_officer, outside["residence"])
    assert link_refused(at) == [
        f"La résidence « {outside['residence']} » n'est pas dans votre périmètre : lien ignoré."
    ]
    assert at.selectbox(key="res_residence").value is None
    assert outside["residence_libelle"] not in "".join(h.value for h in at.header)
    options = at.selectbox(key="res_residence").options
    outside_name = f"{outside['residence_libelle']} — {outside['commune_libelle']}"
    assert not [o for o in options if o.startswith(outside_name)]
    mine = residences(engine, Scope(role="charge_clientele", epci=(VOIRONNAIS,)))
    assert len(options) == len(mine)


def test_a_link_in_scope_opens_for_a_restricted_officer(engine, voironnais_officer):
    scope = Scope(role="charge_clientele", epci=(VOIRONNAIS,))
    facts = biggest_residence(engine, scope)
    at = open_page(voironnais_officer, facts["residence"])
    assert not link_refused(at)
    assert_card_matches_the_query_layer(at, engine, facts)


def test_an_unknown_residence_in_the_link_is_ignored(engine):
    at = open_page(MANAGER, "R99999")
    assert link_refused(at) == [
        "La résidence « R99999 » n'est pas dans votre périmètre : lien ignoré."
    ]
    assert "residence" not in at.query_params


def test_partner_is_refused_by_the_guard():
    at = logged_in(PARTNER).run()
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/residence.py")
    direct = logged_in(PARTNER, PAGE).run()  # the page file itself, reached without the menu
    assert [e.value for e in direct.error][0].startswith("Accès refusé")
    assert not direct.metric and not direct.dataframe


# --- the page's builders by hand ------------------------------------------------------------------


def test_households_by_floor_on_the_tiny_root_by_hand(tiny_engine):
    """R1 of tests/tiny_data.py: M01 on the ground floor of Bât. A, M02 and M03 on its 1st
    floor, M04 on the ground floor of Bât. B."""
    from queries.profile import breakdown
    from ui.screens.residence.floor_view import households_by_floor

    long = breakdown(tiny_engine, "R1", STAFF, "etage", indicators=("part_menages_fragiles",))
    table = households_by_floor(long)
    assert table.to_dict("list") == {
        "Étage": ["1er", "RDC"],
        "Bât. A": [2, 1],
        "Bât. B": [0, 1],
        "Ensemble": [2, 2],
    }


def _floor(batiment: str, etage: int, households: int, share: float) -> list[dict]:
    common = {"batiment": batiment, "batiment_libelle": f"Bât. {batiment}", "etage": etage}
    return [
        {**common, "indicateur": "nb_menages", "valeur": households, "masque": False},
        {**common, "indicateur": "part_x", "valeur": share, "masque": False},
    ]


def test_a_concentration_needs_enough_households_and_a_wide_enough_gap():
    import pandas as pd

    from ui.screens.residence.floor_view import (
        concentration_heading,
        concentration_lines,
        floor_cells,
    )

    long = pd.DataFrame(
        _floor("A", 0, 3, 1.0)  # +50 points on 3 households: a concentration
        + _floor("A", 1, 2, 1.0)  # +50 points on 2 households: too few to say
        + _floor("A", 2, 4, 0.69)  # +19 points: not enough
        + _floor("B", 0, 5, 0.70)  # +20 points exactly: a concentration
    )
    cells = floor_cells(long, "part_x", 0.5)
    flagged = cells[cells["Concentration"]][["Bâtiment", "Étage"]].values.tolist()
    assert flagged == [["Bât. A", "RDC"], ["Bât. B", "RDC"]]
    # issue 21: worded in households, what one household weighs on a small floor (was
    # « 100,0 % (3 ménages) » under « Concentrations repérées »)
    lines = concentration_lines(cells, "Part x", 0.5)
    assert lines == [
        "Bât. A, rez-de-chaussée : 3 ménages sur 3 (100,0\u202f%) contre 50,0\u202f% dans la "
        "résidence ; petit étage : un ménage y pèse 33 points",
        "Bât. B, rez-de-chaussée : 4 ménages sur 5 (70,0\u202f%) contre 50,0\u202f% dans la "
        "résidence ; petit étage : un ménage y pèse 20 points",
    ]
    assert concentration_heading(lines) == (
        "2 étages où la part dépasse celle de la résidence de 20 points ou plus :"
    )
    assert not floor_cells(long, "part_x", None)["Concentration"].any()


def test_a_large_floor_is_worded_from_its_numerator_and_denominator():
    import pandas as pd

    from ui.screens.residence.floor_view import concentration_lines, floor_cells

    rows = _floor("C", 3, 12, 0.75)
    rows[1].update(numerateur=9, denominateur=12)
    cells = floor_cells(pd.DataFrame(rows), "part_x", 0.5)
    assert concentration_lines(cells, "Part x", 0.5) == [
        "Bât. C, 3e : 9 ménages sur 12 (75,0\u202f%) contre 50,0\u202f% dans la résidence"
    ]


def test_search_ignores_case_and_accents_and_links_are_checked():
    import pandas as pd

    from ui.screens.residence.floor_view import floor_label
    from ui.screens.residence.residence_view import requested, search

    rows = pd.DataFrame(
        {
            "residence": ["R1", "R2", "R3"],
            "residence_libelle": ["Les Tilleuls", "Le Parc", "Les Vignes"],
            "commune_libelle": ["Grenoble", "Saint-Martin-d'Hères", "Voiron"],
        }
    )
    assert list(search(rows, "heres")["residence"]) == ["R2"]
    assert list(search(rows, "LES grenoble")["residence"]) == ["R1"]
    assert list(search(rows, "  ")["residence"]) == ["R1", "R2", "R3"]
    assert requested("R3", rows) == "R3"
    assert requested("R9", rows) is None and requested("", rows) is None
    assert [floor_label(e) for e in (0, 1, 2, None)] == ["RDC", "1er", "2e", "Étage inconnu"]


def test_the_rotation_rate_has_no_calendar_year_to_date(engine):
    facts = biggest_residence(engine)
    at = open_page(MANAGER, facts["residence"])
    (moves,) = [d.value for d in at.dataframe if "Année civile en cours" in d.value.columns]
    by_label = moves.set_index("Indicateur")
    assert by_label.loc["Taux de rotation", "Année civile en cours"] == "— (sur 12 mois seulement)"
    assert by_label.loc["Taux de rotation", "12 derniers mois"].endswith(")")  # value (num/den)
    departs = evaluate(
        engine, "nb_departs", STAFF, where={"residence": [facts["residence"]]}, period="ytd"
    )
    assert by_label.loc["Nombre de départs", "Année civile en cours"] == number(
        departs["valeur"].iloc[0]
    )  # a count stays raw


def test_projection_section_shows_the_query_layers_departures_and_two_scenarios(engine):
    from queries.forecast.outlook import residence_outlooks
    from queries.forecast.trajectory import share_after

    facts = biggest_residence(engine)
    at = open_page(MANAGER, facts["residence"])
    found = residence_outlooks(engine, STAFF)
    rows = found.departures[found.departures["residence"] == facts["residence"]]
    assert metrics(at)["Départs attendus sur un an"] == number(rows["attendu"].sum(), 1)
    inputs = found.trajectory.set_index("residence").loc[facts["residence"]]
    (table,) = [d.value for d in at.dataframe if "Scénario A" in d.value.columns]
    today = f"{percent(inputs['part'])} ({number(inputs['concernes'], 1)} ménages)"
    assert table.iloc[0].tolist() == ["Aujourd'hui", today, today]
    # Scenario B with no entrant under 40 %: s(1) = 0 + (s − 0)(1 − D/N).
    at.slider(key="proj_scenario_b").set_value(0).run()
    (table,) = [d.value for d in at.dataframe if "Scénario A" in d.value.columns]
    after = share_after(inputs["part"], inputs["departs_par_an"] / inputs["menages"], 0.0, 1)
    assert table.iloc[1]["Scénario B"].startswith(percent(after))
    # two snapshots only: no back-test possible, so the trajectory is not shown as a forecast
    assert any("historique trop court" in w.value for w in at.warning)
    assert any("Méthode et hypothèses" in m.value for m in at.markdown)
    # ageing: the query layer's projection of this residence, worded; too short a history for
    # a back-test, so it is a scenario, and the screen says so
    years = found.ageing[found.ageing["residence"] == facts["residence"]].set_index("annee")
    (ageing,) = [d.value for d in at.dataframe if "Titulaires de 75 ans et plus" in d.value]
    assert ageing["Horizon"].tolist() == ["Aujourd'hui", "Dans 1 an", "Dans 3 ans", "Dans 5 ans"]
    assert ageing["Titulaires de 75 ans et plus"].tolist() == [
        percent(years.loc[y, "part_75_plus"]) for y in (0, 1, 3, 5)
    ]
    assert any("un **scénario**, pas une prévision" in w.value for w in at.warning)
    # and the EPCI's ageing, one sentence from the same outlook
    from ui.screens.residence.projection_view import epci_ageing_line

    epci_rows = found.ageing_epci[found.ageing_epci["epci"] == facts["epci"]]
    assert len(epci_rows) == 6
    line = epci_ageing_line(
        epci_rows, facts["epci_libelle"], found.ageing_epci_is_forecast, found.ageing_epci_method
    )
    assert any(c.value == line for c in at.caption)


def test_epci_ageing_line_by_hand():
    import pandas as pd

    from ui.screens.residence.projection_view import epci_ageing_line

    rows = pd.DataFrame({"annee": range(6), "part_75_plus": [0.2, 0.21, 0.22, 0.23, 0.24, 0.25]})
    assert epci_ageing_line(rows, "EPCI X", True, "âges (MAE 0,11 contre 0,36 au naïf)") == (
        "Dans l'EPCI (EPCI X) : 20,0\u202f% de titulaires de 75 ans et plus aujourd'hui, "
        "21,0\u202f% dans 1 an et 25,0\u202f% dans 5 ans (prévision ; back-test à un an par EPCI : "
        "âges (MAE 0,11 contre 0,36 au naïf))."
    )


def test_the_list_names_residences_without_their_codes_and_tells_homonyms_apart():
    import pandas as pd

    from ui.screens.residence.residence_view import labels

    rows = pd.DataFrame(
        {
            "residence": ["R00014", "R00016", "R00019", "R00020", "R00021"],
            "residence_libelle": ["Paul Éluard"] * 3 + ["Les Iris", "Paul Éluard"],
            "commune_libelle": ["Grenoble"] * 4 + ["Voiron"],
            "qpv_libelle": ["QPV Mistral", None, None, None, None],
            "nb_logements": [120, 40, 40, 12, 30],
        }
    )
    assert labels(rows) == {
        "R00014": "Paul Éluard — Grenoble · QPV Mistral · 120 logements",
        "R00016": "Paul Éluard — Grenoble · hors QPV · 40 logements (1)",
        "R00019": "Paul Éluard — Grenoble · hors QPV · 40 logements (2)",
        "R00020": "Les Iris — Grenoble",
        "R00021": "Paul Éluard — Voiron",
    }
