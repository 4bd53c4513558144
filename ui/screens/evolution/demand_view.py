"""Évolution, « Tendance de la demande » section: active demands and attributions per EPCI and
typology over the next 4 quarters (queries.forecast.projection, the user's scope: a partner's
come from protected counts), with each method's back-test verdict written under the table.
`demand_table` is a plain function."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from queries.forecast.projection import DEMAND, projection
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.shared import data
from ui.shared.formats import number

HORIZON = 4  # quarters


@data.scoped
def demand_outlook(scope: Scope) -> dict[str, pd.DataFrame]:
    """nb_demandes and nb_attributions projected per EPCI and typology, cached per scope."""
    return {
        indicator: projection(
            data.engine(), indicator, scope, by=("epci", "nb_pieces"), horizon=HORIZON
        )
        for indicator in DEMAND
    }


def demand_table(found: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per EPCI and typology: demands at the last quarter end and expected at the
    horizon; attributions in the last quarter and expected over the next 4 quarters."""
    demands, allocations = found["nb_demandes"], found["nb_attributions"]
    keys = ["epci", "epci_libelle", "nb_pieces"]
    rows = {}
    for df, kind in ((demands, "d"), (allocations, "a")):
        if df.empty:
            continue
        for (epci, name, pieces), g in df.groupby(keys, sort=True):
            row = rows.setdefault((epci, pieces), {"EPCI": name, "Pièces": int(pieces)})
            if kind == "d":
                row["Demandes actives (dernier trimestre)"] = number(g["dernier"].iloc[0])
                row["Demandes actives attendues (dans 4 trimestres)"] = number(
                    g.sort_values("trimestre")["attendu"].iloc[-1]
                )
            else:
                row["Attributions (dernier trimestre)"] = number(g["dernier"].iloc[0])
                row["Attributions attendues (4 trimestres)"] = number(g["attendu"].sum())
    columns = [
        "EPCI",
        "Pièces",
        "Demandes actives (dernier trimestre)",
        "Demandes actives attendues (dans 4 trimestres)",
        "Attributions (dernier trimestre)",
        "Attributions attendues (4 trimestres)",
    ]
    out = pd.DataFrame([rows[k] for k in sorted(rows, key=str)]).reindex(columns=columns)
    return out.astype(object).where(out.notna(), "—")


def show_demand_trend(scope: Scope) -> None:
    st.subheader("Tendance de la demande : les 4 prochains trimestres")
    with st.spinner("Projection de la demande et des attributions…"):
        found = demand_outlook(scope)
    if all(df.empty for df in found.values()):
        st.info("Pas de projection : historique trimestriel insuffisant.")
        return
    st.dataframe(demand_table(found), hide_index=True)
    for indicator, what in (("nb_demandes", "Demandes"), ("nb_attributions", "Attributions")):
        df = found[indicator]
        if not df.empty:
            st.caption(markdown_text(f"{what} : {df['methode'].iloc[0]}."))
    st.caption(
        "Par EPCI de la première commune souhaitée (demandes) ou du logement (attributions) et "
        "par nombre de pièces. Chaque méthode a été éprouvée sur vos propres chiffres : prévision "
        "faite avec les 9 premiers trimestres, comparée aux 4 suivants ; quand elle ne bat pas la "
        "valeur naïve (dernier trimestre, ou même trimestre un an plus tôt), c'est la valeur "
        "naïve qui est montrée. Une case couverte par le secret statistique un trimestre n'est "
        "pas projetée."
    )
