"""Issue 16 on the Carte and the mixité cards, driven with AppTest on a small demo root: urban
projects drawn on the map with their tooltip, the attention list's counts of open plans and
comments and its urban projects, the residence's plans and thread opened in place, all in the
user's scope (a partner of the Pays Voironnais sees nothing of Grenoble-Alpes-Métropole's); and
the plans and thread of a « résidence à enjeu de mixité » card on Objectifs."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from queries.alerts import mixite_alerts
from queries.engine import open_engine
from queries.places import residences
from semantic.scope import Scope
from store.concertation import LANDLORD, Actor, ObjectRef
from store.plans import create_plan, list_plans
from store.threads import add_comment
from store.urban_projects import save_project
from tests.apptest_support import ACCOUNTS, logged_in, portal, steady_navigation
from ui.shell import audit

VOIRONNAIS = "243800984"
MANAGER = Actor("direction.demo", "manager", LANDLORD, Scope.internal("manager"))
# The map's attention list for these tests: every residence of at least 1 dwelling is "above" a
# threshold of 0 dwellings (a count, which a partner sees perturbed but not masked from 11 up).
WIDGETS = {
    "carte_indicateur": "nb_logements",
    "carte_indicateur_communes": None,
    "carte_seuil": 0.0,
}


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(scope="module")
def places(small_demo_root):
    engine = open_engine(small_demo_root)
    try:
        found = residences(engine, Scope.internal())
        mixite = mixite_alerts(engine, Scope.internal())
    finally:
        engine.close()
    return found, mixite


@pytest.fixture
def store(monkeypatch, tmp_path, small_demo_root):
    return audit.store_at(portal(monkeypatch, tmp_path, small_demo_root))


def pick(places, inside: bool) -> dict:
    """The largest residence of the Pays Voironnais (inside) or of another EPCI (outside), with
    a QPV for the outside one, so its project has an outline too."""
    found = places[(places["epci"] == VOIRONNAIS) == inside]
    found = found.sort_values(["nb_logements", "residence"], ascending=[False, True])
    return found.iloc[0].to_dict()


def ref(row: dict) -> ObjectRef:
    return ObjectRef(
        "residence", row["residence"], row["residence_libelle"], row["epci"], row["commune"]
    )


def seed(store, places) -> tuple[dict, dict]:
    inside, outside = pick(places, True), pick(places, False)
    create_plan(store, MANAGER, ref(inside), title="Plan de la résidence voironnaise")
    create_plan(store, MANAGER, ref(inside), title="Plan réalisé", status="realisee")  # closed
    add_comment(store, MANAGER, ref(inside), "Point en CIL")
    create_plan(store, MANAGER, ref(outside), title="Plan métropolitain")
    add_comment(store, MANAGER, ref(outside), "Commentaire métropolitain")
    add_comment(store, MANAGER, ref(outside), "Second commentaire métropolitain")
    save_project(
        store, MANAGER, name="NPNRU Voironnais", epci=VOIRONNAIS, communes=(inside["commune"],),
        residences=(inside["residence"],), demolitions=40, rehousing=35,
        start=dt.date(2025, 1, 1), end=dt.date(2029, 12, 31),
    )  # fmt: skip
    save_project(
        store, MANAGER, name="NPNRU Métropole", epci=outside["epci"],
        communes=(outside["commune"],), residences=(outside["residence"],), demolitions=120,
        rehousing=95,
    )  # fmt: skip
    return inside, outside


def open_map(role: str, **extra):
    at = logged_in(ACCOUNTS[role], name=ACCOUNTS[role]).run()
    at.switch_page("pages/carte.py").run()
    for step in (WIDGETS, extra):  # the attention list's toggles exist once the map is drawn
        for key, val in step.items():
            next(w for w in at.main if getattr(w, "key", None) == key).set_value(val)
        if step:
            at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def deck(at) -> dict:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def layer(found: dict, layer_id: str) -> list[dict]:
    (item,) = [i for i in found["layers"] if i["id"] == layer_id]
    data = item["data"]
    return data["features"] if isinstance(data, dict) else data


def texts(at) -> str:
    return " ".join(m.value for m in [*at.markdown, *at.caption])


def test_manager_map_draws_both_projects_and_counts_plans_and_comments(store, places):
    inside, outside = seed(store, places[0])
    at = open_map("manager")
    found = deck(at)
    markers = {m["infobulle"].split("\n")[0] for m in layer(found, "projets-urbains")}
    assert markers == {"Projet urbain : NPNRU Voironnais", "Projet urbain : NPNRU Métropole"}
    (voironnais,) = [m for m in layer(found, "projets-urbains") if "Voironnais" in m["infobulle"]]
    lines = voironnais["infobulle"].split("\n")
    assert lines[1] == "Démolitions prévues : 40 · relogements prévus : 35"
    assert lines[2] == "Calendrier : 01/2025 → 12/2029"
    assert lines[3].startswith("Relogements ANRU sur 12 mois (territoire du projet) : ")
    assert lines[4] == f"Concerne : {inside['residence_libelle']}"
    rings = {r["position"][0] for r in layer(found, "projets-urbains-residences")}
    assert round(float(inside["lon"]), 6) in rings and round(float(outside["lon"]), 6) in rings
    shown = texts(at)
    # open plans only (« réalisée » is closed); every comment
    assert ":blue-badge[1 plan(s) ouvert(s)] :gray-badge[1 commentaire(s)] " in shown
    assert ":blue-badge[1 plan(s) ouvert(s)] :gray-badge[2 commentaire(s)] " in shown
    assert (
        "projet urbain : NPNRU Voironnais" in shown and "projet urbain : NPNRU Métropole" in shown
    )
    legend = " ".join(h.proto.body for h in at.get("html"))
    assert "projet urbain (ANRU) et ses résidences" in legend


def test_partner_sees_only_its_territorys_projects_plans_and_comments(store, places):
    inside, outside = seed(store, places[0])
    at = open_map("partenaire")
    found = deck(at)
    text = json.dumps(found, ensure_ascii=False) + texts(at)
    assert "NPNRU Voironnais" in text
    for other in ("NPNRU Métropole", outside["residence_libelle"], "2 commentaire(s)"):
        assert other not in text
    (marker,) = layer(found, "projets-urbains")
    # the ANRU rehousing count goes through the partner's scope: a number, or the secret
    assert marker["infobulle"].split("\n")[3].split(" : ")[1] != ""
    assert ":blue-badge[1 plan(s) ouvert(s)] :gray-badge[1 commentaire(s)]" in text
    assert inside["residence"] in {t.key.rsplit("_", 1)[-1] for t in at.toggle if t.key}
    assert outside["residence"] not in {t.key.rsplit("_", 1)[-1] for t in at.toggle if t.key}


def test_the_attention_list_opens_a_residences_plans_and_thread_in_place(store, places):
    inside, _ = seed(store, places[0])
    at = open_map("partenaire", **{f"carte_concertation_{inside['residence']}": True})
    expanders = [e.label for e in at.expander]
    assert "Concertation : 2 plan(s) d'action, 1 commentaire(s)" in expanders
    shown = texts(at)
    assert "Plan de la résidence voironnaise" in shown and "Plan réalisé" in shown
    assert any(t.value == "Point en CIL" for t in at.text)
    # a partner proposes from the map too; the plan follows the map's colouring
    key = f"carte_{inside['residence']}"
    at.text_input(key=f"{key}_titre").input("Proposition depuis la carte")
    at.button(key=f"{key}_enregistrer").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    (made,) = [p for p in list_plans(store, MANAGER) if p.title == "Proposition depuis la carte"]
    assert made.status == "proposee" and made.organisation == "CA du Pays Voironnais"
    assert (made.obj.kind, made.obj.key, made.obj.epci) == (
        "residence",
        inside["residence"],
        VOIRONNAIS,
    )
    assert made.indicator == "nb_logements"


def test_names_are_never_cut_in_the_attention_list(store, places):
    """Issue 21 item 6: a page link's label is one line cut with an ellipsis in a narrow column;
    the name and commune are now bold Markdown, which wraps, and the link just says where to."""
    seed(store, places[0])
    at = open_map("manager")
    bold = [m.value for m in at.markdown if m.value.startswith("**") and " — " in m.value]
    assert len(bold) >= 2, "the attention list should name its residences"
    communes = set(places[0]["commune_libelle"])
    for line in bold:
        assert line.endswith("**") and line[2:-2].rsplit(" — ", 1)[1] in communes
    links = [link.proto.label for link in at.get("page_link")]
    assert links and set(links) == {"Fiche résidence"}


def test_a_mixite_card_offers_the_residences_plans_and_thread(store, places):
    _, mixite = places
    alerts = mixite[mixite["alerte"]]
    assert len(alerts), "the small demo root should have a mixité alert"
    row = alerts.iloc[0]
    assert row["epci"] != VOIRONNAIS  # the small root's listed residences are all metropolitan
    obj = ObjectRef(
        "residence", row["residence"], row["residence_libelle"], row["epci"], row["commune"]
    )
    create_plan(
        store,
        MANAGER,
        obj,
        title="Rééquilibrer les attributions",
        indicator="part_menages_fragiles",
        value_at_creation=0.5,
    )
    add_comment(store, MANAGER, obj, "À voir en CALEOL")
    at = logged_in(ACCOUNTS["manager"], name=ACCOUNTS["manager"]).run()
    at.switch_page("pages/objectifs.py").run()
    assert not at.exception, at.exception
    assert "Concertation : 1 plan(s) d'action, 1 commentaire(s)" in [e.label for e in at.expander]
    shown = texts(at).replace("\u202f", " ").replace("\xa0", " ")
    assert "Rééquilibrer les attributions" in shown
    now = f"{100 * row['valeur']:.1f}".replace(".", ",")  # the card's own share, now
    assert f"Indicateur suivi : à la création 50,0 % ; aujourd'hui {now} %." in shown
    assert any(t.value == "À voir en CALEOL" for t in at.text)
    # the mixité card of the same residence and its Fiche résidence share one thread
    assert at.text_area(key=f"mixite_{row['residence']}_texte") is not None
    # the partner of the Pays Voironnais has no card there, nor the plan anywhere on the page
    at = logged_in(ACCOUNTS["partenaire"], name=ACCOUNTS["partenaire"]).run()
    at.switch_page("pages/objectifs.py").run()
    assert not at.exception, at.exception
    assert "Rééquilibrer les attributions" not in texts(at)
    assert not any(t.value == "À voir en CALEOL" for t in at.text)
