"""The Aide à l'attribution page driven with AppTest: a customer officer (demo account
clientele.demo) lists vacant dwellings, picks one, reads the candidates and their impacts and
exports the commission sheet; a partner is refused. Values are checked against the query layer
(a small root from the demo generator) and by hand (the tiny root of tests/tiny_allocation_data.py).
"""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from queries.allocation import AllocationAccessError, candidates, impacts, vacant_dwellings
from queries.engine import open_engine
from semantic.scope import Scope
from tests.apptest_support import (
    kept_media,
    logged_in,
    portal,
    served,
    steady_navigation,
)
from tests.tiny_allocation_data import write_allocation_root
from ui.shared.formats import percent
from ui.shell import audit
from ui.shell.navigation import page_path

PAGE = str(page_path("aide_attribution"))
OFFICER, PARTNER = "clientele.demo", "partenaire.voironnais"
OFFICER_SCOPE = Scope.internal("charge_clientele")


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture
def media(monkeypatch):
    """The in-memory media stores of the runs, to read what a download button would serve."""
    return kept_media(monkeypatch)


@pytest.fixture(scope="module")
def demo_root(small_demo_root):
    """The shared small demo root (tests/conftest.py), under this module's name for it."""
    return small_demo_root


@pytest.fixture(scope="module")
def tiny_allocation_root(tmp_path_factory):
    return write_allocation_root(tmp_path_factory.mktemp("allocation"))


@pytest.fixture
def demo(monkeypatch, tmp_path, demo_root):
    return portal(monkeypatch, tmp_path, demo_root)


@pytest.fixture
def tiny(monkeypatch, tmp_path, tiny_allocation_root):
    return portal(monkeypatch, tmp_path, tiny_allocation_root)


def page(username: str) -> AppTest:
    return logged_in(username, PAGE, name=username, timeout=60)


def open_dwelling(id_logement: str, **widgets) -> AppTest:
    at = page(OFFICER).run()
    at.selectbox(key="aa_logement").set_value(id_logement).run()
    for key, value in widgets.items():
        widget = at.number_input(key=key) if key == "aa_taux_effort" else at.checkbox(key=key)
        widget.set_value(value)
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    return at


def frame(at: AppTest, column: str):
    """The one dataframe shown that has `column`."""
    (found,) = [d.value for d in at.dataframe if column in d.value.columns]
    return found


@pytest.fixture(scope="module")
def demo_case(demo_root):
    """A vacant demo dwelling with several fitting demands, its candidates and their impacts."""
    engine = open_engine(demo_root)
    try:
        dwellings = vacant_dwellings(engine, OFFICER_SCOPE)
        for id_logement in dwellings["id_logement"]:
            cands = candidates(engine, OFFICER_SCOPE, id_logement)
            if len(cands) >= 3:
                imps = impacts(engine, OFFICER_SCOPE, id_logement, cands["id_demande"])
                return dwellings, id_logement, cands, imps
    finally:
        engine.close()
    raise AssertionError("no demo dwelling with three candidates")


# --- a customer officer on the demo data ---------------------------------------------------------


def test_officer_lists_the_vacant_dwellings_in_scope(demo, demo_case):
    dwellings = demo_case[0]
    at = page(OFFICER).run()
    assert not at.exception and not at.error
    assert [t.value for t in at.title] == ["Aide à l'attribution"]
    assert list(frame(at, "Logement")["Logement"]) == list(dwellings["id_logement"])
    assert at.selectbox(key="aa_logement").value is None
    assert "Choisissez un logement vacant" in at.info[0].value
    # filter options come from the dwellings in scope; a filter narrows the list (query layer)
    epci = at.multiselect(key="aa_epci")
    assert sorted(epci.options) == sorted(set(dwellings["epci_libelle"]))
    code, name = dwellings[["epci", "epci_libelle"]].iloc[0]
    epci.set_value([code]).run()
    assert set(frame(at, "Logement")["Logement"]) == set(
        dwellings.loc[dwellings["epci"] == code, "id_logement"]
    )
    communes = set(dwellings.loc[dwellings["epci"] == code, "commune_libelle"])
    assert set(at.multiselect(key="aa_commune").options) == communes, name


def test_dwelling_list_shows_the_departures_expected_in_each_residence(demo, demo_root):
    from queries.forecast.outlook import residence_outlooks

    engine = open_engine(demo_root)
    try:
        departures = residence_outlooks(engine, OFFICER_SCOPE).departures
        residence_of = vacant_dwellings(engine, OFFICER_SCOPE).set_index("id_logement")["residence"]
    finally:
        engine.close()
    expected = departures.groupby("residence")["attendu"].sum()
    at = page(OFFICER).run()
    assert not at.exception and not at.error
    shown = frame(at, "Logement")
    column = "Départs attendus (résidence, 4 trimestres)"
    for row in shown.head(5).to_dict("records"):  # each dwelling: its own residence's figure
        assert row[column] == pytest.approx(expected[residence_of[row["Logement"]]])
    assert shown[column].notna().all()


def test_officer_sees_candidates_and_their_impacts(demo, demo_case):
    _, id_logement, cands, imps = demo_case
    at = open_dwelling(id_logement)
    # candidates in the query's order (the examination order): no score, no rank
    comparison = frame(at, "Alerte mixité")
    assert list(comparison["N° de demande"]) == list(cands["id_demande"])
    assert not any("score" in c.lower() or "rang" in c.lower() for c in comparison.columns)
    first = imps.iloc[0]
    goal = first["objectif"]
    assert list(comparison[f"{goal} après"]) == pytest.approx(list(imps["objectif_apres"]))
    assert list(comparison["Taux d'effort"]) == pytest.approx(list(cands["taux_effort"]))
    # the T1/T2 year-to-date before value is the query layer's, with its k / n
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[f"{goal} · EPCI"] == percent(first["objectif_avant"])
    k, n = int(first["objectif_num_avant"]), int(first["objectif_den_avant"])
    assert any(f"{k}\u00a0/\u00a0{n} · cible" in c.value for c in at.caption)
    # the first candidate's facts, then its detail: before -> after of the goal, T3
    facts = at.table[0].value
    assert facts.loc["DALO", "Valeur"] == ("oui" if cands.iloc[0]["dalo"] else "non")
    assert facts.loc["Situation d'emploi", "Valeur"].startswith("inconnue")
    detail = at.table[1].value
    (label,) = [i for i in detail.index if i.startswith(f"{goal} · ")]
    k2, n2 = int(first["objectif_num_apres"]), int(first["objectif_den_apres"])
    assert (
        detail.loc[label, "Après"] == f"{percent(first['objectif_apres'])} ({k2}\u00a0/\u00a0{n2})"
    )
    t3 = detail.loc["T3 · attributions DALO et publics prioritaires"]
    assert t3["Avant"].startswith(percent(first["t3_avant"]))
    hypotheses = " ".join(c.value for c in at.caption)
    assert (
        "12 fois les ressources mensuelles" in hypotheses and "arrêté du 10 mars 2011" in hypotheses
    )
    assert "Code pénal, art. 225-1" in hypotheses and "Ce n'est pas un classement" in hypotheses


ACCOUNTS = {
    "admin": "admin.demo",
    "manager": "direction.demo",
    "charge_clientele": OFFICER,
    "partenaire": PARTNER,
}


@pytest.mark.parametrize(("role", "username"), ACCOUNTS.items(), ids=ACCOUNTS.keys())
def test_each_role_gets_the_screen_or_a_refusal(tiny, role, username):
    at = page(username).run()
    assert not at.exception
    if role == "partenaire":
        assert at.error[0].value.startswith("Accès refusé : page non autorisée pour votre rôle")
        assert len(at.title) == 0 and len(at.dataframe) == 0 and len(at.selectbox) == 0
        assert not any("L31" in str(e.value) for e in at.markdown)
        (refused,) = [e for e in audit.read_events(tiny) if e["event"] == "access_refused"]
        assert (refused["user"], refused["details"]) == (PARTNER, {"page": "aide_attribution"})
    else:
        assert not at.error and [t.value for t in at.title] == ["Aide à l'attribution"]
        assert list(frame(at, "Logement")["Logement"]) == ["L04", "L08", "L31", "L33"]


def test_the_query_layer_refuses_a_partner_too(tiny):
    from ui.screens.aide_attribution import allocation_view

    with pytest.raises(AllocationAccessError, match="réservé aux équipes du bailleur"):
        allocation_view.vacant(Scope(role="partenaire", epci=("243800984",)))


# --- hand-computed values on the tiny root --------------------------------------------------------


def test_first_quartile_candidate_outside_qpv_turns_t1_from_1_2_into_2_3(tiny):
    # L31, outside QPV: T1 of E1 year to date 1/2 (local CIA target 60 %). Examination order:
    # DA5 (DALO), DA1 (priority), then DA2, DA6, DM3 by filing date. DA5, first in the detail, is
    # first quartile (12 000 / 1.5 UC = 8 000 <= 9 000).
    at = open_dwelling("L31")
    assert list(frame(at, "Alerte mixité")["N° de demande"]) == ["DA5", "DA1", "DA2", "DA6", "DM3"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["T1 · EPCI"] == "50,0\u202f%"
    row = at.table[1].value.loc["T1 · attributions hors QPV au 1er quartile"]
    assert (row["Avant"], row["Après"]) == (
        "50,0\u202f% (1\u00a0/\u00a02)",
        "66,7\u202f% (2\u00a0/\u00a03)",
    )
    assert (row["Cible"], row["Réduit l'écart à la cible"]) == ("60,0\u202f%", "oui")
    # DA5 (12 000 / 30 984 = 0.387), DA1 (0.373) and DA6 (0.386) are under 40 % of PLUS: R4's
    # share 0/12 -> 1/13, one sentence for the three
    assert [w.value for w in at.warning] == [
        "Résidence à enjeu prioritaire de mixité sociale (liste de la CIA) : attribuer ce "
        "logement aux demandes DA5, DA1, DA6 ferait passer la part de ménages sous 40 % du "
        "plafond PLUS de la résidence de 0,0\u202f% à 7,7\u202f%."
    ]


def test_a_dalo_candidate_with_a_high_rent_burden_is_flagged_never_removed(tiny):
    # DA5 on L31: 460 + 124 € charges − 246 € estimated benefit = 338 € = 33.8 % of 1 000 €
    at = open_dwelling("L31", aa_taux_effort=30)
    table = frame(at, "Alerte mixité").set_index("N° de demande")
    assert table.loc["DA5", "DALO"] == "oui"
    assert table.loc["DA5", "Taux d'effort"] == pytest.approx(0.338)
    assert table["Taux d'effort signalé"].to_dict() == {
        "DA5": "oui",  # 33.8 %
        "DA1": "non",  # 460 + 124 − 314.525 = 269.475 -> 19.2 %
        "DA2": "non",  # 584 / 2 200 = 26.5 %
        "DA6": "oui",  # 460 + 124 − 186 = 398 -> 33.2 %
        "DM3": "non",  # 584 / 2 000 = 29.2 %
    }
    assert table["Alerte mixité"].to_dict() == {
        "DA5": "oui",
        "DA1": "oui",
        "DA2": "non",
        "DA6": "oui",
        "DM3": "non",
    }
    # a higher warning threshold than the 7.7-point rise silences the warning, not the column
    at.number_input(key="aa_effet_minimal").set_value(8.0).run()
    assert not at.warning


def test_fewer_than_three_candidates_need_the_exception_stated(tiny, media):
    at = open_dwelling("L31")
    presented = at.multiselect(key="aa_presentes_L31")
    assert presented.value == ["DA5", "DA1", "DA2"]  # three by default, in the examination order
    assert not [s for s in at.selectbox if s.key == "aa_exception_L31"]
    presented.set_value(["DA5"]).run()
    exception = at.selectbox(key="aa_exception_L31")
    assert exception.value == "Insuffisance du nombre des candidats (CCH R441-3)"
    exception.set_value("Candidat désigné par le préfet au titre du DALO (CCH L441-2-3)").run()
    text = " ".join(c.value for c in at.caption)
    assert (
        "1 candidature(s) présentée(s) ; la règle en demande au moins 3 (CCH R441-3). Exception : "
        "Candidat désigné par le préfet au titre du DALO (CCH L441-2-3)." in text
    )
    printable = served(media, at.get("download_button")[1]).decode("utf-8")
    assert "<td>DA5</td>" in printable and "<td>DA1</td>" not in printable
    assert "au titre du DALO (CCH L441-2-3)" in printable


def test_demands_that_do_not_fit_come_with_their_reasons(tiny):
    at = open_dwelling("L08", aa_non_conformes=True)
    others = frame(at, "Motifs")
    reasons = dict(zip(others["N° de demande"], others["Motifs"], strict=True))
    assert reasons["DA3"] == "sur-occupation : 65 m² pour 8 personnes (minimum 70 m²)"
    assert "DA1" not in reasons


def test_commission_sheet_exports_are_complete_and_audited(tiny, media):
    at = open_dwelling("L31")
    assert not at.exception
    # each file is built when its button is clicked (as the browser asks it), not with the page,
    # and recorded once built
    assert not [e for e in audit.read_events(tiny) if e["event"] == "export"]
    xlsx_button, html_button = at.get("download_button")
    assert xlsx_button.proto.deferred_file_id and not xlsx_button.proto.url
    xlsx = served(media, xlsx_button)
    (export,) = [e for e in audit.read_events(tiny) if e["event"] == "export"]
    assert export["user"] == OFFICER and export["role"] == "charge_clientele"
    assert export["details"] == {
        "page": "aide_attribution",
        "logement": "L31",
        "nb_candidats": 3,
        "format": "xlsx",
    }  # the three presented of the five that fit
    printable = served(media, html_button)
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    assert book.sheetnames == ["Logement et résidence", "Candidatures", "Hypothèses"]
    cells = {ws.title: [c for row in ws.iter_rows(values_only=True) for c in row] for ws in book}
    assert "L31" in cells["Logement et résidence"]
    assert "Les Cèdres" in cells["Logement et résidence"]  # by name, no code
    assert {"DA5", "DA1", "DA2"} <= set(cells["Candidatures"])
    assert not {"DA6", "DM3"} & set(cells["Candidatures"])
    hypotheses = " ".join(str(c) for c in cells["Hypothèses"] if c)
    assert (
        "12 fois les ressources mensuelles" in hypotheses and "Code pénal, art. 225-1" in hypotheses
    )
    assert "au-delà de 35,0\u202f% (signalé, jamais écarté)" in hypotheses
    assert "3 candidature(s) présentée(s)" in hypotheses and "clientele.demo" in hypotheses
    page_html = printable.decode("utf-8")
    assert page_html.startswith("<!DOCTYPE html>") and '<html lang="fr">' in page_html
    assert "logement L31" in page_html and "Photographie du 31/12/2025" in page_html
    assert all(f"<td>{i}</td>" in page_html for i in ("DA5", "DA1", "DA2"))
    formats = [e["details"]["format"] for e in audit.read_events(tiny) if e["event"] == "export"]
    assert formats == ["xlsx", "html"]


def test_the_printable_sheet_escapes_what_it_shows(tiny_allocation_root):
    """Plain functions, no Streamlit run: a name from the data cannot inject markup."""
    import datetime as dt

    from ui.screens.aide_attribution import commission_sheet as cs
    from ui.screens.aide_attribution.commission_files import commission_html

    engine = open_engine(tiny_allocation_root)
    try:
        dwellings = vacant_dwellings(engine, OFFICER_SCOPE)
        cands = candidates(engine, OFFICER_SCOPE, "L31")
        imps = impacts(engine, OFFICER_SCOPE, "L31", cands["id_demande"])
    finally:
        engine.close()
    dwelling = dwellings.set_index("id_logement").loc["L31"].to_dict() | {"id_logement": "L31"}
    dwelling["residence_libelle"] = "<script>alert(1)</script>"
    sheet = cs.commission_sheet(
        dwelling,
        pd.DataFrame(),
        cands,
        imps,
        snapshot=dt.date(2025, 12, 31),
        effort_flag=0.35,
        same_epci=False,
        contingent="collectivite",
        needed=3,
        exception=None,
        edited_by="Test",
        edited_at=dt.datetime(2026, 1, 5, 9, 30),
        secrecy_threshold=11,
    )
    page_html = commission_html(sheet)
    assert "<script>" not in page_html and "&lt;script&gt;alert(1)&lt;/script&gt;" in page_html
    assert "éditée le 05/01/2026 à 09:30 · Test" in page_html
    assert list(sheet.candidates["N° de demande"]) == ["DA5", "DA1", "DA2", "DA6", "DM3"]


def test_a_long_vacancy_is_flagged_in_words():
    """Issue 21, item 12: a dwelling vacant 1 127 days was shown without a word."""
    from ui.screens.aide_attribution.allocation_dwellings import (
        dwellings_table,
        long_vacancy,
        vacancy_text,
    )

    assert [long_vacancy(d) for d in (10, 92, 93, 365, 366, 1127)] == [
        "",
        "",
        "plus de 3 mois",
        "plus de 3 mois",
        "plus d'un an",
        "plus d'un an",
    ]
    since = pd.Timestamp("2023-08-30")
    assert vacancy_text(since, 1127) == "30/08/2023 (1\u202f127 jours : vacance de plus d'un an)"
    assert vacancy_text(since, 12) == "30/08/2023 (12 jours)"
    assert (
        "Vacance longue"
        in dwellings_table(
            pd.DataFrame(
                {
                    c: [None]
                    for c in [
                        "id_logement",
                        "residence_libelle",
                        "commune_libelle",
                        "qpv_libelle",
                        "en_qpv",
                        "etage",
                        "nb_pieces",
                        "surface_habitable",
                        "loyer_mensuel",
                        "financement",
                        "reservataire",
                        "residence_nb_menages",
                        "residence_part_fragiles",
                        "residence_part_sous_40pc",
                        "enjeu_mixite",
                    ]
                }
                | {"jours_vacance": [1127], "en_qpv": [False]}
            )
        ).columns
    )


def test_a_target_already_met_says_so_instead_of_no(tiny):
    """Issue 21, item 7 (verified): on the État contingent T3 is already met before DA1's
    allocation (tests/test_allocation.py pins t3_reduit_ecart False), so the detail table says
    « cible déjà atteinte », never « non »."""
    from ui.screens.aide_attribution.allocation_effects import closes_gap

    assert closes_gap(False, already_met=True) == "cible déjà atteinte"
    assert closes_gap(False) == "non" and closes_gap(pd.NA) == "non mesurable"
    at = open_dwelling("L31")
    at.selectbox(key="aa_contingent_L31").set_value("etat").run()  # État: 1 of 1, on target
    at.selectbox(key="aa_candidat").set_value("DA1").run()
    tables = [t.value for t in at.table if "Réduit l'écart à la cible" in t.value.columns]
    (effects,) = tables
    assert "cible déjà atteinte" in list(effects["Réduit l'écart à la cible"])


def test_the_printed_sheet_withholds_buildings_and_floors_under_the_secrecy_threshold(
    tiny_allocation_root,
):
    """The screen shows a building of 3 households (the Fiche résidence's rule); the commission
    sheet leaves the landlord: under 11 households its figures are not printed, and it says so.
    L04's building has 3 households (2 under 40 % of the PLUS ceiling); L31's building 12 and its
    floor 11: printed."""
    from ui.screens.aide_attribution import commission_sheet as cs

    engine = open_engine(tiny_allocation_root)
    try:
        small = impacts(engine, OFFICER_SCOPE, "L04", ["DA6"])
        large = impacts(engine, OFFICER_SCOPE, "L31", ["DA1"])
    finally:
        engine.close()
    assert small["batiment_sous_40pc_avant"].iloc[0] == pytest.approx(2 / 3)  # on screen
    printed, said = cs.printable(small, 11)
    assert printed["batiment_sous_40pc_avant"].isna().all()
    assert printed["batiment_sous_40pc_apres"].isna().all()
    assert said.startswith("Bâtiment : moins de 11 ménages, effets non imprimés")
    assert small["batiment_sous_40pc_avant"].iloc[0] == pytest.approx(2 / 3)  # not changed
    printed, said = cs.printable(large, 11)
    assert said == "" and printed["etage_sous_40pc_avant"].notna().all()
