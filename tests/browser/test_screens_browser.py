"""Objectifs et alertes, Fiche résidence and Catalogue des indicateurs in a real headless Chromium
(the README's start command, demo mode, a small demo root with five snapshots so that trends have
a shape): log in as the demo manager, then as the demo partner, open each page they may open, find
the key elements, and save screenshots to artifacts/screenshots/ to look at:
objectifs_manager.png, residence_manager.png, catalogue_manager.png, objectifs_partenaire.png,
catalogue_partenaire.png.

The portal and browser fixtures are in tests/browser/conftest.py.
"""

from __future__ import annotations

import pytest

from semantic.catalogue import load_catalogue
from tests.browser.support import ACCOUNTS, SCREENSHOTS, open_page, skip_without_chromium
from tests.browser.support import log_in as log_in_as
from ui.shared.formats import number

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # the first run of a page builds the engine and every target's trend
VIEWPORT_HEIGHT = 1200
MAX_SHOT = 12_000  # pixels: a taller screenshot is unreadable anyway
PARTNER_EPCI = "Communauté d'agglomération du Pays Voironnais"
CENTRAL_EPCI = "Grenoble-Alpes-Métropole"

skip_without_chromium()


@pytest.fixture(scope="module")
def demo_data_root(small_demo_root_5):
    """Like conftest's, with five quarterly snapshots: a sparkline of two points says little."""
    return small_demo_root_5


def log_in(browser, base_url: str, role: str):
    """A logged-in page on the home screen, its runs over."""
    username, password = ACCOUNTS[role]
    context = browser.new_context(
        viewport={"width": 1500, "height": VIEWPORT_HEIGHT}, locale="fr-FR"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    log_in_as(page, base_url, username, password)
    settle(page)
    return context, page


def open_from_menu(page, link: str, title: str):

    main = open_page(page, link, title)
    settle(page)
    return main


def settle(page) -> None:
    """Wait for the script run to end (no spinner, no running indicator) and charts to draw."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)


def shot(page, name: str) -> None:
    """The whole page: Streamlit scrolls inside its main block, not the document, so the window
    is first made as tall as that block's content."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('[data-testid=stMain], section, div'))"
        ".map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": page.viewport_size["width"], "height": min(height, MAX_SHOT)})
    page.wait_for_timeout(1000)  # charts resize to the new window
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": page.viewport_size["width"], "height": VIEWPORT_HEIGHT})


def charts(main):
    return main.locator("[data-testid='stVegaLiteChart'], [data-testid='stArrowVegaLiteChart']")


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_objectifs_page_lists_targets_trends_and_alerts(portal, browser, role):
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page = log_in(browser, base_url, role)
    main = open_from_menu(page, "Objectifs et alertes", "Objectifs et alertes")
    # the first cards are the worst; the others come with the toggle (a partner's secret targets
    # rank before the T1 it meets)
    every_card = main.get_by_text("fiches (sinon les", exact=False)
    if every_card.count():
        every_card.first.click()
        settle(page)
    expect(main.get_by_text("T1 · 1er quartile hors QPV").first).to_be_visible()
    expect(main.get_by_text("Année civile en cours").first).to_be_visible()
    expect(main.get_by_text("12 derniers mois").first).to_be_visible()
    expect(main.locator("h2", has_text="Résidences à enjeu de mixité")).to_be_visible()
    settle(page)
    assert charts(main).count() >= 1
    expect(charts(main).first.locator("canvas, svg").first).to_be_visible()
    if role == "partenaire":
        # on this small root the partner's targets that miss are under the secrecy threshold
        expect(
            main.get_by_text("Valeur couverte par le secret statistique", exact=False).first
        ).to_be_visible()
        # the cards' captions (the table's cells are drawn on a canvas, their text hidden)
        expect(
            main.get_by_test_id("stCaptionContainer").filter(has_text=PARTNER_EPCI).first
        ).to_be_visible()
        expect(main.get_by_text(CENTRAL_EPCI)).to_have_count(0)
        expect(
            page.get_by_test_id("stSidebar").get_by_role("link", name="Résidence")
        ).to_have_count(0)
    else:
        expect(main.get_by_text("Il manque", exact=False).first).to_be_visible()
        expect(
            main.get_by_test_id("stCaptionContainer").filter(has_text=CENTRAL_EPCI).first
        ).to_be_visible()
        expect(main.get_by_text("au-dessus du seuil du PSA", exact=False).first).to_be_visible()
    shot(page, f"objectifs_{role}")
    context.close()


def test_residence_page_search_card_profile_and_floors(portal, browser, demo_data_root):
    """The manager searches a residence by name, picks it, and reads its card, profile, building
    and floor views (the biggest residence: several floors, concentrations to outline)."""
    from playwright.sync_api import expect

    from queries.engine import open_engine
    from queries.evaluate import evaluate
    from queries.places import residences
    from semantic.scope import Scope

    engine = open_engine(demo_data_root)
    staff = Scope.internal("manager")
    counts = evaluate(engine, "nb_menages", staff, by=["residence"])
    best = counts.sort_values(["valeur", "residence"], ascending=[False, True]).iloc[0]
    places = residences(engine, staff)
    facts = places.set_index("residence").loc[best["residence"]]
    engine.close()
    from ui.screens.residence.residence_view import labels

    label = labels(places)[best["residence"]]  # by name; homonyms told apart, no code

    base_url, _ = portal
    context, page = log_in(browser, base_url, "manager")
    main = open_from_menu(page, "Résidence", "Fiche résidence")
    expect(main.get_by_text("Choisissez une résidence pour afficher sa fiche.")).to_be_visible()
    main.get_by_label("Rechercher").fill(facts["residence_libelle"])
    main.get_by_label("Rechercher").press("Enter")
    settle(page)
    main.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=label).click()
    expect(main.locator("h2", has_text=facts["residence_libelle"]).first).to_be_visible()
    expect(main.get_by_text(f"Commune : {facts['commune_libelle']}", exact=False)).to_be_visible()
    households = main.get_by_test_id("stMetric").nth(4)  # the card's fifth figure
    expect(households).to_contain_text("Ménages")
    expect(households).to_contain_text(number(best["valeur"]))
    expect(main.locator("h2", has_text="Étage par étage")).to_be_visible()
    settle(page)
    assert f"residence={best['residence']}" in page.url
    assert (
        charts(main).count() == 10
    )  # dwellings ×2, income, five profile groups, floors, projection
    shot(page, "residence_manager")
    context.close()


def test_residence_page_from_an_alert_link(portal, browser):
    """The manager follows an alert's link to the Fiche résidence of that residence."""
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page = log_in(browser, base_url, "manager")
    main = open_from_menu(page, "Objectifs et alertes", "Objectifs et alertes")
    expect(main.get_by_text("au-dessus du seuil du PSA", exact=False).first).to_be_visible()
    link = main.locator("[data-testid='stPageLink'] a", has_text="—").first
    name = link.inner_text().split("—")[0].strip().splitlines()[-1]  # after the icon's name
    link.click()
    expect(main.locator("h1", has_text="Fiche résidence").first).to_be_visible()
    expect(main.locator("h2", has_text=name).first).to_be_visible()
    assert "residence=" in page.url
    for section in ("Profil social comparé à l'EPCI", "Par bâtiment", "Étage par étage"):
        expect(main.locator("h2", has_text=section).first).to_be_visible()
    expect(main.locator("h3", has_text="Ménages par étage")).to_be_visible()
    expect(main.locator("h2", has_text="Attributions et départs récents")).to_be_visible()
    expect(main.get_by_role("link", name="Voir la carte des résidences")).to_be_visible()
    settle(page)
    assert charts(main).count() >= 5  # dwellings ×2, income, profile groups, floor heatmap
    shot(page, "residence_manager_alerte")
    context.close()


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_catalogue_page_lists_and_searches_indicators(portal, browser, role):
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page = log_in(browser, base_url, role)
    main = open_from_menu(page, "Catalogue des indicateurs", "Catalogue des indicateurs")
    expect(main.get_by_text("Ménages en fragilité · ", exact=False)).to_be_visible()
    total = len(load_catalogue().indicators)
    expect(main.get_by_text(f"{total} indicateur(s) sur {total}.")).to_be_visible()
    settle(page)
    shot(page, f"catalogue_{role}")
    main.get_by_label("Rechercher un indicateur").fill("quartile")
    main.get_by_label("Rechercher un indicateur").press("Enter")
    expect(main.get_by_text("Ménages en fragilité · ", exact=False)).to_have_count(0)
    settle(page)
    # T1, T2, ANRU rehousing (its description names the first quartile) and Q1 satisfaction
    expect(main.get_by_text(f"4 indicateur(s) sur {total}.")).to_be_visible()
    expect(main.get_by_text("1er quartile hors QPV · ", exact=False)).to_be_visible()
    expect(main.get_by_text("Hors 1er quartile en QPV · ", exact=False)).to_be_visible()
    expect(
        main.get_by_text("Satisfaction des demandes du 1er quartile · ", exact=False)
    ).to_be_visible()
    expect(main.get_by_text("(objectif légal)", exact=False).first).to_be_visible()
    settle(page)
    shot(page, f"catalogue_recherche_{role}")
    context.close()
