"""The Catalogue des indicateurs page driven with AppTest, for every role, on a small root from the
demo generator: every indicator of the semantic layer appears with its definition, formula, unit,
dimensions, source and the targets that use it; the search narrows the list.
"""

from __future__ import annotations

import unicodedata

import pytest
from streamlit.testing.v1 import AppTest

from semantic.catalogue import load_catalogue
from semantic.scope import ROLES
from tests.apptest_support import ACCOUNTS, logged_in, portal, steady_navigation
from ui.screens.catalogue.catalogue_view import THEMES, UNITS


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(autouse=True)
def portal_env(monkeypatch, tmp_path, small_demo_root):
    portal(monkeypatch, tmp_path, small_demo_root)


def open_page(role: str) -> AppTest:
    username = ACCOUNTS[role]
    at = logged_in(username, name=username, timeout=60).run()
    at.switch_page("pages/catalogue.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Catalogue des indicateurs"]
    return at


def listed(at: AppTest) -> list[str]:
    """The indicator ids shown, from the expanders' labels « Libellé · `id` »."""
    return [e.label.rsplit("`", 2)[1] for e in at.expander if e.label.endswith("`")]


def card(at: AppTest, indicator_id: str) -> str:
    (found,) = [e for e in at.expander if e.label.endswith(f"`{indicator_id}`")]
    return "\n".join(m.value for m in found.markdown)


def folded(text: str) -> str:
    return "".join(
        c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
    ).casefold()


@pytest.mark.parametrize("role", ROLES)
def test_every_indicator_appears_grouped_by_theme(role):
    catalogue = load_catalogue()
    at = open_page(role)
    assert sorted(listed(at)) == sorted(catalogue.indicators)
    themes = {catalogue.indicator(i).theme for i in catalogue.indicators}
    assert [s.value.rsplit(" (", 1)[0] for s in at.subheader] == [
        label for theme, label in THEMES.items() if theme in themes
    ]
    count = f"{len(catalogue.indicators)} indicateur(s) sur {len(catalogue.indicators)}."
    assert count in [c.value for c in at.main.caption]


def test_each_card_carries_definition_formula_unit_dimensions_source():
    catalogue = load_catalogue()
    at = open_page("manager")
    for ind in catalogue.indicators.values():
        text = card(at, ind.id)
        assert text.startswith(ind.description)
        assert f"**Formule** : {ind.formula}" in text
        assert f"**Unité** : {UNITS[ind.unit]}" in text
        assert f"**Source** : {ind.source}" in text
        dims = ", ".join(
            catalogue.dimension(d).label for d in catalogue.supported_dimensions(ind.id)
        )
        assert f"**Découpages possibles** : {dims}" in text
        (expander,) = [e for e in at.expander if e.label.endswith(f"`{ind.id}`")]
        assert expander.label == f"{ind.label} · `{ind.id}`"


def test_targets_that_use_an_indicator_legal_and_local_in_scope():
    manager = open_page("manager")
    q1 = card(manager, "part_attributions_q1_hors_qpv")
    assert "**T1** (objectif légal) : ≥ 25 %".replace(" %", "\u202f%") in q1
    assert "**cia-gam-t1-2026** (objectif local 2026)" in q1
    assert "**T3** (objectif légal)" in card(manager, "part_attributions_prioritaires")
    assert "**psa-residence-fragile-2026**" in card(manager, "part_menages_fragiles")
    assert "aucun" in card(manager, "nb_logements")
    partner = open_page("partenaire")
    # a partner reads the legal targets and the local ones of their territory only
    assert "**T1** (objectif légal)" in card(partner, "part_attributions_q1_hors_qpv")
    assert "cia-gam-t1-2026" not in card(partner, "part_attributions_q1_hors_qpv")
    assert "**convention-al-voironnais-2026**" in card(partner, "part_attributions_prioritaires")


@pytest.mark.parametrize("query", ["quartile", "FRAGILITÉ", "vacance", "part_menages_fragiles"])
def test_search_filters_on_id_label_and_description(query):
    catalogue = load_catalogue()
    expected = sorted(
        i.id
        for i in catalogue.indicators.values()
        if folded(query) in folded(f"{i.id} {i.label} {i.description}")
    )
    assert expected  # the query finds something
    at = open_page("partenaire")
    at.text_input(key="cat_recherche").input(query).run()
    assert not at.exception
    assert sorted(listed(at)) == expected
    assert len(expected) < len(catalogue.indicators)
    assert all(e.proto.expanded for e in at.expander if e.label.endswith("`"))


def test_search_with_no_match_says_so():
    at = open_page("manager")
    at.text_input(key="cat_recherche").input("xyzzy").run()
    assert listed(at) == []
    assert [i.value for i in at.info] == ["Aucun indicateur ne correspond à « xyzzy »."]


def test_entries_list_legal_and_local_targets_by_hand():
    import pandas as pd

    from ui.screens.catalogue.catalogue_view import entries, search

    local = pd.DataFrame(
        [
            {
                "objectif_id": "psa-x",
                "nature": "local",
                "indicateur": "taux_vacance",
                "territoire": "Grenoble",
                "filtres": "",
                "annee": 2026,
                "sens": "<=",
                "cible": 0.03,
                "source": "PSA test",
            }
        ]
    )
    found = {e.id: e for e in entries(load_catalogue(), local)}
    assert found["taux_vacance"].targets == (
        "**psa-x** (objectif local 2026) : ≤ 3\u202f% — Grenoble — PSA test",
    )
    (t3,) = found["part_attributions_prioritaires"].targets
    assert t3.startswith("**T3** (objectif légal) : ≥ 25\u202f% sur chaque EPCI, pour chaque ")
    assert found["nb_logements"].targets == ()
    assert found["nb_attributions"].kind.startswith("flux")
    assert found["nb_logements"].kind == "stock à la date d'arrêté"
    assert [e.id for e in search(list(found.values()), "VACANCE 3 mois")] == ["taux_vacance_3_mois"]
