"""Aide à l'attribution: pick a vacant dwelling, see the active demands that fit it and what each
allocation would change to the targets and to the residence's balance, export the commission
sheet. Facts and impacts only: no score, no ranking; the commission decides."""

import streamlit as st

from ui.screens.aide_attribution import allocation_view as av
from ui.shared.page_errors import stop_on_error
from ui.shell.guard import require_page

user = require_page("aide_attribution")
st.title("Aide à l'attribution")
st.caption(av.INTRO)

with stop_on_error():
    snapshot = av.snapshot_date()
    st.caption(f"Photographie du {snapshot:%d/%m/%Y}.")
    st.header("1. Logement vacant")
    listing = av.vacant(user.scope, av.dwelling_filters(av.vacant(user.scope)))
if listing.empty:
    st.info("Aucun logement vacant dans votre périmètre pour ces filtres.")
    st.stop()
dwelling = av.choose_dwelling(listing)
if dwelling is None:
    st.info("Choisissez un logement vacant pour voir les demandes qui lui conviennent.")
    st.stop()
with stop_on_error():
    profile = av.profile(user.scope, dwelling["residence"])
av.show_dwelling(dwelling, profile)

st.header("2. Demandes qui conviennent")
criteria = av.choose_criteria(dwelling)
with stop_on_error():
    study = av.study_dwelling(user.scope, dwelling["id_logement"], criteria)
av.show_demands(study, dwelling, criteria)
if study.fit.empty:
    st.info("Aucune demande active ne convient à ce logement avec ces critères.")
    st.stop()
st.markdown(f"**{len(study.fit)} demande(s) active(s)** conviennent à ce logement.")

st.header("3. Effets des candidatures")
av.show_effects(study, dwelling, snapshot.year, criteria)

st.header("4. Fiche de commission")
av.show_commission_sheet(study, dwelling, profile, criteria, snapshot, user)
