"""Fiche résidence (internal staff): pick a residence of the scope (search, list, or a `residence`
query parameter checked against the scope), then its card, its social profile against its EPCI,
the same profile by building and by floor, recent allocations and departures, a link to the map."""

import streamlit as st

from queries.errors import PeuplementError
from ui import concertation_view as cv
from ui import floor_view as fv
from ui import projection_view as pv
from ui import residence_view as rv
from ui.guard import require_page
from ui.navigation import page_path

user = require_page("residence")
st.title("Fiche résidence")
st.caption(rv.INTRO)
try:
    rows = rv.residence_list(user.scope)
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()
if rows.empty:
    st.info("Aucune résidence dans votre périmètre pour la dernière photographie.")
    st.stop()

chosen = rv.choose_residence(rows)
if chosen is None:
    st.info("Choisissez une résidence pour afficher sa fiche.")
    st.stop()

try:
    with st.spinner("Calcul du profil de la résidence…"):
        sheet = rv.load_sheet(user.scope, rows, chosen)
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()

rv.show_card(sheet.card, sheet.facts)
cv.show_projects(user, sheet.card.residence)
cv.object_panel(
    user,
    cv.residence_ref(sheet.card, sheet.facts.get("commune")),
    indicator="part_menages_sous_40pc",
    unit="ratio",
    key=f"res_{sheet.card.residence}",
)
st.page_link(page_path("carte"), label="Voir la carte des résidences", icon=":material/map:")
if sheet.profile.empty or not sheet.card.households:
    st.info("Aucun ménage en place dans cette résidence : pas de profil à afficher.")
    st.stop()
rv.show_profile(sheet.card, sheet.profile, sheet.brackets)
fv.show_buildings(sheet.buildings, sheet.profile)
fv.show_floors(sheet.floors, sheet.profile)
rv.show_movements(sheet.movements)
try:
    pv.show_projection(user.scope, sheet.card)
except PeuplementError as exc:
    st.error(str(exc))
