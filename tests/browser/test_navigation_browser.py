"""A click during a page run is never lost (issue 18, item 3), in a real headless Chromium.

A user who clicks a second page in the sidebar while the first is still being drawn must land on
the second page, with one click each: the test clicks Tableau de bord, then at once Objectifs et
alertes while the dashboard's run is in progress, then Carte the same way, and expects the Carte
(and nothing else after it). The sidebar helpers of tests/browser/support.py click again when a
page does not come; this test never does.
"""

from __future__ import annotations

import pytest

from tests.browser.support import ACCOUNTS, TIMEOUT_MS, log_in, skip_without_chromium, wait_for_run

pytestmark = pytest.mark.browser

skip_without_chromium()


@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_clicks_during_a_run_reach_the_last_page_clicked(portal, browser, role):
    from playwright.sync_api import expect

    base_url, _ = portal
    username, password = ACCOUNTS[role]
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    log_in(page, base_url, username, password)
    sidebar = page.get_by_test_id("stSidebar")
    main = page.get_by_test_id("stMain")
    sidebar.get_by_role("link", name="Tableau de bord").click()
    # the dashboard's run has started (its title is drawn first); click on while it runs
    expect(main.locator("h1", has_text="Tableau de bord").first).to_be_visible()
    sidebar.get_by_role("link", name="Objectifs et alertes").click()
    sidebar.get_by_role("link", name="Carte").click()
    expect(main.locator("h1", has_text="Carte").first).to_be_visible(timeout=2 * TIMEOUT_MS)
    wait_for_run(page)
    page.wait_for_timeout(1000)  # no late run of a page clicked earlier takes the screen back
    titles = [t.strip() for t in main.locator("h1").all_inner_texts()]
    assert titles[:1] == ["Carte"], titles
    assert page.url.rstrip("/").endswith("carte"), page.url
    context.close()
