"""Fiche résidence, by building and by floor: the profile of each building against the residence
and its EPCI, households per floor, and the floor heatmap of one indicator with the floors well above
the residence (worded in households: on 3 or 4 households a share is a few people, not a trend).

Builders are plain functions, testable without Streamlit; `show_buildings` and `show_floors` draw
the two sections of the page.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from queries.profile import FLOOR_MIN_HOUSEHOLDS
from semantic.safe_text import markdown_text
from ui.shared.charts import french
from ui.shared.formats import number, percent, value

# A floor whose share exceeds the residence's own by this much (20 points) is a concentration…
CONCENTRATION_GAP = 0.20
# …if at least this many households live there: a share of 1 or 2 households says nothing (the
# one rule of floor figures, shared with the allocation aid's effects).
CONCENTRATION_MIN_HOUSEHOLDS = FLOOR_MIN_HOUSEHOLDS
DEFAULT_FLOOR_INDICATOR = "part_menages_fragiles"


def floor_label(etage) -> str:
    if etage is None or pd.isna(etage):
        return "Étage inconnu"
    etage = int(etage)
    return "RDC" if etage == 0 else ("1er" if etage == 1 else f"{etage}e")


def building_table(long: pd.DataFrame, prof: pd.DataFrame) -> pd.DataFrame:
    """One row per profile indicator, one column per building, then the residence and its EPCI."""
    units = dict(zip(prof["indicateur"], prof["unite"], strict=True))
    names = dict(zip(prof["indicateur"], prof["libelle"], strict=True))
    buildings = list(dict.fromkeys(long.sort_values("batiment")["batiment_libelle"]))
    rows = []
    for ind_id in ["nb_menages", *prof["indicateur"]]:
        part = long[long["indicateur"] == ind_id].set_index("batiment_libelle")
        unit = units.get(ind_id, "menages")
        row = {"Indicateur": names.get(ind_id, "Nombre de ménages")}
        for b in buildings:
            cell = part.loc[b] if b in part.index else None
            row[b] = (
                "—" if cell is None else value(cell["valeur"], unit, masked=bool(cell["masque"]))
            )
        if ind_id in units:
            p = prof[prof["indicateur"] == ind_id].iloc[0]
            row["Résidence"] = value(p["valeur_residence"], unit, masked=p["masque_residence"])
            row["EPCI"] = value(p["valeur_epci"], unit)
        else:
            total = long.loc[long["indicateur"] == "nb_menages", "valeur"].sum()
            row["Résidence"], row["EPCI"] = number(total), ""
        rows.append(row)
    return pd.DataFrame(rows)


def households_by_floor(long: pd.DataFrame) -> pd.DataFrame:
    """Households per floor (rows, top floor first) and building (columns), with a row total
    (« Ensemble »): the cells add up to the residence's households."""
    counts = long[long["indicateur"] == "nb_menages"].copy()
    counts["Étage"] = counts["etage"].map(floor_label)
    counts["_rang"] = counts["etage"].astype("Float64").fillna(-1)
    order = counts.sort_values("_rang", ascending=False)["Étage"].drop_duplicates().tolist()
    table = counts.pivot_table(
        index="Étage", columns="batiment_libelle", values="valeur", aggfunc="sum", fill_value=0
    ).reindex(order)
    table = table.astype(int)
    table.columns.name = None
    table["Ensemble"] = table.sum(axis=1)
    return table.reset_index()


def floor_cells(long: pd.DataFrame, indicator_id: str, reference: float | None) -> pd.DataFrame:
    """Bâtiment, Étage, value and households of each floor for one indicator, and whether it is a
    concentration (at least CONCENTRATION_MIN_HOUSEHOLDS households, share at least
    CONCENTRATION_GAP above the residence's)."""
    cells = long[long["indicateur"] == indicator_id].copy()
    households = long[long["indicateur"] == "nb_menages"][["batiment", "etage", "valeur"]]
    households = households.rename(columns={"valeur": "menages"})
    cells = cells.merge(households, on=["batiment", "etage"], how="left")
    cells["Bâtiment"] = cells["batiment_libelle"].astype(str)
    cells["Étage"] = cells["etage"].map(floor_label)
    cells["_rang"] = cells["etage"].astype("Float64").fillna(-1)
    cells["Part"] = (
        cells["valeur"].astype("Float64").where(~cells["masque"].astype(bool)).astype(float)
    )
    cells["Ménages"] = cells["menages"].fillna(0).astype(int)
    cells["Valeur"] = [
        value(v, "ratio", masked=m) for v, m in zip(cells["valeur"], cells["masque"], strict=True)
    ]
    enough = cells["Ménages"] >= CONCENTRATION_MIN_HOUSEHOLDS
    high = (
        cells["Part"] >= reference + CONCENTRATION_GAP - 1e-9
        if reference is not None and not pd.isna(reference)
        else pd.Series(False, index=cells.index)
    )
    cells["Concentration"] = (enough & high.fillna(False)).astype(bool)
    return cells.sort_values(["batiment", "_rang"], ascending=[True, False]).reset_index(drop=True)


def floor_heatmap(cells: pd.DataFrame, label: str) -> alt.Chart:
    """Floors (rows, top floor first) × buildings (columns), coloured by the indicator's share;
    concentrations outlined in black."""
    floors = cells.sort_values("_rang", ascending=False)["Étage"].drop_duplicates().tolist()
    base = alt.Chart(cells).encode(
        x=alt.X("Bâtiment:N", title=None, axis=alt.Axis(orient="top", labelAngle=0)),
        y=alt.Y("Étage:N", sort=floors, title=None),
        tooltip=["Bâtiment:N", "Étage:N", alt.Tooltip("Valeur:N", title=label), "Ménages:Q"],
    )
    rect = base.mark_rect(cornerRadius=2).encode(
        color=alt.Color(
            "Part:Q",
            scale=alt.Scale(scheme="orangered", domain=[0, 1]),
            legend=alt.Legend(title=None, format=".0%", orient="right"),
        ),
        stroke=alt.condition("datum.Concentration", alt.value("black"), alt.value("white")),
        strokeWidth=alt.condition("datum.Concentration", alt.value(3), alt.value(1)),
    )
    text = base.mark_text(fontSize=11).encode(
        text="Valeur:N",
        color=alt.condition("datum.Part > 0.6", alt.value("white"), alt.value("black")),
    )
    return french((rect + text).properties(height=alt.Step(28)))


# Below this many households a floor is small: one household more or less moves its share by
# 10 points or more, so it is read as households, not as a concentration.
SMALL_FLOOR_HOUSEHOLDS = 10


def concentration_lines(cells: pd.DataFrame, label: str, reference: float | None) -> list[str]:
    """One line per flagged floor, in households first (« 3 ménages sur 4 (75,0 %) »), and for a
    small floor what one household weighs, rather than calling 3 households a concentration."""
    lines = []
    for r in cells[cells["Concentration"]].to_dict("records"):
        of, among = _counts(r)
        line = (
            f"{r['Bâtiment']}, {r['Étage'] if r['Étage'] != 'RDC' else 'rez-de-chaussée'} : "
            f"{number(of)} ménage{'s' if of > 1 else ''} sur {number(among)} ({r['Valeur']}) "
            f"contre {percent(reference)} dans la résidence"
        )
        if among < SMALL_FLOOR_HOUSEHOLDS:
            line += f" ; petit étage : un ménage y pèse {number(100 / among)} points"
        lines.append(line)
    return lines


def _counts(cell: dict) -> tuple[int, int]:
    """(households counted, households of the floor) behind a floor's share."""
    den = cell.get("denominateur")
    num = cell.get("numerateur")
    if den is not None and not pd.isna(den) and num is not None and not pd.isna(num):
        return int(num), int(den)
    among = int(cell["Ménages"])
    return round(float(cell["Part"]) * among), among


def concentration_heading(lines: list[str]) -> str:
    """Not « concentrations » for a few households: says what was found, how many floors."""
    floors = "étage" if len(lines) == 1 else "étages"
    return (
        f"{len(lines)} {floors} où la part dépasse celle de la résidence de "
        f"{number(CONCENTRATION_GAP * 100)} points ou plus :"
    )


def ratio_choices(prof: pd.DataFrame) -> dict[str, str]:
    """id → label of the profile's ratio indicators (what the floor heatmap can show)."""
    rows = prof[prof["unite"] == "ratio"]
    return dict(zip(rows["indicateur"], rows["libelle"], strict=True))


def show_buildings(long: pd.DataFrame, prof: pd.DataFrame) -> None:
    st.header("Par bâtiment")
    if long.empty:
        st.info("Aucun ménage en place : pas de profil par bâtiment.")
        return
    st.dataframe(building_table(long, prof), hide_index=True, height="content")


def show_floors(long: pd.DataFrame, prof: pd.DataFrame) -> None:
    st.header("Étage par étage")
    if long.empty:
        st.info("Aucun ménage en place : pas de vue par étage.")
        return
    choices = ratio_choices(prof)
    default = (
        list(choices).index(DEFAULT_FLOOR_INDICATOR) if DEFAULT_FLOOR_INDICATOR in choices else 0
    )
    chosen = st.selectbox(
        "Indicateur",
        list(choices),
        index=default,
        format_func=choices.get,
        key="res_etage_indicateur",
    )
    ref_row = prof[prof["indicateur"] == chosen].iloc[0]
    reference = None if ref_row["masque_residence"] else ref_row["valeur_residence"]
    cells = floor_cells(long, chosen, reference)
    st.caption(
        f"{choices[chosen]} par étage et par bâtiment (résidence : {percent(reference)}). Encadrés "
        f"en noir : les étages d'au moins {CONCENTRATION_MIN_HOUSEHOLDS} ménages dont la part "
        f"dépasse celle de la résidence de {number(CONCENTRATION_GAP * 100)} points ou plus."
    )
    st.altair_chart(floor_heatmap(cells, choices[chosen]), width="stretch")
    found = concentration_lines(cells, choices[chosen], reference)
    if found:
        lines = "\n".join(f"- {markdown_text(line)}" for line in found)  # building names: data
        st.warning(concentration_heading(found) + "\n" + lines)
    else:
        st.success(
            f"Aucun étage d'au moins {CONCENTRATION_MIN_HOUSEHOLDS} ménages ne dépasse la part de "
            f"la résidence de {number(CONCENTRATION_GAP * 100)} points ou plus pour cet indicateur."
        )
    households = households_by_floor(long)
    st.subheader("Ménages par étage")
    st.dataframe(households, hide_index=True, height="content")
    st.caption(f"Total : {number(households['Ensemble'].sum())} ménages, ceux de la résidence.")
