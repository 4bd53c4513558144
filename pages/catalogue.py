"""Catalogue des indicateurs: every indicator of the semantic layer — definition, formula, unit,
dimensions, source, targets that use it — searchable and grouped by theme. Generated from
`semantic/`, so it cannot drift from what the portal computes."""

import streamlit as st

from queries.errors import PeuplementError
from semantic.catalogue import load_catalogue
from ui.screens.catalogue import catalogue_view as cv
from ui.shared import data
from ui.shell.guard import require_page

user = require_page("catalogue")
st.title("Catalogue des indicateurs")
catalogue = load_catalogue()
st.caption(
    "Les définitions utilisées par tous les écrans et exports du portail. Les parts sont "
    "calculées comme somme des numérateurs sur somme des dénominateurs, après filtres et "
    f"découpages ; les valeurs calculées sur moins de {catalogue.secrecy_threshold} ménages ou "
    "attributions sont masquées pour les partenaires."
)
try:
    with st.spinner("Lecture des objectifs de votre périmètre…"):
        local = data.targets(user.scope)
except PeuplementError as exc:
    st.error(str(exc))
    local = None
items = cv.entries(catalogue, local)

text = st.text_input(
    "Rechercher un indicateur",
    placeholder="identifiant, libellé ou mot de la définition (ex. : fragilité, quartile, vacance)",
    key="cat_recherche",
)
found = cv.search(items, text)
st.caption(f"{len(found)} indicateur(s) sur {len(items)}.")
if not found:
    st.info(f"Aucun indicateur ne correspond à « {text} ».")
    st.stop()
for theme, group in cv.by_theme(found):
    st.subheader(f"{theme} ({len(group)})")
    for entry in group:
        with st.expander(f"{entry.label} · `{entry.id}`", expanded=bool(text.strip())):
            st.markdown(cv.entry_markdown(entry))
with st.expander("Vue en tableau"):
    st.dataframe(cv.table(found), hide_index=True)
