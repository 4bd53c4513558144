"""How the dashboard's KPI table reads: French text (`25,3 %`, `+1,2 pt`, « < 11 »), the same
cells as numbers for sorting and Excel, the column set of each role (numerator, denominator and
effectif for internal roles only), the caption and the export files. Plain functions over the
`KpiTable` that `ui.shared.kpi_table.build` returns (its `rows`), except `column_config`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from semantic.catalogue import Catalogue
from ui.shared import formats
from ui.shared.exports import Metadata, excel_format, secrecy_text
from ui.shared.filters import PERIODS, SCALES, Selection
from ui.shared.headline import STATUS_LABELS
from ui.shared.kpi_table import KpiTable

# Status cells are coloured by the styler (no emoji: the grid draws on a canvas, and a machine
# without an emoji font would show empty boxes). Pale backgrounds keep the text readable.
STATUS_STYLES = {
    "atteint": "background-color: #DCEFD8; color: #1B5E20",
    "a_surveiller": "background-color: #FDEBD0; color: #8A4B00",
    "non_atteint": "background-color: #F9D6D5; color: #8E1B16",
    "non_mesurable": "color: #5F6368",
    "secret": "color: #5F6368",
}
# Column headers, in order; the last group is shown to internal roles only.
TERRITORY, CODE, INDICATOR, VALUE = "Territoire", "Code", "Indicateur", "Valeur"
NUMERATOR, DENOMINATOR, COUNT = "Numérateur", "Dénominateur", "Effectif"
CHANGE, CHANGE_YEAR = "Évolution depuis la photographie précédente", "Évolution sur un an"
TARGET, STATUS = "Objectif", "Statut"
INTERNAL_COLUMNS = (NUMERATOR, DENOMINATOR, COUNT)


def headers(internal: bool) -> list[str]:
    shown = [TERRITORY, CODE, INDICATOR, VALUE, CHANGE, CHANGE_YEAR, TARGET, STATUS]
    return shown[:4] + list(INTERNAL_COLUMNS) + shown[4:] if internal else shown


def status_text(status: str) -> str:
    return STATUS_LABELS[status] if status else ""


def shown(rows: pd.DataFrame, internal: bool) -> pd.DataFrame:
    """The table as French text, exactly as the screen and the exports show it."""
    out = pd.DataFrame(
        {
            TERRITORY: rows["territoire"],
            CODE: rows["code"],
            INDICATOR: rows["libelle"],
            VALUE: [
                formats.value(v, u, bool(m))
                for v, u, m in zip(rows["valeur"], rows["unite"], rows["masque"], strict=True)
            ],
            NUMERATOR: [formats.number(v) for v in rows["numerateur"]],
            DENOMINATOR: [formats.number(v) for v in rows["denominateur"]],
            COUNT: [formats.number(v) for v in rows["effectif"]],
            CHANGE: _changes(rows, "evolution"),
            CHANGE_YEAR: _changes(rows, "evolution_un_an"),
            TARGET: rows["objectif"],
            STATUS: [status_text(s) for s in rows["statut"]],
        },
        index=rows.index,
    )
    return out[headers(internal)]


def _changes(rows: pd.DataFrame, column: str) -> list[str]:
    return [change_text(d, u) for d, u in zip(rows[column], rows["unite"], strict=True)]


def change_text(delta, unit: str) -> str:
    """`ui.shared.formats.change` of the change rounded as shown, so that a tiny fall reads « ±0,0 pt »
    rather than « −0,0 pt » (`ui.shared.formats.shown_gap`: the decimals are the unit's)."""
    return formats.shown_gap(delta, unit)


def numbers(rows: pd.DataFrame, internal: bool) -> pd.DataFrame:
    """The same columns holding numbers where the cell is a number (for sorting and Excel)."""
    out = pd.DataFrame(
        {
            TERRITORY: rows["territoire"],
            CODE: rows["code"],
            INDICATOR: rows["libelle"],
            VALUE: rows["valeur"],
            NUMERATOR: rows["numerateur"],
            DENOMINATOR: rows["denominateur"],
            COUNT: rows["effectif"],
            CHANGE: [
                _change_number(d, u) for d, u in zip(rows["evolution"], rows["unite"], strict=True)
            ],
            CHANGE_YEAR: [
                _change_number(d, u)
                for d, u in zip(rows["evolution_un_an"], rows["unite"], strict=True)
            ],
            TARGET: rows["objectif"],
            STATUS: [status_text(s) for s in rows["statut"]],
        },
        index=rows.index,
    )
    for col in (VALUE, CHANGE, CHANGE_YEAR):
        out[col] = out[col].astype("Float64")
    return out[headers(internal)]


def _change_number(delta, unit: str):
    """Changes of rates in points, as shown; other units as they are."""
    if delta is None or pd.isna(delta):
        return None
    return float(delta) * 100 if unit == "ratio" else float(delta)


def excel_formats(rows: pd.DataFrame, internal: bool) -> pd.DataFrame:
    """Excel number format of each cell of `numbers` (None: text)."""
    units = list(rows["unite"])
    out = pd.DataFrame({col: [None] * len(rows) for col in headers(internal)}, index=rows.index)
    out[VALUE] = [excel_format(u) for u in units]
    out[CHANGE] = out[CHANGE_YEAR] = [excel_format(u, change=True) for u in units]
    for col in INTERNAL_COLUMNS:
        if col in out:
            out[col] = excel_format("logements")
    return out


# The grid draws an empty cell as the placeholder whatever the styler says, so a masked value
# holds this number (sorted first, never shown: the styler displays the secrecy label).
MASKED_SORT_VALUE = float("-inf")
PLACEHOLDER = "—"  # an empty cell: nothing to compare, not computable, or not a ratio
# A masked value on screen: what it is, not « < 11 » next to a rate (read « < 11 % »). The exports
# keep the catalogue's label (`formats.MASK_LABEL`) in text and an empty cell in numbers.
MASKED_TEXT = "secret statistique"


def styled(rows: pd.DataFrame, internal: bool):
    """`numbers` displayed as `shown` (a masked value as `MASKED_TEXT`): columns sort on numbers
    and read in French. Show it with `placeholder=PLACEHOLDER`."""
    table = numbers(rows, internal)
    table.loc[rows["masque"].to_numpy(), VALUE] = MASKED_SORT_VALUE
    styler = table.style
    for (unit, masked), group in rows.groupby(["unite", "masque"], sort=False):
        styler = styler.format(
            lambda v, u=unit, m=masked: MASKED_TEXT if m else formats.value(v, u),
            subset=(group.index, [VALUE]),
        )
    for unit, group in rows.groupby("unite", sort=False):
        styler = styler.format(
            lambda v, u=unit: change_text(_as_delta(v, u), u),
            subset=(group.index, [CHANGE, CHANGE_YEAR]),
        )
    for col in INTERNAL_COLUMNS if internal else ():
        styler = styler.format(formats.number, subset=[col])
    css = [STATUS_STYLES.get(s, "") for s in rows["statut"]]
    return styler.apply(lambda _column: css, subset=[STATUS])


def _as_delta(shown_change, unit: str):
    if shown_change is None or pd.isna(shown_change):
        return None
    return shown_change / 100 if unit == "ratio" else shown_change


def column_config(table: KpiTable) -> dict:
    since = f" (photographie du {table.previous:%d/%m/%Y})" if table.previous else ""
    year = f" (photographie du {table.year_earlier:%d/%m/%Y})" if table.year_earlier else ""
    return {
        TERRITORY: st.column_config.TextColumn(TERRITORY, pinned=True, width=230),
        CODE: st.column_config.TextColumn(CODE, width=75),
        INDICATOR: st.column_config.TextColumn(INDICATOR, width=175),
        VALUE: st.column_config.Column(
            VALUE, help=f"« {MASKED_TEXT} » : {formats.MASK_TEXT}", width=120
        ),
        NUMERATOR: st.column_config.Column("Num.", help=NUMERATOR, width=62),
        DENOMINATOR: st.column_config.Column("Dén.", help=DENOMINATOR, width=62),
        COUNT: st.column_config.Column(
            COUNT, help="Nombre de lignes de base derrière la valeur", width=64
        ),
        CHANGE: st.column_config.Column(
            "Évol. préc.", help="Écart avec la photographie précédente" + since, width=78
        ),
        CHANGE_YEAR: st.column_config.Column(
            "Évol. 1 an", help="Écart avec la photographie d'un an plus tôt" + year, width=78
        ),
        TARGET: st.column_config.TextColumn(
            TARGET, help="Objectif légal (T1, T2, T3) ou local", width=130
        ),
        STATUS: st.column_config.TextColumn(STATUS, width=105),
    }


ROW_PX, HEADER_PX, MAX_HEIGHT_PX = 35, 38, 640  # the grid's default row height, and a cap


def table_height(rows: int) -> int:
    """Tall enough for every row up to the cap (the grid scrolls beyond it)."""
    return min(HEADER_PX + ROW_PX * rows + 2, MAX_HEIGHT_PX)


def caption(table: KpiTable, selection: Selection, threshold: int, label: str) -> str:
    """What the table's numbers are: snapshot, flow period, change dates, the secrecy label."""
    since = f"{table.previous:%d/%m/%Y}" if table.previous else "aucune photographie antérieure"
    year = (
        f"{table.year_earlier:%d/%m/%Y}"
        if table.year_earlier
        else "pas de photographie un an plus tôt"
    )
    text = (
        f"Photographie du {selection.snapshot:%d/%m/%Y} ; flux sur "
        f"{PERIODS[selection.period].lower()}. Évolutions (en points pour les taux) depuis : "
        f"{since} et sur un an : {year}."
    )
    if table.rows["masque"].any():
        text += (
            f" « {label} » : valeur masquée par le secret statistique (moins de {threshold} "
            "ménages ou attributions, ou seconde cellule masquée pour protéger la première)."
        )
    return text


def metadata(
    table: KpiTable,
    selection: Selection,
    catalogue: Catalogue,
    *,
    scope_text: str,
    role_text: str,
    internal: bool,
    user: str = "",
) -> Metadata:
    """The metadata sheet of the dashboard's exports."""
    indicators = tuple(catalogue.indicator(i) for i in dict.fromkeys(table.rows["indicateur"]))
    secrecy = catalogue.parameters.secret_statistique
    return Metadata(
        title="Portail peuplement — tableau de bord",
        snapshot=selection.snapshot,
        scope=scope_text,
        role=role_text,
        user=user,
        secrecy=secrecy_text(secrecy.seuil, secrecy.libelle_masque, internal),
        indicators=indicators,
        filters=(
            ("Une ligne par", SCALES[selection.scale]),
            ("Flux sur", PERIODS[selection.period]),
            *(selection.labels or (("Territoire", "tout le périmètre"),)),
        ),
        notes=tuple(
            f"{catalogue.indicator(i).label} : non affiché, {why}."
            for i, why in table.skipped.items()
        ),
    )
