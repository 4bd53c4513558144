"""Exports of exactly what a screen shows: CSV for French Excel (UTF-8 with BOM, `;` separator,
decimal comma) and XLSX (openpyxl) with a second sheet « Métadonnées » that states the definitions
of the indicators, the snapshot, the filters, the user's scope, the secrecy rule and when the file
was made. The builders are plain functions returning bytes; `download_buttons` offers them on a
page and records each download in the audit trail.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import streamlit as st
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from semantic.catalogue import load_catalogue
from semantic.models import IndicatorDef
from semantic.safe_text import spreadsheet_cell
from ui.shared.formats import NBSP
from ui.shell.auth import audit_recorder

CSV_MIME = "text/csv"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
METADATA_SHEET = "Métadonnées"
# Excel number formats by unit: semantic/definitions/unites.yaml (format_excel, and
# format_excel_evolution for changes: rates in points). Excel writes them with the reader's separators.
COUNT_FORMAT = "#,##0"
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
MAX_COLUMN_WIDTH = 60


@dataclass(frozen=True)
class Metadata:
    """What the metadata sheet states about an export."""

    title: str
    snapshot: dt.date
    scope: str  # the user's scope in words
    role: str  # the user's role in words
    secrecy: str  # the secrecy rule in words (threshold from the catalogue)
    indicators: tuple[IndicatorDef, ...]
    user: str = ""  # who made the file (login)
    filters: tuple[tuple[str, str], ...] = ()  # (filter, chosen values in words)
    notes: tuple[str, ...] = ()
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())


def excel_format(unit: str, change: bool = False) -> str:
    """Excel number format of a value (or a change, rates in points) in `unit`."""
    spec = load_catalogue().units.get(unit)
    if not change:
        return spec.format_excel if spec else COUNT_FORMAT
    body = spec.excel_change_format if spec else COUNT_FORMAT
    return f"+{body};-{body};{body}"


def secrecy_text(threshold: int, label: str, internal: bool) -> str:
    rule = (
        f"Secret statistique : pour les comptes partenaires, toute valeur calculée sur moins de "
        f"{threshold} ménages ou attributions est masquée (« {label} ») ; quand une seule cellule "
        "d'un découpage est masquée, une seconde l'est aussi pour qu'elle ne se déduise pas du total."
    )
    if not internal:
        amplitude = load_catalogue().parameters.secret_statistique.perturbation.amplitude
        rule += (
            f" Les effectifs de ce fichier sont légèrement modifiés (± {amplitude} au plus, "
            "toujours de la même façon pour les mêmes ménages ou attributions) et les taux sont "
            "calculés sur ces effectifs : soustraire des chiffres publiés ne redonne pas un "
            "chiffre masqué."
        )
    if internal:
        rule += (
            " Ce fichier vient d'un compte interne : rien n'y est masqué et les effectifs y "
            "figurent ; ne le transmettez pas tel quel à un partenaire."
        )
    return rule


# --- CSV -------------------------------------------------------------------------------------------


def csv_bytes(shown: pd.DataFrame) -> bytes:
    """The shown text table as CSV for French Excel: BOM, `;`, decimal comma, and no thousands
    separator inside numbers (so Excel reads 12345 and 25,3 % as numbers)."""
    plain = shown.map(lambda v: spreadsheet_cell(_plain(v))) if len(shown) else shown
    plain = plain.set_axis([spreadsheet_cell(str(c)) for c in shown.columns], axis=1)
    return plain.to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8-sig")


def _plain(text) -> str:
    """« 12 345 » → « 12345 », « 25,3 % » → « 25,3 % » with an ordinary space."""
    if not isinstance(text, str):
        return "" if text is None or pd.isna(text) else str(text)
    out = []
    for i, char in enumerate(text):
        if char == NBSP:
            between_digits = (
                0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()
            )
            out.append("" if between_digits else " ")
        else:
            out.append(char)
    return "".join(out)


# --- XLSX ------------------------------------------------------------------------------------------


def xlsx_bytes(
    shown: pd.DataFrame,
    metadata: Metadata,
    *,
    numbers: pd.DataFrame | None = None,
    number_formats: pd.DataFrame | None = None,
    sheet: str = "Tableau",
) -> bytes:
    """The shown table on a first sheet and the metadata on a second.

    Where `numbers` holds a number and `number_formats` a format for a cell, the cell is that number
    in that format (Excel then displays what the screen shows and can compute with it); elsewhere it
    is the shown text (« < 11 », « — », labels).
    """
    book = Workbook()
    table = book.active
    table.title = sheet
    _append(table, list(shown.columns))
    for i in range(len(shown)):
        row = []
        for j in range(len(shown.columns)):
            cell_format = None if number_formats is None else number_formats.iloc[i, j]
            number = None if numbers is None else numbers.iloc[i, j]
            if isinstance(cell_format, str) and cell_format and _is_number(number):
                row.append((float(number), cell_format))
            else:
                row.append((shown.iloc[i, j], None))
        _append(table, [v for v, _ in row])
        for j, (_, cell_format) in enumerate(row, start=1):
            if cell_format:
                table.cell(row=i + 2, column=j).number_format = cell_format
    _style_header(table, len(shown.columns))
    table.freeze_panes = "B2"
    _fit_widths(table, [shown.columns, *shown.astype(str).itertuples(index=False)])
    _metadata_sheet(book.create_sheet(METADATA_SHEET), metadata)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _append(sheet, values: Sequence) -> None:
    """One row; a text is always a string cell, formula-like ones neutralised (a name from the data
    such as `=HYPERLINK(…)` must never become a live formula in the reader's Excel)."""
    sheet.append([spreadsheet_cell(v) for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def _is_number(value) -> bool:
    is_number = pd.api.types.is_number(value) and not pd.api.types.is_bool(value)
    return is_number and not pd.isna(value)


def metadata_rows(metadata: Metadata) -> list[tuple[str, str]]:
    """(field, value) lines of the metadata sheet, before the definitions table."""
    rows = [
        ("Document", metadata.title),
        ("Photographie", f"{metadata.snapshot:%d/%m/%Y}"),
        *((f"Filtre : {name}", value) for name, value in metadata.filters),
        ("Périmètre de l'utilisateur", metadata.scope),
        ("Rôle", metadata.role),
        *((("Utilisateur", metadata.user),) if metadata.user else ()),
        ("Secret statistique", metadata.secrecy),
        ("Généré le", f"{metadata.generated_at:%d/%m/%Y à %H:%M}"),
    ]
    rows += [("Note", note) for note in metadata.notes]
    return rows


DEFINITION_HEADERS = ("Indicateur", "Identifiant", "Unité", "Définition", "Formule", "Source")


def _metadata_sheet(sheet, metadata: Metadata) -> None:
    for name, value in metadata_rows(metadata):
        _append(sheet, [name, value])
        sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True)
    sheet.append([])
    _append(sheet, ["Définitions des indicateurs"])
    sheet.cell(row=sheet.max_row, column=1).font = Font(bold=True, size=12)
    _append(sheet, list(DEFINITION_HEADERS))
    header_row = sheet.max_row
    for ind in metadata.indicators:
        _append(sheet, [ind.label, ind.id, ind.unit, ind.description, ind.formula, ind.source])
    for j in range(1, len(DEFINITION_HEADERS) + 1):
        cell = sheet.cell(row=header_row, column=j)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
    for column, width in zip("ABCDEF", (34, 28, 14, 60, 60, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _style_header(sheet, columns: int) -> None:
    for j in range(1, columns + 1):
        cell = sheet.cell(row=1, column=j)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _fit_widths(sheet, rows: Sequence[Sequence]) -> None:
    for j in range(len(rows[0])):
        width = max(len(str(row[j])) for row in rows) + 2
        sheet.column_dimensions[get_column_letter(j + 1)].width = min(width, MAX_COLUMN_WIDTH)


# --- on a page -------------------------------------------------------------------------------------


def download_buttons(
    page_id: str,
    file_stem: str,
    files: Mapping[str, Callable[[], bytes]],
    details: Mapping[str, object],
    container=st,
) -> None:
    """One download button per format (« csv », « xlsx »), side by side: see `download_button`."""
    labels = {"csv": ("CSV (Excel, ;)", CSV_MIME), "xlsx": ("Excel (XLSX)", XLSX_MIME)}
    columns = container.columns([1] * len(files) + [2])  # buttons side by side, not full width
    for column, (fmt, build) in zip(columns, files.items(), strict=False):
        label, mime = labels[fmt]
        download_button(
            column,
            f"Télécharger {label}",
            build,
            file_name=f"{file_stem}.{fmt}",
            mime=mime,
            key=f"{page_id}_export_{fmt}",
            details={"page": page_id, "format": fmt, **details},
        )


def download_button(
    container,
    label: str,
    build: Callable[[], bytes | str],
    *,
    file_name: str,
    mime: str,
    key: str,
    details: Mapping[str, object],
    width: Literal["stretch", "content"] = "stretch",
) -> None:
    """A download button whose file is built only when it is clicked: Streamlit then calls
    `build` on a worker thread, and the page does not run again (a national table's XLSX takes
    seconds to build; drawing the page must not pay for it). Each file built is recorded as an
    « export » event (`details`) of the user who drew the button."""
    container.download_button(
        label,
        data=_recorded(build, audit_recorder("export"), details),
        file_name=file_name,
        mime=mime,
        icon=":material/download:",
        key=key,
        on_click="ignore",
        width=width,
    )


def _recorded(
    build: Callable[[], bytes | str],
    record: Callable[[Mapping[str, object]], None],
    details: Mapping[str, object],
) -> Callable[[], bytes | str]:
    """`build`, recorded in the audit trail once the file is built: a failed build gives no file
    and no « export » event, and a record that cannot be written gives no file (Streamlit then
    tells the user the file could not be made): no export leaves unrecorded."""

    def built() -> bytes | str:
        content = build()
        record(details)
        return content

    return built
