"""Every page, as every demo role, on a small root from the demo generator: no « nan », « None »,
raw code or ISO date in what the page shows (issue 21, item 8). Codes belong in tooltips and
exports; a reader sees the dimensions' labels and French dates.

What is read: titles, headers, markdown, captions, alerts, metrics, tab and expander labels, page
links, the options of every choice widget (as shown, after `format_func`) and every cell and
column name of every table. A failure names the page, the role, the pattern and the text.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from semantic.scope import ROLES
from tests.apptest_support import ACCOUNTS, logged_in, portal, steady_navigation
from ui.shell.access import PAGE_IDS, can_open

# What must never reach a reader, with why.
FORBIDDEN = {
    "nan": re.compile(r"\b(nan|NaN|NaT|<NA>)\b"),  # a missing value printed by Python
    "None": re.compile(r"\bNone\b"),
    "code of a category": re.compile(
        r"\b(collectivite|action_logement|bailleur_collecte|etat_fonctionnaires|"
        r"revenu_mensuel|reservataire =|non_q1|hors_qpv)\b"
    ),
    "target id": re.compile(r"\bT[123]-\d{5,9}"),
    "residence id": re.compile(r"\bR\d{5}\b"),
    "ISO date": re.compile(r"\b20\d\d-[01]\d-[0-3]\d\b"),
    "EPCI by its SIREN": re.compile(r"\bEPCI \d{9}\b|\(\d{9}\)"),
}


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(autouse=True)
def portal_env(monkeypatch, tmp_path, small_demo_root):
    portal(monkeypatch, tmp_path, small_demo_root)


def _cells(df: pd.DataFrame) -> list[str]:
    if hasattr(df, "data"):  # a pandas Styler
        df = df.data
    texts = [str(c) for c in df.columns]
    for column in df.columns:  # dates and numbers are written by the table's column formats
        texts += [v for v in df[column].tolist() if isinstance(v, str)]
    return texts


def _blank(v) -> bool:
    """An empty cell shows as the table's placeholder (« — »), never as « nan »."""
    try:
        return v is None or bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def page_texts(at) -> list[str]:
    """Every text a reader sees on the page (see the module docstring)."""
    texts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning"):
        texts += [str(e.value) for e in getattr(at, kind)]
    texts += [str(e.value) for e in at.success] + [str(e.value) for e in at.error]
    for metric in at.metric:
        texts += [str(metric.label), str(metric.value)]
    texts += [str(t.label) for t in at.tabs] + [str(e.label) for e in at.expander]
    texts += [str(link.label) for link in at.get("page_link")]
    for widget in (*at.selectbox, *at.multiselect, *at.radio):
        texts.append(str(widget.label))
        texts += [str(o) for o in widget.options]
    for widget in (*at.number_input, *at.text_input, *at.slider, *at.toggle, *at.checkbox):
        texts.append(str(widget.label))
    for frame in at.dataframe:
        texts += _cells(frame.value)
    for table in at.table:
        texts += _cells(table.value)
    return texts


def offences(texts: list[str]) -> list[tuple[str, str]]:
    found = []
    for text in texts:
        for why, pattern in FORBIDDEN.items():
            hit = pattern.search(text)
            if hit:  # the text around the offence
                found.append((why, text[max(0, hit.start() - 80) : hit.end() + 80]))
    return found


def test_the_scanner_catches_what_it_is_meant_to():
    seen = offences(
        [
            "Seuil : objectif nan — nan",
            "Résidence R00116",
            "T3-243800984-autre",
            "(collectivite)",
            "le 2026-09-30",
            "EPCI 200040715",
            "None",
        ]
    )
    assert [why for why, _ in seen] == [
        "nan",
        "residence id",
        "target id",
        "code of a category",
        "ISO date",
        "EPCI by its SIREN",
        "None",
    ]
    assert not offences(["30/09/2026", "Action Logement", "Résidence Les Tilleuls", "12,5 %"])


# every page each role may open (the refusal of the others: tests/test_access.py)
OPEN_PAGES = [(page, role) for page in PAGE_IDS for role in ROLES if can_open(role, page)]


@pytest.mark.parametrize(("page_id", "role"), OPEN_PAGES)
def test_no_missing_value_or_raw_code_on_any_page(role, page_id):
    at = logged_in(ACCOUNTS[role], name=ACCOUNTS[role]).run()
    if page_id != "accueil":
        at.switch_page(f"pages/{page_id}.py").run()
    assert not at.exception, at.exception
    found = offences(page_texts(at))
    assert not found, f"{page_id} as {role}: " + "\n".join(f"{w}: {t!r}" for w, t in found)


def _chosen(at, key: str, value) -> None:
    widget = next(w for w in at.main if getattr(w, "key", None) == key)
    widget.set_value(value)
    at.run()


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_map_of_t1_and_its_communes_read_without_codes(role):
    at = logged_in(ACCOUNTS[role], name=ACCOUNTS[role]).run()
    at.switch_page("pages/carte.py").run()
    _chosen(at, "carte_indicateur", "part_attributions_q1_hors_qpv")
    assert not at.exception, at.exception
    found = offences(page_texts(at))
    assert not found, "\n".join(f"{w}: {t!r}" for w, t in found)


def test_residence_sheet_and_allocation_aid_with_a_choice_read_without_codes(small_demo_root):
    """The two pages' default state shows a list; their content needs a residence, a dwelling:
    the biggest residence, and the first vacant dwelling that has candidates."""
    from queries.allocation import candidates, vacant_dwellings
    from queries.engine import open_engine
    from queries.evaluate import evaluate
    from semantic.scope import Scope

    staff = Scope.internal("manager")
    engine = open_engine(small_demo_root)
    try:
        counts = evaluate(engine, "nb_menages", staff, by=["residence"])
        residence = counts.sort_values("valeur", ascending=False)["residence"].iloc[0]
        dwelling = next(
            d
            for d in vacant_dwellings(engine, staff)["id_logement"]
            if len(candidates(engine, staff, d))
        )
    finally:
        engine.close()
    at = logged_in(ACCOUNTS["manager"], name=ACCOUNTS["manager"]).run()
    at.switch_page("pages/residence.py").run()
    at.selectbox(key="res_residence").set_value(residence).run()
    assert not at.exception, at.exception
    assert at.header, "a residence sheet should be shown"
    found = offences(page_texts(at))
    assert not found, "residence: " + "\n".join(f"{w}: {t!r}" for w, t in found)

    at.switch_page("pages/aide_attribution.py").run()
    at.selectbox(key="aa_logement").set_value(dwelling).run()
    assert not at.exception, at.exception
    found = offences(page_texts(at))
    assert not found, "aide_attribution: " + "\n".join(f"{w}: {t!r}" for w, t in found)


def test_the_login_text_points_to_a_readme_section_that_exists():
    """Item 12: the login text named a README section « Portail » that did not exist."""
    import ast

    from tests.apptest_support import ROOT

    tree = ast.parse((ROOT / "Home.py").read_text(encoding="utf-8"))
    (section,) = [
        node.value.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        and getattr(node.targets[0], "id", "") == "README_ACCOUNTS_SECTION"
    ]
    headings = [
        line.lstrip("#").strip()
        for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    assert section in headings
    assert "PORT=" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(("page_id", "role"), OPEN_PAGES)
def test_no_english_select_all_in_any_multiselect(role, page_id):
    """Streamlit 1.67 offers « Select all » in English and no way to reword it: the portal hides
    it (issue 21, item 9); choosing nothing already means « all » in every filter."""
    at = logged_in(ACCOUNTS[role], name=ACCOUNTS[role]).run()
    if page_id != "accueil":
        at.switch_page(f"pages/{page_id}.py").run()
    assert not at.exception, at.exception
    offering = [m.label for m in at.multiselect if m.proto.select_all != 0]
    assert not offering, f"{page_id} as {role}: {offering}"
