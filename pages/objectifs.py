"""Objectifs et alertes: every target in scope (legal T1/T2/T3 and local) on the calendar year to
date and the rolling 12 months, worst first, each with its trend; then the residences of the
`enjeu_mixite` list whose fragility share rises or exceeds the PSA threshold."""

import streamlit as st

from semantic.catalogue import load_catalogue
from ui.screens.objectifs import alerts_view as av
from ui.screens.objectifs import mixite_view as mv
from ui.screens.objectifs import target_matrix as tm
from ui.shared import concertation_view as cv
from ui.shared.bilan_download import offer_bilan
from ui.shared.page_errors import stop_on_error
from ui.shared.secrecy_notice import partner_notice
from ui.shell.guard import require_page

user = require_page("objectifs")
catalogue = load_catalogue()
st.title("Objectifs et alertes")
partner_notice(user.scope)
st.caption(av.INTRO)
with stop_on_error(), st.spinner("Calcul des objectifs, de leurs tendances et des alertes…"):
    snapshot = av.snapshot_date()
    targets = av.targets(user.scope)
    trends = av.trends(user.scope)
    mixite = av.mixite(user.scope)
    av.year_end(user.scope)  # the cards' projection to 31/12, computed once under the spinner
st.caption(f":material/event: Photographie du {snapshot:%d/%m/%Y}.")
with st.expander("Bilan annuel en PDF (objectifs, attributions, occupation, carte, méthode)"):
    offer_bilan(user, "objectifs")

st.header("Objectifs")
if targets.empty:
    st.info("Aucun objectif ne s'applique à votre périmètre pour cette photographie.")
else:
    for column, (label, count) in zip(st.columns(4), av.status_summary(targets), strict=True):
        column.metric(label, count, border=True)
    kind_col, terr_col, status_col = st.columns([1, 2, 1])
    kinds = kind_col.multiselect(
        "Objectif",
        av.kinds(targets, catalogue),
        placeholder="Tous",
        key="obj_type",
        select_all=False,
    )
    territories = terr_col.multiselect(
        "Territoires",
        list(dict.fromkeys(targets["territoire"])),
        placeholder="Tous",
        key="obj_terr",
        select_all=False,
    )
    statuses = status_col.multiselect(
        "Statut",
        list(av.STATUS_LABELS),
        format_func=av.STATUS_LABELS.get,
        placeholder="Tous",
        key="obj_statut",
        select_all=False,
    )
    shown = av.filtered(targets, territories, statuses, kinds, catalogue)
    if shown.empty:
        st.info("Aucun objectif ne correspond à ces filtres.")
    else:
        table = tm.matrix(shown, catalogue)
        st.dataframe(
            tm.styled(table),
            hide_index=True,
            column_config=tm.column_config(),
            placeholder="—",
            key="obj_matrice",
        )
        st.caption(tm.CAPTION)
        order = {target_id: rank for rank, target_id in enumerate(table["objectif_id"])}
        shown = shown.sort_values("objectif_id", key=lambda ids: ids.map(order), kind="stable")
        st.subheader("Fiches des objectifs")
    all_cards = av.cards(shown, catalogue)
    if len(all_cards) > tm.CARDS_FIRST:  # each card draws a chart: the rest on demand
        every = st.toggle(
            f"Afficher les {len(all_cards)} fiches (sinon les {tm.CARDS_FIRST} premières du tableau)",
            key="obj_toutes_fiches",
        )
        all_cards = all_cards if every else all_cards[: tm.CARDS_FIRST]
    points = av.points_by_target(trends, [card.objectif_id for card in all_cards])
    counts = cv.PanelCounts(user, "objectif")  # every card's panel title, two queries
    for card in all_cards:
        av.show_target(user.scope, card, points.get(card.objectif_id, trends.iloc[0:0]), snapshot)
        cv.object_panel(
            user,
            cv.target_ref(card),
            indicator=card.indicator,
            unit=card.unit,
            key=card.objectif_id,
            counts=counts,
        )
    with st.expander("Tableau de tous les objectifs affichés"):
        st.dataframe(av.overview_table(shown, catalogue), hide_index=True)

st.header("Résidences à enjeu de mixité")
alerts = mixite[mixite["alerte"]]
if mixite.empty:
    st.info(
        "Aucune résidence de votre périmètre ne figure sur la liste des résidences à enjeu de mixité."
    )
else:
    st.caption(mv.mixite_caption(mixite))
    if alerts.empty:
        st.success(
            "Aucune de ces résidences ne voit sa fragilité augmenter ni dépasser le seuil du PSA."
        )
    drawn = alerts
    if len(alerts) > mv.ALERTS_FIRST:  # a national list holds thousands: the worst first
        every = st.toggle(
            f"Afficher les {len(alerts)} résidences en alerte (sinon les {mv.ALERTS_FIRST} "
            "premières, les plus préoccupantes)",
            key="obj_toutes_alertes",
        )
        drawn = alerts if every else alerts.head(mv.ALERTS_FIRST)
    counts = cv.PanelCounts(user, "residence")
    for row in drawn.to_dict("records"):
        mv.show_mixite_alert(row, role=user.role)
        cv.object_panel(
            user,
            mv.residence_object(row),
            indicator=mv.FRAGILITY,
            unit="ratio",
            key=f"mixite_{row['residence']}",
            now=mv.shown_value(row),
            counts=counts,
        )
    with st.expander(f"Toutes les résidences de la liste ({len(mixite)})"):
        st.dataframe(mv.mixite_table(mixite), hide_index=True)
