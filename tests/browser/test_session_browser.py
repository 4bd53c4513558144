"""A copied session cookie is worth nothing after logout: log in as the demo partner in a real
headless Chromium, copy the signed cookie, log out, then replay the cookie in a fresh browser
context: the login form, not the partner's home page (store.sessions keeps the list of open
sessions server-side)."""

from __future__ import annotations

import pytest

from tests.apptest_support import exported_trail
from tests.browser.support import ACCOUNTS, log_in, skip_without_chromium, wait_for_run
from tests.browser.test_login_browser import COOKIE_NAME, TIMEOUT_MS, shot, wait_for_cookie

pytestmark = pytest.mark.browser

skip_without_chromium()


def fresh_page(browser, cookie: dict | None = None):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    if cookie is not None:
        context.add_cookies([cookie])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return context, page


def test_a_cookie_copied_before_logout_does_not_log_in_afterwards(portal, browser):
    from playwright.sync_api import expect

    base_url, audit_file = portal
    username, password = ACCOUNTS["partenaire"]
    context, page = fresh_page(browser)
    log_in(page, base_url, username, password)
    copied = wait_for_cookie(context, present=True)
    assert copied["name"] == COOKIE_NAME

    # Before the logout, the copy works: a fresh browser with it gets the home page.
    before, other = fresh_page(browser, copied)
    other.goto(base_url)
    expect(other.locator("h1", has_text="Accueil").first).to_be_visible()
    before.close()

    page.get_by_test_id("stSidebar").get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté·e.")).to_be_visible()
    wait_for_cookie(context, present=False)
    context.close()

    replay, page = fresh_page(browser, copied)
    page.goto(base_url)
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()
    wait_for_run(page)
    expect(page.get_by_text("Portail peuplement : connexion")).to_be_visible()
    expect(page.locator("h1", has_text="Accueil")).to_have_count(0)
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    shot(page, "06_cookie_rejoue_apres_deconnexion")
    replay.close()
    events = exported_trail(audit_file).splitlines()
    assert sum('"login_success"' in e and '"cookie"' in e for e in events) == 1  # the copy, once
