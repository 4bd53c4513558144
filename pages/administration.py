"""Administration (écran en cours de construction)."""

import streamlit as st

from ui.guard import require_page

user = require_page("administration")
st.title("Administration")
st.info("Écran en cours de construction")
