"""Warming after a publication, as the pages meet it (issue 18): on a copy of the small demo root,
a direction opens Accueil, the Tableau de bord and the Carte; a new snapshot is published; `python -m
warmup` runs in its own process; then, with this process's in-memory cache emptied (a restart),
the same pages compute none of the answers that were kept before the publication: they read
what the warming kept, on the new latest snapshot."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import streamlit as st

from queries import answers
from queries.engine import open_engine
from tests.apptest_support import ACCOUNTS, checked, logged_in, portal, steady_navigation
from ui.shared import data

pytestmark = pytest.mark.slow  # AppTest of three pages, twice, and a warming process

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["pages/accueil.py", "pages/tableau_de_bord.py", "pages/carte.py"]


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


def open_pages() -> None:
    """Each page inside Home.py's navigation (the Carte links to the Fiche résidence)."""
    at = checked(logged_in(ACCOUNTS["manager"], str(ROOT / "Home.py")).run())
    for page in PAGES:
        checked(at.switch_page(page).run())


def test_the_first_pages_after_a_publication_read_what_the_warming_kept(
    monkeypatch, tmp_path, small_demo_root_5
):
    root = tmp_path / "racine"
    shutil.copytree(small_demo_root_5, root, ignore=shutil.ignore_patterns(".moteur"))
    latest = sorted((root / "snapshots").iterdir())[-1]
    held = tmp_path / latest.name
    shutil.move(latest, held)  # state 1: the four older snapshots
    portal(monkeypatch, tmp_path, root)
    st.cache_data.clear()
    open_pages()
    before = open_engine(root)
    kept = {
        json.loads(p.read_text("utf-8"))["fonction"]
        for p in answers.answers_dir(before).glob(f"*{answers.REQUEST_SUFFIX}")
    }
    before.close()
    assert {
        "ui.shared.kpi_table._compare",
        "ui.shared.kpi_table._kpi_table",  # a KpiTable, kept field by field
        "ui.shared.kpi_targets._targets",  # kept since its filters are text, not tuples
        "ui.shared.data._indicator",
        "ui.screens.carte.map_view._map",  # a MapData, kept field by field
    } <= {k.split("[")[0] for k in kept}

    shutil.move(held, latest)  # the publication: state 2, one snapshot more
    done = subprocess.run(
        [sys.executable, "-m", "warmup", "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Préchauffage : " in done.stdout and "erreur" not in done.stdout, done.stdout
    # Streamlit's bare-mode notices (expected outside a server) are not printed to the publisher
    assert "No runtime found" not in done.stderr and "ScriptRunContext" not in done.stderr

    st.cache_data.clear()  # a server process that never saw these answers
    asked, computed = [], []
    remembered = data.remembered

    def spy(engine, name, request, named, compute):
        asked.append((name, request))

        def counted():
            computed.append(name)
            return compute()

        return remembered(engine, name, request, named, counted)

    monkeypatch.setattr(data, "remembered", spy)
    open_pages()
    latest_day = latest.name.removeprefix("date=")
    # the dashboard's table is read whole (its parts, kept too, are not asked then), on the new
    # latest snapshot
    assert any(latest_day in request for name, request in asked if "_kpi_table" in name)
    parts = {"_compare", "_targets"}  # the table's parts, asked only when it is computed
    outer = {name for name in kept if name.split("[")[0].rsplit(".", 1)[-1] not in parts}
    assert outer <= {name for name, _ in asked}  # every kind of answer a page asks, again…
    assert [name for name in computed if name in kept] == []  # …and read, not computed
