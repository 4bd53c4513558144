"""The Tableau de bord and Évolution pages in a real headless Chromium: log in as the demo manager,
then as the demo partner, open each page, find its key elements (title, KPI grid, chart), download
an export, and save screenshots to artifacts/screenshots/ (tableau_de_bord_manager.png,
tableau_de_bord_partenaire.png, evolution_manager.png, evolution_partenaire.png) to look at.

The server and browser fixtures are those of tests/browser/conftest.py; this module only brings a
demo root with five quarterly snapshots, so that the trends have a shape and a year-earlier value.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest

from tests.apptest_support import exported_trail
from tests.browser.support import (
    ACCOUNTS,
    SCREENSHOTS,
    log_in,
    skip_without_chromium,
    wait_for_run,
)
from tests.browser.support import open_page as open_screen

pytestmark = pytest.mark.browser

TIMEOUT_MS = 60_000  # the first run of a page builds the query engine

skip_without_chromium()

PARTNER_EPCI_NAME = "Communauté d'agglomération du Pays Voironnais"


@pytest.fixture(scope="module")
def demo_data_root(small_demo_root_5):
    """Overrides the conftest's two-snapshot root: five snapshots, 2025-09-30 … 2026-09-30
    (the shared `small_demo_root_5` of tests/conftest.py)."""
    return small_demo_root_5


def open_page(browser, base_url: str, role: str, link: str):
    """A logged-in browser page on the screen named `link` in the sidebar."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    username, password = ACCOUNTS[role]
    context = browser.new_context(
        viewport={"width": 1600, "height": 1400}, locale="fr-FR", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    log_in(page, base_url, username, password)
    open_screen(page, link, link)
    return context, page


def choose(page, label: str, option: str) -> None:
    """Pick `option` in the selectbox or multiselect labelled `label`, and wait for the rerun."""
    widget = page.get_by_test_id("stMain").locator(
        "[data-testid=stSelectbox], [data-testid=stMultiSelect]", has_text=label
    )
    widget.first.click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")
    wait_for_run(page)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(1500)  # the grid and charts draw on the next animation frames
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def grid(page):
    """The table the data grid renders for assistive technologies (its canvas has no text).
    Text columns read as shown; number columns read their raw numbers, not the French text."""
    return page.get_by_test_id("stDataFrame").locator("table").first


def grid_text(page) -> str:
    return grid(page).inner_text()


def only_theme(page, theme: str) -> None:
    """Replace the default theme (occupation) by `theme`: add it, then remove occupation."""
    from playwright.sync_api import expect

    choose(page, "Thèmes", theme)
    page.get_by_test_id("stMain").get_by_role("button", name="Remove Occupation du parc").click()
    wait_for_run(page)
    expect(grid(page)).not_to_contain_text("Taux de vacance")


def test_dashboard_as_manager_shows_targets_and_exports(portal, browser):
    from playwright.sync_api import expect

    base_url, audit_file = portal
    context, page = open_page(browser, base_url, "manager", "Tableau de bord")
    main = page.get_by_test_id("stMain")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    only_theme(page, "Attributions")
    expect(main.get_by_text("Photographie du 30/09/2026")).to_be_visible()
    # issue 21: one row per territory, one column per indicator, the targets' summary pinned
    # beside the name (the old layout had Valeur, Objectif and Statut columns)
    expect(grid(page)).to_contain_text("Objectifs")
    cells = grid_text(page)
    for header in ("Territoire", "Objectifs", "Nombre d'attributions"):  # columns in view
        assert header in cells
    assert (
        "Grenoble-Alpes-Métropole" in cells
        and "Communauté d'agglomération du Pays Voironnais" in cells
    )
    assert "atteint" in cells  # the summary of each territory's targets
    assert "243800984" not in cells  # no code column on screen
    chart = page.get_by_test_id("stVegaLiteChart")
    expect(chart.locator("canvas, svg").first).to_be_visible()
    screenshot(page, "tableau_de_bord_manager")
    with page.expect_download() as download:
        main.get_by_role("button", name="Télécharger CSV").click()
    content = Path(download.value.path()).read_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    assert "Territoire;Code;Indicateur;Unité;Valeur" in content.decode("utf-8-sig")
    back = pd.read_csv(io.BytesIO(content), sep=";", decimal=",", encoding="utf-8-sig")
    assert back["Valeur"].dtype == float  # numbers, decimal comma, for French Excel
    # the file is built on the click, on a worker thread of the server, and recorded once built:
    # the record may land just after the browser has the file, so look for it for a few seconds
    for _ in range(20):
        events = [json.loads(line) for line in exported_trail(audit_file).splitlines()]
        exports = [e for e in events if e["event"] == "export" and e["user"] == "direction.demo"]
        if exports:
            break
        page.wait_for_timeout(500)
    context.close()
    assert exports and exports[-1]["details"]["format"] == "csv"


def test_dashboard_as_partner_masks_small_cells(portal, browser):
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page = open_page(browser, base_url, "partenaire", "Tableau de bord")
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    choose(page, "Une ligne par", "Commune")
    expect(grid(page)).to_contain_text("Voiron")
    only_theme(page, "Attributions")
    # « secret statistique » is drawn on the grid's canvas (see the screenshot); the caption says so
    expect(
        page.get_by_test_id("stMain").get_by_text("valeur masquée par le secret")
    ).to_be_visible()
    expect(grid(page)).to_contain_text("Nombre d'attributions")
    cells = grid_text(page)
    assert "Voiron" in cells and "Nombre d'attributions" in cells
    assert "Effectif" not in cells and "Grenoble" not in cells
    screenshot(page, "tableau_de_bord_partenaire")
    context.close()


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_evolution_draws_one_line_per_territory_and_the_t1_threshold(portal, browser, role):
    from playwright.sync_api import expect

    base_url, _ = portal
    context, page = open_page(browser, base_url, role, "Évolution")
    main = page.get_by_test_id("stMain")
    chart = page.get_by_test_id("stVegaLiteChart")
    expect(chart.locator("canvas, svg").first).to_be_visible()
    expect(main.locator("h3", has_text="1er quartile hors QPV")).to_be_visible()
    if role == "partenaire":
        choose(page, "Territoires", "Commune")
        expect(page.get_by_test_id("stVegaLiteChart").locator("canvas, svg").first).to_be_visible()
        expect(main.get_by_text("Non tracés, sous le secret statistique")).to_be_visible()
        expect(main.get_by_text("Grenoble-Alpes-Métropole")).to_have_count(0)
    else:
        expect(main.get_by_text("Objectifs locaux (pointillés")).to_be_visible()
    screenshot(page, f"evolution_{role}")
    context.close()
