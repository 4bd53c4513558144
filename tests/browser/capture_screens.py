"""Screenshots at 1440 × 900 and page-ready times (warm, one user) of the main screens, on a data
root (the full demo by default), as the demo manager and the demo partner.

    .venv/bin/python -m tests.browser.capture_screens [--data data/demo] [--out docs/captures]

Starts the portal as the browser tests do (`ui.shell.server`, demo mode, its own port and audit trail),
logs in, opens each page twice from the sidebar and times the second opening: from the click to
the page's title shown with no script run in progress (spinner and running indicator gone),
the click made from another page (Accueil, or the Catalogue for Accueil itself).
Prints one line per page and role, and writes timings.json next to the screenshots.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from tests.browser.conftest import CHROMIUM_ARGS, serve_portal
from tests.browser.support import ACCOUNTS, CHROMIUM, log_in, open_page, wait_for_run

VIEWPORT = {"width": 1440, "height": 900}
PAGES = [  # (sidebar link, page title, file stem)
    ("Accueil", "Accueil", "accueil"),
    ("Tableau de bord", "Tableau de bord", "tableau_de_bord"),
    ("Objectifs et alertes", "Objectifs et alertes", "objectifs"),
    ("Évolution", "Évolution", "evolution"),
    ("Carte", "Carte", "carte"),
    ("Résidence", "Fiche résidence", "residence"),
    ("Aide à l'attribution", "Aide à l'attribution", "aide_attribution"),
    ("Catalogue des indicateurs", "Catalogue des indicateurs", "catalogue"),
]
T1_LABEL = "1er quartile hors QPV"
CATALOGUE = ("Catalogue des indicateurs", "Catalogue des indicateurs")


def ready_after(page, link: str, title: str) -> float:
    """Seconds from the click on `link` to `title` shown and the run over."""
    main = page.get_by_test_id("stMain")
    start = time.perf_counter()
    page.get_by_test_id("stSidebar").get_by_role("link", name=link).click()
    main.locator("h1", has_text=title).first.wait_for(timeout=60_000)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=stSpinner]') && "
        "!document.querySelector('[data-testid=stStatusWidget]')",
        timeout=60_000,
        polling=50,
    )
    return time.perf_counter() - start


def pick_option(page, container, text: str) -> None:
    container.click()
    page.keyboard.type(text)
    page.get_by_role("option", name=text).first.click()
    wait_for_run(page)


def run(data: Path, out: Path) -> dict:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    timings: dict[str, dict[str, float]] = {}
    with (
        tempfile.TemporaryDirectory() as audit,
        serve_portal(Path(audit), data) as (url, _),
        sync_playwright() as playwright,
    ):
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for role in ("manager", "partenaire"):
            context = chromium.new_context(viewport=VIEWPORT, locale="fr-FR")
            page = context.new_page()
            page.set_default_timeout(60_000)
            log_in(page, url, *ACCOUNTS[role])
            timings[role] = {}
            links = page.get_by_test_id("stSidebar").get_by_role("link")
            shown = {links.nth(i).inner_text().strip() for i in range(links.count())}
            for link, title, stem in PAGES:
                if not any(text.endswith(link) for text in shown):  # icon names come first
                    continue
                open_page(page, link, title)  # first opening: fills the caches
                # then from another page, so the click really changes page
                other = ("Accueil", "Accueil") if link != "Accueil" else CATALOGUE
                open_page(page, *other)
                seconds = ready_after(page, link, title)
                timings[role][stem] = round(seconds, 2)
                print(f"{role:10} {title:30} {seconds:5.2f} s", flush=True)
                page.wait_for_timeout(1200)  # charts and grids draw after the run
                if stem in ("accueil", "tableau_de_bord", "objectifs", "carte"):
                    page.screenshot(path=str(out / f"{stem}_{role}.png"))
                if stem == "carte":
                    main = page.get_by_test_id("stMain")
                    box = main.get_by_test_id("stSelectbox").filter(
                        has_text="Couleur des résidences"
                    )
                    pick_option(page, box, T1_LABEL)
                    page.wait_for_timeout(2500)  # deck.gl draws on the next frames
                    page.screenshot(path=str(out / f"carte_t1_{role}.png"))
                if stem == "aide_attribution":
                    commission_sheet(page, out, role)
            context.close()
        chromium.close()
    (out / "timings.json").write_text(json.dumps(timings, indent=2, ensure_ascii=False) + "\n")
    return timings


def commission_sheet(page, out: Path, role: str) -> None:
    """Pick the first vacant dwelling, download the printable sheet and shoot it at 1440 × 900."""
    main = page.get_by_test_id("stMain")
    box = main.get_by_test_id("stSelectbox").filter(has_text="Logement à étudier")
    box.click()
    page.get_by_role("option").first.click()
    wait_for_run(page)
    page.wait_for_timeout(1500)
    page.screenshot(path=str(out / f"aide_attribution_{role}.png"))
    button = main.get_by_role("button", name="Fiche imprimable (HTML)")
    with page.expect_download() as download:
        button.click()
    html = out / f"fiche_commission_{role}.html"
    download.value.save_as(html)
    sheet = page.context.new_page()
    sheet.goto(html.resolve().as_uri())
    sheet.wait_for_timeout(500)
    sheet.screenshot(path=str(out / f"fiche_commission_{role}.png"))
    sheet.close()
    html.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("data/demo"))
    parser.add_argument("--out", type=Path, default=Path("docs/captures"))
    args = parser.parse_args()
    run(args.data.resolve(), args.out)


if __name__ == "__main__":
    main()
