"""Names from the data are shown as text and exported as text, on every page.

A small demo root whose commune, EPCI, QPV, residence and building names all start with a
spreadsheet formula and carry a Markdown image, a `javascript:` link and an HTML tag
(tests/poisoned_data.py). Every page is rendered with AppTest, as an admin (every page) and as a
partner (their pages); whatever a page hands to Markdown (texts, captions, labels, tooltips,
headings, alerts, HTML blocks) must carry no image, link or tag built from a name, and the
dashboard and commission exports no live formula.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from google.protobuf.message import Message

from queries.allocation import vacant_dwellings
from queries.engine import open_engine
from semantic.safe_text import spreadsheet_cell
from semantic.scope import Scope
from tests.apptest_support import (
    ACCOUNTS,
    checked,
    kept_media,
    logged_in,
    portal,
    served,
    steady_navigation,
)
from tests.poisoned_data import FORMULA, poison, unsafe_markup
from ui.shell.access import PAGE_IDS, can_open

# Proto fields that Streamlit renders as Markdown or HTML (options and table cells are plain text).
MARKUP_FIELDS = {"body", "label", "help", "caption", "title"}
# Pages that show names as Markdown, where the escaped payload must be found (the test is not
# vacuous); other pages show names only in tables and option lists, or none at all.
NAMES_SHOWN = {"accueil", "objectifs", "carte", "residence", "aide_attribution"}
ESCAPED = r"!\[p\](http\://evil.example"  # the image payload, escaped


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(scope="module")
def poisoned_root(tmp_path_factory, small_demo_root):
    # poisoned in place: a copy of the shared small demo root, never the shared root itself
    return poison(
        Path(shutil.copytree(small_demo_root, tmp_path_factory.mktemp("poison") / "root"))
    )


@pytest.fixture(autouse=True)
def poisoned_portal(monkeypatch, tmp_path, poisoned_root):
    return portal(monkeypatch, tmp_path, poisoned_root)


@pytest.fixture
def media(monkeypatch):
    return kept_media(monkeypatch)


def _strings(message: Message) -> list[str]:
    found = []
    for field, value in message.ListFields():
        repeated = not isinstance(value, str | bytes | Message) and hasattr(value, "__iter__")
        values = value if repeated else [value]
        for item in values:
            if isinstance(item, Message):
                found += _strings(item)
            elif isinstance(item, str) and field.name in MARKUP_FIELDS:
                found.append(item)
    return found


def rendered_markup(at) -> list[str]:
    """Every text of the page that Streamlit renders as Markdown or HTML."""
    texts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            texts.extend(_strings(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return texts


@pytest.fixture(scope="module")
def vacant(poisoned_root) -> dict:
    """A vacant dwelling of the root (and so its residence), to open their cards."""
    engine = open_engine(poisoned_root)
    try:
        return vacant_dwellings(engine, Scope.internal("admin")).iloc[0].to_dict()
    finally:
        engine.close()


def render(page_id: str, role: str, vacant: dict):
    """The page inside the Home.py navigation (so with the sidebar), as `role`; the residence and
    the dwelling pages open one (their cards show the names)."""
    at = logged_in(ACCOUNTS[role], name=ACCOUNTS[role]).run()
    if page_id == "residence":
        at.query_params["residence"] = vacant["residence"]
    at.switch_page(f"pages/{page_id}.py").run()
    if page_id == "aide_attribution":
        at.selectbox(key="aa_logement").set_value(vacant["id_logement"]).run()
    return checked(at)


CASES = [(p, "admin") for p in PAGE_IDS] + [
    (p, "partenaire") for p in PAGE_IDS if can_open("partenaire", p)
]


@pytest.mark.parametrize(("page_id", "role"), CASES, ids=[f"{p}-{r}" for p, r in CASES])
def test_no_markdown_or_html_is_built_from_a_name(page_id, role, vacant):
    at = render(page_id, role, vacant)
    texts = rendered_markup(at)
    built = {t[:120]: unsafe_markup(t) for t in texts if unsafe_markup(t)}
    assert not built, built
    for deck in at.get("deck_gl_json_chart"):
        assert "html" not in json.loads(deck.proto.json).get("tooltip", {})  # text tooltips only
    if page_id in NAMES_SHOWN and (page_id, role) != ("accueil", "admin"):  # admin: no EPCI named
        assert any(ESCAPED in t for t in texts), "no name reached the page: the test proves nothing"


def _no_live_formula(xlsx: bytes) -> list[str]:
    """The workbook's text cells; fails on any formula cell."""
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    return [c.value for c in cells if isinstance(c.value, str)]


def test_dashboard_exports_hold_names_as_text(media, vacant):
    at = render("tableau_de_bord", "manager", vacant)
    at.selectbox(key="tdb_echelle").set_value("commune").run()
    at.get("download_button")[0].click().run()
    csv = served(media, at.get("download_button")[0]).decode("utf-8-sig")
    frame = pd.read_csv(io.StringIO(csv), sep=";", dtype=str, keep_default_na=False)
    live = [c for column in frame for c in frame[column] if spreadsheet_cell(c) != c]
    assert not live  # every formula-like cell is already quoted (signed numbers excepted)
    assert (frame["Territoire"].str.startswith(f"'{FORMULA}")).all()
    at.get("download_button")[1].click().run()
    texts = _no_live_formula(served(media, at.get("download_button")[1]))
    assert sum(t.startswith(f"'{FORMULA}") for t in texts) == len(frame)


def test_commission_sheet_holds_names_as_text(media, vacant):
    at = render("aide_attribution", "charge_clientele", vacant)
    xlsx_button, html_button = at.get("download_button")
    xlsx_button.click().run()
    texts = _no_live_formula(served(media, at.get("download_button")[0]))
    assert any(t.startswith(f"'{FORMULA}") for t in texts)
    assert not [t for t in texts if spreadsheet_cell(t) != t]
    at.get("download_button")[1].click().run()
    printable = served(media, at.get("download_button")[1]).decode("utf-8")
    assert "<img src=x" not in printable and "&lt;img src=x" in printable  # HTML, not Markdown
