"""Concertation: the action plans of the scope with their filters, the latest comments, and the
urban projects register."""

import streamlit as st

from semantic.errors import PeuplementError
from store.concertation import PERSONAL_DATA_NOTICE
from ui.screens.concertation import concertation_list as cl
from ui.shell.guard import require_page

user = require_page("concertation")
st.title("Concertation")
st.caption(cl.INTRO)
st.caption(f":material/privacy_tip: {PERSONAL_DATA_NOTICE}")

st.header("Plans d'action")
chosen = cl.filters(user)
try:
    plans = cl.plans_table(user, chosen)
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()
if plans.empty:
    st.info("Aucun plan d'action ne correspond à ces filtres dans votre périmètre.")
else:
    st.dataframe(plans, hide_index=True)

st.header("Derniers commentaires")
cl.show_latest_comments(user, chosen)

st.header("Projets urbains")
projects = cl.projects_table(user)
if projects.empty:
    st.info("Aucun projet urbain enregistré sur votre périmètre.")
else:
    st.dataframe(projects, hide_index=True)
cl.project_form(user)
