"""Fiche résidence (internal staff): pick a residence of the scope (search, list, or a `residence`
query parameter checked against the scope), then its card, its social profile against its EPCI,
the same profile by building and by floor, recent allocations and departures, a link to the map."""

import streamlit as st

from queries.errors import PeuplementError
from semantic.catalogue import load_catalogue
from ui import floor_view as fv
from ui import residence_view as rv
from ui.guard import require_page
from ui.navigation import page_path

KEY = "res_residence"


def remember_choice() -> None:
    """The chosen residence goes to the URL, so the page can be bookmarked and shared."""
    chosen = st.session_state.get(KEY)
    st.session_state["res_url"] = chosen
    if chosen:
        st.query_params[rv.PARAM] = chosen
    elif rv.PARAM in st.query_params:
        del st.query_params[rv.PARAM]


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

asked = st.query_params.get(rv.PARAM)
valid = rv.requested(asked, rows)
if asked and valid is None:
    st.warning(f"La résidence « {asked} » n'est pas dans votre périmètre : lien ignoré.")
    del st.query_params[rv.PARAM]
elif valid and st.session_state.get("res_url") != valid:
    st.session_state[KEY] = st.session_state["res_url"] = valid

search_col, pick_col = st.columns([1, 2], vertical_alignment="bottom")
text = search_col.text_input("Rechercher", placeholder="nom ou commune", key="res_recherche")
everything, options = rv.labels(rows), rv.labels(rv.search(rows, text))
if st.session_state.get(KEY) in everything:  # a search never drops the current choice
    options.setdefault(st.session_state[KEY], everything[st.session_state[KEY]])
chosen = pick_col.selectbox(
    f"Résidence ({len(options)} sur {len(rows)})",
    list(options),
    index=None,
    format_func=options.get,
    placeholder="Choisissez une résidence",
    key=KEY,
    on_change=remember_choice,
)
if chosen is None:
    st.info("Choisissez une résidence pour afficher sa fiche.")
    st.stop()

facts = rows.set_index("residence").loc[chosen].to_dict()
try:
    with st.spinner("Calcul du profil de la résidence…"):
        card = rv.card(user.scope, chosen, facts)
        prof = rv.profile(user.scope, chosen)
        buildings = rv.by_level(user.scope, chosen, "batiment")
        floors = rv.by_level(user.scope, chosen, "etage")
        moves = rv.movements(user.scope, chosen, card.in_qpv, facts["epci"], load_catalogue())
        brackets = rv.income_brackets(user.scope, chosen, card.epci)
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()

rv.show_card(card, facts)
st.page_link(page_path("carte"), label="Voir la carte des résidences", icon=":material/map:")
if prof.empty or not card.households:
    st.info("Aucun ménage en place dans cette résidence : pas de profil à afficher.")
    st.stop()
rv.show_profile(card, prof, brackets)
fv.show_buildings(buildings, prof)
fv.show_floors(floors, prof)
st.header("Attributions et départs récents")
st.caption("Nombres et parts sur la période ; entre parenthèses, numérateur/dénominateur.")
st.dataframe(moves, hide_index=True)
