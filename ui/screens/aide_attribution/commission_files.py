"""The two downloads of the commission sheet (`commission_sheet.CommissionSheet`): an XLSX
workbook written with openpyxl and a self-contained printable HTML page, each built on its click
and recorded in the audit trail. Like the screen, they hold facts and computed impacts only: no
score, no ranking, demands named by their number.
"""

from __future__ import annotations

import html
import io

import pandas as pd
import streamlit as st
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from queries.allocation import EXAMINATION_ORDER
from semantic.safe_text import spreadsheet_cell
from ui.screens.aide_attribution.allocation_dwellings import dwelling_facts, profile_table
from ui.screens.aide_attribution.allocation_effects import is_rate
from ui.screens.aide_attribution.commission_sheet import NO_DECISION, CommissionSheet
from ui.shared.exports import XLSX_MIME, download_button
from ui.shared.formats import number, percent

PAGE_ID = "aide_attribution"  # the page the audit trail names for these exports


def commission_xlsx(sheet: CommissionSheet) -> bytes:
    """Three sheets: the dwelling and its residence, the candidates, the hypotheses."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Logement et résidence"
    _rows(ws, [[sheet.title], [f"Photographie du {sheet.snapshot:%d/%m/%Y}"], []], bold_first=True)
    _rows(ws, [["Le logement"], *map(list, dwelling_facts(sheet.dwelling)), []], bold_first=True)
    if not sheet.situation.empty:
        _table(ws, "Situation avant attribution", sheet.situation)
    if not sheet.profile.empty:
        _table(ws, "Profil de la résidence (comparé à l'EPCI)", profile_table(sheet.profile))
    ws2 = wb.create_sheet("Candidatures")
    _table(
        ws2,
        f"Candidatures ({len(sheet.candidates)}) — ordre d'examen, pas un classement",
        sheet.candidates,
    )
    for i, col in enumerate(sheet.candidates.columns, start=1):
        fmt = "0.0%" if is_rate(col) else ("#,##0" if col.endswith("(€)") else None)
        fmt = "DD/MM/YYYY" if col == "Dépôt" else fmt
        for cell in ws2.iter_rows(min_row=3, min_col=i, max_col=i):
            cell[0].number_format = fmt or cell[0].number_format
    ws2.freeze_panes = "B3"
    ws2.auto_filter.ref = (
        f"A2:{get_column_letter(len(sheet.candidates.columns))}{len(sheet.candidates) + 2}"
    )
    for text in sheet.warnings:
        ws2.append([])
        _append(ws2, [f"Alerte : {text}"])
    ws3 = wb.create_sheet("Hypothèses")
    rows = [["Élément", "Valeur"], *map(list, sheet.settings), ["Avertissement", NO_DECISION]]
    _rows(ws3, rows, bold_first=True)
    for (cell,) in ws3.iter_rows(min_col=2, max_col=2):
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for ws_ in (ws, ws2, ws3):
        _widths(ws_)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _rows(ws, rows: list[list], *, bold_first: bool = False) -> None:
    for i, row in enumerate(rows):
        _append(ws, row)
        if bold_first and i == 0 and row:
            ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)


def _table(ws, title: str, df: pd.DataFrame) -> None:
    _append(ws, [title])
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)
    _append(ws, list(df.columns))
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for record in df.itertuples(index=False):
        _append(ws, record)
    ws.append([])


def _append(ws, values) -> None:
    """One row; a text is always a string cell, formula-like ones neutralised (a residence or
    commune name such as `=HYPERLINK(…)` must never become a live formula)."""
    ws.append([spreadsheet_cell(_cell(v)) for v in values])
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _cell(v):
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def _widths(ws) -> None:
    for column in ws.columns:
        longest = max((len(str(c.value)) for c in column if c.value is not None), default=8)
        ws.column_dimensions[column[0].column_letter].width = min(max(longest + 2, 10), 60)


def commission_html(sheet: CommissionSheet) -> str:
    """A self-contained printable page in French (A4 landscape)."""
    e = html.escape
    facts = "".join(
        f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in dwelling_facts(sheet.dwelling)
    )
    settings = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in sheet.settings)
    warnings = "".join(f'<p class="alerte">⚠ {e(w)}</p>' for w in sheet.warnings)
    shown = sheet.candidates.copy()
    for col in shown.columns:
        if is_rate(col):
            shown[col] = shown[col].map(percent)
        elif col.endswith("(€)"):
            shown[col] = shown[col].map(number)
        elif col == "Dépôt":
            shown[col] = shown[col].map(lambda d: f"{d:%d/%m/%Y}")
    parts = [
        f"<h1>{e(sheet.title)}</h1>",
        f'<p class="meta">Photographie du {sheet.snapshot:%d/%m/%Y} · éditée le {e(sheet.edited)}</p>',
        f"<h2>Le logement</h2><table class='faits'>{facts}</table>",
    ]
    if not sheet.situation.empty:
        parts.append("<h2>Situation avant attribution</h2>" + _html_table(sheet.situation))
    if not sheet.profile.empty:
        parts.append("<h2>Profil de la résidence</h2>" + _html_table(profile_table(sheet.profile)))
    parts += [
        f"<h2 class='saut'>Candidatures ({len(shown)})</h2>",
        f"<p>{e(EXAMINATION_ORDER)} Aucun score.</p>",
        warnings,
        _html_table(shown, "candidats"),
        f"<h2>Hypothèses et seuils</h2><table class='faits'>{settings}</table>",
        f'<p class="pied">{e(NO_DECISION)}</p>',
    ]
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        f"<title>{e(sheet.title)}</title><style>{_CSS}</style></head><body>"
        + "\n".join(parts)
        + "</body></html>"
    )


def _html_table(df: pd.DataFrame, css_class: str = "") -> str:
    e = html.escape
    head = "".join(f"<th>{e(str(c))}</th>" for c in df.columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{e('—' if _cell(v) is None else str(v))}</td>" for v in row)
        + "</tr>"
        for row in df.itertuples(index=False)
    )
    return f"<table class='{css_class}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


_CSS = """
@page { size: A4 landscape; margin: 8mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111; margin: 1.5em; }
h1 { font-size: 15pt; margin: 0 0 .2em; } h2 { font-size: 12pt; margin: 1.2em 0 .4em; }
.meta, .pied { color: #444; } .pied { margin-top: 2em; font-size: 8.5pt; }
table { border-collapse: collapse; width: 100%; margin-bottom: .6em; }
th, td { border: 1px solid #999; padding: 2px 5px; text-align: left; vertical-align: top; }
thead th { background: #e8e8e8; font-size: 8.5pt; } td { font-size: 9pt; }
table.faits { width: auto; } table.faits th { background: #f3f3f3; font-weight: normal; }
table.candidats th, table.candidats td { font-size: 7pt; padding: 1px 2px; }
.alerte { border-left: 4px solid #c77700; background: #fff4e0; padding: 4px 8px; }
thead { display: table-header-group; } tr { page-break-inside: avoid; }
@media print { body { margin: 0; } .saut { page-break-before: always; } }
"""


# --- the downloads --------------------------------------------------------------------------------


def export_buttons(sheet: CommissionSheet, nb_candidats: int) -> None:
    """The two downloads of the commission sheet, each built on its click and recorded in the
    audit trail (no personal data there, not even demand ids)."""
    id_logement = sheet.dwelling["id_logement"]
    name = f"fiche_commission_{id_logement}_{sheet.snapshot:%Y%m%d}"
    downloads = (
        ("xlsx", lambda: commission_xlsx(sheet), XLSX_MIME, "Télécharger la fiche (Excel)"),
        ("html", lambda: commission_html(sheet), "text/html", "Fiche imprimable (HTML)"),
    )
    for column, (fmt, build, mime, label) in zip(st.columns(2), downloads, strict=True):
        download_button(
            column,
            label,
            build,
            file_name=f"{name}.{fmt}",
            mime=mime,
            key=f"aa_export_{fmt}",
            width="content",
            details={
                "page": PAGE_ID,
                "logement": id_logement,
                "nb_candidats": nb_candidats,
                "format": fmt,
            },
        )
