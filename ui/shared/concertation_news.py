"""« Quoi de neuf » on the home page: what changed in the concertation of the user's territory
since their previous visit (store.news), the visit read once per browser session."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from semantic.safe_text import markdown_text
from store.news import News, last_visit, record_visit, whats_new
from ui.shared.concertation_view import actor, state, when_text
from ui.shell.auth import CurrentUser

# The previous visit, read once per browser session (later reruns must not move it to « now »).
LAST_VISIT_KEY = "_peuplement_visite_precedente"


def news(user: CurrentUser) -> News:
    """What changed since the previous visit; this visit is recorded once per browser session."""
    if LAST_VISIT_KEY not in st.session_state:
        st.session_state[LAST_VISIT_KEY] = last_visit(state(), user.username)
        record_visit(state(), user.username)
    return whats_new(state(), actor(user), st.session_state[LAST_VISIT_KEY], dt.date.today())


def show_news(user: CurrentUser) -> None:
    found = news(user)
    since = f"depuis votre visite du {when_text(found.since)}" if found.since else "à ce jour"
    st.subheader("Quoi de neuf")
    if found.empty:
        st.caption(f"Rien de nouveau dans la concertation {since}.")
        return
    columns = st.columns(4)
    columns[0].metric("Nouveaux commentaires", len(found.comments), border=True)
    columns[1].metric("Plans nouveaux ou modifiés", len(found.new_plans), border=True)
    columns[2].metric("Plans à échéance (14 j)", len(found.due_soon), border=True)
    columns[3].metric("Plans en retard", len(found.late), border=True)
    st.caption(f"Concertation {since}, sur votre périmètre.")
    for plan in found.late[:5]:
        st.markdown(
            f":material/warning: En retard depuis le {plan.due:%d/%m/%Y} : "
            f"**{markdown_text(plan.title)}** ({markdown_text(plan.obj.label)})"
        )
    for comment in found.comments[-5:]:
        st.markdown(
            f":material/chat: {markdown_text(comment.organisation)} sur "
            f"« {markdown_text(comment.obj.label)} » ({when_text(comment.created_at)})"
        )
