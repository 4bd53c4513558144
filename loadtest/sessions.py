"""The browser sessions of the load harness: each one a Playwright context that logs in with one
of the demo roles and opens the pages through the sidebar, timing each page from the click to its
being ready (its title shown, no script run in progress). A returning visitor (the default) has
made the same visit before, unmeasured, in a tab closed since."""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections.abc import Awaitable, Callable

# The browsers Debian packages: Chromium's headless shell (the one Playwright itself runs headless:
# the same Blink and V8 without the browser's interface: 8 to 19 % less CPU per view measured
# here) and the full browser. The harness uses the first installed, and its report names it.
BROWSERS = {
    "headless-shell": "/usr/bin/chromium-headless-shell",
    "chromium": "/usr/bin/chromium",
}
PACKAGES = {"headless-shell": "chromium-headless-shell", "chromium": "chromium"}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ACCOUNTS = (  # the demo accounts of the README, one per role, used in turn
    ("direction.demo", "Demo-Direction-2026!"),
    ("partenaire.voironnais", "Demo-Voironnais-2026!"),
    ("clientele.demo", "Demo-Clientele-2026!"),
    ("admin.demo", "Demo-Admin-2026!"),
)
PAGES = (  # sidebar link, page title
    ("Tableau de bord", "Tableau de bord"),
    ("Objectifs et alertes", "Objectifs et alertes"),
    ("Carte", "Carte"),
)
# A part of Accueil's time, reported beside the pages and not counted as a view: from the address
# typed to the login form on screen (the portal's page and scripts loaded, the first run drawn).
FORM = "Formulaire de connexion"
# a click whose page has not come by then, with no run in progress and no run asked of the server
# since the click (`_RunRequests`), is lost
ACTION_WAIT_MS = 20_000
PAGE_LIMIT_MS = 120_000  # a page not ready after this is an error


# How a page is judged ready: its title (an h1 of the main area) shown and no script run in progress
# (Streamlit's status widget or a spinner), at LOOKS looks EVERY_MS apart in a row. The looks are
# made by a script in the page itself (`READY_JS`): waiting costs one call to the browser per page,
# not two round trips through the driver and the browser per look. Measured on one page waiting
# (/usr/bin/chromium-headless-shell): 0.06 CPU-s per second of waiting when looking from here,
# under 0.01 in the page. With 30 pages waiting at once on 2 cores, looking from here cost up to
# 1.8 CPU-s per second.
LOOKS = 3
EVERY_MS = 100
BUSY_SELECTOR = '[data-testid="stStatusWidget"], [data-testid="stSpinner"]'
# The map's first drawing (`--draw-maps`), reported beside the Carte (MAP_DRAWN), not counted in
# its time. The Carte is ready when its run has ended and its title shows, as every page; its
# deck.gl canvas comes after, is sized, then draws: 1.5 s later for one user here. That drawing is
# the browser's graphics work, which each user's own graphics card does: here WebGL is software
# (SwiftShader, no GPU), and one browser process draws every session's map on the cores the
# server needs (1.2 to 2 CPU-s per map, measured). So by default a session ends once its Carte is
# ready; with `draw_maps`, it stays until the map has drawn. `DRAWS_JS`, run in every page before
# the portal's scripts, marks a WebGL canvas at its first draw call; `_ready(..., canvas=...)`
# waits for every canvas of the selector to be marked.
MAP_PAGE = "Carte"
MAP_CANVAS = '[data-testid="stDeckGlJsonChart"] canvas'
MAP_DRAWN = "Carte dessinée"
DRAWS_JS = """
(() => {
  const mark = (proto) => {
    for (const name of ["drawArrays", "drawElements", "drawArraysInstanced",
                        "drawElementsInstanced", "drawRangeElements"]) {
      const draw = proto && proto[name];
      if (typeof draw !== "function") continue;
      proto[name] = function (...args) {
        if (this.canvas) this.canvas.__drawn = true;
        return draw.apply(this, args);
      };
    }
  };
  mark(self.WebGLRenderingContext && WebGLRenderingContext.prototype);
  mark(self.WebGL2RenderingContext && WebGL2RenderingContext.prototype);
})();
"""
READY_JS = """
([title, busySelector, looks, everyMs, timeoutMs, canvasSelector]) => new Promise((resolve) => {
  const norm = (text) => (text || "").replace(/\\s+/g, " ").trim().toLowerCase();
  const wanted = norm(title);
  const busy = () => document.querySelector(busySelector) !== null;
  const shown = () => {
    const main = document.querySelector('[data-testid="stMain"]');
    if (!main) return false;
    return [...main.querySelectorAll("h1")].some(
      (h1) => h1.getClientRects().length > 0 && norm(h1.textContent).includes(wanted));
  };
  const drawn = () => {
    if (!canvasSelector) return true;
    const canvases = [...document.querySelectorAll(canvasSelector)];
    return canvases.length > 0 && canvases.every((canvas) => canvas.__drawn === true);
  };
  let quiet = 0;
  // a run that starts and ends between two looks still breaks the quiet spell
  const observer = new MutationObserver(() => { if (busy()) quiet = 0; });
  const stop = (ready) => {
    clearInterval(look); clearTimeout(limit); observer.disconnect(); resolve(ready);
  };
  observer.observe(document.documentElement, {childList: true, subtree: true});
  const look = setInterval(() => {
    quiet = shown() && !busy() && drawn() ? quiet + 1 : 0;
    if (quiet >= looks) stop(true);
  }, everyMs);
  const limit = setTimeout(() => stop(false), timeoutMs);
})
"""


async def _ready(page, title: str, timeout_ms: int, canvas: str | None = None) -> None:
    """Wait for the page `title`, ready (see READY_JS), and every WebGL canvas of the `canvas`
    selector drawn if given; TimeoutError after `timeout_ms`."""
    arg = [title, BUSY_SELECTOR, LOOKS, EVERY_MS, timeout_ms, canvas]
    if not await page.evaluate(READY_JS, arg):
        raise TimeoutError(f"« {title} » pas prête après {timeout_ms / 1000:g} s")


async def _busy(page) -> bool:
    """A script run in progress (Streamlit's status widget or a spinner on screen)."""
    return bool(await page.evaluate("(s) => document.querySelector(s) !== null", BUSY_SELECTOR))


async def _arrived(page, title: str, began: float, taken=None) -> bool:
    """Wait for the page a click asked for: True once it is ready; False when it has not come
    after ACTION_WAIT_MS and no run is in progress (the click was lost: nothing is working on
    it). A run still in progress is a slow page, not a lost click: waited for, up to the limit;
    so is a click that `taken()` shows was taken (a run asked of the server since, see
    `_RunRequests`: clicking again would only queue another run, or look for a login button
    that is no longer there)."""
    while True:
        try:
            await _ready(page, title, ACTION_WAIT_MS)
            return True
        except Exception:
            if time.perf_counter() - began > PAGE_LIMIT_MS / 1000:
                raise
            if await _busy(page):
                continue
            if taken is not None and await taken():  # the click was taken: its page is slow
                continue
            return False


class _RunRequests:
    """When the page last asked its server for a run: Streamlit's `rerun_script` message, which
    the browser sends on the page's websocket at a click on a link or a form's button. A click
    followed by one was taken: the page that has not come yet is late, not lost. The page alone
    cannot tell: with the server stopped (SIGSTOP), it shows neither a run in progress nor
    anything else, yet the request is on the socket (tests/browser/test_loadtest_browser.py)."""

    def __init__(self, page) -> None:
        self.last = -math.inf
        page.on("websocket", lambda socket: socket.on("framesent", self._sent))

    def _sent(self, payload) -> None:
        if isinstance(payload, bytes) and _asks_for_run(payload):
            self.last = time.perf_counter()

    def taken(self, clicked: float) -> Callable[[], Awaitable[bool]]:
        """`taken` for `_arrived`: a run asked for since `clicked` (a login that went through
        asked for one too: its form's button sent it)."""

        async def check() -> bool:
            return self.last >= clicked

        return check


def _asks_for_run(payload: bytes) -> bool:
    """The frame is a `BackMsg` asking for a script run on a user's action (not a heartbeat, a
    file request, nor a fragment's timed rerun)."""
    from google.protobuf.message import DecodeError
    from streamlit.proto.BackMsg_pb2 import BackMsg

    try:
        message = BackMsg.FromString(payload)
    except DecodeError:
        return False
    return message.WhichOneof("type") == "rerun_script" and not message.rerun_script.is_auto_rerun


async def _click_until(page, target, title: str, began: float, requests) -> int:
    """Click `target` until the page `title` comes (see `_arrived`); the clicks made again."""
    lost = 0
    while True:
        clicked = time.perf_counter()
        await target.click(timeout=PAGE_LIMIT_MS)
        if await _arrived(page, title, began, taken=requests.taken(clicked)):
            return lost
        lost += 1


async def _visit(
    page, base_url: str, account: tuple[str, str], requests, record, *, draw_maps=False
):
    """Log in with `account` and open PAGES from the sidebar, as a user does; `record(name,
    seconds, clicks made again)` at each step: the login form, each page ready, and the map
    drawn if `draw_maps` (the page must then run DRAWS_JS)."""
    username, password = account
    began = time.perf_counter()
    await page.goto(base_url, timeout=PAGE_LIMIT_MS)
    login = page.get_by_role("button", name="Se connecter")
    await login.wait_for(timeout=PAGE_LIMIT_MS)
    record(FORM, time.perf_counter() - began, 0)
    await page.get_by_label("Identifiant").fill(username)
    await page.get_by_label("Mot de passe").fill(password)
    lost = await _click_until(page, login, "Accueil", began, requests)
    record("Accueil", time.perf_counter() - began, lost)
    for link, title in PAGES:
        began = time.perf_counter()
        sidebar = page.get_by_test_id("stSidebar").get_by_role("link", name=link)
        lost = await _click_until(page, sidebar, title, began, requests)
        record(title, time.perf_counter() - began, lost)
        if draw_maps and title == MAP_PAGE:
            left_ms = PAGE_LIMIT_MS - (time.perf_counter() - began) * 1000
            await _ready(page, title, max(0, round(left_ms)), canvas=MAP_CANVAS)
            record(MAP_DRAWN, time.perf_counter() - began, 0)


async def earlier_visit(context, base_url: str, account: tuple[str, str]) -> None:
    """What makes a browser a returning visitor: the same visit made before, unmeasured, in a tab
    closed since (a new tab does not reuse its renderer process, nor the scripts it compiled),
    which leaves every file the pages load in the HTTP cache; then logged out (its cookie
    cleared), so the next visit logs in again. It waits for the map drawn: deck.gl loads its last
    scripts (the WebGL device) after its canvas is mounted, and the Carte is ready before that."""
    earlier = await context.new_page()
    await earlier.add_init_script(DRAWS_JS)
    await _visit(earlier, base_url, account, _RunRequests(earlier), lambda *_: None, draw_maps=True)
    await earlier.close()
    await context.clear_cookies()


async def _session(
    browser,
    base_url: str,
    index: int,
    results: list,
    start: asyncio.Event,
    ready: asyncio.Queue,
    returning: bool,
    arrival: float = 0.0,
    draw_maps: bool = False,
) -> None:
    account = ACCOUNTS[index % len(ACCOUNTS)]
    username = account[0]
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    announced = False
    try:
        if returning:
            await earlier_visit(context, base_url, account)
        page = await context.new_page()
        if draw_maps:
            await page.add_init_script(DRAWS_JS)
        requests = _RunRequests(page)
        await ready.put(index)
        announced = True
        await start.wait()
        await asyncio.sleep(arrival)  # 0 for all: every session at the same moment

        def record(name: str, seconds: float, lost: int) -> None:
            results.append((name, username, seconds, lost, None))

        await _visit(page, base_url, account, requests, record, draw_maps=draw_maps)
    except Exception as exc:  # recorded, the other sessions go on
        when = "" if announced else "visite préalable : "
        results.append(("erreur", username, None, 0, f"{when}{type(exc).__name__}: {exc}"[:200]))
    finally:
        if not announced:  # the run waits for every session to be ready, this one included
            await ready.put(index)
        await context.close()


def arrivals(sessions: int, spread_s: float) -> list[float]:
    """When each session starts, in seconds after the first: evenly over `spread_s` (0: all at
    the same moment). « Twenty partners open the portal in the same minute » is 20 over 60 s."""
    if sessions <= 1 or spread_s <= 0:
        return [0.0] * sessions
    return [spread_s * i / (sessions - 1) for i in range(sessions)]


def default_browser(exists: Callable[[str], bool] = os.path.exists) -> str:
    """The first installed of BROWSERS (the headless shell when both are)."""
    return next((name for name, path in BROWSERS.items() if exists(path)), "headless-shell")


async def run(
    base_url: str,
    sessions: int,
    *,
    browser_path: str = BROWSERS["chromium"],
    returning: bool = True,
    draw_maps: bool = False,
    on_start=lambda: None,
    spread_s: float = 0.0,
) -> list:
    """`sessions` browser sessions started at the same moment, or evenly over `spread_s` seconds;
    `on_start()` is called just before the first (the probes are reset there). Returning visitors
    (the default) have visited the same pages before, unmeasured: their browser holds every file
    those pages load, as Streamlit serves them `immutable` for a year; first-time visitors
    (`returning=False`) download them during the measured visit. With `draw_maps`, each session
    stays on the Carte until its map has drawn (MAP_DRAWN)."""
    from playwright.async_api import async_playwright

    results: list = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        start, ready = asyncio.Event(), asyncio.Queue()
        tasks = [
            asyncio.create_task(
                _session(browser, base_url, i, results, start, ready, returning, arrival, draw_maps)
            )
            for i, arrival in enumerate(arrivals(sessions, spread_s))
        ]
        for _ in range(sessions):  # every context ready: all sessions start at the same moment
            await ready.get()
        await asyncio.sleep(2)  # the earlier visits' sessions end on the server
        on_start()
        start.set()
        await asyncio.gather(*tasks)
        await browser.close()
    return results
