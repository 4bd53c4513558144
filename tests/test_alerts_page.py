"""The Objectifs et alertes page driven with AppTest, for every role, on a small root from the demo
generator: the page lists T1 (or the local target replacing it) for every EPCI in scope with the
status `evaluate_targets` computes, each target with its trend, and the `enjeu_mixite` residences
in alert as `queries.alerts` finds them; a partner sees their EPCI only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from queries.alerts import mixite_alerts, target_trends
from queries.engine import open_engine
from queries.forecast.projection import year_end
from queries.members import members
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import ROLES, Scope
from tests.apptest_support import (
    ACCOUNTS,
    charts,
    logged_in,
    portal,
    steady_navigation,
)
from ui.screens.objectifs.target_cards import (
    PERIOD_LABELS,
    cards,
    overview_table,
    period_lines,
    year_end_lines,
)
from ui.shared.headline import STATUS_LABELS

PARTNER_EPCI = "243800984"
SCOPES = {
    "admin": Scope.internal("admin"),
    "manager": Scope.internal("manager"),
    "charge_clientele": Scope.internal("charge_clientele"),
    "partenaire": Scope(role="partenaire", epci=(PARTNER_EPCI,)),
}
T1_INDICATOR = "part_attributions_q1_hors_qpv"


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


def open_page(role: str, every_card: bool = True) -> AppTest:
    """The page as `role`'s demo account sees it, inside the Home.py navigation (so links to
    other pages resolve as in the live portal)."""
    username = ACCOUNTS[role]
    at = logged_in(username, name=username)
    at.session_state["obj_toutes_fiches"] = every_card  # all the cards, not the first six
    at.run()
    at.switch_page("pages/objectifs.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == ["Objectifs et alertes"]
    return at


def overview(at: AppTest) -> pd.DataFrame:
    (found,) = [d.value for d in at.dataframe if "Période" in d.value.columns]
    return found


def matrix_of(at: AppTest) -> pd.DataFrame:
    (found,) = [d.value for d in at.dataframe if "Attributions manquantes" in d.value.columns]
    return found


def in_table_order(df: pd.DataFrame) -> pd.DataFrame:
    from ui.screens.objectifs.target_matrix import matrix

    order = {k: n for n, k in enumerate(matrix(df, load_catalogue())["objectif_id"])}
    return df.sort_values("objectif_id", key=lambda ids: ids.map(order), kind="stable")


def names(df: pd.DataFrame) -> list[str]:
    """What the page calls each target row of `evaluate_targets` (« T3 · Action Logement »)."""
    from ui.screens.objectifs.target_cards import target_name

    legal = {t.indicateur: t.id for t in load_catalogue().parameters.objectifs_legaux}
    return [target_name(r, legal) for r in df.to_dict("records")]


def shown_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [d.value.to_csv() for d in at.dataframe]
    return "\n".join(parts)


@pytest.mark.parametrize("role", ROLES)
def test_t1_for_every_epci_in_scope_with_the_engine_status(role, engine):
    scope = SCOPES[role]
    expected = evaluate_targets(engine, scope)
    epcis = members(engine, "epci", scope)
    at = open_page(role)
    table = overview(at)

    t1 = expected[expected["indicateur"] == T1_INDICATOR]
    assert set(t1["code"]) == set(epcis["code"])  # every EPCI in scope has its T1 (or CIA's)
    shown = table[table["Indicateur"] == load_catalogue().indicator(T1_INDICATOR).label]
    assert sorted(
        zip(shown["Objectif"], shown["Territoire"], shown["Période"], shown["Statut"], strict=True)
    ) == sorted(
        zip(
            names(t1),
            t1["territoire"],
            t1["periode"].map(PERIOD_LABELS),
            t1["statut"].map(STATUS_LABELS),
            strict=True,
        )
    )
    # every target and period of the engine, in the compact table's order (most missing first)
    expected = in_table_order(expected)
    assert list(table["Objectif"]) == names(expected)
    assert list(table["Statut"]) == list(expected["statut"].map(STATUS_LABELS))


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_each_target_card_shows_its_figures_and_trend(role, engine):
    scope = SCOPES[role]
    expected = evaluate_targets(engine, scope)
    catalogue = load_catalogue()
    at = open_page(role)
    markdown = [m.value for m in at.markdown]
    snapshot = engine.latest
    projected = year_end(engine, catalogue, scope).set_index("objectif_id")
    assert not projected.empty  # T1/T2/T3 are projected on this root
    seen_projection = 0
    for card in cards(expected, catalogue):
        assert any(m.startswith(f"#### {card.title}") for m in markdown), card.title
        for row in card.rows:
            lines = period_lines(row, card, snapshot)
            if row["periode"] == "annee_en_cours" and card.objectif_id in projected.index:
                # the calendar-year column ends with the projection to 31/12 of the query layer
                found = projected.loc[card.objectif_id].to_dict()
                lines += year_end_lines(found, card)
                assert any("Projection au 31/12/" in line for line in lines)
                seen_projection += 1
            assert "  \n".join(lines) in markdown
    assert seen_projection
    ytd = expected[
        (expected["periode"] == "annee_en_cours") & expected["manquants"].fillna(0).gt(0)
    ]
    for row in ytd.to_dict("records"):
        if row["sens"] == ">=" and row["indicateur"] == "part_attributions_q1_hors_qpv":
            assert any(f"Il manque **{row['manquants']} attribution" in m for m in markdown)
    trends = target_trends(engine, scope)
    with_trend = trends.dropna(subset=["valeur"])["objectif_id"].nunique()
    assert len(charts(at)) == with_trend
    assert "Source : " + expected["source"].iloc[0] in shown_text(at)


def test_partner_sees_only_their_epci(engine):
    at = open_page("partenaire")
    table = overview(at)
    (name,) = members(engine, "epci", SCOPES["partenaire"])["libelle"]
    assert set(table["Territoire"]) == {name}
    text = shown_text(at)
    for other in members(engine, "epci", Scope.internal())["libelle"]:
        if other != name:
            assert other not in text
    # cells under the secrecy threshold are masked, never shown
    secret = evaluate_targets(engine, SCOPES["partenaire"]).query("statut == 'secret'")
    if len(secret):
        masked = table[table["Statut"] == STATUS_LABELS["secret"]]
        assert set(masked["Valeur"]) == {"< 11"}


def test_partner_cards_name_the_mask_instead_of_a_number(engine):
    # « < 11 pour une cible ≥ 25 % » read as a percentage: cards and chart tooltips say
    # « secret statistique (moins de 11 …) »
    secret = evaluate_targets(engine, SCOPES["partenaire"]).query("statut == 'secret'")
    assert len(secret), "the small demo partner should have a target under the threshold"
    at = open_page("partenaire")
    markdown = [m.value for m in at.markdown]
    assert not [m for m in markdown if "< 11" in m]
    masked_lines = [m for m in markdown if "secret statistique (moins de 11" in m]
    assert len(masked_lines) >= len(secret)
    chart_data = " ".join(str(c.proto) for c in charts(at))  # spec and datasets (tooltips)
    assert chart_data and "< 11" not in chart_data


def test_a_masked_snapshot_is_a_gap_whose_tooltip_names_the_secret():
    """A sparkline point under the secret is not drawn (no value: a gap in the line) and its
    tooltip says « secret statistique (moins de 11 …) », never « < 11 » read as a percentage."""
    from ui.shared.charts import sparkline

    points = pd.DataFrame(
        {
            "date": pd.to_datetime(["2025-12-31", "2026-03-31", "2026-06-30"]),
            "valeur": [0.30, 0.05, 0.28],
            "masque": [False, True, False],
        }
    )
    spec = sparkline(points, cible=0.25, unit="ratio", rule="≥ 25 %").to_dict()
    (rows,) = [d for d in spec["datasets"].values() if "Valeur" in d[0]]
    assert [r["valeur"] for r in rows] == [0.30, None, 0.28]
    assert rows[1]["Valeur"].startswith("secret statistique (moins de 11")
    assert "< 11" not in str(spec)


def test_mixite_alerts_listed_with_links_for_staff(engine):
    expected = mixite_alerts(engine, SCOPES["manager"])
    alerts = expected[expected["alerte"]]
    assert len(alerts), "the demo root should have residences in alert"
    at = open_page("manager")
    links = [link.label for link in at.get("page_link")]
    names = [f"{r.residence_libelle} — {r.commune_libelle}" for r in alerts.itertuples()]
    assert [link for link in links if link in names] == names
    psa = alerts[alerts["au_dessus_seuil"]]
    assert len(psa) >= 1  # the demo PSA target sits on a fragile residence of the list
    text = shown_text(at)
    assert "au-dessus du seuil du PSA" in text
    (table,) = [d.value for d in at.dataframe if "Seuil PSA" in d.value.columns]
    assert list(table["Résidence"]) == list(expected["residence_libelle"])
    assert list(table["Alerte"]) == ["oui" if a else "non" for a in expected["alerte"]]


def test_a_long_alert_list_draws_the_worst_first_and_asks_no_value_per_residence(
    engine, monkeypatch
):
    """A national list holds thousands of residences in alert: the page draws the first ones
    (worst first, as `mixite_alerts` sorts them) and the others on demand. The value each
    concertation panel compares plans with is the card's own, not one query per residence (on
    the France root, about 3,500 queries at the first opening)."""
    from ui.screens.objectifs import mixite_view
    from ui.shared import concertation_view

    expected = mixite_alerts(engine, SCOPES["manager"])
    alerts = expected[expected["alerte"]]
    assert len(alerts) >= 2, "the small demo root should have two residences in alert or more"
    monkeypatch.setattr(mixite_view, "ALERTS_FIRST", 1)
    asked = []
    real = concertation_view.value_now
    monkeypatch.setattr(
        concertation_view,
        "value_now",
        lambda user, indicator, obj: asked.append(obj.kind) or real(user, indicator, obj),
    )
    names = [f"{r.residence_libelle} — {r.commune_libelle}" for r in alerts.itertuples()]
    at = open_page("manager")
    assert [link.label for link in at.get("page_link") if link.label in names] == names[:1]
    toggle = at.toggle(key="obj_toutes_alertes")
    assert toggle.label.startswith(f"Afficher les {len(alerts)} résidences en alerte")
    toggle.set_value(True).run()
    assert not at.exception
    assert [link.label for link in at.get("page_link") if link.label in names] == names
    assert not asked  # a closed concertation panel asks nothing: its content is drawn once open
    assert not [t for t in at.text_area if str(t.key).endswith("_texte")]  # nor draws its forms
    panels = [k for k in at.session_state if str(k).endswith("_volet")]
    assert any(k.startswith("mixite_") for k in panels) and len(panels) > len(alerts)
    for panel in panels:  # every panel open, as a reader clicking each one
        at.session_state[panel] = True
    at.run()
    assert not at.exception
    comment_boxes = [t for t in at.text_area if str(t.key).endswith("_texte")]
    assert len(comment_boxes) == len(panels)  # each open panel draws its forms
    assert "residence" not in asked and asked  # the target cards ask theirs, no residence does


def test_partner_sees_no_link_to_the_residence_page(engine):
    at = open_page("partenaire")
    assert not [link for link in at.get("page_link") if "—" in (link.label or "")]


def test_overview_table_formats_values_the_french_way(engine):
    expected = evaluate_targets(engine, SCOPES["manager"])
    table = overview_table(expected, load_catalogue())
    row = expected[expected["valeur"].notna()].iloc[0]
    shown = table.iloc[expected.index.get_loc(row.name)]
    assert shown["Valeur"].endswith("\u202f%") and "," in shown["Valeur"]
    assert shown["Écart"].endswith("pt")


def test_filter_on_t1_keeps_one_target_per_epci(engine):
    epcis = members(engine, "epci", SCOPES["manager"])
    at = open_page("manager")
    assert at.multiselect(key="obj_type").options[:3] == ["T1", "T2", "T3"]
    at.multiselect(key="obj_type").set_value(["T1"]).run()
    assert not at.exception
    table = overview(at)
    assert set(table["Territoire"]) == set(epcis["libelle"])
    assert len(table[["Objectif", "Territoire"]].drop_duplicates()) == len(epcis)
    assert set(table["Objectif"]) <= {"T1", "T1 (objectif local)"}  # names, not ids
    label = load_catalogue().indicator(T1_INDICATOR).label
    assert set(table["Indicateur"]) == {label}
    headers = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert len(headers) == len(epcis)


# --- queries.alerts by hand, on the tiny root of tests/tiny_data.py ------------------------------
# R1 « Les Tilleuls » (Grenoble, enjeu_mixite) holds M01 (RFR 9 000 € alone: < 40 % of PLUS, APL)
# and M02 (single parent, unemployed, APL) — fragile — and M03, M04 — not: 2 / 4 = 0.5 at S2 and
# S3; at S1 only M01, M02, M03 lived there: 2 / 3.

PSA_R1 = """
objectifs:
  - id: psa-r1
    indicateur: part_menages_fragiles
    territoire: {echelle: residence, code: "R1"}
    annee: 2025
    sens: "<="
    cible: 0.40
    source: "PSA test"
"""
CIA_GRENOBLE = """
  - id: cia-grenoble
    indicateur: part_menages_fragiles
    territoire: {echelle: commune, code: "38185"}
    annee: 2025
    sens: "<="
    cible: 0.60
    source: "CIA test"
"""


def tiny_engine_with(tmp_path, objectifs: str):
    from tests.tiny_data import write_tiny_root

    root = write_tiny_root(tmp_path / "tiny")
    (root / "objectifs.yaml").write_text(objectifs, encoding="utf-8")
    return open_engine(root)


def test_mixite_alert_above_the_psa_threshold_by_hand(tmp_path):
    eng = tiny_engine_with(tmp_path, PSA_R1 + CIA_GRENOBLE)
    (row,) = mixite_alerts(eng, Scope.internal()).to_dict("records")
    assert (row["residence"], row["numerateur"], row["denominateur"]) == ("R1", 2, 4)
    assert row["valeur"] == pytest.approx(0.5)
    assert row["valeur_precedente"] == pytest.approx(0.5) and row["evolution"] == 0
    # the residence's own PSA target beats the commune's (0.60)
    assert (row["seuil"], row["seuil_objectif"]) == (pytest.approx(0.40), "psa-r1")
    assert row["au_dessus_seuil"] and not row["en_hausse"] and row["alerte"]
    (earlier,) = mixite_alerts(eng, Scope.internal(), snapshot="2025-09-30").to_dict("records")
    assert earlier["valeur_precedente"] == pytest.approx(2 / 3)
    assert earlier["evolution"] == pytest.approx(0.5 - 2 / 3)
    assert not earlier["en_hausse"]
    eng.close()


def test_mixite_commune_threshold_applies_when_the_residence_has_none(tmp_path):
    eng = tiny_engine_with(tmp_path, "objectifs:" + CIA_GRENOBLE)
    (row,) = mixite_alerts(eng, Scope.internal()).to_dict("records")
    assert (row["seuil"], row["seuil_objectif"]) == (pytest.approx(0.60), "cia-grenoble")
    assert not row["au_dessus_seuil"] and not row["alerte"]  # 0.5 ≤ 0.60, no rise
    # a partner of the other EPCI has no residence of the list
    assert mixite_alerts(eng, Scope(role="partenaire", epci=("243800984",))).empty
    eng.close()


def test_mixite_residence_without_a_threshold_takes_the_psa_common_one(tmp_path):
    # no fragility target anywhere: R1 (2 fragile of 4 = 50 %) is rated against the PSA's common
    # 35 % of parametres.yaml, flagged, and the card says where its threshold comes from
    from ui.screens.objectifs.mixite_view import mixite_table, threshold_caption

    eng = tiny_engine_with(tmp_path, "objectifs: []\n")
    (row,) = mixite_alerts(eng, Scope.internal()).to_dict("records")
    eng.close()
    assert load_catalogue().parameters.mixite.seuil_fragilite == pytest.approx(0.35)
    assert row["seuil"] == pytest.approx(0.35) and row["seuil_defaut"]
    assert row["au_dessus_seuil"] and row["alerte"]
    caption = threshold_caption(row)
    assert caption.startswith("Seuil : ≤ 35\u202f%, seuil commun du PSA")
    assert "nan" not in caption and "None" not in caption
    table = mixite_table(pd.DataFrame([row]))
    assert list(table["Seuil PSA"]) == ["≤ 35\u202f% (commun)"]


def test_mixite_cards_never_show_nan_on_the_demo(engine):
    mixite = mixite_alerts(engine, SCOPES["manager"])
    assert mixite["seuil"].notna().all()
    text = shown_text(open_page("manager"))
    assert "nan" not in text and "None" not in text
    assert "Seuil : ≤ 35\u202f%" in text


def test_target_trend_follows_the_snapshots_by_hand(tmp_path):
    eng = tiny_engine_with(tmp_path, PSA_R1)
    trend = target_trends(eng, Scope.internal())
    psa = trend[trend["objectif_id"] == "psa-r1"]
    assert [d.date().isoformat() for d in psa["date"]] == ["2024-12-31", "2025-09-30", "2025-12-31"]
    assert list(psa["valeur"].astype(float)) == pytest.approx([2 / 3, 0.5, 0.5])
    assert list(psa["effectif"]) == [3, 4, 4]
    # up to the snapshot asked for, never after it
    assert target_trends(eng, Scope.internal(), snapshot="2025-09-30")["date"].max().date() == (
        pd.Timestamp("2025-09-30").date()
    )
    eng.close()


def test_gaps_and_targets_are_worded_the_french_way():
    from ui.shared.formats import shown_gap, target_text

    assert target_text(">=", 0.25, "ratio") == "≥ 25\u202f%"
    assert target_text("<=", 0.035, "ratio") == "≤ 3,5\u202f%"
    assert shown_gap(-0.0004, "ratio") == "±0,0\u202fpt"
    assert shown_gap(-0.127, "ratio") == "−12,7\u202fpt"


def test_filters_are_named_as_readers_name_them():
    from ui.screens.objectifs.target_cards import filters_text

    catalogue = load_catalogue()
    assert filters_text("reservataire = action_logement", catalogue) == (
        "Réservataire : Action Logement"
    )
    assert filters_text("", catalogue) == ""


def test_an_edited_objectifs_file_shows_at_the_next_run(monkeypatch, tmp_path, small_demo_root):
    """The answers are cached, but an edit of objectifs.yaml (an admin changing a local target)
    is part of the cache key: no stale target once the file changed."""
    import shutil

    root = Path(shutil.copytree(small_demo_root, tmp_path / "root"))
    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(root))
    at = open_page("manager")
    gam = "Grenoble-Alpes-Métropole"
    pairs = set(zip(overview(at)["Objectif"], overview(at)["Territoire"], strict=True))
    assert ("T1 (objectif local)", gam) in pairs and ("T1", gam) not in pairs
    (root / "objectifs.yaml").write_text("objectifs: []\n", encoding="utf-8")
    at.run()
    pairs = set(zip(overview(at)["Objectif"], overview(at)["Territoire"], strict=True))
    assert ("T1 (objectif local)", gam) not in pairs and ("T1", gam) in pairs


def test_year_end_projection_is_worded_on_the_card_by_hand():
    # T1 at 31/12/2026 from 30/09/2026: 27.34 % (24.1 % to 30.56 %), 12 qualifying allocations
    # still needed, one quarter left -> 12 in that quarter.
    card = cards(
        pd.DataFrame(
            [
                {
                    "objectif_id": "T1-X",
                    "indicateur": "part_attributions_q1_hors_qpv",
                    "nature": "légal",
                    "territoire": "EPCI X",
                    "filtres": "",
                    "source": "CCH",
                    "commentaire": "",
                    "sens": ">=",
                    "cible": 0.25,
                    "statut": "atteint",
                    "periode": "annee_en_cours",
                }
            ]
        ),
        load_catalogue(),
    )[0]
    row = {
        "date": dt.date(2026, 9, 30),
        "masque": False,
        "projection": 0.2734,
        "bas": 0.241,
        "haut": 0.3056,
        "prevision": True,
        "necessaires": 12,
        "par_trimestre": 12,
        "trimestres_restants": 1,
        "methode": "cumul (MAE 3,54 contre 3,74 au naïf)",
    }
    assert year_end_lines(row, card) == [
        "Projection au 31/12/2026 : **27,3\u202f%** (intervalle à 90 % : 24,1\u202f% à 30,6\u202f%)",
        "Qualifiantes nécessaires d'ici le 31/12/2026 : **12 attributions**, soit **12 par "
        "trimestre** sur le dernier trimestre",
        "_Depuis la photographie du 30/09/2026 ; méthode : cumul (MAE 3,54 contre 3,74 au naïf)._",
    ]
    naive = {**row, "prevision": False, "bas": None, "haut": None}
    assert "valeur naïve : la méthode ne la bat pas" in year_end_lines(naive, card)[0]
    assert "secret statistique" in year_end_lines({**row, "masque": True}, card)[0]
    assert year_end_lines(None, card) == []


def test_the_page_starts_with_a_compact_table_ordered_by_missing_allocations(engine):
    """Item 5: one row per target, most missing allocations first (not the relative gap: a
    réservataire at 0 of 5 used to come first), status coloured, cards below in the same order."""
    from ui.screens.objectifs.target_matrix import STATUS_BACKGROUND, matrix, styled

    expected = evaluate_targets(engine, SCOPES["manager"])
    at = open_page("manager")
    table = matrix_of(at)
    assert len(table) == expected["objectif_id"].nunique()
    missing = table["Attributions manquantes"].dropna().tolist()
    assert missing == sorted(missing, reverse=True) and missing
    # pinned from evaluate_targets: the first row misses the most allocations over a period
    most = expected[expected["sens"] == ">="].groupby("objectif_id")["manquants"].max().max()
    assert table["Attributions manquantes"].iloc[0] == most
    # the dataframe comes before the first card, and the cards follow the table's order
    built = matrix(expected, load_catalogue())
    html = styled(built).to_html()
    assert STATUS_BACKGROUND["non_atteint"] in html and STATUS_BACKGROUND["atteint"] in html
    headers = [m.value for m in at.markdown if m.value.startswith("#### ")]
    titles = {c.objectif_id: c.title for c in cards(expected, load_catalogue())}
    assert [h.split(" :")[0] for h in headers] == [
        f"#### {titles[k]}" for k in built["objectif_id"]
    ]
    assert "objectif_id" not in table.columns and "statut" not in table.columns


def test_only_the_first_cards_are_drawn_until_the_reader_asks(engine):
    from ui.screens.objectifs.target_matrix import CARDS_FIRST, matrix

    expected = evaluate_targets(engine, SCOPES["manager"])
    assert expected["objectif_id"].nunique() > CARDS_FIRST
    at = open_page("manager", every_card=False)
    headers = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert len(headers) == CARDS_FIRST
    titles = {c.objectif_id: c.title for c in cards(expected, load_catalogue())}
    first = matrix(expected, load_catalogue())["objectif_id"][:CARDS_FIRST]
    assert [h.split(" :")[0] for h in headers] == [f"#### {titles[k]}" for k in first]
    at.toggle(key="obj_toutes_fiches").set_value(True).run()
    assert len([m for m in at.markdown if m.value.startswith("#### ")]) == len(titles)


def test_the_mixite_alerts_and_target_trends_can_be_kept_for_the_published_state(engine):
    """The page's answers read back identical from the answers' format (Feather), so they are
    kept per published state and not computed again by each process (a text column typed
    `object` was not: the national Objectifs page recomputed its alerts at every first load)."""
    import io

    for found in (
        mixite_alerts(engine, SCOPES["manager"]),
        target_trends(engine, SCOPES["manager"]),
    ):
        buffer = io.BytesIO()
        found.to_feather(buffer)
        buffer.seek(0)
        pd.testing.assert_frame_equal(pd.read_feather(buffer), found, check_exact=True)
