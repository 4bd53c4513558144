"""Objectifs et alertes, the compact table at the top: one row per target (T1, T2, each T3
réservataire, local targets) and territory, its status in colour, its value over each period,
its target and the allocations still missing, the targets missing most allocations first.

A plain function builds the table (testable without Streamlit); `styled` colours the status.
"""

from __future__ import annotations

import pandas as pd

from semantic.catalogue import Catalogue
from ui.screens.objectifs.target_cards import PERIOD_LABELS, target_name
from ui.shared.formats import number, target_text, value
from ui.shared.headline import STATUS_LABELS

# Light backgrounds: the status reads at a glance, the text stays black and legible.
STATUS_BACKGROUND = {
    "non_atteint": "#f8d0d0",
    "a_surveiller": "#fde6c4",
    "atteint": "#d3f0d8",
    "non_mesurable": "#eeeeee",
    "secret": "#eeeeee",
}
SEVERITY = ("non_atteint", "a_surveiller", "non_mesurable", "secret", "atteint")
MISSING = "Attributions manquantes"
CARDS_FIRST = 6  # cards drawn below the table before the reader asks for the others
CAPTION = (
    "Une ligne par objectif et territoire, ceux auxquels il manque le plus d'attributions "
    "d'abord ; le détail de chacun (tendance, part nécessaire d'ici le 31/12) est dans sa fiche, "
    "plus bas, dans le même ordre. Cliquez un en-tête de colonne pour trier."
)


def _missing(records: list[dict]) -> float:
    """What a target lacks: the most allocations missing over its periods (NaN when it lacks
    none or cannot say: a ceiling, a masked value)."""
    found = [
        float(r["manquants"])
        for r in records
        if r["sens"] == ">=" and not pd.isna(r["manquants"]) and r["manquants"] > 0
    ]
    return max(found) if found else float("nan")


def _severity(status: str) -> int:
    return SEVERITY.index(status) if status in SEVERITY else 9


def matrix(df: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """One row per target: Objectif, Territoire, Statut, one value column per period, Cible,
    Attributions manquantes; most missing first, then worst status. Columns `statut` and
    `objectif_id` (not shown) keep the codes, for the colours and the cards' order.

    The rows are read once as plain records and grouped in order: a national scope has thousands
    of targets, and a pandas group per target cost about 13 s there."""
    if df.empty:
        return pd.DataFrame()
    legal = {t.indicateur: t.id for t in catalogue.parameters.objectifs_legaux}
    periods = [p for p in PERIOD_LABELS if p in set(df["periode"])]
    groups: dict[object, list[dict]] = {}
    for record in df.to_dict("records"):
        groups.setdefault(record["objectif_id"], []).append(record)
    units: dict[str, str] = {}
    rows = []
    for group in groups.values():
        first = group[0]
        if first["indicateur"] not in units:
            units[first["indicateur"]] = catalogue.indicator(first["indicateur"]).unit
        unit = units[first["indicateur"]]
        worst = min((r["statut"] for r in group), key=_severity)
        row = {
            "Objectif": target_name(first, legal),
            "Territoire": first["territoire"],
            "Statut": STATUS_LABELS.get(worst, worst),
            MISSING: _missing(group),  # next to the status: what the reader acts on
            "Cible": target_text(first["sens"], first["cible"], unit),
        }
        by_period = {r["periode"]: r for r in group}
        for period in periods:
            found = by_period.get(period)
            row[PERIOD_LABELS[period]] = (
                "—"
                if found is None
                else value(found["valeur"], unit, masked=found["statut"] == "secret")
            )
        row["statut"], row["objectif_id"] = worst, first["objectif_id"]
        rows.append(row)
    out = pd.DataFrame(rows)
    out["_rang"] = out["statut"].map(_severity)
    out = out.sort_values(
        [MISSING, "_rang", "Objectif", "Territoire"],
        ascending=[False, True, True, True],
        na_position="last",
        kind="stable",
    )
    return out.drop(columns="_rang").reset_index(drop=True)


def styled(table: pd.DataFrame):
    """The table without its codes, the Statut cells in their colour."""
    colours = [f"background-color: {STATUS_BACKGROUND.get(s, '')}" for s in table["statut"]]
    shown = table.drop(columns=["statut", "objectif_id"])
    return shown.style.apply(
        lambda col: colours if col.name == "Statut" else [""] * len(col), axis=0
    ).format(lambda v: "—" if pd.isna(v) else number(v), subset=[MISSING])


def column_config() -> dict:
    import streamlit as st

    return {
        MISSING: st.column_config.NumberColumn(
            format="%d", help="Au plus, sur les deux périodes ; vide : rien ne manque."
        ),
    }
