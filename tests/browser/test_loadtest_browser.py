"""The load harness's judgements, in a real browser (loadtest/sessions.py).

- Readiness (READY_JS), on a page made by hand: the title must be shown and no run in progress for
  three looks in a row, and a run starting and ending between two looks still counts.
- A map is drawn once its WebGL canvas has made a draw call (DRAWS_JS marks it), on a page made
  by hand and on the portal's Carte.
- A returning visitor (`earlier_visit`) loads every file of its visit from its cache.
- A click taken (`_RunRequests`), on the portal itself: with the server stopped, the page shows
  nothing after a click, but the browser has sent its request for a run.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import pytest

from loadtest.server import serve
from loadtest.sessions import (
    ACCOUNTS,
    BROWSERS,
    CHROMIUM_ARGS,
    DRAWS_JS,
    FORM,
    MAP_CANVAS,
    MAP_DRAWN,
    PAGES,
    _busy,
    _ready,
    _RunRequests,
    _visit,
    earlier_visit,
    run,
)

pytestmark = pytest.mark.browser

PAGE = """<html><body>
<div data-testid="stMain"><h1 id="title">  Objectifs et
  alertes </h1></div>
<div id="status" data-testid="stStatusWidget">Running…</div>
</body></html>"""


def _browser() -> str:
    for path in BROWSERS.values():
        if Path(path).exists():
            return path
    pytest.skip("ni chromium ni chromium-headless-shell : apt-get install chromium")


async def _with_page(check) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=_browser(), args=CHROMIUM_ARGS)
        page = await browser.new_page()
        await page.set_content(PAGE)
        try:
            await check(page)
        finally:
            await browser.close()


def test_ready_waits_for_the_run_to_end_then_three_quiet_looks():
    async def check(page):
        assert await _busy(page)
        began = time.perf_counter()
        waiting = asyncio.create_task(_ready(page, "Objectifs et alertes", 5_000))
        await asyncio.sleep(0.6)
        assert not waiting.done()  # the title is shown, but a run is in progress
        await page.evaluate("document.getElementById('status').remove()")
        await waiting
        # three looks 100 ms apart after the run ended at 0.6 s (timers are not exact)
        assert 0.8 <= time.perf_counter() - began < 2.5
        assert not await _busy(page)

    asyncio.run(_with_page(check))


def test_a_run_between_two_looks_breaks_the_quiet_spell():
    async def check(page):
        await page.evaluate("document.getElementById('status').remove()")
        # runs of a moment (removed by the next task) every 150 ms for 1.5 s: the looks 100 ms apart
        # all but never see one; the page's observer sees each, and no three looks fit between two
        await page.evaluate(
            """() => {
              const flash = () => {
                const s = document.createElement('div');
                s.setAttribute('data-testid', 'stSpinner');
                document.body.appendChild(s);
                setTimeout(() => s.remove(), 0);
              };
              const every = setInterval(flash, 150);
              setTimeout(() => clearInterval(every), 1500);
              flash();
            }"""
        )
        began = time.perf_counter()
        await _ready(page, "Objectifs et alertes", 5_000)
        assert time.perf_counter() - began >= 1.4

    asyncio.run(_with_page(check))


def test_a_title_not_shown_is_a_timeout():
    async def check(page):
        await page.evaluate("document.getElementById('status').remove()")
        with pytest.raises(TimeoutError, match="Carte"):
            await _ready(page, "Carte", 600)
        await page.evaluate("document.getElementById('title').style.display = 'none'")
        with pytest.raises(TimeoutError):  # hidden is not shown
            await _ready(page, "Objectifs et alertes", 600)
        await page.evaluate("document.getElementById('title').style.display = ''")
        await _ready(page, "objectifs ET alertes", 2_000)  # as Playwright's has_text matches

    asyncio.run(_with_page(check))


MAP_PAGE = """<html><body>
<div data-testid="stMain"><h1>Carte</h1></div>
<div data-testid="stDeckGlJsonChart"><canvas id="map" width="64" height="64"></canvas></div>
</body></html>"""


def test_a_map_is_drawn_once_its_canvas_has_made_a_draw_call():
    async def check(page):
        await page.set_content(MAP_PAGE)
        await page.add_script_tag(content=DRAWS_JS)
        await _ready(page, "Carte", 2_000)  # the page is ready: title shown, no run
        gl = "document.getElementById('map').getContext('webgl')"
        await page.evaluate(f"() => {{ const gl = {gl}; gl.clear(gl.COLOR_BUFFER_BIT); }}")
        with pytest.raises(TimeoutError, match="Carte"):  # but its canvas was only cleared
            await _ready(page, "Carte", 600, canvas=MAP_CANVAS)
        await page.evaluate(f"() => {{ const gl = {gl}; gl.drawArrays(gl.POINTS, 0, 1); }}")
        await _ready(page, "Carte", 2_000, canvas=MAP_CANVAS)
        await page.evaluate("document.getElementById('map').remove()")
        with pytest.raises(TimeoutError):  # no map at all: nothing drawn
            await _ready(page, "Carte", 600, canvas=MAP_CANVAS)

    asyncio.run(_with_page(check))


def test_a_click_the_stopped_server_has_not_answered_is_taken_not_lost(tmp_path, demo_data_root):
    async def check(base_url, server):
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=_browser(), args=CHROMIUM_ARGS
            )
            page = await browser.new_page()
            requests = _RunRequests(page)
            await page.goto(base_url)
            username, password = ACCOUNTS[0]
            await page.get_by_label("Identifiant").fill(username, timeout=60_000)
            await page.get_by_label("Mot de passe").fill(password)
            clicked = time.perf_counter()
            await page.get_by_role("button", name="Se connecter").click()
            await _ready(page, "Accueil", 60_000)
            assert await requests.taken(clicked)()  # the login's request

            os.kill(server.pid, signal.SIGSTOP)
            try:
                clicked = time.perf_counter()
                link = page.get_by_test_id("stSidebar").get_by_role("link", name="Carte")
                await link.click()
                await page.wait_for_timeout(1_500)
                # nothing on the page says the click was taken: no run shown, still Accueil
                assert not await _busy(page)
                with pytest.raises(TimeoutError):
                    await _ready(page, "Carte", 500)
                assert await requests.taken(clicked)()  # but the request for a run was sent
            finally:
                os.kill(server.pid, signal.SIGCONT)
            await _ready(page, "Carte", 60_000)  # and it is answered once the server runs
            await browser.close()

    with serve(tmp_path, demo_data_root) as (base_url, server):
        asyncio.run(check(base_url, server))


def test_a_session_drawing_maps_stays_until_the_portals_map_has_drawn(tmp_path, demo_data_root):
    with serve(tmp_path, demo_data_root) as (base_url, _):
        drawn = asyncio.run(run(base_url, 1, browser_path=_browser(), draw_maps=True))
        plain = asyncio.run(run(base_url, 1, browser_path=_browser()))
    assert [r[4] for r in drawn + plain if r[4]] == []
    # the deck.gl map drew through the marked WebGL calls (else its wait ended in an error)
    seconds = {name: time_s for name, _, time_s, _, _ in drawn}
    assert seconds[MAP_DRAWN] > seconds["Carte"] > 0
    assert [name for name, *_ in plain] == [FORM, "Accueil", *(t for _, t in PAGES)]


def test_a_returning_visitor_loads_every_file_of_its_visit_from_its_cache(tmp_path, demo_data_root):
    async def measured_visit(browser, base_url, returning: bool) -> tuple[list[str], list[str]]:
        """(files from the network, files from the cache) of a visit's portal files."""
        context = await browser.new_context()
        if returning:
            await earlier_visit(context, base_url, ACCOUNTS[1])
        page = await context.new_page()
        cdp = await context.new_cdp_session(page)
        await cdp.send("Network.enable")
        urls, cached = {}, set()
        cdp.on(
            "Network.requestWillBeSent",
            lambda e: urls.update({e["requestId"]: e["request"]["url"]}),
        )
        cdp.on("Network.requestServedFromCache", lambda e: cached.add(e["requestId"]))
        cdp.on(
            "Network.responseReceived",
            lambda e: cached.add(e["requestId"]) if e["response"].get("fromDiskCache") else None,
        )
        await page.add_init_script(DRAWS_JS)
        await _visit(page, base_url, ACCOUNTS[1], _RunRequests(page), lambda *_: None)
        # the map's last scripts load after the Carte is ready: the visit ends with the map drawn
        await _ready(page, "Carte", 60_000, canvas=MAP_CANVAS)
        await context.close()
        files = {i: u for i, u in urls.items() if "/static/" in u}
        return (
            [u for i, u in files.items() if i not in cached],
            [u for i, u in files.items() if i in cached],
        )

    async def check(base_url):
        from playwright.async_api import async_playwright

        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=_browser(), args=CHROMIUM_ARGS
            )
            fetched, _ = await measured_visit(browser, base_url, returning=False)
            assert any("DeckGlJsonChart" in url for url in fetched)  # a new browser downloads
            fetched, cached = await measured_visit(browser, base_url, returning=True)
            assert fetched == []
            assert any("DeckGlJsonChart" in url for url in cached)  # the map's scripts too
            await browser.close()

    with serve(tmp_path, demo_data_root) as (base_url, _):
        asyncio.run(check(base_url))
