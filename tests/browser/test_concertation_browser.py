"""Concertation in a real headless Chromium (the README's start command, demo mode, a small demo
root): a plan, a partner's proposal and a thread on the Pays Voironnais T1 target, written in the
state store beside the server's audit location, then seen by the demo manager and the demo partner
on the Concertation page and under the T1 card of Objectifs et alertes (a partner never sees the
plan of another EPCI). Screenshots, to look at, go to artifacts/screenshots/ (copied by hand to
docs/captures/ when the screens change, so that a test run never rewrites tracked files):
concertation_manager.png, concertation_partenaire.png, objectifs_plan_manager.png,
objectifs_plan_partenaire.png.
"""

from __future__ import annotations

import datetime as dt

import pytest

from queries.engine import open_engine
from queries.targets import evaluate_targets
from semantic.scope import Scope
from store.concertation import LANDLORD, Actor, ObjectRef
from store.plans import create_plan
from store.threads import add_comment
from tests.browser.support import ACCOUNTS, SCREENSHOTS, open_page, skip_without_chromium
from tests.browser.support import log_in as log_in_as
from tests.browser.test_screens_browser import MAX_SHOT, VIEWPORT_HEIGHT, settle, shot
from ui.shell import audit

pytestmark = pytest.mark.browser
TIMEOUT_MS = 60_000
VOIRONNAIS, T1 = "243800984", "part_attributions_q1_hors_qpv"
MANAGER = Actor("direction.demo", "manager", LANDLORD, Scope.internal("manager"))
PARTNER = Actor(
    "partenaire.voironnais", "partenaire", "CA du Pays Voironnais",
    Scope("partenaire", epci=(VOIRONNAIS,)),
)  # fmt: skip

skip_without_chromium()


@pytest.fixture(scope="module")
def seeded(portal, demo_data_root):
    """Plans and comments on the T1 targets of the partner's EPCI and of another one."""
    _, audit_file = portal
    engine = open_engine(demo_data_root)
    try:
        targets = evaluate_targets(engine, Scope.internal())
    finally:
        engine.close()
    t1 = targets[(targets["indicateur"] == T1) & (targets["periode"] == "glissant_12_mois")]
    store = audit.store_at(audit_file)
    refs = {}
    for row in t1.drop_duplicates("code").itertuples():
        ref = ObjectRef(
            "objectif",
            f"{row.objectif_id}:{row.annee}",
            f"T1 · 1er quartile hors QPV · {row.territoire} · {row.annee}",
            row.code,
        )
        refs[row.code] = (ref, row.objectif_id, row.valeur)
    inside, inside_id, value = refs.pop(VOIRONNAIS)
    create_plan(
        store, MANAGER, inside, title="Orienter les mutations hors QPV vers le 1er quartile",
        description="Examen en CAL de chaque mutation hors QPV ; bilan à la CIL de mars.",
        due=dt.date.today() + dt.timedelta(days=90), indicator=T1,
        value_at_creation=None if value != value else float(value) - 0.03,
    )  # fmt: skip
    create_plan(
        store, PARTNER, inside, title="Mobiliser le contingent de la CA",
        description="Deux logements du contingent communautaire proposés au 1er quartile.",
    )  # fmt: skip
    add_comment(
        store, MANAGER, inside, "Trois attributions hors QPV prévues d'ici la fin de l'année."
    )
    add_comment(store, PARTNER, inside, "La CA peut proposer deux logements de son contingent.")
    other, _, _ = next(iter(refs.values()))
    create_plan(store, MANAGER, other, title="Plan d'un autre EPCI")
    return inside_id


def log_in(browser, base_url: str, role: str):
    username, password = ACCOUNTS[role]
    context = browser.new_context(
        viewport={"width": 1500, "height": VIEWPORT_HEIGHT}, locale="fr-FR"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    log_in_as(page, base_url, username, password)
    settle(page)
    return context, page


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_concertation_page_and_a_target_card_with_its_plan(portal, browser, seeded, role):
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page = log_in(browser, base_url, role)
    main = open_page(page, "Concertation", "Concertation")
    settle(page)
    expect(main.get_by_text("N'écrivez ici aucune donnée personnelle").first).to_be_visible()
    table = main.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    shot(page, f"concertation_{role}")

    main = open_page(page, "Objectifs et alertes", "Objectifs et alertes")
    settle(page)
    every = main.get_by_text("Afficher les", exact=False).first  # more targets than cards shown
    if every.count():
        every.click()
        settle(page)
    panel = main.get_by_test_id("stExpander").filter(has_text="Orienter les mutations").first
    expect(panel).to_be_visible()
    expect(panel.get_by_text("Mobiliser le contingent de la CA")).to_be_visible()
    expect(panel.get_by_text("Indicateur suivi").first).to_be_visible()
    if role == "partenaire":
        expect(main.get_by_text("Plan d'un autre EPCI")).to_have_count(0)
        expect(panel.get_by_text("Proposer un plan d'action")).to_be_visible()
    else:
        expect(panel.get_by_text("Nouveau plan d'action")).to_be_visible()
    # Streamlit scrolls inside its main block: a window as tall as the content scrolls nothing,
    # so the card and its panel have page coordinates that a clipped screenshot can use
    height = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain], section, div'))"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": 1500, "height": min(height, MAX_SHOT)})
    page.wait_for_timeout(1500)
    bottom = panel.bounding_box()
    top = dict(bottom)
    top["y"] -= 420  # the card above its concertation panel: title, periods, sparkline
    page.screenshot(
        path=str(SCREENSHOTS / f"objectifs_plan_{role}.png"),
        clip={
            "x": min(top["x"], bottom["x"]) - 8,
            "y": top["y"] - 8,
            "width": max(top["width"], bottom["width"]) + 16,
            "height": bottom["y"] + bottom["height"] - top["y"] + 16,
        },
        full_page=True,
    )
    context.close()
