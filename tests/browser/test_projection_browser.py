"""The Fiche résidence projection in a real headless Chromium, on the default demo root (13
quarterly snapshots, enough history for the back-test): the manager opens a residence on the
CIA mixité list, reads its expected departures, moves scenario B and
sees the trajectories redrawn, then the ageing projection; artifacts/screenshots/
residence_projection.png and residence_projection_vieillissement.png are saved to look at.
"""

from __future__ import annotations

import pytest

from tests.browser.support import ACCOUNTS, SCREENSHOTS, log_in, skip_without_chromium
from ui.shared.formats import number

pytestmark = pytest.mark.browser

skip_without_chromium()
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def demo_data_root(demo_root):
    """The default demo (20 000 dwellings, 13 quarterly snapshots): the projections are
    back-tested on 9 + 4 quarters, and the CIA mixité list has residences of every profile."""
    return demo_root


@pytest.fixture(scope="module")
def residence(demo_data_root):
    """A residence on the mixité list with at least 30 households of known income, its share
    under 40 % of the PLUS ceiling nearest to 35 %; and its projected departures."""
    from queries.engine import open_engine
    from queries.evaluate import evaluate
    from queries.forecast.outlook import residence_outlooks
    from queries.places import residences
    from semantic.scope import Scope

    staff = Scope.internal("manager")
    engine = open_engine(demo_data_root)
    try:
        shares = evaluate(
            engine,
            "part_menages_sous_40pc",
            staff,
            by=["residence"],
            where={"enjeu_mixite": [True]},
        )
        shares = shares[shares["denominateur"] >= 30]  # a mix worth comparing scenarios on:
        shares = shares.assign(distance=(shares["valeur"] - 0.35).abs())  # nearest to 35 %
        best = shares.sort_values(["distance", "residence"]).iloc[0]
        facts = residences(engine, staff).set_index("residence").loc[best["residence"]]
        found = residence_outlooks(engine, staff)
    finally:
        engine.close()
    rows = found.departures[found.departures["residence"] == best["residence"]]
    return best["residence"], facts, float(rows["attendu"].sum())


def test_residence_projection_with_two_scenarios(portal, browser, residence):
    from playwright.sync_api import expect

    from tests.browser.support import wait_for_run

    code, facts, expected = residence
    base_url, _ = portal
    context = browser.new_context(viewport={"width": 1400, "height": 2000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    log_in(page, base_url, *ACCOUNTS["manager"])
    page.goto(f"{base_url}/residence?residence={code}")
    main = page.get_by_test_id("stMain")
    expect(main.locator("h2", has_text=facts["residence_libelle"]).first).to_be_visible(
        timeout=TIMEOUT_MS
    )
    section = main.locator("h3", has_text="Projection : départs attendus").first
    expect(section).to_be_visible(timeout=TIMEOUT_MS)
    wait_for_run(page)
    expect(main.get_by_text("Départs attendus sur un an")).to_be_visible()
    expect(main.get_by_text(number(expected, 1), exact=True).first).to_be_visible()
    expect(main.get_by_text("Méthode et hypothèses", exact=False)).to_be_visible()
    slider = main.get_by_role("slider").first
    slider.focus()
    page.keyboard.press("Home")  # scenario B: no entrant under 40 % of the PLUS ceiling
    wait_for_run(page)
    expect(main.get_by_text("B — entrants à 0 % sous 40 %", exact=False).first).to_be_attached()
    section.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(1500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "residence_projection.png"))
    # ageing, under the scenarios: its table, its hypotheses, and the scenario warning (per
    # residence the model ties with "unchanged" in the back-test)
    ageing = main.get_by_text("Vieillissement : titulaires de 75 ans et plus", exact=False).first
    expect(ageing).to_be_visible()
    expect(main.get_by_text("un scénario, pas une prévision", exact=False).last).to_be_visible()
    expect(main.get_by_text("chacun vieillit d'un an", exact=False)).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 3400})
    section.evaluate("e => e.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(SCREENSHOTS / "residence_projection_vieillissement.png"))
    context.close()
