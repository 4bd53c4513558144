"""Fiche résidence, what it says about the chosen residence: its card, its social profile against
its EPCI and its recent allocations and departures — as tables and altair charts (`ui.shared.charts`).
The page reaches them through `ui.screens.residence.residence_view`; the same profile by building and floor is in
`ui.screens.residence.floor_view`.

Every figure is a query-layer answer (`evaluate` through `ui.shared.data`, `profile`); this module only
picks, words and draws them. Builders are plain functions, testable without Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries.profile import PROFILE
from semantic.catalogue import Catalogue
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.shared import data
from ui.shared.charts import INCOME_BRACKETS, bar_chart, comparison_chart, income_chart
from ui.shared.formats import number, percent, shown_gap, value

# Allocations and departures of the residence: (indicator, shown only in QPV / outside QPV / both)
MOVEMENTS = (
    ("nb_attributions", None),
    ("nb_departs", None),
    ("taux_rotation", None),
    ("part_attributions_prioritaires", None),
    ("part_attributions_dalo", None),
    ("part_attributions_mutations", None),
    ("part_attributions_q1_hors_qpv", False),
    ("part_attributions_non_q1_en_qpv", True),
    ("delai_attente_median_mois", None),
)
MOVEMENT_PERIODS = (("rolling12", "12 derniers mois"), ("ytd", "Année civile en cours"))
# A rate over the stock (rotation) has no calendar-year-to-date value: part of a year's departures
# over the whole stock would read as a low rotation.
NO_YEAR_TO_DATE = "— (sur 12 mois seulement)"


# --- figures at the page's snapshot ----------------------------------------------------------------


def snapshot_date() -> dt.date:
    return data.engine().latest


def indicator(scope: Scope, indicator_id: str, where: Mapping, **kwargs) -> pd.DataFrame:
    """`evaluate` at the page's snapshot, cached per scope by ui.shared.data."""
    return data.indicator(indicator_id, scope, snapshot=snapshot_date(), where=where, **kwargs)


# --- the card --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    residence: str
    name: str
    epci: str
    epci_name: str
    in_qpv: bool
    enjeu_mixite: bool
    households: float | None
    vacancy: float | None  # taux_vacance of the residence
    by_financement: pd.DataFrame  # evaluate(nb_logements, by financement)
    by_rooms: pd.DataFrame  # evaluate(nb_logements, by nb_pieces)
    snapshot: dt.date


def card(scope: Scope, residence: str, facts: Mapping) -> Card:
    where = {"residence": [residence]}
    households = indicator(scope, "nb_menages", where).iloc[0]
    vacancy = indicator(scope, "taux_vacance", where).iloc[0]
    return Card(
        residence=residence,
        name=str(facts["residence_libelle"]),
        epci=str(facts["epci"]),
        epci_name=str(facts["epci_libelle"]),
        in_qpv=not pd.isna(facts.get("qpv")) and bool(facts.get("qpv")),
        enjeu_mixite=bool(facts.get("enjeu_mixite")),
        households=None if households["masque"] else households["valeur"],
        vacancy=None if vacancy["masque"] else vacancy["valeur"],
        by_financement=indicator(scope, "nb_logements", where, by=["financement"]),
        by_rooms=indicator(scope, "nb_logements", where, by=["nb_pieces"]),
        snapshot=snapshot_date(),
    )


def show_card(c: Card, facts: Mapping) -> None:
    badges = ":blue-badge[QPV]" if c.in_qpv else ""
    if c.enjeu_mixite:
        badges += " :orange-badge[Résidence à enjeu de mixité (liste CIA)]"
    st.header(f"{markdown_text(c.name)} {badges}")
    st.markdown(  # the identifier, for the exports and the support desk, in the tooltip
        place_line(facts), help=f"Identifiant de la résidence : {c.residence}"
    )
    st.caption(f"Photographie du {c.snapshot:%d/%m/%Y}.")
    for column, (label, text) in zip(
        st.columns(5), card_facts(facts, c.households, c.vacancy), strict=True
    ):
        column.metric(label, text, border=True)
    left, right = st.columns(2)
    for column, frame, dim, title in (
        (left, c.by_financement, "financement", "Logements par financement"),
        (right, c.by_rooms, "nb_pieces", "Logements par nombre de pièces"),
    ):
        column.markdown(f"**{title}**")
        if frame.empty:
            column.caption("Aucun logement.")
        else:
            shown = frame.sort_values(dim)
            if dim == "nb_pieces":
                shown = shown.assign(nb_pieces=shown["nb_pieces"].map(_room_label))
            column.altair_chart(bar_chart(shown, dim, title), width="stretch")


def _room_label(rooms) -> str:
    return "—" if pd.isna(rooms) else f"{int(rooms)} pièce{'s' if int(rooms) > 1 else ''}"


def place_line(row: Mapping) -> str:
    """« **Commune** : Grenoble · **EPCI** : … · **QPV** : hors QPV »."""
    qpv = row.get("qpv_libelle")
    return " · ".join(
        [
            f"**Commune** : {markdown_text(row['commune_libelle'])}",
            f"**EPCI** : {markdown_text(row['epci_libelle'])}",
            f"**QPV** : {'hors QPV' if pd.isna(qpv) or not qpv else markdown_text(qpv)}",
        ]
    )


def card_facts(row: Mapping, households: float | None, vacancy: float | None) -> list[tuple]:
    """(label, value) pairs of the card's figures, as shown."""
    built = row["annee_construction"]
    return [
        ("Construction", "—" if pd.isna(built) else str(built)),
        ("Bâtiments", number(row["nb_batiments"])),
        ("Logements", number(row["nb_logements"])),
        ("Vacants", f"{number(row['nb_vacants'])} ({percent(vacancy)})"),
        ("Ménages", number(households)),
    ]


# --- the profile against the EPCI -----------------------------------------------------------------


def profile_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Thème": df["groupe"],
            "Indicateur": df["libelle"],
            "Résidence": [
                value(v, u, masked=m)
                for v, u, m in zip(
                    df["valeur_residence"], df["unite"], df["masque_residence"], strict=True
                )
            ],
            "EPCI": [value(v, u) for v, u in zip(df["valeur_epci"], df["unite"], strict=True)],
            "Écart": [shown_gap(v, u) for v, u in zip(df["ecart"], df["unite"], strict=True)],
            "Ménages (résidence)": [number(v) for v in df["effectif_residence"]],
        }
    )


def headline_metrics(df: pd.DataFrame) -> list[tuple[str, str, str]]:
    """(label, residence value, « EPCI : … ») of the profile's non-ratio indicators."""
    rows = df[df["unite"] != "ratio"]
    return [
        (
            r["libelle"],
            value(r["valeur_residence"], r["unite"], masked=r["masque_residence"]),
            f"EPCI : {value(r['valeur_epci'], r['unite'])} ({shown_gap(r['ecart'], r['unite'])})",
        )
        for r in rows.to_dict("records")
    ]


def profile_groups() -> list[str]:
    return [group for group, _ in PROFILE]


def income_brackets(scope: Scope, residence: str, epci: str) -> pd.DataFrame:
    """Territoire, Tranche, Part: households by income against the ceilings, residence and EPCI."""
    rows = []
    for territory, where in (
        ("Résidence", {"residence": [residence]}),
        ("EPCI", {"epci": [epci]}),
    ):
        for order, (ind_id, label) in enumerate(INCOME_BRACKETS):
            found = indicator(scope, ind_id, where).iloc[0]
            masked = bool(found["masque"])
            share = None if masked or pd.isna(found["valeur"]) else float(found["valeur"])
            rows.append(
                {
                    "Territoire": territory,
                    "Tranche": label,
                    "Ordre": order,
                    "Part": share,
                    "Valeur": value(share, "ratio", masked=masked),
                }
            )
    return pd.DataFrame(rows)


# --- allocations and departures -------------------------------------------------------------------


def movements(
    scope: Scope, residence: str, in_qpv: bool, epci: str, catalogue: Catalogue
) -> pd.DataFrame:
    """Allocations and departures of the residence over the rolling 12 months and the calendar
    year to date, with the EPCI over 12 months for comparison: counts and shares only."""
    rows = []
    for ind_id, qpv_only in MOVEMENTS:
        if qpv_only is not None and qpv_only != in_qpv:
            continue
        ind = catalogue.indicator(ind_id)
        row = {"Indicateur": ind.label}
        for period, title in MOVEMENT_PERIODS:
            if period == "ytd" and not catalogue.offers_ytd(ind_id):  # a rate over the stock
                row[title] = NO_YEAR_TO_DATE
                continue
            found = indicator(scope, ind_id, {"residence": [residence]}, period=period).iloc[0]
            row[title] = value(found["valeur"], ind.unit, masked=bool(found["masque"]))
            if ind.is_ratio and not found["masque"] and not pd.isna(found["denominateur"]):
                row[title] += f" ({number(found['numerateur'])}/{number(found['denominateur'])})"
        around = indicator(scope, ind_id, {"epci": [epci]}).iloc[0]
        row["EPCI, 12 derniers mois"] = value(
            around["valeur"], ind.unit, masked=bool(around["masque"])
        )
        rows.append(row)
    return pd.DataFrame(rows)


# --- sections of the page -------------------------------------------------------------------------


def show_profile(c: Card, prof: pd.DataFrame, brackets: pd.DataFrame) -> None:
    st.header("Profil social comparé à l'EPCI")
    st.caption(
        f"Ménages en place de la résidence comparés à ceux de {markdown_text(c.epci_name)}. "
        "Parts calculées sur "
        "les ménages (au revenu connu pour les ressources)."
    )
    metrics = headline_metrics(prof)
    for column, (label, shown, around) in zip(st.columns(len(metrics)), metrics, strict=True):
        column.metric(label, shown, border=True)
        column.caption(markdown_text(around))
    st.markdown("**Ressources au regard des plafonds** (ménages au revenu connu)")
    st.altair_chart(income_chart(brackets), width="stretch")
    groups = [g for g in profile_groups() if comparison_chart(prof, g) is not None]
    for i in range(0, len(groups), 2):
        for column, group in zip(st.columns(2), groups[i : i + 2], strict=False):
            column.markdown(f"**{group}**")
            column.altair_chart(comparison_chart(prof, group), width="stretch")
    with st.expander("Tableau du profil (valeurs, écarts, effectifs)"):
        st.dataframe(profile_table(prof), hide_index=True)


def show_movements(moves: pd.DataFrame) -> None:
    st.header("Attributions et départs récents")
    st.caption("Nombres et parts sur la période ; entre parenthèses, numérateur/dénominateur.")
    st.dataframe(moves, hide_index=True)
