"""Évolution : les indicateurs choisis sur toutes les photographies, plusieurs territoires sur un
même graphique, avec les seuils légaux (T1, T2, T3) et les objectifs locaux."""

import streamlit as st

from semantic.catalogue import load_catalogue
from semantic.errors import UNAVAILABLE
from semantic.safe_text import markdown_text
from ui.screens.evolution import trends
from ui.screens.evolution.demand_view import show_demand_trend
from ui.shared import data, filters
from ui.shared.page_errors import stop_on_error
from ui.shared.secrecy_notice import partner_notice
from ui.shell.guard import require_page

user = require_page("evolution")
catalogue = load_catalogue()
labels = {i: ind.label for i, ind in catalogue.indicators.items()}
T1 = catalogue.parameters.objectifs_legaux[0].indicateur
st.title("Évolution")
partner_notice(user.scope)
with stop_on_error():
    eng = data.engine()
    ind_col, scale_col, period_col = st.columns([3, 1, 2])
    indicators = ind_col.multiselect(
        "Indicateurs",
        list(labels),
        [T1],
        format_func=labels.get,
        key="evo_indicateurs",
        select_all=False,
    )
    period = filters.period_filter("evo_periode", period_col)
    scale, codes, offered = trends.territory_picker(user.scope, eng.latest, "evo", scale_col)
    # an indicator whose optional input no snapshot has: "non disponible", not a line at 0
    available = {i for i in indicators if any(eng.inputs_for(catalogue.indicator(i).requires))}
    drawable = [
        i
        for i in indicators
        if i in available
        and scale in catalogue.supported_dimensions(i)
        and (period != "ytd" or catalogue.offers_ytd(i))
    ]
    shown = []
    if drawable and 0 < len(codes) <= trends.MAX_TERRITORIES:
        with st.spinner("Calcul des séries sur toutes les photographies…"):
            local = trends.local_targets(user.scope, eng.snapshots)
            shown = [
                trends.trend(catalogue, i, user.scope, scale, codes, period, local)
                for i in drawable
            ]

if not offered:
    st.info("Aucun territoire de votre périmètre dans les données à cette échelle.")
elif not indicators:
    st.info("Choisissez au moins un indicateur.")
elif not shown and codes:
    st.info("Aucun des indicateurs choisis ne se calcule à cette échelle.")
elif not shown:
    st.info(f"Choisissez de 1 à {trends.MAX_TERRITORIES} territoires à comparer.")
for indicator_id in indicators:
    if indicator_id not in available:
        st.caption(f"{labels[indicator_id]} : {UNAVAILABLE}.")
    elif period == "ytd" and not catalogue.offers_ytd(indicator_id):
        st.caption(
            f"{labels[indicator_id]} : taux rapporté à un stock, sur 12 mois glissants seulement."
        )
    elif indicator_id not in drawable:
        st.caption(f"{labels[indicator_id]} : pas de découpage par {trends.SCALES[scale].lower()}.")
for t in shown:
    st.subheader(markdown_text(t.label))
    if t.points.empty or t.points["valeur"].isna().all():
        st.info("Aucune valeur à tracer pour ces territoires.")
    else:
        st.altair_chart(trends.chart(t.points, t.rules, t.label, t.unit), width="stretch")
    for note in trends.notes(t, catalogue.secrecy_threshold):
        st.caption(note)

with stop_on_error():
    show_demand_trend(user.scope)
