"""Shared fixtures of the browser tests: the README's start command on a small demo root, and
Debian's headless Chromium driven by Playwright (Playwright's own browser download is not used).

A test module may define fixtures of the same name; its own then take precedence.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.browser.support import CHROMIUM

ROOT = Path(__file__).resolve().parents[2]
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(base_url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"le serveur s'est arrêté (code {process.returncode})")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{base_url}/_stcore/health ne répond pas après {STARTUP_SECONDS} s")


@pytest.fixture(scope="module")
def demo_data_root(tmp_path_factory):
    """A small root from the demo generator (the same code as `peuplement demo`), so the tests do
    not depend on data/demo having been generated."""
    from ingest.demo import generate

    return generate(tmp_path_factory.mktemp("demo") / "root", logements=3000, snapshots=2).out


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
    """The README's start command in demo mode, on a free port, with a temporary audit trail."""
    port = free_port()
    env = {
        **os.environ,
        "PEUPLEMENT_DEMO": "1",
        "PEUPLEMENT_AUDIT_FILE": str(audit_dir / "audit.jsonl"),
        "PEUPLEMENT_DATA_DIR": str(data_root),
    }
    env.pop("PEUPLEMENT_COOKIE_KEY", None)
    env.pop("PEUPLEMENT_USERS_FILE", None)
    env.pop("PEUPLEMENT_DATABASE_URL", None)  # the state store beside the temporary audit trail
    # `make run`'s server, run by this venv's Python: a fresh machine has uv only in .tools/
    command = [sys.executable, "-m", "ui.shell.server"]
    command += ["--server.headless", "true", "--server.port", str(port)]
    with (audit_dir / "server.log").open("w") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(base_url, process)
            if warm:
                warm_up(base_url)
            yield base_url, audit_dir / "audit.jsonl"
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # our own process group only
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


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
