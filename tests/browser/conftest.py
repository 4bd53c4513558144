"""Shared fixtures of the browser tests: the README's start command on a small demo root, and
Debian's headless Chromium driven by Playwright (Playwright's own browser download is not used).

A test module may define fixtures of the same name; its own then take precedence.
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import pytest

from loadtest.server import serve
from tests.browser.support import CHROMIUM

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STARTUP_SECONDS = 60
TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def demo_data_root(small_demo_root):
    """The small demo root the page tests share (tests/conftest.py: the demo generator, 3,000
    dwellings, 2 snapshots), so the tests do not depend on data/demo having been generated.
    Read-only, as there."""
    return small_demo_root


def warm_up(base_url: str) -> None:
    """Serve one page before the tests type anything: the first run builds the query engine,
    which would otherwise count against the first test's timeouts. (ui.shell.server has already left
    Streamlit's legacy pages/ mode; test_cold_start_browser.py checks a server with no warm-up.)"""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        return
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = chromium.new_page()
        page.goto(base_url)
        page.get_by_role("button", name="Se connecter").wait_for(timeout=TIMEOUT_MS * 2)
        page.wait_for_timeout(1000)
        chromium.close()


@contextmanager
def serve_portal(audit_dir: Path, data_root: Path, warm: bool = True):
    """The README's start command in demo mode, on a free port, with a temporary audit trail and
    the state store beside it (`loadtest.server.serve`, the load harness's server)."""
    unset = ("PEUPLEMENT_COOKIE_KEY", "PEUPLEMENT_DATABASE_URL")
    # loopback only, like the load harness (a test portal is never reachable from the network)
    running = serve(audit_dir, data_root, seconds=STARTUP_SECONDS, unset=unset)
    with running as (base_url, _):
        if warm:
            warm_up(base_url)
        yield base_url, audit_dir / "audit.jsonl"


@pytest.fixture(scope="module")
def portal(tmp_path_factory, demo_data_root):
    """The portal of the module's tests: (base URL, audit file)."""
    with serve_portal(tmp_path_factory.mktemp("audit"), demo_data_root) as running:
        yield running


@pytest.fixture(scope="session")
def running_portal():
    """`serve_portal`, for a test that needs a server of its own (a fresh process)."""
    return serve_portal


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} introuvable : installez Chromium avec `apt-get install chromium`.")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)  # the first run builds the query engine
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
