"""The Carte page in a real headless Chromium, on the small demo root and with no basemap: log in
as the demo manager, then as the demo partner, open the map, wait for the deck's canvas, and save
screenshots to artifacts/screenshots/ (carte_manager.png, carte_partenaire.png) to look at.

No request may leave for a tile server: the map must read from its own layers alone.
"""

from __future__ import annotations

import pytest

from tests.browser.support import (
    ACCOUNTS,
    SCREENSHOTS,
    log_in,
    open_page,
    skip_without_chromium,
)

pytestmark = pytest.mark.browser

# The portal and browser fixtures are in tests/browser/conftest.py.
TIMEOUT_MS = 30_000

skip_without_chromium()

TILE_HOSTS = ("cartocdn", "mapbox", "maptiler", "openstreetmap", "googleapis")


def open_map(browser, base_url: str, role: str):
    """A logged-in page on the Carte screen, and the URLs it requested."""
    username, password = ACCOUNTS[role]
    context = browser.new_context(viewport={"width": 1500, "height": 1500}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    log_in(page, base_url, username, password)
    open_page(page, "Carte", "Carte")
    wait_for_deck(page)
    return context, page, requested


def wait_for_deck(page) -> None:
    from playwright.sync_api import expect

    expect(page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first).to_be_visible()
    page.wait_for_timeout(2500)  # deck.gl draws on the next animation frames


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize(
    ("role", "name"), [("manager", "carte_manager"), ("partenaire", "carte_partenaire")]
)
def test_map_page_draws_its_layers_with_no_basemap(portal, browser, role, name):
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page, requested = open_map(browser, base_url, role)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("Résidences : Ménages en fragilité")).to_be_visible()
    expect(main.get_by_text("QPV — périmètres fictifs (démonstration)")).to_be_visible()
    expect(main.get_by_text("Résidences à surveiller")).to_be_visible()
    if role == "partenaire":
        expect(main.get_by_text("Grenoble-Alpes-Métropole")).to_have_count(0)
        expect(main.get_by_role("link", name="Les Aubépines — Voiron")).to_have_count(0)
    shot(page, name)
    context.close()
    assert not [url for url in requested if any(host in url for host in TILE_HOSTS)]


def test_filtering_on_a_commune_zooms_on_it_and_shows_its_qpv(portal, browser):
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page, _ = open_map(browser, base_url, "manager")
    communes = page.get_by_test_id("stMultiSelect").filter(has_text="Communes")
    communes.locator("input").fill("Grenoble")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("de 5,50 à 10,00")).to_have_count(0)  # the metropolitan classes left
    wait_for_deck(page)
    shot(page, "carte_manager_grenoble")
    canvas = page.get_by_test_id("stDeckGlJsonChart").locator("canvas").first
    box = canvas.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator(".deck-tooltip")
    expect(tooltip).to_contain_text("EPCI : Grenoble-Alpes-Métropole")  # French, from the layer
    shot(page, "carte_manager_grenoble_infobulle")
    context.close()
