"""The concertation on screen, driven with AppTest for every role: the Concertation page and its
filters, a target card's plans and thread on Objectifs (a partner proposes and comments there),
and « Quoi de neuf » on Accueil. The store is the SQLite file beside the test's audit location."""

from __future__ import annotations

import datetime as dt

import pytest

from queries.engine import open_engine
from queries.targets import evaluate_targets
from semantic.scope import ROLES, Scope
from store.concertation import LANDLORD, Actor, ObjectRef
from store.plans import create_plan, list_plans
from store.threads import add_comment
from store.threads import thread as read_thread
from tests.apptest_support import ACCOUNTS, logged_in, portal, steady_navigation
from ui.shell import audit

VOIRONNAIS = "243800984"
MANAGER = Actor("direction.demo", "manager", LANDLORD, Scope.internal("manager"))
PARTNER = Actor(
    "partenaire.voironnais",
    "partenaire",
    "CA du Pays Voironnais",
    Scope("partenaire", epci=(VOIRONNAIS,)),
)


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(scope="module")
def t1_refs(small_demo_root):
    """The T1 target of the partner's EPCI and of another EPCI, as the cards name them."""
    engine = open_engine(small_demo_root)
    try:
        targets = evaluate_targets(engine, Scope.internal())
    finally:
        engine.close()
    t1 = targets[targets["indicateur"] == "part_attributions_q1_hors_qpv"].drop_duplicates("code")
    refs = {}
    for row in t1.itertuples():
        ref = ObjectRef("objectif", f"{row.objectif_id}:{row.annee}", row.territoire, row.code)
        refs["inside" if row.code == VOIRONNAIS else "outside"] = ref
    return refs


@pytest.fixture
def store(monkeypatch, tmp_path, small_demo_root):
    return audit.store_at(portal(monkeypatch, tmp_path, small_demo_root))


def seeded(store, t1_refs):
    inside = create_plan(
        store,
        MANAGER,
        t1_refs["inside"],
        title="Relogements hors QPV Voironnais",
        due=dt.date(2020, 1, 31),  # long past: late
    )
    outside = create_plan(store, MANAGER, t1_refs["outside"], title="Plan hors du territoire")
    add_comment(store, MANAGER, t1_refs["inside"], "Point en CIL de janvier")
    add_comment(store, MANAGER, t1_refs["outside"], "Commentaire hors du territoire")
    return inside, outside


def opened(role: str, page: str, title: str):
    at = logged_in(ACCOUNTS[role], name=ACCOUNTS[role]).run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert [t.value for t in at.title] == [title]
    every = [t for t in at.toggle if t.key == "obj_toutes_fiches"]
    if every:  # many targets: the reader asks for every card, as an internal user would
        every[0].set_value(True).run()
        assert not at.exception, at.exception
    return at


def shown(at) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [t.value for t in at.text] + [d.value.to_csv() for d in at.dataframe]
    parts += [e.label for e in at.expander]
    return "\n".join(parts)


@pytest.mark.parametrize("role", ROLES)
def test_the_concertation_page_lists_only_the_plans_of_the_scope(role, store, t1_refs):
    seeded(store, t1_refs)
    at = opened(role, "concertation", "Concertation")
    text = shown(at)
    assert "Relogements hors QPV Voironnais" in text and "Point en CIL de janvier" in text
    outside_seen = "Plan hors du territoire" in text or "hors du territoire" in text
    assert outside_seen is (role != "partenaire")
    assert "N'écrivez ici aucune donnée personnelle" in text


def test_the_urban_projects_register_shows_rehousing_from_the_anru_indicator(
    store, small_demo_root
):
    from store.urban_projects import save_project
    from ui.shared import data

    save_project(store, MANAGER, name="NPNRU Voironnais", epci=VOIRONNAIS, rehousing=50)
    expected = data.indicator("nb_attributions_anru", PARTNER.scope, where={"epci": [VOIRONNAIS]})
    at = opened("partenaire", "concertation", "Concertation")
    (table,) = [d.value for d in at.dataframe if "Projet" in d.value.columns]
    assert list(table["Projet"]) == ["NPNRU Voironnais"]
    shown_count = table["Relogements ANRU (12 mois, territoire)"].iloc[0]
    if bool(expected.iloc[0]["masque"]):
        assert shown_count is None or shown_count != shown_count
    else:
        assert shown_count == float(expected.iloc[0]["valeur"])  # the partner's protected count
    assert "Ajouter un projet urbain" not in [e.label for e in at.expander]


def test_filters_narrow_the_list(store, t1_refs):
    seeded(store, t1_refs)
    at = opened("manager", "concertation", "Concertation")
    at.multiselect(key="cc_statut").set_value(["realisee"]).run()
    assert "Aucun plan d'action ne correspond" in [i.value for i in at.info][0]
    at.multiselect(key="cc_statut").set_value([]).run()
    at.multiselect(key="cc_terr").set_value([VOIRONNAIS]).run()
    (table,) = [d.value for d in at.dataframe if "Plan" in d.value.columns]
    assert list(table["Plan"]) == ["Relogements hors QPV Voironnais"]
    assert list(table["En retard"]) == ["oui"]


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_a_target_card_shows_its_plan_and_thread(role, store, t1_refs):
    seeded(store, t1_refs)
    at = opened(role, "objectifs", "Objectifs et alertes")
    text = shown(at)
    assert "Relogements hors QPV Voironnais" in text and "Point en CIL de janvier" in text
    assert ("Plan hors du territoire" in text) is (role == "manager")
    assert "Concertation : 1 plan(s) d'action, 1 commentaire(s)" in text


def test_a_partner_comments_and_proposes_on_its_card_and_the_manager_sees_it(store, t1_refs):
    seeded(store, t1_refs)
    at = opened("partenaire", "objectifs", "Objectifs et alertes")
    card = t1_refs["inside"].key.split(":")[0]  # the panel's widget keys start with the target id
    at.text_area(key=f"{card}_texte").input("La CA propose deux logements")
    at.button(key=f"{card}_publier").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    comments = read_thread(store, MANAGER, t1_refs["inside"])
    assert [c.organisation for c in comments][-1] == "CA du Pays Voironnais"
    assert comments[-1].body == "La CA propose deux logements"
    at.text_input(key=f"{card}_titre").input("Mobiliser le contingent communal")
    at.button(key=f"{card}_enregistrer").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (proposal,) = [
        p for p in list_plans(store, MANAGER) if p.title == "Mobiliser le contingent communal"
    ]
    assert proposal.status == "proposee" and proposal.organisation == "CA du Pays Voironnais"
    assert proposal.obj.epci == VOIRONNAIS


def test_quoi_de_neuf_counts_what_others_did_since_the_last_visit(store, t1_refs):
    at = opened("partenaire", "accueil", "Accueil")
    assert "Rien de nouveau dans la concertation" in shown(at)
    seeded(store, t1_refs)
    at = opened("partenaire", "accueil", "Accueil")  # a new browser session: a new visit
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Nouveaux commentaires"] == "1"  # the one outside the territory is not news
    assert metrics["Plans en retard"] == "1"
    assert "En retard depuis le 31/01/2020" in shown(at)


def test_the_residence_sheet_shows_its_urban_project_and_thread(store, small_demo_root):
    from queries.places import residences
    from store.urban_projects import save_project

    engine = open_engine(small_demo_root)
    try:
        facts = residences(engine, Scope.internal()).iloc[0]
    finally:
        engine.close()
    save_project(
        store, MANAGER, name="NPNRU du quartier", epci=str(facts["epci"]),
        residences=(str(facts["residence"]),), demolitions=40, rehousing=35,
    )  # fmt: skip
    ref = ObjectRef("residence", str(facts["residence"]), "x", str(facts["epci"]))
    add_comment(store, MANAGER, ref, "Relogements à suivre en CAL")
    at = logged_in(ACCOUNTS["manager"], name=ACCOUNTS["manager"]).run()
    at.query_params["residence"] = str(facts["residence"])
    at.switch_page("pages/residence.py").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    text = shown(at) + "\n".join(i.value for i in at.info)
    assert "NPNRU du quartier" in text and "35 relogement(s)" in text
    assert "relogements ANRU sur 12 mois dans son territoire" in text
    assert "Relogements à suivre en CAL" in text


def test_an_admin_hides_a_comment_on_a_card_and_the_partner_sees_it_hidden(store, t1_refs):
    add_comment(store, PARTNER, t1_refs["inside"], "Le ménage M. attend depuis 2019")
    at = opened("admin", "objectifs", "Objectifs et alertes")
    (hide,) = [b for b in at.button if b.label == "Masquer"]
    hide.click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (comment,) = read_thread(store, PARTNER, t1_refs["inside"])
    assert comment.hidden and comment.body == "Commentaire masqué par l'administration."
    partner = opened("partenaire", "objectifs", "Objectifs et alertes")
    text = shown(partner)
    assert "Le ménage M." not in text and "Commentaire masqué par l'administration." in text
    (event,) = [
        e for e in audit.read_events(store) if e["details"].get("action") == "commentaire_masque"
    ]
    assert event["user"] == "admin.demo"
