"""The bilan's download on the Objectifs page (every role) and on Accueil (partners only), driven
with AppTest on a small root from the demo generator: the served PDF is the one `peuplement
bilan` writes for the same scope, EPCI and year (same text), and each download is audited."""

from __future__ import annotations

import re

import pytest
from pypdf import PdfReader

from cli.main import main
from tests.apptest_support import (
    ACCOUNTS,
    checked,
    kept_media,
    logged_in,
    portal,
    served,
    steady_navigation,
)
from ui.shell import audit

VOIRONNAIS = "243800984"


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(autouse=True)
def audit_file(monkeypatch, tmp_path, small_demo_root):
    return portal(monkeypatch, tmp_path, small_demo_root)


@pytest.fixture
def media(monkeypatch):
    return kept_media(monkeypatch)


def _text(pdf: bytes) -> str:
    import io

    pages = PdfReader(io.BytesIO(pdf)).pages
    body = " ".join(p.extract_text() for p in pages)
    # the cover's « Édité le … à HH:MM » differs between two runs: leave it out
    return re.sub(r"Édité le \S+ à \S+( par \S+)?", "", re.sub(r"[\s\u00a0]+", " ", body))


def _page(role: str, page: str):
    at = logged_in(ACCOUNTS[role], name=ACCOUNTS[role]).run()
    if page != "accueil":
        at.switch_page(f"pages/{page}.py").run()
    return checked(at)


def _prepare(at):
    (go,) = [b for b in at.button if b.key.endswith("_bilan_pdf_go")]
    go.click().run()
    return checked(at)


def test_partner_downloads_the_bilan_of_their_epci_from_home(
    audit_file, media, small_demo_root, tmp_path
):
    at = _page("partenaire", "accueil")
    (epci,) = [s for s in at.selectbox if s.key == "accueil_bilan_epci"]
    assert epci.options == ["Communauté d'agglomération du Pays Voironnais"]
    assert not at.get("download_button")  # nothing is built before it is asked for
    at = _prepare(at)
    (button,) = at.get("download_button")
    button.click().run()
    pdf = served(media, at.get("download_button")[0])
    assert pdf.startswith(b"%PDF")
    out = tmp_path / "cli.pdf"
    argv = ["bilan", "--data-dir", str(small_demo_root), "--territoire", VOIRONNAIS]
    argv += ["--role", "partenaire", "--territoires", VOIRONNAIS, "--out", str(out)]
    assert main(argv) == 0
    assert _text(pdf) == _text(out.read_bytes())
    (event,) = [e for e in audit.read_events(audit_file) if e["event"] == "export"]
    assert event["user"] == "partenaire.voironnais"
    assert event["details"]["format"] == "pdf" and event["details"]["page"] == "accueil"
    assert event["details"]["territoire"] == VOIRONNAIS


@pytest.mark.parametrize("role", ["admin", "manager", "charge_clientele"])
def test_staff_find_the_bilan_on_objectifs_not_on_home(role):
    home = _page(role, "accueil")
    assert not [b for b in home.button if b.key.endswith("_bilan_pdf_go")]
    at = _page(role, "objectifs")
    (epci,) = [s for s in at.selectbox if s.key == "objectifs_bilan_epci"]
    assert epci.options[0] == "Tout le patrimoine" and len(epci.options) == 4


def test_partner_objectifs_page_offers_only_their_epci(audit_file, media):
    at = _page("partenaire", "objectifs")
    (epci,) = [s for s in at.selectbox if s.key == "objectifs_bilan_epci"]
    assert epci.options == ["Communauté d'agglomération du Pays Voironnais"]
    at = _prepare(at)
    at.get("download_button")[0].click().run()
    text = _text(served(media, at.get("download_button")[0]))
    assert "Pays Voironnais" in text and "Grenoble-Alpes-Métropole" not in text
    assert [
        e["details"]["page"] for e in audit.read_events(audit_file) if e["event"] == "export"
    ] == ["objectifs"]
