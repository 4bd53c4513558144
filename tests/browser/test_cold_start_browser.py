"""Just after a restart, ten people log in at the same moment: every login goes through. (Before
ui.shell.server switched Streamlit's legacy `pages/` mode off at start, the first run of each session
was rerun and what had been typed was erased.) The server is truly cold: no warm-up request."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from queries.settings import ENGINE_DIR_NAME
from tests.apptest_support import exported_trail
from tests.browser.support import ACCOUNTS, skip_without_chromium
from tests.browser.test_login_browser import TIMEOUT_MS

pytestmark = pytest.mark.browser

skip_without_chromium()
SIMULTANEOUS = 10


@pytest.fixture(scope="module")
def demo_data_root(tmp_path_factory, small_demo_root):
    """The shared small root without the query engine other tests built on it: cold as after a
    first start on new data."""
    copy = tmp_path_factory.mktemp("cold") / "root"
    return Path(
        shutil.copytree(small_demo_root, copy, ignore=shutil.ignore_patterns(ENGINE_DIR_NAME))
    )


def test_ten_logins_just_after_a_restart_all_go_through(
    tmp_path, demo_data_root, browser, running_portal
):
    from playwright.sync_api import expect

    username, password = ACCOUNTS["manager"]
    with running_portal(tmp_path, demo_data_root, warm=False) as (base_url, audit_file):
        contexts = [browser.new_context() for _ in range(SIMULTANEOUS)]
        pages = [context.new_page() for context in contexts]
        for page in pages:  # every session's first run starts at once
            page.set_default_timeout(TIMEOUT_MS * 2)
            page.goto(base_url, wait_until="commit")
        for page in pages:  # typed as soon as the form shows, as people do
            page.get_by_label("Identifiant").fill(username)
            page.get_by_label("Mot de passe").fill(password)
        for page in pages:
            page.get_by_role("button", name="Se connecter").click()
        for page in pages:
            expect(page.locator("h1", has_text="Accueil").first).to_be_visible()
        for context in contexts:
            context.close()
        events = exported_trail(audit_file).splitlines()
        assert sum('"login_success"' in e for e in events) == SIMULTANEOUS
