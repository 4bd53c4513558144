"""``python -m loadtest --sessions N [N ...] [--root DIR] [--processes P] [--spread S] [--first-visit]
[--browser headless-shell|chromium] [--out FILE]`` (see the package docstring): the portal is always started here, on loopback."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from statistics import median

from loadtest.proxy import behind_proxy
from loadtest.server import CpuProbe, MachineProbe, ServerProbe, serve
from queries.settings import DEMO_DATA_ROOT

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
MAX_SESSIONS = 50
MAX_PROCESSES = 8
MAX_SPREAD_S = 600.0
# A part of Accueil's time, reported beside the pages and not counted as a view: from the address
# typed to the login form on screen (the portal's page and scripts loaded, the first run drawn).
FORM = "Formulaire de connexion"
ACTION_WAIT_MS = 20_000  # a click whose page has not come by then, with no run in progress, is lost
PAGE_LIMIT_MS = 120_000  # a page not ready after this is an error


async def _ready(page, title: str, timeout_ms: int) -> None:
    main = page.get_by_test_id("stMain")
    await main.locator("h1", has_text=title).first.wait_for(timeout=timeout_ms)
    deadline = time.monotonic() + timeout_ms / 1000
    quiet = 0
    while quiet < 3:  # three looks 100 ms apart with no run in progress
        if time.monotonic() > deadline:
            raise TimeoutError(f"« {title} » toujours en cours d'exécution")
        quiet = 0 if await _busy(page) else quiet + 1
        await page.wait_for_timeout(100)


async def _busy(page) -> bool:
    """A script run in progress (Streamlit's status widget or a spinner on screen)."""
    found = await page.get_by_test_id("stStatusWidget").count()
    return bool(found + await page.get_by_test_id("stSpinner").count())


async def _arrived(page, title: str, began: float) -> bool:
    """Wait for the page a click asked for: True once it is ready; False when it has not come
    after ACTION_WAIT_MS and no run is in progress (the click was lost: nothing is working on
    it). A run still in progress is a slow page, not a lost click: waited for, up to the limit."""
    while True:
        try:
            await _ready(page, title, ACTION_WAIT_MS)
            return True
        except Exception:
            if time.perf_counter() - began > PAGE_LIMIT_MS / 1000:
                raise
            if not await _busy(page):
                return False


async def _session(
    browser,
    base_url: str,
    index: int,
    results: list,
    start: asyncio.Event,
    ready: asyncio.Queue,
    returning: bool,
    arrival: float = 0.0,
) -> None:
    username, password = ACCOUNTS[index % len(ACCOUNTS)]
    context = await browser.new_context(viewport={"width": 1440, "height": 900})
    page = await context.new_page()
    try:
        if returning:  # a browser that has seen the portal: its static files in the HTTP cache
            await page.goto(base_url, timeout=PAGE_LIMIT_MS)
            await page.get_by_role("button", name="Se connecter").wait_for(timeout=PAGE_LIMIT_MS)
            await page.goto("about:blank")
        await ready.put(index)
        await start.wait()
        await asyncio.sleep(arrival)  # 0 for all: every session at the same moment
        began = time.perf_counter()
        await page.goto(base_url, timeout=PAGE_LIMIT_MS)
        login = page.get_by_role("button", name="Se connecter")
        await login.wait_for(timeout=PAGE_LIMIT_MS)
        results.append((FORM, username, time.perf_counter() - began, 0, None))
        await page.get_by_label("Identifiant").fill(username)
        await page.get_by_label("Mot de passe").fill(password)
        lost = 0
        while True:
            await login.click()
            if await _arrived(page, "Accueil", began):
                break
            lost += 1
        results.append(("Accueil", username, time.perf_counter() - began, lost, None))
        for link, title in PAGES:
            began, lost = time.perf_counter(), 0
            sidebar = page.get_by_test_id("stSidebar").get_by_role("link", name=link)
            while True:
                await sidebar.click(timeout=PAGE_LIMIT_MS)
                if await _arrived(page, title, began):
                    break
                lost += 1
            results.append((title, username, time.perf_counter() - began, lost, None))
    except Exception as exc:  # recorded, the other sessions go on
        results.append(("erreur", username, None, 0, f"{type(exc).__name__}: {exc}"[:200]))
    finally:
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


async def _run(
    base_url: str,
    sessions: int,
    *,
    browser_path: str = BROWSERS["chromium"],
    returning: bool = True,
    on_start=lambda: None,
    spread_s: float = 0.0,
) -> list:
    """`sessions` browser sessions started at the same moment, or evenly over `spread_s` seconds;
    `on_start()` is called just before the first (the probes are reset there). Returning visitors
    (the default) have the portal's static files in their browser's cache, as Streamlit serves
    them `immutable` for a year; first-time visitors (`returning=False`) download them during the
    measured login."""
    from playwright.async_api import async_playwright

    results: list = []
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=browser_path, args=CHROMIUM_ARGS)
        start, ready = asyncio.Event(), asyncio.Queue()
        tasks = [
            asyncio.create_task(
                _session(browser, base_url, i, results, start, ready, returning, arrival)
            )
            for i, arrival in enumerate(arrivals(sessions, spread_s))
        ]
        for _ in range(sessions):  # every context ready: all sessions start at the same moment
            await ready.get()
        await asyncio.sleep(1)  # the previous visits' sessions end on the server
        on_start()
        start.set()
        await asyncio.gather(*tasks)
        await browser.close()
    return results


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _times(values: list[float]) -> dict:
    return {
        "n": len(values),
        "p50_s": median(values),
        "p95_s": _percentile(values, 0.95),
        "max_s": max(values),
    }


def summary(
    results: list,
    sessions: int,
    cpu_s: float,
    peak_rss_mb: float,
    machine_cpu_s: float | None = None,
    spread_s: float = 0.0,
) -> dict:
    pages = {}
    for title in ["Accueil", *(t for _, t in PAGES)]:
        times = [r[2] for r in results if r[0] == title]
        if times:
            pages[title] = _times(times)
    form = [r[2] for r in results if r[0] == FORM]
    views = sum(p["n"] for p in pages.values())
    return {
        "sessions": sessions,
        "pages": pages,
        "login_form": _times(form) if form else None,
        "errors": [r[4] for r in results if r[4]],
        "lost_actions": sum(r[3] for r in results),
        "page_views": views,
        "server_cpu_s": cpu_s,
        "server_cpu_s_per_view": cpu_s / views if views else None,
        "server_peak_rss_mb": peak_rss_mb,
        # the whole machine's CPU over the run, less the server's: the browsers and the harness
        # (on a real day they run on the users' own machines)
        "other_cpu_s": None if machine_cpu_s is None else machine_cpu_s - cpu_s,
        "spread_s": spread_s,
        "machine": f"{platform.machine()}, {os.cpu_count()} cœurs, charge {os.getloadavg()[0]:.1f}",
    }


def markdown(found: dict) -> str:
    spread = found.get("spread_s") or 0
    arrival = f"arrivées étalées sur {spread:g} s" if spread else "toutes au même instant"
    browser = f", navigateur {found['browser']}" if found.get("browser") else ""
    lines = [
        f"Sessions : {found['sessions']} ({arrival}), {found.get('visitors', 'habitués')}, "
        f"{found.get('processes', 1)} processus serveur ({found['machine']}){browser}",
        "",
        "| page | vues | médiane (s) | p95 (s) | max (s) |",
        "|---|---|---|---|---|",
    ]
    for title, p in found["pages"].items():
        lines.append(
            f"| {title} | {p['n']} | {p['p50_s']:.2f} | {p['p95_s']:.2f} | {p['max_s']:.2f} |"
        )
    form = found.get("login_form")
    if form:
        lines += [
            "",
            f"dont « {FORM} » (adresse saisie → formulaire affiché) : médiane "
            f"{form['p50_s']:.2f} s, p95 {form['p95_s']:.2f} s, max {form['max_s']:.2f} s",
        ]
    per_view = found["server_cpu_s_per_view"]
    lines += [
        "",
        f"Erreurs : {len(found['errors'])} ; actions perdues (clic refait) : {found['lost_actions']}",
        f"Serveur : {found['server_cpu_s']:.1f} s de CPU"
        + (f", {per_view:.2f} s par vue" if per_view is not None else "")
        + f" ; mémoire résidente maximale {found['server_peak_rss_mb']:.0f} Mo",
    ]
    other = found.get("other_cpu_s")
    if other is not None and found["page_views"]:
        lines.append(
            f"Navigateurs et banc (même machine) : {other:.1f} s de CPU, "
            f"{other / found['page_views']:.2f} s par vue"
        )
    lines += [f"- {e}" for e in found["errors"][:10]]
    return "\n".join(lines)


def _reset(probes: list[CpuProbe]) -> None:
    for probe in probes:
        probe.reset()


@contextmanager
def _servers(state: Path, root: Path, processes: int) -> Iterator[tuple[str, list]]:
    """One server process, or several behind HAProxy (loadtest/proxy.py)."""
    if processes == 1:
        with serve(state, root) as (base_url, process):
            yield base_url, [process]
    else:
        with behind_proxy(state, root, processes) as (base_url, servers):
            yield base_url, servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--root", type=Path, default=DEMO_DATA_ROOT, help="racine de données")
    parser.add_argument("--out", type=Path, help="écrit aussi FICHIER.json")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="processus serveur derrière HAProxy, sessions collantes (défaut : 1, sans proxy)",
    )
    parser.add_argument(
        "--first-visit",
        action="store_true",
        help="navigateurs neufs : les fichiers statiques du portail sont téléchargés pendant la "
        "connexion mesurée (par défaut : navigateurs qui ont déjà ouvert le portail)",
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        metavar="S",
        help="arrivées étalées : les sessions commencent à intervalles réguliers sur S secondes "
        "(défaut : 0, toutes au même instant)",
    )
    parser.add_argument(
        "--browser",
        choices=list(BROWSERS),
        default=default_browser(),
        help="navigateur des sessions (défaut : headless-shell s'il est installé, sinon chromium)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.spread <= MAX_SPREAD_S:
        parser.error(f"--spread : entre 0 et {MAX_SPREAD_S:g} secondes")
    if any(not 1 <= n <= MAX_SESSIONS for n in args.sessions):
        parser.error(f"--sessions : entre 1 et {MAX_SESSIONS}")
    if not 1 <= args.processes <= MAX_PROCESSES:
        parser.error(f"--processes : entre 1 et {MAX_PROCESSES}")
    browser_path = BROWSERS[args.browser]
    if not Path(browser_path).exists():
        parser.error(f"{browser_path} introuvable : apt-get install {PACKAGES[args.browser]}")
    reports = []
    for sessions in args.sessions:
        with (
            tempfile.TemporaryDirectory(prefix="peuplement-load-") as state,
            _servers(Path(state), args.root, args.processes) as (base_url, processes),
        ):
            probes = [ServerProbe(process.pid) for process in processes]
            machine = MachineProbe()
            for _ in processes:  # warm: the engine and caches of one scope, in each process
                asyncio.run(_run(base_url, 1, browser_path=browser_path))

            results = asyncio.run(
                _run(
                    base_url,
                    sessions,
                    browser_path=browser_path,
                    returning=not args.first_visit,
                    on_start=functools.partial(_reset, [*probes, machine]),
                    spread_s=args.spread,
                )
            )
            found = summary(
                results,
                sessions,
                sum(probe.cpu_seconds() for probe in probes),
                max(probe.peak_rss_mb() for probe in probes),
                machine_cpu_s=machine.cpu_seconds(),
                spread_s=args.spread,
            )
            found["visitors"] = "premiers visiteurs" if args.first_visit else "habitués"
            found["processes"] = args.processes
            found["browser"] = args.browser
        print(markdown(found) + "\n", flush=True)
        reports.append(found)
    if args.out:
        args.out.write_text(json.dumps(reports, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if any(r["errors"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
