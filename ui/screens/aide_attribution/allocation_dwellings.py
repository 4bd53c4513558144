"""Aide à l'attribution, step 1: the vacant dwellings as the screen shows them — the cascade of
filters, the sortable list, the pick of one dwelling, its facts and its residence's profile.

The table builders are plain functions, testable without a running Streamlit (the commission sheet
of `ui.screens.aide_attribution.commission_sheet` reuses them); each widget owns one session-state key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from semantic.safe_text import markdown_text
from ui.shared.formats import change, number, percent, value
from ui.shared.labels import RESERVATAIRES

# (dimension, label, code column of vacant_dwellings, label column or None), in cascade order
FILTERS = (
    ("epci", "EPCI", "epci", "epci_libelle"),
    ("commune", "Commune", "commune", "commune_libelle"),
    ("residence", "Résidence", "residence", "residence_libelle"),
    ("nb_pieces", "Pièces", "nb_pieces", None),
    ("financement", "Financement", "financement", None),
    ("reservataire", "Réservataire", "reservataire", None),
)

# --- widgets that own one session-state key ------------------------------------------------------


def multiselect(where, label: str, options: Mapping, key: str) -> list:
    """A filter whose chosen values stay within `options` (code -> label) when they change."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    return where.multiselect(
        label,
        list(options),
        format_func=dict(options).get,
        key=key,
        placeholder="Tous",
        select_all=False,
    )


def forget_stale(key: str, options: Sequence) -> None:
    """Drop a selectbox's value that is no longer among its options (the widget then resets)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def dwelling_filters(dwellings: pd.DataFrame) -> dict[str, list]:
    """The six filters in a row, each offering what the filters before it leave: {dim: values}."""
    where: dict[str, list] = {}
    for column, (dim, label, _, _) in zip(st.columns(len(FILTERS)), FILTERS, strict=True):
        where[dim] = multiselect(column, label, filter_options(dwellings, where, dim), f"aa_{dim}")
    return where


def choose_dwelling(listing: pd.DataFrame) -> dict | None:
    """The vacant dwellings as a sortable table, then the one to study (None until one is picked)."""
    st.caption(f"{number(len(listing))} logement(s) vacant(s). Cliquez sur un en-tête pour trier.")
    st.dataframe(
        dwellings_table(listing), hide_index=True, height=250, column_config=DWELLING_CONFIG
    )
    rows = {r["id_logement"]: r for r in listing.to_dict("records")}
    forget_stale("aa_logement", list(rows))
    id_logement = st.selectbox(
        "Logement à étudier",
        list(rows),
        index=None,
        format_func={i: dwelling_label(r) for i, r in rows.items()}.get,
        placeholder="Choisissez un logement (tapez son numéro, sa résidence ou sa commune)",
        key="aa_logement",
    )
    return None if id_logement is None else rows[id_logement]


def show_dwelling(dwelling: Mapping, prof: pd.DataFrame) -> None:
    """The dwelling's facts, its residence's profile summary, and the whole profile folded."""
    facts = dwelling_facts(dwelling)
    left, middle, summary = st.columns([2, 2, 1.4])
    left.markdown("  \n".join(f"**{k}** : {markdown_text(v)}" for k, v in facts[:6]))
    middle.markdown("  \n".join(f"**{k}** : {markdown_text(v)}" for k, v in facts[6:12]))
    short = ("Ménages en place (résidence)", "Ménages en fragilité", "Ressources < 40 % PLUS")
    for label, (_, text) in zip(short, facts[12:], strict=True):
        summary.metric(label, text)
    with st.expander("Profil complet de la résidence, comparé à son EPCI"):
        st.dataframe(profile_table(prof), hide_index=True)


# --- tables ---------------------------------------------------------------------------------------


def filter_options(dwellings: pd.DataFrame, chosen: Mapping[str, list], dimension: str) -> dict:
    """code -> label of a filter, from the vacant dwellings matching the filters before it."""
    rows = dwellings
    for dim, _, col, _ in FILTERS:
        if dim == dimension:
            break
        if chosen.get(dim):
            rows = rows[rows[col].isin(chosen[dim])]
    _, _, col, label_col = next(f for f in FILTERS if f[0] == dimension)
    names = dict(zip(rows[col], rows[label_col or col], strict=True))
    codes = sorted(names)
    if dimension == "reservataire":
        return {code: RESERVATAIRES.get(code, code) for code in codes}
    if dimension == "nb_pieces":
        return {int(code): f"{code} pièce{'s' if code > 1 else ''}" for code in codes}
    return {code: str(names[code]) for code in codes}


def dwelling_label(row: Mapping) -> str:
    return (
        f"{row['id_logement']} — {row['residence_libelle']} ({row['commune_libelle']}), "
        f"étage {row['etage']}, {row['nb_pieces']} pièces, {number(row['surface_habitable'])} m², "
        f"{row['financement']}, {number(row['loyer_mensuel'])} €/mois"
    )


# Vacancy over three months is no longer turnover but a dwelling that does not find a tenant (the
# catalogue's « vacance de plus de 3 mois »); over a year it needs a decision.
LONG_VACANCY_DAYS, VERY_LONG_VACANCY_DAYS = 92, 365


def long_vacancy(days) -> str:
    """« plus d'un an », « plus de 3 mois » or "" for a dwelling vacant `days` days."""
    if days is None or pd.isna(days):
        return ""
    if days > VERY_LONG_VACANCY_DAYS:
        return "plus d'un an"
    return "plus de 3 mois" if days > LONG_VACANCY_DAYS else ""


def dwellings_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Logement": df["id_logement"],
            "Résidence": df["residence_libelle"],
            "Commune": df["commune_libelle"],
            "QPV": df["qpv_libelle"].where(df["en_qpv"], "hors QPV"),
            "Étage": df["etage"],
            "Pièces": df["nb_pieces"],
            "Surface (m²)": df["surface_habitable"],
            "Loyer (€/mois)": df["loyer_mensuel"],
            "Financement": df["financement"],
            "Réservataire": df["reservataire"].map(lambda r: RESERVATAIRES.get(r, r)),
            "Vacant depuis (jours)": df["jours_vacance"],
            "Vacance longue": df["jours_vacance"].map(long_vacancy),
            "Ménages de la résidence": df["residence_nb_menages"],
            "Fragiles (résidence)": df["residence_part_fragiles"],
            "< 40 % PLUS (résidence)": df["residence_part_sous_40pc"],
            "Enjeu de mixité": df["enjeu_mixite"].map(yes_no),
            "Départs attendus (résidence, 4 trimestres)": df.get(
                "residence_departs_attendus", pd.Series(pd.NA, index=df.index, dtype="Float64")
            ),
        }
    )


DWELLING_CONFIG = {
    "Surface (m²)": st.column_config.NumberColumn(format="localized", step=0.1),
    "Loyer (€/mois)": st.column_config.NumberColumn(format="euro", step=1),
    "Fragiles (résidence)": st.column_config.NumberColumn(format="percent", step=0.001),
    "< 40 % PLUS (résidence)": st.column_config.NumberColumn(format="percent", step=0.001),
    "Départs attendus (résidence, 4 trimestres)": st.column_config.NumberColumn(
        format="localized",
        step=0.1,
        help="Départs attendus dans la résidence sur les quatre prochains trimestres : taux de "
        "départ de la résidence rapproché de celui de son EPCI (voir la Fiche résidence).",
    ),
}


def vacancy_text(since: pd.Timestamp, days) -> str:
    """« 07/05/2025 (1 127 jours : vacance de plus d'un an) »."""
    flag = long_vacancy(days)
    return f"{since:%d/%m/%Y} ({number(days)} jours" + (f" : vacance de {flag})" if flag else ")")


def dwelling_facts(row: Mapping) -> list[tuple[str, str]]:
    qpv = str(row["qpv_libelle"]) if row["en_qpv"] else "hors QPV"
    since = pd.Timestamp(row["date_debut_vacance"])
    return [
        ("Logement", str(row["id_logement"])),
        ("Résidence", str(row["residence_libelle"])),
        ("Bâtiment et étage", f"{row['batiment_libelle']}, étage {row['etage']}"),
        ("Commune", str(row["commune_libelle"])),
        ("EPCI", str(row["epci_libelle"])),
        ("Quartier prioritaire", qpv),
        ("Résidence à enjeu de mixité (CIA)", yes_no(row["enjeu_mixite"])),
        ("Typologie", f"{row['nb_pieces']} pièces, {number(row['surface_habitable'], 1)} m²"),
        ("Loyer", f"{number(row['loyer_mensuel'])} € par mois"),
        ("Financement", str(row["financement"])),
        ("Réservataire", RESERVATAIRES.get(row["reservataire"], row["reservataire"])),
        ("Vacant depuis", vacancy_text(since, row["jours_vacance"])),
        ("Ménages en place dans la résidence", number(row["residence_nb_menages"])),
        ("Ménages en fragilité (résidence)", percent(row["residence_part_fragiles"])),
        ("Ressources < 40 % du plafond PLUS (résidence)", percent(row["residence_part_sous_40pc"])),
    ]


def profile_table(df: pd.DataFrame) -> pd.DataFrame:
    """The residence profile next to its EPCI's, values in words."""
    units = df["unite"]
    return pd.DataFrame(
        {
            "Thème": df["groupe"],
            "Indicateur": df["libelle"],
            "Résidence": [value(v, u) for v, u in zip(df["valeur_residence"], units, strict=True)],
            "EPCI": [value(v, u) for v, u in zip(df["valeur_epci"], units, strict=True)],
            "Écart": [change(g, u) for g, u in zip(df["ecart"], units, strict=True)],
        }
    )


def yes_no(flag) -> str:
    """A flag in words; unknown stays visible rather than reading as « non »."""
    return "inconnu" if pd.isna(flag) else ("oui" if flag else "non")
