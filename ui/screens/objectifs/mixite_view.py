"""Objectifs et alertes, the residences with a mixité stake (`enjeu_mixite`, the CIA's list): each
residence in alert as the screen words it, and the table of the whole list.

Everything shown comes from `queries.alerts.mixite_alerts`; this module only words it. Builders are
plain functions, testable without a running Streamlit; `show_mixite_alert` draws one residence.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from queries.alerts import FRAGILITY as FRAGILITY
from semantic.safe_text import markdown_text
from store.concertation import ObjectRef
from ui.shared.concertation_view import residence_object as residence_object_of
from ui.shared.formats import MASK_TEXT, number, percent, shown_gap, target_text, value
from ui.shell.access import can_open
from ui.shell.navigation import page_path

# Residences in alert drawn as cards before the reader asks for the others (worst first, as
# `mixite_alerts` sorts them); the table below the cards lists the whole list.
ALERTS_FIRST = 10


def residence_object(row: dict) -> ObjectRef:
    """The residence of a mixité card as an object of concertation: the same plans and thread as
    on its Fiche résidence and the map (one object per residence)."""
    return residence_object_of(
        str(row["residence"]),
        str(row["residence_libelle"]),
        None if pd.isna(row["epci"]) else str(row["epci"]),
        None if pd.isna(row["commune"]) else str(row["commune"]),
        enjeu_mixite=True,
    )


def shown_value(row: dict) -> float | None:
    """The residence's fragility share as its card shows it (None when masked or not computed):
    the value its concertation panel compares plans with, without asking it again."""
    if row["masque"] or pd.isna(row["valeur"]):
        return None
    return float(row["valeur"])


def alert_reasons(row: dict) -> list[str]:
    reasons = []
    if row["au_dessus_seuil"]:
        reasons.append(f"au-dessus du seuil du PSA ({target_text('<=', row['seuil'], 'ratio')})")
    if row["en_hausse"]:
        reasons.append(f"en hausse de {shown_gap(row['evolution'], 'ratio')} depuis le {_day(row)}")
    return reasons


def _day(row: dict) -> str:
    day = row["date_precedente"]
    return f"{day:%d/%m/%Y}" if isinstance(day, dt.date) else "la photographie précédente"


def mixite_figures(row: dict) -> str:
    """« 84,4 % de ménages en fragilité (38 sur 45) ; 86,4 % au 30/06/2026 (−1,9 pt) »."""
    if row["masque"]:
        return f"Part de ménages en fragilité : {MASK_TEXT}"
    text = f"**{percent(row['valeur'])}** de ménages en fragilité"
    if not pd.isna(row["numerateur"]):
        text += f" ({number(row['numerateur'])} sur {number(row['denominateur'])})"
    if not pd.isna(row["valeur_precedente"]):
        text += (
            f" ; {percent(row['valeur_precedente'])} au {_day(row)} "
            f"({shown_gap(row['evolution'], 'ratio')})"
        )
    return text


def mixite_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every residence of the list, as shown (alerts first)."""
    return pd.DataFrame(
        {
            "Résidence": df["residence_libelle"],
            "Commune": df["commune_libelle"],
            "QPV": df["qpv_libelle"].fillna("hors QPV"),
            "Ménages en fragilité": [
                value(v, "ratio", masked=m) for v, m in zip(df["valeur"], df["masque"], strict=True)
            ],
            "Précédente": [percent(v) for v in df["valeur_precedente"]],
            "Évolution": [shown_gap(v, "ratio") for v in df["evolution"]],
            "Seuil PSA": [
                "—" if pd.isna(v) else target_text("<=", v, "ratio") + (" (commun)" if d else "")
                for v, d in zip(df["seuil"], df["seuil_defaut"], strict=True)
            ],
            "Alerte": ["oui" if a else "non" for a in df["alerte"]],
        }
    )


def show_mixite_alert(row: dict, *, role: str) -> None:
    """One residence in alert: its name (a link to its Fiche résidence when the role may open
    it: a page outside the role's navigation cannot even be linked), its figures, why it is
    listed."""
    link = can_open(role, "residence")
    with st.container(border=True):
        name = markdown_text(f"{row['residence_libelle']} — {row['commune_libelle']}")
        left, right = st.columns([2, 3], vertical_alignment="center")
        if link:
            left.page_link(
                page_path("residence"),
                label=name,
                icon=":material/apartment:",
                query_params={"residence": row["residence"]},
            )
        else:
            left.markdown(f"**{name}**")
        qpv = str(row["qpv_libelle"]) if not pd.isna(row["qpv_libelle"]) else "hors QPV"
        left.caption(markdown_text(f"{row['epci_libelle']} · {qpv}"))
        right.markdown(mixite_figures(row))
        right.markdown(" ".join(f":orange-badge[{r}]" for r in alert_reasons(row)))
        right.caption(threshold_caption(row))


def threshold_caption(row: dict) -> str:
    """Where the residence's threshold comes from, in words (the target id is not for readers)."""
    if pd.isna(row["seuil"]):
        return "Seuil : aucun seuil du PSA ne s'applique à cette résidence."
    shown = target_text("<=", row["seuil"], "ratio")
    if row["seuil_defaut"]:
        return (
            f"Seuil : {shown}, seuil commun du PSA (pas de seuil propre à la résidence) — "
            f"{markdown_text(row['seuil_source'])}"
        )
    return f"Seuil : {shown} — {markdown_text(row['seuil_source'])}"


def mixite_caption(df: pd.DataFrame) -> str:
    """How many listed residences, how many in alert, and what the alert means."""
    alerts = int(df["alerte"].sum())
    day = df["date_precedente"].dropna()
    since = f"le {day.iloc[0]:%d/%m/%Y}" if len(day) else "la photographie précédente"
    return (
        f"{number(len(df))} résidence(s) de votre périmètre sur la liste CIA des résidences à enjeu "
        f"prioritaire de mixité sociale (loi 3DS), dont {number(alerts)} en alerte : part de "
        f"ménages en fragilité en hausse depuis {since}, ou au-dessus du seuil fixé par le PSA. "
        "Une part couverte par le secret statistique ne déclenche aucune alerte."
    )
