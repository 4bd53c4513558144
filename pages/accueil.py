"""Accueil: who is logged in and their scope, how fresh the data is, the headline figures of the
latest snapshot in that scope and the number of targets off track."""

import streamlit as st

from semantic.safe_text import markdown_text
from ui.shared.bilan_download import offer_bilan
from ui.shared.concertation_news import show_news
from ui.shared.headline import delta_color, format_delta, overview, status_badge
from ui.shared.identity import shown_scope
from ui.shared.page_errors import stop_on_error
from ui.shared.secrecy_notice import partner_notice
from ui.shell.guard import require_page
from ui.shell.navigation import page_path

user = require_page("accueil")
st.title("Accueil")
partner_notice(user.scope)
st.markdown(
    f"Connecté·e : **{markdown_text(user.name)}** ({user.role_label})  \n"
    f"Périmètre : **{shown_scope(user.scope)}**"
)

with stop_on_error():
    ov = overview(user.scope)

since = f", comparée à celle du {ov.previous_snapshot:%d/%m/%Y}" if ov.previous_snapshot else ""
freshness = f"Photographie du {ov.snapshot:%d/%m/%Y} (il y a {ov.age_days} jours){since}."
if ov.fresh:
    st.caption(f":material/event_available: {freshness}")
else:
    st.warning(f"{freshness} Ces données datent : une photographie plus récente est attendue.")
if not ov.territories:
    st.info("Aucun territoire de votre périmètre ne figure dans cette photographie.")
    st.stop()

stock, legal = ov.figures[:4], ov.figures[4:]
for column, fig in zip(st.columns(len(stock)), stock, strict=True):
    column.metric(
        fig.label,
        fig.text,
        format_delta(fig),
        delta_color=delta_color(fig),
        border=True,
    )

st.subheader("Objectifs légaux d'attribution")
st.caption(
    "Attributions des 12 mois précédant la photographie ; l'année civile est détaillée "
    "sur la page des objectifs."
)
for column, fig in zip(st.columns(len(legal)), legal, strict=True):
    column.metric(
        fig.label,
        fig.text,
        format_delta(fig),
        delta_color=delta_color(fig),
        border=True,
        help=fig.help,
    )
    column.markdown(f"Cible {fig.target_text} · {status_badge(fig.status)}")
    if fig.status_detail:
        column.markdown(fig.status_detail)

left, right = st.columns([1, 3], vertical_alignment="center")
left.metric("Objectifs hors trajectoire", ov.off_track, border=True)
right.caption(
    f"dont {ov.not_met} non atteint(s) et {ov.to_watch} à surveiller (chaque objectif compté "
    "une fois, sur la moins bonne de ses deux périodes : année en cours, 12 mois glissants), "
    "comme sur la page des objectifs."
)
right.page_link(page_path("objectifs"), label="Voir les alertes", icon=":material/notifications:")

show_news(user)

if user.scope.masks_small_cells:  # partners file and forward it; staff find it on Objectifs
    st.subheader("Bilan annuel")
    st.caption(
        "Le bilan de l'année de votre territoire, en PDF, avec les chiffres protégés de ce portail."
    )
    offer_bilan(user, "accueil")
