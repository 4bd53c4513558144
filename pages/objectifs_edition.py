"""Objectifs locaux: the targets of objectifs.yaml; admins add, change or close them (every change in
the audit trail), managers read them."""

import streamlit as st

from semantic.catalogue import load_catalogue
from semantic.errors import PeuplementError
from ui.screens.objectifs_edition import targets_editor as te
from ui.shared.page_errors import stop_on_error
from ui.shell.guard import require_page

user = require_page("objectifs_edition")
st.title("Objectifs locaux")
st.caption(te.INTRO)
te.show_flash()
catalogue = load_catalogue()
with stop_on_error("Le fichier des objectifs ne peut pas être lu : corrigez-le à la main."):
    targets = te.current_targets(catalogue)

st.header("Objectifs en place")
if targets:
    st.dataframe(
        te.targets_table(targets, catalogue, te.territory_names(user.scope)), hide_index=True
    )
else:
    st.info("Aucun objectif local n'est défini : seuls les objectifs légaux s'appliquent.")

if not te.can_edit(user):
    st.info("Lecture seule : seuls les administrateurs ajoutent, modifient ou closent un objectif.")
    st.stop()

st.header("Modifier les objectifs")
add, change, close = st.tabs(["Ajouter", "Modifier", "Clore"])
try:
    with add:
        te.add_form(user, catalogue)
    with change:
        te.change_form(user, catalogue, targets)
    with close:
        te.close_form(user, catalogue, targets)
except PeuplementError as exc:  # no data to choose territories from
    st.error(str(exc))
