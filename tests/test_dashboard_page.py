"""The Tableau de bord page driven with AppTest, per role, on a small root from the demo generator:
the KPI table holds what `queries.evaluate.evaluate` computes for the same filters, a partner sees
only their territory with small cells masked, target statuses are the engine's, and the CSV and
XLSX exports hold exactly the shown rows (and are audited). The table builders are also checked as
plain functions on frames written by hand.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from queries.engine import open_engine
from queries.evaluate import evaluate
from queries.members import members
from queries.targets import Target, applicable_targets, evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.apptest_support import (
    ACCOUNTS,
    charts,
    kept_media,
    logged_in,
    portal,
    run_with,
    served,
    steady_navigation,
)
from ui.screens.tableau_de_bord import kpi_csv, kpi_display, kpi_grid
from ui.shared import charts as kpi_charts
from ui.shared import kpi_table, kpi_targets
from ui.shared.exports import METADATA_SHEET
from ui.shared.filters import Selection
from ui.shell import audit
from ui.shell.navigation import page_path

PAGE = str(page_path("tableau_de_bord"))
PARTNER_EPCI = "243800984"
PARTNER_SCOPE = Scope(role="partenaire", epci=(PARTNER_EPCI,))
INTERNAL_SCOPE = Scope.internal("manager")
RESERVATAIRES = ("action_logement", "autre", "bailleur", "collectivite", "etat")
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
    """The KPI table's cells as numbers (what the grid sorts on); index: the territory codes."""
    (grid,) = at.dataframe
    return grid.value


def shown(at: AppTest) -> pd.DataFrame:
    """The KPI table's cells as the grid displays them (the styler's French text)."""
    (grid,) = at.dataframe
    raw = grid.proto.arrow_data.styler.display_values
    return pa.ipc.open_stream(raw).read_all().to_pandas()


def cell_styles(at: AppTest) -> dict[tuple[str, str], str]:
    """(territory code, column) → the CSS the styler gives that cell (the grid colours it)."""
    (grid,) = at.dataframe
    df = grid.value
    found = {}
    for block in grid.proto.arrow_data.styler.styles.split("}"):
        if "{" not in block:
            continue
        selectors, css = block.split("{")
        for row, col in re.findall(r"row(\d+)_col(\d+)", selectors):
            found[(df.index[int(row)], df.columns[int(col)])] = css.strip()
    return found


def same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or a == b


def latest(engine) -> dt.date:
    return engine.snapshots[-1]


def label(indicator_id: str) -> str:
    return load_catalogue().indicator(indicator_id).label


# --- content per role -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["manager", "charge_clientele", "admin"])
def test_internal_roles_get_the_table_of_evaluate_with_effectifs(audit_file, engine, role):
    """Changed with issue 21: one row per territory, one column per indicator (was one row per
    territory and indicator); the counts are the « Effectifs » view of the same grid."""
    at = dashboard(role)
    assert [t.value for t in at.title] == ["Tableau de bord"]
    df = table(at)
    catalogue = load_catalogue()
    occupation = [i for i, ind in catalogue.indicators.items() if ind.theme == "occupation"]
    # no target on these indicators: no summary column; no code column on screen
    assert list(df.columns) == ["Territoire"] + [label(i) for i in occupation]
    assert df.index.name == "Code"
    counts = table(at.radio(key="tdb_cellules").set_value("effectif").run())
    for ind in occupation:
        expected = evaluate(engine, ind, INTERNAL_SCOPE, snapshot=latest(engine), by=["epci"])
        assert sorted(df.index) == sorted(expected["epci"])
        for r in expected.itertuples():
            assert df.loc[r.epci, label(ind)] == pytest.approx(r.valeur)
            assert counts.loc[r.epci, label(ind)] == r.effectif
            assert df.loc[r.epci, "Territoire"] == r.epci_libelle


def test_manager_table_equals_evaluate_for_the_same_filters(audit_file, engine):
    """Commune rows of one EPCI, PLUS dwellings only, households' resources theme."""
    at = dashboard(
        "manager",
        tdb_echelle="commune",
        tdb_epci=[PARTNER_EPCI],
        tdb_financement=["PLUS"],
        tdb_themes=["ressources"],
    )
    views = {"valeur": table(at)}
    for cells in ("effectif", "numerateur", "denominateur"):
        at.radio(key="tdb_cellules").set_value(cells).run()
        views[cells] = table(at)
    words = shown(at)  # the denominators, as shown
    catalogue = load_catalogue()
    where = {"epci": [PARTNER_EPCI], "financement": ["PLUS"]}
    checked = 0
    for ind, definition in catalogue.indicators.items():
        if definition.theme != "ressources":
            continue
        expected = evaluate(
            engine, ind, INTERNAL_SCOPE, snapshot=latest(engine), by=["commune"], where=where
        )
        column = definition.label
        assert sorted(views["valeur"].index) == sorted(expected["commune"])
        for r in expected.itertuples():
            shown_value = views["valeur"].loc[r.commune, column]  # empty where no case
            assert same(shown_value, r.valeur) or shown_value == pytest.approx(r.valeur)
            assert views["effectif"].loc[r.commune, column] == r.effectif
            assert same(views["numerateur"].loc[r.commune, column], r.numerateur)
            assert same(views["denominateur"].loc[r.commune, column], r.denominateur)
            assert words.loc[r.commune, column] == kpi_display.formats.number(r.denominateur)
            checked += 1
    assert checked > 20


def test_partner_sees_only_their_epci_with_indicators_as_rows(audit_file):
    """One territory: its indicators are the rows; the code stays out of the shown columns."""
    at = dashboard("partenaire")
    df = table(at)
    assert list(df.columns) == kpi_display.headers(internal=False)
    assert not {"Numérateur", "Dénominateur", "Effectif"} & set(df.columns)
    assert set(df["Code"]) == {PARTNER_EPCI}
    (grid,) = at.dataframe
    assert list(grid.proto.column_order) == [
        "Indicateur",
        "Valeur",
        kpi_display.CHANGE,
        kpi_display.CHANGE_YEAR,
        "Objectif",
        "Statut",
    ]
    assert [s.value for s in at.subheader] == ["Communauté d'agglomération du Pays Voironnais"]
    assert not charts(at)  # nothing to compare across one territory
    # the option lists are the scope's too: one EPCI, the partner's communes only
    assert at.multiselect(key="tdb_epci").options == [
        "Communauté d'agglomération du Pays Voironnais"
    ]


def test_partner_small_cells_show_the_secrecy_words(audit_file, engine):
    """Allocations by commune: most communes of the EPCI have fewer than 11 in 12 months. A masked
    cell reads « secret statistique » (issue 21: it read « < 11 », taken for « < 11 % »)."""
    at = dashboard("partenaire", tdb_echelle="commune", tdb_themes=["attributions"])
    df, text = table(at), shown(at)
    partner_communes = set(
        members(engine, "commune", INTERNAL_SCOPE, where={"epci": [PARTNER_EPCI]})["code"]
    )
    assert set(df.index) <= partner_communes  # no other territory
    small = 0
    for ind in ("nb_attributions", T1, "part_attributions_prioritaires"):
        counts = evaluate(engine, ind, INTERNAL_SCOPE, snapshot=latest(engine), by=["commune"])
        counts = counts[counts["commune"].isin(partner_communes)].set_index("commune")
        words = text[label(ind)]
        engine_view = evaluate(engine, ind, PARTNER_SCOPE, snapshot=latest(engine), by=["commune"])
        for commune, row in counts.iterrows():
            if row["effectif"] < 11:
                assert words.loc[commune] == "secret statistique"
                assert df.loc[commune, label(ind)] == kpi_display.MASKED_SORT_VALUE  # sorts first
                small += 1
        masked = set(engine_view.loc[engine_view["masque"], "commune"])
        assert {c for c in words.index if words.loc[c] == "secret statistique"} == masked
    assert small >= 5
    assert "< 11" not in " ".join(str(v) for v in text.to_numpy().ravel())
    assert "« secret statistique » : valeur masquée par le secret statistique" in (
        at.caption[-1].value
    )


def test_target_statuses_are_those_of_the_engine_and_colour_the_cells(audit_file, engine):
    at = dashboard("manager", tdb_themes=["attributions"])
    df, styles = table(at), cell_styles(at)
    targets = evaluate_targets(engine, INTERNAL_SCOPE, snapshot=latest(engine))
    rolling = targets[(targets["indicateur"] == T1) & (targets["periode"] == "glissant_12_mois")]
    assert len(rolling) == len(df) == 3
    for target in rolling.itertuples():
        assert df.loc[target.code, label(T1)] == pytest.approx(target.valeur)
        # the value cell is coloured by the engine's status (no emoji: the grid is a canvas)
        assert styles[(target.code, label(T1))] == kpi_display.STATUS_STYLES[target.statut]
        assert kpi_display.status_text(target.statut) in df.loc[target.code, "Objectifs"]
    # the summary column counts every target of the row's indicators, worst first
    shown_targets = targets[
        (targets["periode"] == "glissant_12_mois")
        & (targets["filtres"] == "")
        & targets["indicateur"].isin(
            [i for i, d in load_catalogue().indicators.items() if d.theme == "attributions"]
        )
    ]
    for code, mine in shown_targets.groupby("code"):
        counts = mine["statut"].value_counts()
        assert df.loc[code, "Objectifs"] == kpi_grid.summary(mine["statut"])
        assert sum(int(n) for n in re.findall(r"\d+", df.loc[code, "Objectifs"])) == counts.sum()
    # T3 is set per réservataire: no colour on the all-réservataires cells
    t3 = label("part_attributions_prioritaires")
    assert not [cell for cell in styles if cell[1] == t3]
    # the target in the indicator's header tooltip
    (grid,) = at.dataframe
    config = json.loads(grid.proto.columns)
    assert "T1 ≥ 25,0\u202f%" in config[label(T1)]["help"].split("Objectif : ")[1]


def test_the_targets_of_a_scope_read_back_identical_so_they_are_kept(engine):
    """The dashboard's targets (`kpi_targets.targets_in_scope`) go through the published state's
    answers: they must read back identical from Feather, or every process computes them again
    (their filters were tuples, which Feather does not hold). The filters are one canonical text,
    equal for the same filters in any order, "" for none."""
    targets = applicable_targets(engine, INTERNAL_SCOPE, latest(engine), load_catalogue())
    frame = kpi_targets.targets_frame(targets)
    buffer = io.BytesIO()
    frame.to_feather(buffer)
    buffer.seek(0)
    pd.testing.assert_frame_equal(pd.read_feather(buffer), frame, check_exact=True)
    assert len(frame) == len(targets) > 0
    # T3 is set per réservataire; the demo's local convention is Action Logement's
    per_reservataire = {f'[["reservataire", ["{r}"]]]' for r in RESERVATAIRES}
    assert set(frame.loc[frame["filtres"] != "", "filtres"]) == per_reservataire
    local = frame[frame["nature"] == "local"]
    assert sorted(local["filtres"]) == ["", "", "", '[["reservataire", ["action_logement"]]]']
    assert kpi_targets.filters_key({"b": ["y", "x"], "a": ["z"]}) == kpi_targets.filters_key(
        {"a": ["z"], "b": ["x", "y"]}
    )
    assert kpi_targets.filters_key({}) == ""
    empty = kpi_targets.targets_frame([])
    assert list(empty.columns) == list(frame.columns) and empty.empty


def test_t3_status_applies_to_a_reservataire_row_with_its_local_replacement(audit_file, engine):
    """T3 is per réservataire; the demo convention replaces it on the Pays Voironnais for Action
    Logement."""
    at = dashboard("manager", tdb_themes=["attributions"], tdb_reservataire=["action_logement"])
    df, styles = table(at), cell_styles(at)
    t3 = label("part_attributions_prioritaires")
    targets = evaluate_targets(engine, INTERNAL_SCOPE, snapshot=latest(engine))
    expected = targets[
        (targets["indicateur"] == "part_attributions_prioritaires")
        & (targets["filtres"] == "reservataire = action_logement")
        & (targets["periode"] == "glissant_12_mois")
    ].set_index("code")
    assert sorted(df.index) == sorted(expected.index)
    for code, target in expected.iterrows():
        assert styles[(code, t3)] == kpi_display.STATUS_STYLES[target["statut"]]
        assert df.loc[code, t3] == pytest.approx(target["valeur"])
    (grid,) = at.dataframe
    assert "Local ≥" in json.loads(grid.proto.columns)[t3]["help"]
    assert expected.loc[PARTNER_EPCI, "nature"] == "local"


def test_residence_rows_outside_qpv_equal_evaluate_named_with_their_commune(audit_file, engine):
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
        by=["residence", "commune"],
        where=where,
    )
    assert len(df) == len(expected) > 3
    for r in expected.itertuples():
        assert df.loc[r.residence, "Nombre de logements"] == r.valeur
        # homonym residences told apart by their commune (issue 21)
        assert df.loc[r.residence, "Territoire"] == f"{r.residence_libelle} ({r.commune_libelle})"
    # the residence list of the filters is narrowed by the choices above it
    offered = at.multiselect(key="tdb_residence").options
    assert len(offered) == len(expected)


def chart_layers(chart) -> list[tuple[dict, pd.DataFrame]]:
    """Each layer of a chart's spec with the rows of its dataset."""
    spec = json.loads(chart.proto.spec)
    datasets = {
        d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in chart.proto.datasets
    }
    shared = spec.get("data")  # altair hoists the data of layers that all share it
    return [(layer, datasets[layer.get("data", shared)["name"]]) for layer in spec["layer"]]


def test_chart_of_the_picked_indicator_sorts_territories_and_draws_the_target(audit_file, engine):
    at = dashboard("manager", tdb_themes=["attributions"])
    # the first indicator with a target is picked by default: T1 here
    assert at.selectbox(key="tdb_graphique").value == T1
    (chart,) = charts(at)
    found = chart_layers(chart)
    bars = found[0][1]
    targets = evaluate_targets(engine, INTERNAL_SCOPE, snapshot=latest(engine))
    rolling = targets[(targets["indicateur"] == T1) & (targets["periode"] == "glissant_12_mois")]
    expected = rolling.sort_values("valeur", ascending=False)
    assert list(bars["valeur"]) == pytest.approx(list(expected["valeur"]))
    assert found[0][0]["mark"]["type"] == "bar"
    kinds = [layer["mark"]["type"] for layer, _ in found]
    assert kinds[2] in ("rule", "tick")  # the target: one line, or a tick per territory
    at.selectbox(key="tdb_graphique").set_value("nb_attributions").run()
    (chart,) = charts(at)
    assert [layer["mark"]["type"] for layer, _ in chart_layers(chart)] == ["bar", "text"]


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
    """The exports keep one row per territory and indicator, with the codes (changed with
    issue 21: the screen is now one row per territory; every shown cell is one exported row)."""
    at = dashboard("manager", tdb_themes=["attributions"])
    df = table(at)
    indicators = [c for c in df.columns if c not in ("Territoire", "Objectifs")]
    counts = table(at.radio(key="tdb_cellules").set_value("effectif").run())
    csv_button, xlsx_button = at.get("download_button")
    xlsx_button.click().run()
    book = openpyxl.load_workbook(io.BytesIO(served(media, at.get("download_button")[1])))
    assert book.sheetnames == ["Tableau de bord", METADATA_SHEET]
    rows = list(book["Tableau de bord"].iter_rows(values_only=True))
    assert list(rows[0]) == kpi_display.headers(internal=True)
    assert len(rows) == len(df) * len(indicators) + 1
    for cells in rows[1:]:
        territory, code, indicator = cells[:3]
        assert territory == df.loc[code, "Territoire"]
        mine = df.loc[code, indicator]
        if pd.isna(mine):  # nothing to divide by: shown as a dash, as on screen
            assert cells[3] == "—"
        else:
            assert cells[3] == pytest.approx(float(mine))
        assert cells[6] == counts.loc[code, indicator]
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
    assert event["details"]["lignes"] == len(df) * len(indicators)


def test_export_files_are_built_on_the_click_not_when_the_page_is_drawn(
    audit_file, media, monkeypatch
):
    """Drawing the page builds no file (on the France root, the XLSX of the 1,248-EPCI table was
    23 s of the page's 25 s). Each button holds a builder that Streamlit runs when it is clicked,
    without running the page again, and the export is recorded once the file is built."""
    built: list[str] = []
    for name in ("csv_bytes", "xlsx_bytes"):
        real = getattr(kpi_csv, name)
        monkeypatch.setattr(
            kpi_csv,
            name,
            lambda *a, _real=real, _name=name, **k: built.append(_name) or _real(*a, **k),
        )
    at = dashboard("manager", tdb_themes=["attributions"])
    at = at.radio(key="tdb_cellules").set_value("effectif").run()
    assert not at.exception
    assert built == []
    assert not [e for e in audit.read_events(audit_file) if e["event"] == "export"]
    csv_button, xlsx_button = at.get("download_button")
    for button in (csv_button, xlsx_button):
        assert button.proto.deferred_file_id and not button.proto.url
        assert button.proto.ignore_rerun  # a click does not draw the page again
    assert served(media, xlsx_button).startswith(b"PK")  # an XLSX is a zip
    assert built == ["xlsx_bytes"]
    (event,) = [e for e in audit.read_events(audit_file) if e["event"] == "export"]
    assert event["user"] == "direction.demo" and event["details"]["format"] == "xlsx"


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
    assert [c for c in back.columns if c not in added] == kpi_display.headers(internal=False)
    assert back["Valeur"].dtype == float
    masked = int((text == "secret statistique").to_numpy().sum())
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
    for row in back.itertuples():
        shown_value = text.loc[str(row.Code), row.Indicateur]
        if row.Unité == "%" and shown_value != "secret statistique" and shown_value != "—":
            assert shown_value == f"{row.Valeur:.1f}".replace(".", ",") + "\u202f%"
    at.get("download_button")[1].click().run()
    book = openpyxl.load_workbook(io.BytesIO(served(media, at.get("download_button")[1])))
    values = [r[3] for r in book["Tableau de bord"].iter_rows(min_row=2, values_only=True)]
    assert values.count("< 11") == masked  # the exports keep the catalogue's label
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
    targets = kpi_targets.targets_frame(
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
            # issue 21: on screen a masked value reads « secret statistique » (exports: « < 11 »)
            expected = "secret statistique" if mine[j] == "< 11" else mine[j]
            assert theirs[j] == expected
    assert [row[4]["display_value"] for row in display] == ["30,0\u202f%", "secret statistique"]
    assert styler.data.loc[1, kpi_display.VALUE] == kpi_display.MASKED_SORT_VALUE


def _two_indicators():
    """T1 and the number of allocations on three EPCIs named by hand (C masked for T1)."""
    catalogue = load_catalogue()
    t1 = _compare_frame(["A", "B", "C"], [0.30, 0.24, None], [40, 30, 5], [False, False, True])
    count = _compare_frame(["A", "B", "C"], [40.0, 30.0, 12.0], [40, 30, 12])
    names = {"A": "Fontaine", "B": "Échirolles", "C": "Domène"}
    for frame in (t1, count):
        frame["epci_libelle"] = frame["epci"].map(names)
    targets = kpi_targets.targets_frame(
        [_target("T1-A", "A"), _target("T1-B", "B"), _target("T1-C", "C")]
    )
    selection = Selection(dt.date(2026, 9, 30), {}, "epci")
    return kpi_table.build({T1: t1, "nb_attributions": count}, catalogue, selection, targets)


def test_wide_grid_one_row_per_territory_by_hand():
    rows = _two_indicators().rows
    t1, count = label(T1), label("nb_attributions")
    grid = kpi_grid.wide(rows)
    # French order of the names: Domène, Échirolles (é with e), Fontaine
    assert list(grid.index) == ["C", "B", "A"]
    assert list(grid.columns) == ["Territoire", "Objectifs", t1, count]
    assert list(grid["Territoire"]) == ["Domène", "Échirolles", "Fontaine"]
    assert list(grid[t1]) == [kpi_display.MASKED_SORT_VALUE, 0.24, 0.30]  # numbers: sortable
    assert list(grid[count]) == [12.0, 30.0, 40.0]
    texts = kpi_grid.cell_texts(rows)
    assert list(texts[t1]) == ["secret statistique", "24,0\u202f%", "30,0\u202f%"]
    assert list(texts[count]) == ["12", "30", "40"]
    assert list(grid["Objectifs"]) == ["1 secret statistique", "1 à surveiller", "1 atteint"]
    # changes since the previous snapshot (0,20): in points for a rate, none for a masked cell
    changes = kpi_grid.cell_texts(rows, "evolution")
    assert list(changes[t1]) == ["—", "+4,0\u202fpt", "+10,0\u202fpt"]
    # the value cells are coloured by status; the count has no target, no colour
    styler = kpi_grid.styled(rows)
    body = styler._translate(False, False)["body"]
    assert [[c["display_value"] for c in row[1:]] for row in body] == texts.to_numpy().tolist()
    styler._compute()
    css = {(r, c): "; ".join(f"{k}: {v}" for k, v in p) for (r, c), p in styler.ctx.items()}
    green, orange = kpi_display.STATUS_STYLES["atteint"], kpi_display.STATUS_STYLES["a_surveiller"]
    assert css[(2, 2)].startswith(green.split(";")[0])  # Fontaine, T1: 30 % ≥ 25 %
    assert css[(1, 2)].startswith(orange.split(";")[0])  # Échirolles: 24 %, within tolerance
    assert css[(1, 1)].startswith(orange.split(";")[0])  # its summary: its worst status
    assert (2, 3) not in css or not css[(2, 3)]


def test_summary_names_statuses_worst_first():
    statuses = pd.Series(["atteint", "non_atteint", "", "atteint", "a_surveiller"])
    assert kpi_grid.summary(statuses) == "1 non atteint · 1 à surveiller · 2 atteints"
    assert kpi_grid.worst(statuses) == "non_atteint"
    assert kpi_grid.summary(pd.Series(["", ""])) == ""


def test_homonym_residences_are_named_with_their_commune():
    catalogue = load_catalogue()
    frame = pd.DataFrame(
        {
            "residence": ["R1", "R2"],
            "residence_libelle": ["Les Tilleuls", "Les Tilleuls"],
            "valeur": pd.array([10.0, 20.0], dtype="Float64"),
            "numerateur": pd.array([None, None], dtype="Int64"),
            "denominateur": pd.array([None, None], dtype="Int64"),
            "effectif": pd.array([10, 20], dtype="Int64"),
            "masque": [False, False],
            "date_precedente": [None, None],
            "evolution": pd.array([None, None], dtype="Float64"),
            "date_un_an": [None, None],
            "evolution_un_an": pd.array([None, None], dtype="Float64"),
        }
    )
    selection = Selection(dt.date(2026, 9, 30), {}, "residence")
    communes = {"R1": "Voiron", "R2": "Grenoble"}
    rows = kpi_table.build({"nb_logements": frame}, catalogue, selection, None, None, communes).rows
    assert list(kpi_grid.wide(rows)["Territoire"]) == [
        "Les Tilleuls (Grenoble)",
        "Les Tilleuls (Voiron)",
    ]


def test_chart_bars_sorted_masked_named_and_target_line_by_hand():
    rows = pd.DataFrame(
        {
            "territoire": ["Fontaine", "Échirolles", "Domène", "Voiron"],
            "valeur": pd.array([0.30, 0.24, None, 0.35], dtype="Float64"),
            "masque": [False, False, True, False],
            "statut": ["atteint", "a_surveiller", "secret", "atteint"],
            "cible": pd.array([0.25] * 4, dtype="Float64"),
            "objectif": ["T1 ≥ 25,0\u202f%"] * 4,
        }
    )
    chart, note = kpi_charts.territory_bars(rows, "ratio")
    assert note == ""
    spec = chart.to_dict()
    layers, datasets = spec["layer"], spec["datasets"]
    bars = datasets[layers[0]["data"]["name"]]
    assert [b["territoire"] for b in bars] == ["Voiron", "Fontaine", "Échirolles"]
    assert [b["Valeur"] for b in bars] == ["35,0\u202f%", "30,0\u202f%", "24,0\u202f%"]
    assert [b["Statut"] for b in bars] == ["atteint", "atteint", "à surveiller"]
    # every bar on the same order, the masked territory last, written, not drawn as 0
    assert layers[0]["encoding"]["y"]["sort"] == ["Voiron", "Fontaine", "Échirolles", "Domène"]
    rule = datasets[layers[2]["data"]["name"]]
    assert layers[2]["mark"]["type"] == "rule" and rule[0]["cible"] == 0.25
    masked = datasets[layers[3]["data"]["name"]]
    assert masked == [{"territoire": "Domène", "Valeur": "secret statistique"}]
    assert layers[0]["encoding"]["color"]["scale"]["range"] == ["#2E7D32", "#E08E0B"]


def test_chart_keeps_the_extremes_of_a_long_list():
    n = 70
    rows = pd.DataFrame(
        {
            "territoire": [f"Commune {i:02d}" for i in range(n)],
            "valeur": pd.array([float(i) for i in range(n)], dtype="Float64"),
            "masque": [False] * n,
            "statut": [""] * n,
            "cible": pd.array([None] * n, dtype="Float64"),
            "objectif": [""] * n,
        }
    )
    chart, note = kpi_charts.territory_bars(rows, "attributions")
    bars = chart.to_dict()["layer"][0]["encoding"]["y"]["sort"]
    assert len(bars) == 60 and bars[0] == "Commune 69" and bars[-1] == "Commune 00"
    assert "Commune 39" not in bars and "Commune 30" not in bars
    assert note.startswith("Les 30 valeurs les plus hautes et les 30 plus basses sur 70")
