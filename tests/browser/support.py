"""Helpers of the browser tests: logging in and moving between pages like a user, robust to
Streamlit dropping an action that lands during a rerun."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"  # Debian's package; Playwright's own browser download is not used
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
TIMEOUT_MS = 30_000
ACCOUNTS = {  # the demo accounts of the README
    "manager": ("direction.demo", "Demo-Direction-2026!"),
    "partenaire": ("partenaire.voironnais", "Demo-Voironnais-2026!"),
}


def skip_without_chromium() -> None:
    """Skip the calling test module, saying how to install the browser, when it is missing."""
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"{CHROMIUM} introuvable : installez Chromium avec `apt-get install chromium` "
            "pour lancer les tests navigateur.",
            allow_module_level=True,
        )


# Streamlit reruns a page on every widget change; a click or keystroke landing during such a rerun
# can be dropped. (Until December 2026 the session cookie component also reran every page just
# after it loaded: about one full run in five lost an action on a busy machine. The cookie is now
# read from the request and written by a script, ui/shell/cookie.py.) These helpers wait for the
# run to end and retry a dropped action; the last attempt fails the test with Playwright's own
# message.


def wait_for_run(page) -> None:
    """Until the script run in progress is over (no spinner, no running indicator)."""
    from playwright.sync_api import expect

    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stSpinner")).to_have_count(0, timeout=TIMEOUT_MS)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=TIMEOUT_MS)


def log_in(page, base_url: str, username: str, password: str, attempts: int = 3) -> None:
    """Open the portal, log in and wait for the home page and the end of its runs."""
    from playwright.sync_api import expect

    home = page.get_by_test_id("stMain").locator("h1", has_text="Accueil").first
    for attempt in range(attempts):
        page.goto(base_url)
        login = page.get_by_role("button", name="Se connecter")
        login.or_(home).first.wait_for(timeout=TIMEOUT_MS)
        if login.count():
            page.get_by_label("Identifiant").fill(username)
            page.get_by_label("Mot de passe").fill(password)
            login.click()
        try:
            expect(home).to_be_visible(timeout=TIMEOUT_MS // attempts)
            break
        except AssertionError:
            if attempt == attempts - 1:
                raise
    wait_for_run(page)


def open_page(page, link: str, title: str, attempts: int = 3):
    """Click `link` in the sidebar until the page titled `title` shows; its main block."""
    from playwright.sync_api import expect

    main = page.get_by_test_id("stMain")
    heading = main.locator("h1", has_text=title).first
    for attempt in range(attempts):
        page.get_by_test_id("stSidebar").get_by_role("link", name=link).click()
        try:
            expect(heading).to_be_visible(timeout=TIMEOUT_MS // attempts)
            break
        except AssertionError:
            if attempt == attempts - 1:
                raise
            wait_for_run(page)
    wait_for_run(page)
    return main
