"""Carte : les résidences du périmètre colorées par un indicateur, les communes par un indicateur
de territoire (zones sous tension), les QPV et les limites d'EPCI, lisible sans fond de carte ; à
côté, les résidences à surveiller, chacune avec un lien vers sa fiche."""

import streamlit as st

from semantic.catalogue import load_catalogue
from ui.screens.carte import map_layers
from ui.screens.carte import map_view as mv
from ui.shared.page_errors import stop_on_error
from ui.shared.secrecy_notice import partner_notice
from ui.shell.guard import require_page

user = require_page("carte")
catalogue = load_catalogue()
st.title("Carte")
partner_notice(user.scope)
with stop_on_error():
    choice = mv.map_filters(user.scope, catalogue)
    with st.spinner("Préparation de la carte…"):
        md = mv.load_map(user.scope, choice)

if md.communes.empty:
    st.info("Aucun territoire de votre périmètre ne correspond à ces filtres.")
    st.stop()
built = map_layers.build_map(
    md,
    residence_indicator=choice.indicator,
    commune_indicator=choice.area,
    threshold=choice.threshold,
    scope=user.scope,
    basemap=choice.basemap,
    concertation=mv.concertation(user),
)
map_col, list_col = st.columns([5, 2])
with map_col:
    mv.show_map(built, md.residences.empty, mv.colouring_label(choice.indicator, catalogue))
with list_col:
    followed = choice.indicator if choice.indicator in catalogue.indicators else None
    mv.show_attention(built, user, followed)
