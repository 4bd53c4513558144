"""The Tableau de bord as a CSV that French Excel reads as numbers: `;` separator, decimal comma,
no unit and no thousands separator inside a number (the unit is in its own column, the change's
unit too), an empty cell for a missing or masked value (the Statut column says why), rows in
French alphabetical order (« Échirolles » between « Domène » and « Fontaine », not after « Voiron »).

The on-screen text stays `kpi_display.shown`; this module only changes how the file holds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from semantic.catalogue import load_catalogue
from semantic.safe_text import spreadsheet_cell
from ui.screens.tableau_de_bord import kpi_display as kd
from ui.shared.exports import Metadata, xlsx_bytes
from ui.shared.formats import french_key
from ui.shared.kpi_table import KpiTable

# The unit a number of each catalogue unit is written in (rates in percent: 25,3 for 25,3 %), and
# its decimals as on screen: semantic/definitions/unites.yaml (`mot`, `mot_evolution`, `decimales`).
_UNITS = load_catalogue().units
UNIT_WORDS = {unit: spec.mot for unit, spec in _UNITS.items()}
UNIT, CHANGE_UNIT = "Unité", "Unité des évolutions"
MASKED = "Secret statistique (valeur masquée)"


def _decimals(unit: str) -> int:
    """Decimals as on screen (of a rate ×100, and of its change in points)."""
    return _UNITS[unit].decimales if unit in _UNITS else 1


def csv_table(rows: pd.DataFrame, internal: bool) -> pd.DataFrame:
    """The dashboard's rows as numbers: one column per header of `kpi_display.headers`, plus
    the unit of the value and of the changes, rows in French order of territory then
    indicator."""
    out = kd.numbers(rows, internal).copy()
    units = rows["unite"].astype(str)
    masked = rows["masque"].astype(bool)
    value = out[kd.VALUE].astype("Float64").mask(masked)
    scale = units.map(lambda u: 100.0 if u == "ratio" else 1.0)
    out[kd.VALUE] = [
        pd.NA if pd.isna(v) else round(float(v) * s, _decimals(u))
        for v, s, u in zip(value, scale, units, strict=True)
    ]
    for col in (kd.CHANGE, kd.CHANGE_YEAR):
        out[col] = [
            pd.NA if pd.isna(v) or m else round(float(v), _decimals(u))
            for v, m, u in zip(out[col].astype("Float64"), masked, units, strict=True)
        ]
    out.insert(out.columns.get_loc(kd.VALUE), UNIT, units.map(UNIT_WORDS).fillna(units))
    out.insert(
        out.columns.get_loc(kd.CHANGE),
        CHANGE_UNIT,
        units.map(lambda u: _UNITS[u].change_word if u in _UNITS else u),
    )
    if masked.any():  # an empty value: masked, or not computable? This column says.
        out.insert(out.columns.get_loc(kd.VALUE) + 1, MASKED, masked.map({True: "oui", False: ""}))
    order = sorted(
        range(len(out)),
        key=lambda i: (
            french_key(out[kd.TERRITORY].iloc[i]),
            french_key(out[kd.INDICATOR].iloc[i]),
        ),
    )
    return out.iloc[order].reset_index(drop=True)


def csv_bytes(table: pd.DataFrame) -> bytes:
    """UTF-8 with BOM, `;`, decimal comma, CRLF; text cells neutralised against formulas
    (`spreadsheet_cell`), numbers left as numbers (a leading minus is a sign, not a formula),
    missing as an empty cell."""
    plain = table.astype(object).map(_cell) if len(table) else table
    plain = plain.set_axis([spreadsheet_cell(str(c)) for c in table.columns], axis=1)
    return plain.to_csv(sep=";", index=False, lineterminator="\r\n").encode("utf-8-sig")


def _cell(v) -> str:
    """« 25,3 », « 12345 », « -0,4 », "" when missing, or the text made safe."""
    if isinstance(v, str):
        return spreadsheet_cell(v)
    if v is None or v is pd.NA or pd.isna(v):
        return ""
    if isinstance(v, bool):
        return "oui" if v else "non"
    number = float(v)
    text = str(int(number)) if number.is_integer() else repr(round(number, 6))
    return text.replace(".", ",")


def export_files(table: KpiTable, internal: bool, meta: Metadata) -> dict:
    """Builders of the CSV and XLSX files of exactly the shown table. Nothing is computed until a
    builder is called (on the click: see `ui.shared.exports.download_buttons`), and the XLSX says
    when it was built, not when the page was drawn."""
    return {
        "csv": lambda: csv_bytes(csv_table(table.rows, internal)),
        "xlsx": lambda: xlsx_bytes(
            kd.shown(table.rows, internal),
            replace(meta, generated_at=dt.datetime.now().astimezone()),
            numbers=kd.numbers(table.rows, internal),
            number_formats=kd.excel_formats(table.rows, internal),
            sheet="Tableau de bord",
        ),
    }
