"""The README's start command in a real headless Chromium: log in as the demo partner, see the home
page of their EPCI, reload (the signed cookie keeps the session), log out, see the login form
again (and a reload does not log back in). Screenshots go to artifacts/screenshots/.

Needs Debian's Chromium (`apt-get install chromium`, giving /usr/bin/chromium); Playwright's own
browser download is not used.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.apptest_support import exported_trail
from tests.browser.support import SCREENSHOTS, skip_without_chromium, wait_for_run

pytestmark = pytest.mark.browser

# The portal, browser and demo_data_root fixtures are in tests/browser/conftest.py.
ROOT = Path(__file__).resolve().parents[2]
PARTNER, PASSWORD = "partenaire.voironnais", "Demo-Voironnais-2026!"
PARTNER_EPCI = "Communauté d'agglomération du Pays Voironnais"
COOKIE_NAME = "peuplement_session"
TIMEOUT_MS = 30_000

skip_without_chromium()


def wait_for_cookie(context, present: bool) -> dict | None:
    """The session cookie once the browser has it (or has dropped it); it is set by a component."""
    deadline = (
        time.monotonic() + 2 * TIMEOUT_MS / 1000
    )  # a component sets or drops it: slow under load
    while time.monotonic() < deadline:
        found = [c for c in context.cookies() if c["name"] == COOKIE_NAME]
        if bool(found) == present:
            return found[0] if found else None
        time.sleep(0.2)
    raise AssertionError(f"cookie {COOKIE_NAME} {'absent' if present else 'toujours là'}")


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_partner_logs_in_sees_their_home_page_and_logs_out(portal, browser):
    from playwright.sync_api import expect

    base_url, audit_file = portal
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    outside = []  # the portal must not make the browser call any other host
    page.on(
        "request",
        lambda r: None if r.url.startswith((base_url, "data:", "blob:")) else outside.append(r.url),
    )

    page.goto(base_url)
    expect(page.get_by_text("Portail peuplement : connexion")).to_be_visible()
    shot(page, "01_connexion")

    page.get_by_label("Identifiant").fill(PARTNER)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    main = page.get_by_test_id("stMain")
    expect(main.locator("h1", has_text="Accueil").first).to_be_visible()
    expect(main.get_by_text(PARTNER_EPCI).first).to_be_visible()
    expect(main.get_by_text("Nombre de logements")).to_be_visible()
    # no component iframe (the library's cookie component reran every page once it had loaded)
    expect(page.locator("iframe")).to_have_count(0)
    sidebar = page.get_by_test_id("stSidebar")
    expect(
        sidebar.get_by_text("Partenaire (consultation et concertation)", exact=False)
    ).to_be_visible()
    expect(sidebar.get_by_role("link", name="Administration")).to_have_count(0)
    shot(page, "02_accueil_partenaire")

    cookie = wait_for_cookie(context, present=True)
    assert cookie["sameSite"] == "Strict"
    assert 0 < cookie["expires"] - time.time() <= 86400 + 60  # SESSION_EXPIRY_DAYS = 1
    page.reload()  # a new Streamlit session: the signed cookie logs the user back in
    expect(main.locator("h1", has_text="Accueil").first).to_be_visible()

    sidebar.get_by_role("button", name="Se déconnecter").click()
    # while the logout's run is drawing, the previous run's page can still be there; read the
    # page once the runs are over
    # (.first: under load the login block was seen twice for a moment; not root-caused yet)
    expect(page.get_by_text("Vous êtes déconnecté·e.").first).to_be_visible()
    wait_for_run(page)
    expect(page.get_by_text("Portail peuplement : connexion").first).to_be_visible()
    # nothing of the partner's session remains once the run is over
    expect(page.get_by_text("Nombre de logements")).to_have_count(0)
    expect(page.get_by_role("button", name="Se déconnecter")).to_have_count(0)
    expect(page.get_by_text(PARTNER_EPCI)).to_have_count(0)
    shot(page, "03_deconnecte")

    # The logout's run drops the cookie (a script, no component); what protects the account
    # anyway is the server: the session was closed at logout, so a reload with the old cookie
    # would get the login form too (tests/browser/test_session_browser.py replays a copy).
    wait_for_cookie(context, present=False)
    page.reload()
    expect(page.get_by_text("Portail peuplement : connexion").first).to_be_visible()
    expect(page.get_by_label("Identifiant")).to_be_visible()
    expect(main.locator("h1", has_text="Accueil")).to_have_count(0)
    context.close()
    assert not outside, outside

    events = [line for line in exported_trail(audit_file).splitlines() if line]
    assert any('"login_success"' in e and '"formulaire"' in e for e in events)
    assert any('"login_success"' in e and '"cookie"' in e for e in events)
    assert any('"logout"' in e for e in events)
    assert not any(PASSWORD in e for e in events)


def test_a_page_outside_the_role_is_refused_by_url_and_audited(portal, browser):
    from playwright.sync_api import expect

    base_url, audit_file = portal
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(base_url)
    # typed as soon as the form shows: no component reruns the page after it loads (the session
    # cookie is read from the request, ui/shell/cookie.py), so no keystroke is dropped
    page.get_by_label("Identifiant").wait_for()
    expect(page.locator("iframe")).to_have_count(0)
    page.get_by_label("Identifiant").fill(PARTNER)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.locator("h1", has_text="Accueil").first).to_be_visible()
    wait_for_cookie(context, present=True)

    page.goto(f"{base_url}/administration")  # new session: the cookie logs the partner back in
    expect(page.get_by_text("page non autorisée pour votre rôle", exact=False)).to_be_visible()
    expect(page.locator("h1", has_text="Administration")).to_have_count(0)
    expect(
        page.get_by_test_id("stSidebar").get_by_role("link", name="Administration")
    ).to_have_count(0)
    shot(page, "04_url_administration_partenaire")
    context.close()
    refused = [e for e in exported_trail(audit_file).splitlines() if "access_refused" in e]
    assert len(refused) == 1 and '"page": "administration"' in refused[0] and PARTNER in refused[0]


def test_first_request_of_a_fresh_server_by_url_shows_the_login_form(
    tmp_path, demo_data_root, browser, running_portal
):
    """The first run of a server process is special with a `pages/` folder (see
    ui.shell.navigation.leave_legacy_pages_mode): a deep link must not list or open any page."""
    from playwright.sync_api import expect

    with running_portal(tmp_path, demo_data_root, warm=False) as (base_url, _):  # truly cold
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(f"{base_url}/administration")
        expect(page.get_by_text("Portail peuplement : connexion")).to_be_visible()
        expect(page.get_by_label("Identifiant")).to_be_visible()
        expect(page.get_by_role("link", name="Administration")).to_have_count(0)
        expect(page.locator("h1", has_text="Administration")).to_have_count(0)
        shot(page, "05_premiere_requete_url_administration")
        context.close()
