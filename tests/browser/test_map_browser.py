"""The Carte page in a real headless Chromium, on the small demo root and with no basemap: log in
as the demo manager, then as the demo partner, open the map, wait for the deck's canvas, and save
screenshots to artifacts/screenshots/ (carte_manager.png, carte_partenaire.png) to look at; then an
urban project on the map with a residence's plans and thread opened in place from the attention
list (carte_projet_manager.png, carte_projet_partenaire.png), and a mixité card of Objectifs with
its plan (objectifs_mixite_manager.png). A browser without WebGL is told why the map is missing.

No request may leave for a tile server: the map must read from its own layers alone.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import CHROMIUM_ARGS
from tests.browser.support import (
    ACCOUNTS,
    CHROMIUM,
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
    notice = main.locator(".peuplement-sans-webgl")  # on the page, hidden: this browser draws
    expect(notice).to_have_count(1)
    expect(notice).to_be_hidden()
    if role == "partenaire":
        expect(main.get_by_text("Grenoble-Alpes-Métropole")).to_have_count(0)
        # the attention list names its residences in bold text (wrapped), not in link labels
        expect(main.get_by_text("Les Aubépines — Voiron")).to_have_count(0)
    shot(page, name)
    context.close()
    assert not [url for url in requested if any(host in url for host in TILE_HOSTS)]


def test_a_browser_without_webgl_is_told_why_the_map_is_missing(portal, browser):
    from playwright.sync_api import expect

    base_url, _ = portal
    # WebGL turned off, as on a virtual desktop with no graphics card: deck.gl cannot draw
    no_webgl = browser.browser_type.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, "--disable-3d-apis"]
    )
    try:
        page = no_webgl.new_page(viewport={"width": 1500, "height": 1500}, locale="fr-FR")
        page.set_default_timeout(TIMEOUT_MS)
        log_in(page, base_url, *ACCOUNTS["partenaire"])
        open_page(page, "Carte", "Carte")
        main = page.get_by_test_id("stMain")
        notice = main.get_by_role("alert").filter(
            has_text="La carte ne peut pas s'afficher dans ce navigateur"
        )
        expect(notice).to_be_visible()
        expect(notice).to_contain_text("WebGL 2")
        # the rest of the page is still there
        expect(main.get_by_text("Résidences à surveiller")).to_be_visible()
        expect(main.get_by_text("Résidences : Ménages en fragilité")).to_be_visible()
        shot(page, "carte_sans_webgl_partenaire")
    finally:
        no_webgl.close()


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


@pytest.fixture(scope="module")
def concertation(portal, demo_data_root):
    """An urban project and a plan on a listed residence whose fragility rose (so it is on the
    map's attention list), in Grenoble-Alpes-Métropole; a project in the partner's EPCI."""
    import datetime as dt

    from queries.alerts import mixite_alerts
    from queries.engine import open_engine
    from queries.places import residences
    from semantic.scope import Scope
    from store.concertation import LANDLORD, Actor, ObjectRef
    from store.plans import create_plan
    from store.threads import add_comment
    from store.urban_projects import save_project
    from ui.shell import audit

    _, audit_file = portal
    engine = open_engine(demo_data_root)
    try:
        listed = mixite_alerts(engine, Scope.internal())
        places = residences(engine, Scope.internal())
    finally:
        engine.close()
    row = listed[listed["en_hausse"]].iloc[0]
    manager = Actor("direction.demo", "manager", LANDLORD, Scope.internal("manager"))
    store = audit.store_at(audit_file)
    obj = ObjectRef(
        "residence", row["residence"], row["residence_libelle"], row["epci"], row["commune"]
    )
    create_plan(
        store, manager, obj, title="Attributions hors public fragile", indicator="part_menages_fragiles",
        value_at_creation=float(row["valeur"]) + 0.04, due=dt.date.today() + dt.timedelta(days=90),
    )  # fmt: skip
    add_comment(store, manager, obj, "Deux libérations attendues au trimestre prochain.")
    save_project(
        store, manager, name="NPNRU métropolitain", epci=row["epci"], communes=(row["commune"],),
        residences=(row["residence"],), demolitions=120, rehousing=95,
        start=dt.date(2024, 1, 1), end=dt.date(2030, 12, 31),
    )  # fmt: skip
    voironnais = places[places["epci"] == "243800984"].iloc[0]
    save_project(
        store, manager, name="NPNRU voironnais", epci="243800984",
        communes=(voironnais["commune"],), residences=(voironnais["residence"],), demolitions=30,
        rehousing=25,
    )  # fmt: skip
    return row


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_urban_projects_and_the_attention_lists_thread_on_the_map(
    portal, browser, concertation, role
):
    from playwright.sync_api import expect

    from tests.browser.support import wait_for_run

    base_url, _ = portal
    context, page, _ = open_map(browser, base_url, role)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text("projet urbain (ANRU) et ses résidences")).to_be_visible()
    name = f"{concertation['residence_libelle']} — {concertation['commune_libelle']}"
    if role == "partenaire":  # the metropolitan residence, its plan and project are not shown
        expect(main.get_by_text(name)).to_have_count(0)
        expect(main.get_by_text("NPNRU métropolitain")).to_have_count(0)
        expect(main.get_by_text("Attributions hors public fragile")).to_have_count(0)
    else:
        expect(main.get_by_text(name)).to_be_visible()
        badges = main.get_by_text("projet urbain : NPNRU métropolitain")
        expect(badges).to_be_visible()
        expect(main.get_by_text("1 plan(s) ouvert(s)").first).to_be_visible()
        main.get_by_text("Plans et échanges (2)").first.click()
        wait_for_run(page)
        expect(main.get_by_text("Attributions hors public fragile")).to_be_visible()
        expect(main.get_by_text("Deux libérations attendues")).to_be_visible()
    wait_for_deck(page)
    shot(page, f"carte_projet_{role}")
    context.close()


def test_a_mixite_card_shows_its_plan_and_thread(portal, browser, concertation):
    from playwright.sync_api import expect

    base_url, _ = portal
    username, password = ACCOUNTS["manager"]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS * 2)
    log_in(page, base_url, username, password)
    main = open_page(page, "Objectifs et alertes", "Objectifs et alertes")
    panel = main.get_by_test_id("stExpander").filter(has_text="Attributions hors public fragile")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("Indicateur suivi : à la création")).to_be_visible()
    panel.scroll_into_view_if_needed()
    page.wait_for_timeout(1000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "objectifs_mixite_manager.png"))
    context.close()
