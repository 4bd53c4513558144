"""The dashboard on screen: one row per territory and one column per indicator (indicators as
rows when the selection is a single territory), each value cell coloured by the status of the
target that applies to it, so that a manager reads which territory is off track without scrolling
sideways; the codes stay in the (hidden) index and in the exports only.

The long table of `ui.shared.kpi_table.KpiTable.rows` stays the model (the exports keep its one
row per territory and indicator, `kpi_csv`): these are plain functions over it, except
`column_config` and `show`.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from semantic.catalogue import Catalogue
from semantic.safe_text import markdown_text
from ui.screens.tableau_de_bord import kpi_display as kd
from ui.shared import charts, formats
from ui.shared.formats import french_key
from ui.shared.kpi_table import KpiTable

# What the cells of the wide table hold (the last choice for internal roles only).
CELLS = {
    "valeur": "Valeurs",
    "evolution": "Évolutions depuis la photographie précédente",
    "evolution_un_an": "Évolutions sur un an",
    "effectif": "Effectifs",
    "numerateur": "Numérateurs",
    "denominateur": "Dénominateurs",
}
INTERNAL_CELLS = ("effectif", "numerateur", "denominateur")
CODE = "Code"  # the index's name: never shown, kept for the tests and the row's identity
SUMMARY = "Objectifs"
MASKED_TEXT = kd.MASKED_TEXT  # a masked cell on screen
# Worst first: the summary of a territory's targets names the statuses in this order.
SUMMARY_ORDER = ("non_atteint", "a_surveiller", "atteint", "non_mesurable", "secret")
SUMMARY_WORDS = {
    "non_atteint": ("non atteint", "non atteints"),
    "a_surveiller": ("à surveiller", "à surveiller"),
    "atteint": ("atteint", "atteints"),
    "non_mesurable": ("non mesurable", "non mesurables"),
    "secret": ("secret statistique", "secret statistique"),
}
LEGEND = (
    "Couleur d'une valeur face à l'objectif qui s'applique au territoire : "
    ":green-background[atteint] · :orange-background[à surveiller] · "
    ":red-background[non atteint] ; sans couleur : pas d'objectif sur cette ligne. "
    "Cliquez sur un en-tête de colonne pour trier."
)


def single_territory(rows: pd.DataFrame) -> bool:
    """True when the table holds one territory: its indicators are then the rows."""
    return rows[["code", "territoire"]].drop_duplicates().shape[0] <= 1


def territories(rows: pd.DataFrame) -> pd.DataFrame:
    """code, territoire of each territory of the table, in French order of the name."""
    found = rows[["code", "territoire"]].drop_duplicates("code")
    return found.sort_values("territoire", key=formats.french_sorted, kind="stable")


def indicator_labels(rows: pd.DataFrame) -> dict[str, str]:
    """Indicator id → column header, in the table's order."""
    return dict(zip(rows["indicateur"], rows["libelle"], strict=True))


def wide(rows: pd.DataFrame, cells: str = "valeur") -> pd.DataFrame:
    """One row per territory (index: its code), the territory's name, the summary of its targets
    when any applies, then one column per indicator holding numbers: the value (a masked one as
    `kd.MASKED_SORT_VALUE`, sorted first), the change as shown (points for rates) or the count."""
    order = territories(rows)
    out = pd.DataFrame(
        {kd.TERRITORY: order["territoire"].to_numpy()},
        index=pd.Index(order["code"].to_numpy(), name=CODE),
    )
    if rows["statut"].astype(bool).any():
        by_territory = rows.groupby("code", sort=False)["statut"]
        out[SUMMARY] = by_territory.agg(summary).reindex(out.index).fillna("")
    for ind, label in indicator_labels(rows).items():
        mine = rows[rows["indicateur"] == ind].set_index("code")
        masked = mine["masque"].astype(bool)
        if cells == "valeur":
            numbers = mine["valeur"].astype("Float64").mask(masked, kd.MASKED_SORT_VALUE)
        elif cells in INTERNAL_CELLS:
            numbers = mine[cells].astype("Float64")
        else:
            numbers = pd.Series(
                [kd._change_number(d, u) for d, u in zip(mine[cells], mine["unite"], strict=True)],
                index=mine.index,
                dtype="Float64",
            ).mask(masked)
        out[label] = numbers.reindex(out.index).astype("Float64")
    return out


def summary(statuses: pd.Series) -> str:
    """« 1 non atteint · 2 atteints »: the statuses of the targets of one territory's rows."""
    counts = statuses[statuses.astype(bool)].value_counts()
    parts = []
    for status in SUMMARY_ORDER:
        n = int(counts.get(status, 0))
        if n:
            one, many = SUMMARY_WORDS[status]
            parts.append(f"{n} {one if n == 1 else many}")
    return " · ".join(parts)


def worst(statuses: pd.Series) -> str:
    """The worst status among a territory's rows ("" when no target applies)."""
    found = set(statuses)
    return next((s for s in SUMMARY_ORDER if s in found), "")


def cell_texts(rows: pd.DataFrame, cells: str = "valeur") -> pd.DataFrame:
    """`wide` as the screen shows it (French text; « secret statistique » for a masked value)."""
    table = wide(rows, cells)
    units = dict(zip(rows["libelle"], rows["unite"], strict=True))
    out = table.astype(object)
    for label, unit in units.items():
        out[label] = [_text(v, unit, cells) for v in table[label]]
    return out


def _text(v, unit: str, cells: str) -> str:
    v = None if v is None or pd.isna(v) else float(v)
    if cells == "valeur":
        return MASKED_TEXT if v == kd.MASKED_SORT_VALUE else formats.value(v, unit)
    if cells in INTERNAL_CELLS:
        return formats.number(v)
    return kd.change_text(kd._as_delta(v, unit), unit)


def styled(rows: pd.DataFrame, cells: str = "valeur"):
    """`wide` displayed as `cell_texts`, each value cell coloured by its status (the summary by
    the territory's worst status). Show it with `placeholder=kd.PLACEHOLDER`."""
    table = wide(rows, cells)
    styler = table.style
    units = dict(zip(rows["libelle"], rows["unite"], strict=True))
    for label, unit in units.items():
        styler = styler.format(lambda v, u=unit: _text(v, u, cells), subset=[label])
    if cells != "valeur":
        return styler
    css = pd.DataFrame("", index=table.index, columns=table.columns)
    # a masked cell in grey (its status, « secret », is grey too), as the status column
    styles = (
        rows["statut"]
        .map(lambda s: kd.STATUS_STYLES.get(s, ""))
        .where(~rows["masque"].astype(bool), kd.STATUS_STYLES["secret"])
    )
    for label in indicator_labels(rows).values():
        mine = rows["libelle"] == label
        css[label] = (
            pd.Series(styles[mine].to_numpy(), index=rows.loc[mine, "code"].to_numpy())
            .reindex(table.index)
            .fillna("")
            .to_numpy()
        )
    if SUMMARY in table:
        worst_of = rows.groupby("code", sort=False)["statut"].agg(worst)
        css[SUMMARY] = (
            worst_of.reindex(table.index).map(lambda s: kd.STATUS_STYLES.get(s, "")).to_numpy()
        )
    return styler.apply(lambda _t: css, axis=None)


def column_config(table: KpiTable, catalogue: Catalogue, cells: str = "valeur") -> dict:
    """Full territory names (the column as wide as the longest), each indicator's definition and
    targets in its header's tooltip."""
    rows = table.rows
    longest = max((len(t) for t in rows["territoire"]), default=10)
    config = {
        kd.TERRITORY: st.column_config.TextColumn(
            kd.TERRITORY, pinned=True, width=min(max(7 * longest + 24, 140), 460)
        ),
        SUMMARY: st.column_config.TextColumn(
            SUMMARY,
            pinned=True,
            width=min(max(7 * _longest_summary(rows) + 24, 110), 300),
            help="Objectifs qui s'appliquent au territoire, par statut",
        ),
    }
    for ind, label in indicator_labels(rows).items():
        mine = rows[rows["indicateur"] == ind]
        targets = sorted({t for t in mine["objectif"] if t}, key=french_key)
        hint = catalogue.indicator(ind).description.strip()
        if targets:
            hint += "  \nObjectif : " + " ; ".join(targets)
        if cells == "valeur" and mine["masque"].any():
            hint += f"  \n« {MASKED_TEXT} » : {formats.MASK_TEXT}."
        config[label] = st.column_config.Column(
            label, help=hint, width=min(max(7 * len(label) + 24, 140), 260)
        )
    return config


def _longest_summary(rows: pd.DataFrame) -> int:
    with_status = rows[rows["statut"].astype(bool)]
    if with_status.empty:
        return 0
    return max(len(t) for t in with_status.groupby("code", sort=False)["statut"].agg(summary))


def height(rows: int) -> int:
    return kd.table_height(rows)


# --- the chart of one indicator ------------------------------------------------------------------


def chart_rows(rows: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """territoire, valeur, masque, statut, cible, objectif of one indicator's rows."""
    mine = rows[rows["indicateur"] == indicator_id]
    return mine[["territoire", "valeur", "masque", "statut", "cible", "objectif"]].reset_index(
        drop=True
    )


def show_chart(table: KpiTable, key: str) -> None:
    """A picker of the table's indicators and the sorted bar chart of the one picked."""
    rows = table.rows
    labels = indicator_labels(rows)
    with_target = [i for i in labels if rows.loc[rows["indicateur"] == i, "statut"].any()]
    default = list(labels).index(with_target[0]) if with_target else 0
    indicator_id = st.selectbox(
        "Indicateur du graphique", list(labels), index=default, format_func=labels.get, key=key
    )
    unit = rows.loc[rows["indicateur"] == indicator_id, "unite"].iloc[0]
    chart, note = charts.territory_bars(chart_rows(rows, indicator_id), unit)
    st.altair_chart(chart, width="stretch")
    if note:
        st.caption(note)


def show(table: KpiTable, catalogue: Catalogue, internal: bool, key: str) -> None:
    """The table (wide, or one territory's indicators as rows) and the chart below it."""
    rows = table.rows
    if single_territory(rows):
        st.subheader(markdown_text(rows["territoire"].iloc[0]))  # a name from the data
        st.dataframe(
            kd.styled(rows, internal),
            hide_index=True,
            column_order=[c for c in kd.headers(internal) if c not in (kd.TERRITORY, kd.CODE)],
            column_config=kd.column_config(table),
            placeholder=kd.PLACEHOLDER,
            height=kd.table_height(len(rows)),
        )
        if rows["statut"].astype(bool).any():
            st.caption(LEGEND.replace("Couleur d'une valeur", "Couleur du statut"))
        return
    offered = [c for c in CELLS if internal or c not in INTERNAL_CELLS]
    cells = st.radio(
        "Dans les cellules",
        offered,
        format_func=CELLS.get,
        horizontal=True,
        key=f"{key}_cellules",
    )
    grid = wide(rows, cells)
    st.dataframe(
        styled(rows, cells),
        hide_index=True,
        column_config=column_config(table, catalogue, cells),
        placeholder=kd.PLACEHOLDER,
        height=height(len(grid)),
    )
    if cells == "valeur" and rows["statut"].astype(bool).any():
        st.caption(LEGEND)
    st.subheader("Un indicateur d'un territoire à l'autre")
    show_chart(table, f"{key}_graphique")
