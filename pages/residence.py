"""Fiche résidence (internal staff): pick a residence of the scope (search, list, or a `residence`
query parameter checked against the scope), then its card, its social profile against its EPCI,
the same profile by building and by floor, recent allocations and departures, a link to the map."""

import streamlit as st

from queries.errors import PeuplementError
from ui.screens.residence import floor_view as fv
from ui.screens.residence import projection_view as pv
from ui.screens.residence import residence_view as rv
from ui.shared import concertation_view as cv
from ui.shared.page_errors import stop_on_error
from ui.shared.urban_projects_view import show_projects
from ui.shell.guard import require_page
from ui.shell.navigation import page_path

user = require_page("residence")
st.title("Fiche résidence")
st.caption(rv.INTRO)
with stop_on_error():
    rows = rv.residence_list(user.scope)
if rows.empty:
    st.info("Aucune résidence dans votre périmètre pour la dernière photographie.")
    st.stop()

chosen = rv.choose_residence(rows)
if chosen is None:
    st.info("Choisissez une résidence pour afficher sa fiche.")
    st.stop()

with stop_on_error(), st.spinner("Calcul du profil de la résidence…"):
    sheet = rv.load_sheet(user.scope, rows, chosen)

rv.show_card(sheet.card, sheet.facts)
show_projects(user, sheet.card.residence)
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
