"""Typeset a Bilan (reports/bilan_data.py) as a PDF with ReportLab: A4 pages numbered « page n
sur N », a running head naming the territory and the year, real text in an embedded font
(Bitstream Vera, shipped with ReportLab) so the document can be searched, copied and read aloud.

Why ReportLab and not an HTML renderer: docs/bilan.md.
"""

from __future__ import annotations

import io
from pathlib import Path

import reportlab
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import KeepTogether
from reportlab.platypus.tables import LongTable

from reports.bilan_data import Bilan
from reports.bilan_graphics import ACCENT, BOLD, FONT, INK

FONT_DIR = Path(reportlab.__file__).parent / "fonts"
MARGIN = 18 * mm
_FONTS = {FONT: "Vera.ttf", BOLD: "VeraBd.ttf", "VeraIt": "VeraIt.ttf", "VeraBI": "VeraBI.ttf"}


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    for name, file in _FONTS.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(
        FONT, normal=FONT, bold=BOLD, italic="VeraIt", boldItalic="VeraBI"
    )


register_fonts()  # the styles below name these fonts: they must exist before any Paragraph


def text(s) -> str:
    """Text for the PDF: the font has no narrow no-break space (French thousands): a no-break
    space instead; XML special characters escaped for Paragraph."""
    return (
        str(s)
        .replace("\u202f", "\u00a0")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


STYLES = {
    "body": ParagraphStyle("body", fontName=FONT, fontSize=9, leading=12, textColor=INK),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=7.5, leading=9.5, textColor=INK),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=8, leading=10, textColor=INK),
    "num": ParagraphStyle(
        "num", fontName=FONT, fontSize=8, leading=10, textColor=INK, alignment=TA_RIGHT
    ),
    "head": ParagraphStyle("head", fontName=FONT, fontSize=7.5, leading=9.5, textColor=INK),
    "head_num": ParagraphStyle(
        "head_num", fontName=FONT, fontSize=7.5, leading=9.5, textColor=INK, alignment=TA_RIGHT
    ),
    "h1": ParagraphStyle(
        "h1", fontName=BOLD, fontSize=15, leading=19, textColor=ACCENT, spaceBefore=4, spaceAfter=8
    ),
    "h2": ParagraphStyle(
        "h2", fontName=BOLD, fontSize=11, leading=14, textColor=ACCENT, spaceBefore=8, spaceAfter=4
    ),
    "h3": ParagraphStyle("h3", fontName=BOLD, fontSize=8.5, leading=11, textColor=INK),
    "title": ParagraphStyle(
        "title", fontName=BOLD, fontSize=26, leading=32, textColor=ACCENT, alignment=TA_CENTER
    ),
    "subtitle": ParagraphStyle(
        "subtitle", fontName=FONT, fontSize=15, leading=20, textColor=INK, alignment=TA_CENTER
    ),
}


def para(s: str, style: str = "body") -> Paragraph:
    return Paragraph(text(s), STYLES[style])


def table(
    rows: list[list[str]], widths: list[float], numeric_from: int = 1, header: bool = True
) -> Table:
    """A table whose first row is the header (repeated on each page); columns from
    `numeric_from` on are right-aligned. Every cell is a Paragraph, so long words wrap."""
    cells = [
        [
            Paragraph(
                _unbroken(text(c)) if j >= numeric_from else text(c),
                STYLES["num" if j >= numeric_from else "cell"],
            )
            for j, c in enumerate(r)
        ]
        for r in rows
    ]
    if header:
        cells[0] = [
            Paragraph(f"<b>{text(c)}</b>", STYLES["head_num" if j >= numeric_from else "head"])
            for j, c in enumerate(rows[0])
        ]
    out = LongTable(cells, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#C9D1DA")),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF5")),
            ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
        ]
    out.setStyle(TableStyle(style))
    return out


def _unbroken(s: str) -> str:
    """A figure never breaks across lines: « ≥ 25 % », « 13,6 mois » keep their spaces."""
    return s.replace(" ", "\u00a0") if s[:1] in FIGURE_STARTS else s


FIGURE_STARTS = set("0123456789+−-±≥≤—&")  # "&" opens the escaped « < 11 »


def keep(*flowables) -> KeepTogether:
    return KeepTogether(list(flowables))


class _NumberedCanvas(Canvas):
    """Draws « page n sur N » once the page count is known (pages are kept until save)."""

    def __init__(self, *args, head: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []
        self._head = head

    def showPage(self):  # noqa: N802 (ReportLab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._furniture(total)
            super().showPage()
        super().save()

    def _furniture(self, total: int) -> None:
        width, _ = A4
        self.setFont(FONT, 7.5)
        self.setFillColor(INK)
        self.drawRightString(
            width - MARGIN, 10 * mm, text_plain(f"page {self._pageNumber} sur {total}")
        )
        if self._pageNumber > 1:
            self.drawString(MARGIN, 10 * mm, text_plain(self._head))


def text_plain(s: str) -> str:
    return s.replace("\u202f", "\u00a0")


def render(bilan: Bilan, story: list) -> bytes:
    """The PDF bytes of `story` (flowables), with the document's metadata set for `bilan`."""
    register_fonts()
    buffer = io.BytesIO()
    title = f"Bilan annuel {bilan.year} — {bilan.territory_name}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author="Portail peuplement",
        subject="Attributions, objectifs et occupation du parc social",
        creator="Portail peuplement",
        lang="fr-FR",
    )
    head = (
        f"Bilan {bilan.year} · {bilan.territory_name} · photographie du {bilan.snapshot:%d/%m/%Y}"
    )
    doc.build(story, canvasmaker=lambda *a, **k: _NumberedCanvas(*a, head=head, **k))
    return buffer.getvalue()


__all__ = ["Spacer", "keep", "para", "render", "table", "text"]
