"""The commission sheet of Aide à l'attribution: what it holds, built from the allocation tables,
its two downloads (XLSX with openpyxl, a printable HTML page) and their audit trail.

The sheet shows facts and computed impacts only, like the screen: no score, no ranking, demands
named by their number. The builders are plain functions, testable without a running Streamlit.
"""

from __future__ import annotations

import datetime as dt
import html
import io
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from queries.allocation import EXAMINATION_ORDER, LAWFUL_EFFECTS, withhold
from semantic.safe_text import spreadsheet_cell
from ui.screens.aide_attribution.allocation_dwellings import dwelling_facts, profile_table
from ui.screens.aide_attribution.allocation_effects import (
    comparison_table,
    effect_table,
    hypotheses,
    is_rate,
    mixite_warnings,
)
from ui.shared.exports import XLSX_MIME, download_button
from ui.shared.formats import number, percent
from ui.shared.labels import RESERVATAIRES

PAGE_ID = "aide_attribution"  # the page the audit trail names for these exports
NO_DECISION = (
    "Document préparatoire : il présente des faits et des effets calculés, ne classe pas les "
    "candidatures et ne constitue pas une décision, qui revient à la commission. Aucune donnée "
    "nominative : chaque demande est désignée par son numéro."
)


@dataclass(frozen=True)
class CommissionSheet:
    dwelling: Mapping  # a row of vacant_dwellings
    profile: pd.DataFrame  # residence_profile
    situation: pd.DataFrame  # effect_table columns Indicateur..Avant, Cible (before the allocation)
    candidates: pd.DataFrame  # comparison_table
    warnings: list[str]
    settings: list[tuple[str, str]]  # thresholds, hypotheses, date, user
    snapshot: dt.date
    edited: str  # « 26/11/2026 à 10:03 · name (username) »

    @property
    def title(self) -> str:
        return f"Fiche de commission d'attribution — logement {self.dwelling['id_logement']}"


# CCH R441-3: the commission examines at least three candidates per dwelling, except in these cases.
EXCEPTIONS = (
    "Insuffisance du nombre des candidats (CCH R441-3)",
    "Candidat désigné par le préfet au titre du DALO (CCH L441-2-3)",
    "Autre motif, à préciser par la commission",
)


def presented_text(count: int, needed: int, exception: str | None) -> str:
    """How many candidates the sheet presents, against the rule, with the exception if any."""
    text = (
        f"{count} candidature(s) présentée(s) ; la règle en demande au moins {needed} (CCH R441-3)"
    )
    if count >= needed:
        return text + "."
    return text + f". Exception : {exception or 'non précisée'}."


def commission_sheet(
    dwelling: Mapping,
    prof: pd.DataFrame,
    cands: pd.DataFrame,
    imps: pd.DataFrame,
    *,
    snapshot: dt.date,
    effort_flag: float | None,
    same_epci: bool,
    contingent: str,
    needed: int,
    exception: str | None,
    edited_by: str,
    edited_at: dt.datetime,
    secrecy_threshold: int,
) -> CommissionSheet:
    """The sheet for the candidates presented (`cands` and `imps` hold only those)."""
    imps, withheld = printable(imps, secrecy_threshold)
    situation = effect_table(imps.iloc[0], dwelling, snapshot.year) if not imps.empty else None
    if situation is not None:
        situation = situation.drop(columns=["Après", "Réduit l'écart à la cible"])
    where = "toute commune de l'EPCI du logement" if same_epci else "commune du logement"
    flag = (
        f"au-delà de {percent(effort_flag)} (signalé, jamais écarté)"
        if effort_flag
        else "aucun seuil"
    )
    settings = [
        ("Photographie des données", f"{snapshot:%d/%m/%Y}"),
        ("Fiche éditée le", f"{edited_at:%d/%m/%Y à %H:%M}"),
        ("Éditée par", edited_by),
        ("Candidatures présentées", presented_text(len(cands), needed, exception)),
        ("Ordre des candidatures", EXAMINATION_ORDER),
        ("Contingent de l'attribution", RESERVATAIRES.get(contingent, contingent)),
        ("Taux d'effort signalé", flag),
        ("Commune souhaitée (1er choix)", where),
        (
            "Occupation",
            "ni sur-occupation (surface minimale), ni sous-occupation (pièces ≤ personnes + 1)",
        ),
        *(("Hypothèses", h) for h in hypotheses(cands, imps)),
        *((("Bâtiment et étage", withheld),) if withheld else ()),
        ("Effets retenus pour un candidat", LAWFUL_EFFECTS),
    ]
    return CommissionSheet(
        dwelling,
        prof,
        situation if situation is not None else pd.DataFrame(),
        comparison_table(cands, imps),
        mixite_warnings(imps),
        settings,
        snapshot,
        f"{edited_at:%d/%m/%Y à %H:%M} · {edited_by}",
    )


def printable(imps: pd.DataFrame, threshold: int) -> tuple[pd.DataFrame, str]:
    """The effects as the sheet prints them: a building's or a floor's figures only from
    `threshold` households (the secrecy threshold: the sheet leaves the landlord, for commission
    members), while the screen shows them from queries.profile.FLOOR_MIN_HOUSEHOLDS; and the
    sentence saying what was withheld ("" when nothing)."""
    if imps.empty:
        return imps, ""
    out, withheld = imps.copy(), []
    for name, label in (("batiment", "bâtiment"), ("etage", "étage")):
        households = out[f"{name}_menages"].iloc[0]
        shown = out[f"{name}_sous_40pc_apres"].notna().any()
        if shown and (pd.isna(households) or households < threshold):
            withheld.append(label)
            withhold(out, name)
    if not withheld:
        return out, ""
    return out, (
        f"{' et '.join(withheld).capitalize()} : moins de {threshold} ménages, effets non "
        "imprimés (la fiche sort de l'organisme ; ils restent à l'écran de l'aide à l'attribution)."
    )


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
