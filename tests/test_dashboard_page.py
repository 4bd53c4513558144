"""The Tableau de bord page driven with AppTest, per role, on a small root from the demo generator:
the KPI table holds what `queries.evaluate.evaluate` computes for the same filters, a partner sees
only their territory with small cells masked, target statuses are the engine's, and the CSV and
XLSX exports hold exactly the shown rows (and are audited). The table builders are also checked as
plain functions on frames written by hand.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from queries.engine import open_engine
from queries.evaluate import evaluate
from queries.members import members
from queries.targets import Target, evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.apptest_support import (
    ACCOUNTS,
    kept_media,
    logged_in,
    portal,
    run_with,
    served,
    steady_navigation,
)
from ui.screens.tableau_de_bord import kpi_display
from ui.shared import kpi_table
from ui.shared.exports import METADATA_SHEET
from ui.shared.filters import Selection
from ui.shell import audit
from ui.shell.navigation import page_path

PAGE = str(page_path("tableau_de_bord"))
PARTNER_EPCI = "243800984"
PARTNER_SCOPE = Scope(role="partenaire", epci=(PARTNER_EPCI,))
INTERNAL_SCOPE = Scope.internal("manager")
T1 = "part_attributions_q1_hors_qpv"


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(scope="module")
def demo_root(small_demo_root_5):
    """Five quarterly snapshots (2025-09-30 … 2026-09-30): a previous one and one a year earlier."""
    return small_demo_root_5


@pytest.fixture(scope="module")
def engine(demo_root):
    eng = open_engine(demo_root)
    yield eng
    eng.close()


@pytest.fixture
def audit_file(monkeypatch, tmp_path, demo_root) -> Path:
    return portal(monkeypatch, tmp_path, demo_root)


@pytest.fixture
def media(monkeypatch):
    """The in-memory media stores of the runs, to read what a download button serves."""
    return kept_media(monkeypatch)


def dashboard(role: str, **widgets) -> AppTest:
    """The page run as the demo account of `role`, then with `widgets` (key → value) set."""
    return run_with(logged_in(ACCOUNTS[role], PAGE), widgets)


def table(at: AppTest) -> pd.DataFrame:
    """The KPI table's cells as numbers (what the grid sorts on)."""
    (grid,) = at.dataframe
    return grid.value


def shown(at: AppTest) -> pd.DataFrame:
    """The KPI table's cells as the grid displays them (the styler's French text)."""
    (grid,) = at.dataframe
    raw = grid.proto.arrow_data.styler.display_values
    return pa.ipc.open_stream(raw).read_all().to_pandas()


def same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def latest(engine) -> dt.date:
    return engine.snapshots[-1]


# --- content per role -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "charge_clientele", "admin"])
def test_internal_roles_get_the_table_of_evaluate_with_effectifs(audit_file, engine, role):
    at = dashboard(role)
    assert [t.value for t in at.title] == ["Tableau de bord"]
    df = table(at)
    assert list(df.columns) == kpi_display.headers(internal=True)
    catalogue = load_catalogue()
    occupation = [i for i, ind in catalogue.indicators.items() if ind.theme == "occupation"]
    assert list(dict.fromkeys(df["Indicateur"])) == [
        catalogue.indicator(i).label for i in occupation
    ]
    for ind in occupation:
        expected = evaluate(engine, ind, INTERNAL_SCOPE, snapshot=latest(engine), by=["epci"])
        rows = df[df["Indicateur"] == catalogue.indicator(ind).label].set_index("Code")
        assert sorted(rows.index) == sorted(expected["epci"])
        for r in expected.itertuples():
            assert rows.loc[r.epci, "Valeur"] == pytest.approx(r.valeur)
            assert rows.loc[r.epci, "Effectif"] == r.effectif
            assert rows.loc[r.epci, "Territoire"] == r.epci_libelle


def test_manager_table_equals_evaluate_for_the_same_filters(audit_file, engine):
    """Commune rows of one EPCI, PLUS dwellings only, households' resources theme."""
    at = dashboard(
        "manager",
        tdb_echelle="commune",
        tdb_epci=[PARTNER_EPCI],
        tdb_financement=["PLUS"],
        tdb_themes=["ressources"],
    )
    df, text = table(at), shown(at)
    catalogue = load_catalogue()
    where = {"epci": [PARTNER_EPCI], "financement": ["PLUS"]}
    checked = 0
    for ind, definition in catalogue.indicators.items():
        if definition.theme != "ressources":
            continue
        expected = evaluate(
            engine, ind, INTERNAL_SCOPE, snapshot=latest(engine), by=["commune"], where=where
        )
        mine = df["Indicateur"] == definition.label
        rows, words = df[mine].set_index("Code"), text[mine].set_index("Code")
        assert sorted(rows.index) == sorted(expected["commune"])
        for r in expected.itertuples():
            shown_value = rows.loc[r.commune, "Valeur"]  # empty where a commune has no case
            assert same(shown_value, r.valeur) or shown_value == pytest.approx(r.valeur)
            assert rows.loc[r.commune, "Effectif"] == r.effectif
            assert same(rows.loc[r.commune, "Numérateur"], r.numerateur)
            assert same(rows.loc[r.commune, "Dénominateur"], r.denominateur)
            assert words.loc[r.commune, "Effectif"] == kpi_display.formats.number(r.effectif)
            checked += 1
    assert checked > 20


def test_partner_sees_only_their_epci(audit_file):
    at = dashboard("partenaire")
    df = table(at)
    assert list(df.columns) == kpi_display.headers(internal=False)
    assert not {"Numérateur", "Dénominateur", "Effectif"} & set(df.columns)
    assert set(df["Code"]) == {PARTNER_EPCI}
    # the option lists are the scope's too: one EPCI, the partner's communes only
    assert at.multiselect(key="tdb_epci").options == [
        "Communauté d'agglomération du Pays Voironnais"
    ]


def test_partner_small_cells_show_the_secrecy_label(audit_file, engine):
    """Allocations by commune: most communes of the EPCI have fewer than 11 in 12 months."""
    at = dashboard("partenaire", tdb_echelle="commune", tdb_themes=["attributions"])
    df, text = table(at), shown(at)
    partner_communes = set(
        members(engine, "commune", INTERNAL_SCOPE, where={"epci": [PARTNER_EPCI]})["code"]
    )
    assert set(df["Code"]) <= partner_communes  # no other territory
    catalogue = load_catalogue()
    small = 0
    for ind in ("nb_attributions", T1, "part_attributions_prioritaires"):
        label = catalogue.indicator(ind).label
        counts = evaluate(engine, ind, INTERNAL_SCOPE, snapshot=latest(engine), by=["commune"])
        counts = counts[counts["commune"].isin(partner_communes)].set_index("commune")
        words = text[text["Indicateur"] == label].set_index("Code")
        engine_view = evaluate(engine, ind, PARTNER_SCOPE, snapshot=latest(engine), by=["commune"])
        for commune, row in counts.iterrows():
            if row["effectif"] < 11:
                assert words.loc[commune, "Valeur"] == "< 11"
                small += 1
        masked = set(engine_view.loc[engine_view["masque"], "commune"])
        assert {c for c in words.index if words.loc[c, "Valeur"] == "< 11"} == masked
    assert small >= 5
    assert "« < 11 » : valeur masquée par le secret statistique" in at.caption[-1].value


def test_target_statuses_are_those_of_the_engine(audit_file, engine):
    at = dashboard("manager", tdb_themes=["attributions"])
    df = table(at)
    label = load_catalogue().indicator(T1).label
    t1 = df[df["Indicateur"] == label].set_index("Code")
    targets = evaluate_targets(engine, INTERNAL_SCOPE, snapshot=latest(engine))
    rolling = targets[(targets["indicateur"] == T1) & (targets["periode"] == "glissant_12_mois")]
    assert len(rolling) == len(t1) == 3
    for target in rolling.itertuples():
        assert t1.loc[target.code, "Statut"] == kpi_display.status_text(target.statut)
        assert t1.loc[target.code, "Objectif"].endswith(kpi_display.formats.percent(target.cible))
    # statuses are coloured cells (the grid's CSS from the styler), not emoji
    styles = at.dataframe[0].proto.arrow_data.styler.styles
    for status in set(rolling["statut"]):
        assert kpi_display.STATUS_STYLES[status].split(";")[0].split(": ")[1] in styles
    # T3 is set per réservataire: no status on the all-réservataires row
    t3 = df[df["Indicateur"] == load_catalogue().indicator("part_attributions_prioritaires").label]
    assert set(t3["Statut"]) == {""}


def test_t3_status_applies_to_a_reservataire_row_with_its_local_replacement(audit_file, engine):
    """T3 is per réservataire; the demo convention replaces it on the Pays Voironnais for Action
    Logement."""
    at = dashboard("manager", tdb_themes=["attributions"], tdb_reservataire=["action_logement"])
    df = table(at)
    t3 = df[df["Indicateur"] == load_catalogue().indicator("part_attributions_prioritaires").label]
    targets = evaluate_targets(engine, INTERNAL_SCOPE, snapshot=latest(engine))
    expected = targets[
        (targets["indicateur"] == "part_attributions_prioritaires")
        & (targets["filtres"] == "reservataire = action_logement")
        & (targets["periode"] == "glissant_12_mois")
    ].set_index("code")
    rows = t3.set_index("Code")
    assert sorted(rows.index) == sorted(expected.index)
    for code, target in expected.iterrows():
        assert rows.loc[code, "Statut"] == kpi_display.status_text(target["statut"])
        assert rows.loc[code, "Valeur"] == pytest.approx(target["valeur"])
    assert rows.loc[PARTNER_EPCI, "Objectif"].startswith("Local ≥")
    assert expected.loc[PARTNER_EPCI, "nature"] == "local"


def test_residence_rows_outside_qpv_equal_evaluate(audit_file, engine):
    at = dashboard(
        "manager", tdb_echelle="residence", tdb_quartiers="__hors_qpv__", tdb_epci=[PARTNER_EPCI]
    )
    df = table(at)
    where = {"epci": [PARTNER_EPCI], "en_qpv": [False]}
    expected = evaluate(
        engine,
        "nb_logements",
        INTERNAL_SCOPE,
        snapshot=latest(engine),
        by=["residence"],
        where=where,
    )
    rows = df[df["Indicateur"] == "Nombre de logements"].set_index("Code")
    assert len(rows) == len(expected) > 3
    for r in expected.itertuples():
        assert rows.loc[r.residence, "Valeur"] == r.valeur
        assert rows.loc[r.residence, "Territoire"] == r.residence_libelle
    # the residence list of the filters is narrowed by the choices above it
    offered = at.multiselect(key="tdb_residence").options
    assert len(offered) == len(expected)


def test_unsupported_indicators_are_named_not_failed(audit_file):
    at = dashboard("manager", tdb_echelle="residence", tdb_themes=["demande"])
    assert not at.dataframe
    captions = " ".join(c.value for c in at.caption)
    assert "Demandes actives : non affiché, pas de découpage ni de filtre par résidence" in captions
    assert "Aucune valeur pour ces filtres" in at.info[0].value


def test_data_root_problems_are_shown_as_a_message(audit_file, monkeypatch, tmp_path):
    (tmp_path / "vide").mkdir()
    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(tmp_path / "vide"))
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.secrets["unrelated"] = "x"
    at.session_state["authentication_status"] = True
    at.session_state["username"] = ACCOUNTS["manager"]
    at.run()
    assert not at.exception
    assert "aucune photographie" in at.error[0].value


# --- exports --------------------------------------------------------------------------------------


def test_xlsx_export_holds_the_shown_rows_and_the_metadata(audit_file, media, engine):
    at = dashboard("manager", tdb_themes=["attributions"])
    df, text = table(at), shown(at)
    csv_button, xlsx_button = at.get("download_button")
    xlsx_button.click().run()
    book = openpyxl.load_workbook(io.BytesIO(served(media, at.get("download_button")[1])))
    assert book.sheetnames == ["Tableau de bord", METADATA_SHEET]
    rows = list(book["Tableau de bord"].iter_rows(values_only=True))
    assert list(rows[0]) == list(df.columns)
    assert len(rows) == len(df) + 1
    for (_, mine), cells in zip(df.iterrows(), rows[1:], strict=True):
        assert cells[:3] == (mine["Territoire"], mine["Code"], mine["Indicateur"])
        if pd.isna(mine["Valeur"]):  # nothing to divide by: shown as a dash, as on screen
            assert cells[3] == "—"
        else:
            assert cells[3] == pytest.approx(float(mine["Valeur"]))
        assert cells[6] == mine["Effectif"]
    meta = {r[0]: r[1] for r in book[METADATA_SHEET].iter_rows(values_only=True) if r and r[0]}
    assert meta["Photographie"] == f"{latest(engine):%d/%m/%Y}"
    assert meta["Périmètre de l'utilisateur"].startswith("tout le patrimoine")
    assert meta["Filtre : Une ligne par"] == "EPCI"
    assert "moins de 11 ménages ou attributions" in meta["Secret statistique"]
    definitions = {r[1] for r in book[METADATA_SHEET].iter_rows(values_only=True) if r[1]}
    catalogue = load_catalogue()
    assert {i for i, d in catalogue.indicators.items() if d.theme == "attributions"} <= definitions
    (event,) = [e for e in audit.read_events(audit_file) if e["event"] == "export"]
    assert event["user"] == "direction.demo" and event["details"]["format"] == "xlsx"
    assert event["details"]["page"] == "tableau_de_bord"
    assert event["details"]["lignes"] == len(df) == len(text)


def test_partner_exports_keep_cells_masked(audit_file, media):
    at = dashboard("partenaire", tdb_echelle="commune", tdb_themes=["attributions"])
    text = shown(at)
    at.get("download_button")[0].click().run()
    csv = served(media, at.get("download_button")[0])
    assert csv.startswith(b"\xef\xbb\xbf")
    # numbers as numbers for French Excel: `;`, decimal comma, unit in its own column, an
    # empty cell where the screen shows « < 11 » (the status says why)
    back = pd.read_csv(io.BytesIO(csv), sep=";", decimal=",", encoding="utf-8-sig")
    added = ("Unité", "Unité des évolutions", "Secret statistique (valeur masquée)")
    assert [c for c in back.columns if c not in added] == list(text.columns)
    assert back["Valeur"].dtype == float
    masked = (text["Valeur"] == "< 11").sum()
    assert masked > 0 and back["Valeur"].isna().sum() >= masked
    assert (back["Secret statistique (valeur masquée)"] == "oui").sum() == masked
    assert set(back["Unité"]) <= {
        "%",
        "€ par an",
        "ans",
        "mois",
        "personnes",
        "attributions",
        "logements",
        "ménages",
        "demandes",
        "départs",
        "demandes par attribution",
        "propositions",
        "points de cotation",
    }
    # each shown rate reads back as its number: « 25,3 % » → 25.3
    pairs = text.assign(_k=text["Territoire"] + "|" + text["Indicateur"]).set_index("_k")
    for row in back.itertuples():
        shown_value = pairs.loc[f"{row.Territoire}|{row.Indicateur}", "Valeur"]
        if row.Unité == "%" and shown_value != "< 11" and shown_value != "—":
            assert shown_value == f"{row.Valeur:.1f}".replace(".", ",") + "\u202f%"
    at.get("download_button")[1].click().run()
    book = openpyxl.load_workbook(io.BytesIO(served(media, at.get("download_button")[1])))
    values = [r[3] for r in book["Tableau de bord"].iter_rows(min_row=2, values_only=True)]
    assert values.count("< 11") == (text["Valeur"] == "< 11").sum()
    meta = {r[0]: r[1] for r in book[METADATA_SHEET].iter_rows(values_only=True) if r and r[0]}
    assert meta["Périmètre de l'utilisateur"] == (
        "Communauté d'agglomération du Pays Voironnais (243800984)"
    )
    assert "compte interne" not in meta["Secret statistique"]
    formats = [
        e["details"]["format"] for e in audit.read_events(audit_file) if e["event"] == "export"
    ]
    assert formats == ["csv", "xlsx"]


# --- plain functions ------------------------------------------------------------------------------


def _compare_frame(codes, values, effectifs, masked=None) -> pd.DataFrame:
    n = len(codes)
    return pd.DataFrame(
        {
            "epci": codes,
            "epci_libelle": [f"EPCI {c}" for c in codes],
            "valeur": pd.array(values, dtype="Float64"),
            "numerateur": pd.array([None] * n, dtype="Int64"),
            "denominateur": pd.array([None] * n, dtype="Int64"),
            "effectif": pd.array(effectifs, dtype="Int64"),
            "masque": masked or [False] * n,
            "date_precedente": [dt.date(2026, 6, 30)] * n,
            "valeur_precedente": pd.array([0.20] * n, dtype="Float64"),
            "evolution": pd.array([v - 0.20 if v is not None else None for v in values], "Float64"),
            "date_un_an": [None] * n,
            "valeur_un_an": pd.array([None] * n, dtype="Float64"),
            "evolution_un_an": pd.array([None] * n, dtype="Float64"),
        }
    )


def _target(id_, code, cible=0.25, filtres=None, nature="légal") -> Target:
    return Target(
        id_, T1, "epci", code, f"EPCI {code}", ">=", cible, 0.02, 2026, "CCH", nature, filtres or {}
    )


def test_build_words_values_changes_and_statuses_by_hand():
    catalogue = load_catalogue()
    compared = _compare_frame(
        ["A", "B", "C"], [0.30, 0.24, None], [40, 30, 5], [False, False, True]
    )
    targets = kpi_table.targets_frame(
        [
            _target("T1-A", "A"),
            _target("T1-B", "B"),
            _target("T1-C", "C"),
            _target("cia-x", "A", 0.5, {"reservataire": ["etat"]}, "local"),
        ]
    )
    selection = Selection(dt.date(2026, 9, 30), {}, "epci")
    built = kpi_table.build({T1: compared}, catalogue, selection, targets)
    assert built.previous == dt.date(2026, 6, 30) and built.year_earlier is None
    words = kpi_display.shown(built.rows, internal=False).set_index("Code")
    assert words.loc["A", "Valeur"] == "30,0\u202f%"
    assert words.loc["A", kpi_display.CHANGE] == "+10,0\u202fpt"
    assert words.loc["A", kpi_display.CHANGE_YEAR] == "—"
    assert words.loc["C", "Valeur"] == "< 11"
    # 30 % ≥ 25 %: met; 24 % is within the 2-point tolerance; a masked value is secret
    assert words["Statut"].to_dict() == {
        "A": "atteint",
        "B": "à surveiller",
        "C": "secret statistique",
    }
    assert words.loc["A", "Objectif"] == "T1 ≥ 25,0\u202f%"
    # the local target on the État contingent applies only to a row filtered on it
    by_state = Selection(dt.date(2026, 9, 30), {"reservataire": ["etat"]}, "epci")
    rows = kpi_table.build({T1: compared}, catalogue, by_state, targets).rows.set_index("code")
    assert rows.loc["A", "objectif"] == "Local ≥ 50,0\u202f%"
    assert rows.loc["A", "statut"] == "non_atteint"
    assert rows.loc["B", "statut"] == ""


def test_styled_table_displays_the_shown_text():
    catalogue = load_catalogue()
    compared = _compare_frame(["A", "B"], [0.3, None], [40, 5], [False, True])
    built = kpi_table.build({T1: compared}, catalogue, Selection(dt.date(2026, 9, 30)))
    styler = kpi_display.styled(built.rows, internal=True)
    text = kpi_display.shown(built.rows, internal=True)
    display = styler._translate(False, False)["body"]  # what Streamlit sends as display values
    cells = [[c["display_value"] for c in row[1:]] for row in display]
    for mine, theirs in zip(text.itertuples(index=False), cells, strict=True):
        numeric = [kpi_display.VALUE, kpi_display.CHANGE, kpi_display.CHANGE_YEAR]
        for col in numeric:
            j = list(text.columns).index(col)
            assert theirs[j] == mine[j]
    assert styler.data.loc[1, kpi_display.VALUE] == kpi_display.MASKED_SORT_VALUE
