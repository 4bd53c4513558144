"""Objectifs locaux (écran en cours de construction)."""

import streamlit as st

from ui.guard import require_page

user = require_page("objectifs_edition")
st.title("Objectifs locaux")
st.info("Écran en cours de construction")
