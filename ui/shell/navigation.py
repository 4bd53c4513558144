"""The navigation menu: French titles and icons of the pages, filtered by `ui.shell.access`.

A page the role may not open is never given to `st.navigation`: its file cannot run, even by
typing its URL. In its place, under the same URL, a hidden page that runs no page code says
« page non autorisée pour votre rôle » and records `access_refused` (Streamlit would otherwise
serve the home page without a word). Each page also checks access itself (`ui.shell.guard`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from ui.shell.access import can_open

PAGES_DIR = Path(__file__).resolve().parents[2] / "pages"


@dataclass(frozen=True)
class PageEntry:
    page_id: str  # also the file name in pages/ and the URL path
    title: str
    icon: str
    section: str


# Same pages as ui.shell.access.PAGE_IDS, in menu order (a test checks both lists agree).
PAGES = (
    PageEntry("accueil", "Accueil", ":material/home:", "Pilotage"),
    PageEntry("tableau_de_bord", "Tableau de bord", ":material/dashboard:", "Pilotage"),
    PageEntry("objectifs", "Objectifs et alertes", ":material/flag:", "Pilotage"),
    PageEntry("evolution", "Évolution", ":material/trending_up:", "Pilotage"),
    PageEntry("carte", "Carte", ":material/map:", "Pilotage"),
    PageEntry("concertation", "Concertation", ":material/forum:", "Pilotage"),
    PageEntry("residence", "Résidence", ":material/apartment:", "Attributions"),
    PageEntry("aide_attribution", "Aide à l'attribution", ":material/how_to_reg:", "Attributions"),
    PageEntry("catalogue", "Catalogue des indicateurs", ":material/menu_book:", "Référence"),
    PageEntry(
        "administration", "Administration", ":material/admin_panel_settings:", "Administration"
    ),
    PageEntry("objectifs_edition", "Objectifs locaux", ":material/edit_note:", "Administration"),
)


def page_path(page_id: str) -> Path:
    return PAGES_DIR / f"{page_id}.py"


def allowed_pages(role: str, refuse: Callable[[str], None]) -> dict[str, list[st.Page]]:
    """The pages `role` may open, by section, as `st.navigation` takes them; the others are hidden
    stand-ins that call `refuse(page_id)` when their URL is typed (`ui.shell.guard.refuse_by_url`,
    passed in by Home.py: the guard imports this module, not the other way round)."""
    sections: dict[str, list[st.Page]] = {}
    refused: list[st.Page] = []
    for entry in PAGES:
        if can_open(role, entry.page_id):
            page = st.Page(
                page_path(entry.page_id),
                title=entry.title,
                icon=entry.icon,
                url_path=entry.page_id,
                default=entry.page_id == "accueil",
            )
            sections.setdefault(entry.section, []).append(page)
        else:
            refused.append(
                st.Page(
                    _refusal(entry.page_id, refuse),
                    title=entry.title,
                    url_path=entry.page_id,
                    visibility="hidden",
                )
            )
    if refused:  # no section title: hidden pages only, nothing shows in the menu
        sections[""] = refused
    return sections


def _refusal(page_id: str, refuse: Callable[[str], None]):
    """The hidden stand-in of a page the role may not open."""

    def refused() -> None:
        refuse(page_id)

    refused.__name__ = f"refus_{page_id}"
    return refused


def login_page() -> st.Page:
    """The only page while nobody is logged in (the form itself is drawn by Home.py)."""
    return st.Page(_connexion, title="Connexion", icon=":material/login:", url_path="connexion")


def _connexion() -> None:
    """Nothing more to draw: the login form is above, in the entrypoint."""


def leave_legacy_pages_mode() -> None:
    """Rerun at once if Streamlit is still in its legacy `pages/` folder mode.

    Because our pages live in a folder named `pages/` next to Home.py, Streamlit (1.67) starts each
    server process in its pre-`st.navigation` mode: until the first `st.navigation` call, the
    first run lists every file of `pages/` in the menu, runs a deep-linked page without Home.py (so
    without the cookie login), and draws the login form along a path that the next run remounts,
    erasing what the user typed. `st.navigation` switches that mode off for the whole process; we
    switch it off first and rerun before drawing anything. Called by Home.py and by every page
    guard. (The flag is Streamlit's own, not public API; absent, this does nothing.)
    """
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        st.rerun()
