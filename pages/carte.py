"""Carte : les résidences du périmètre colorées par un indicateur, les communes par un indicateur
de territoire (zones sous tension), les QPV et les limites d'EPCI, lisible sans fond de carte ; à
côté, les résidences à surveiller, chacune avec un lien vers sa fiche."""

import datetime as dt

import streamlit as st

from queries.errors import PeuplementError
from queries.map_data import (
    FRAGILITY,
    commune_indicators,
    filter_options,
    map_data,
    residence_indicators,
)
from semantic.catalogue import load_catalogue
from ui import data, map_layers, map_legend
from ui.guard import require_page
from ui.navigation import page_path

CACHE = dict(show_spinner=False, max_entries=data.MAX_CACHED_RESULTS, ttl=data.RESULT_TTL_SECONDS)


@st.cache_data(**CACHE)
def _options(scope_key, snapshot, epcis, version, *, _scope) -> dict[str, dict[str, str]]:
    if scope_key != _scope.cache_key():  # the key and the scope must describe the same user
        raise RuntimeError("cache key and scope disagree")
    return filter_options(data.engine(), _scope, dt.date.fromisoformat(snapshot), list(epcis))


@st.cache_data(**CACHE)
def _map(indicators, scope_key, snapshot, where, version, *, _scope):
    if scope_key != _scope.cache_key():
        raise RuntimeError("cache key and scope disagree")
    residence, commune = indicators
    return map_data(
        data.engine(),
        _scope,
        residence_indicator=residence,
        commune_indicator=commune,
        snapshot=snapshot,
        where=dict(where) or None,
    )


def frozen(where: dict) -> tuple:
    """Filters as a hashable cache key, empty ones left out."""
    return tuple(sorted((dim, tuple(values)) for dim, values in where.items() if values))


def keep_known(widget_key: str, known: dict) -> None:
    """Drop a remembered choice that the new option list no longer offers."""
    if widget_key in st.session_state:
        st.session_state[widget_key] = [c for c in st.session_state[widget_key] if c in known]


user = require_page("carte")
scope = user.scope
catalogue = load_catalogue()
# Option labels as dict lookups, not lambdas: widget settings must pickle (enforceSerializable…).
label = {i: ind.label for i, ind in catalogue.indicators.items()}
st.title("Carte")
try:
    eng = data.engine()
    version, key = data.data_version(eng), scope.cache_key()
    snap_col, epci_col, commune_col, fin_col = st.columns(4)
    snapshot = snap_col.selectbox(
        "Photographie",
        sorted(eng.snapshots, reverse=True),
        format_func={d: f"{d:%d/%m/%Y}" for d in eng.snapshots}.get,
        key="carte_photographie",
    )
    day = snapshot.isoformat()
    options = _options(key, day, (), version, _scope=scope)
    keep_known("carte_epci", options["epci"])
    epcis = epci_col.multiselect(
        "EPCI",
        list(options["epci"]),
        format_func=options["epci"].get,
        placeholder="Tout le périmètre",
        key="carte_epci",
    )
    names = _options(key, day, tuple(epcis), version, _scope=scope)["commune"]
    keep_known("carte_communes", names)
    communes = commune_col.multiselect(
        "Communes", list(names), format_func=names.get, placeholder="Toutes", key="carte_communes"
    )
    financements = fin_col.multiselect(
        "Financement", list(options["financement"]), placeholder="Tous", key="carte_financement"
    )
    ind_col, com_col, seuil_col, fond_col = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    choices = residence_indicators(catalogue)
    indicator = ind_col.selectbox(
        "Couleur des résidences",
        choices,
        choices.index(FRAGILITY),
        format_func=label.get,
        key="carte_indicateur",
    )
    areas = [None, *commune_indicators(catalogue)]
    area = com_col.selectbox(
        "Couleur des communes",
        areas,
        areas.index("pression_demande"),
        format_func={None: "Aucune (fond clair)", **label}.get,
        key="carte_indicateur_communes",
    )
    ratio = catalogue.indicator(indicator).unit == "ratio"
    typed = seuil_col.number_input(
        "Seuil d'alerte" + (" (%)" if ratio else ""),
        min_value=0.0,
        value=None,
        placeholder="aucun",
        key="carte_seuil",
    )
    threshold = None if typed is None else (typed / 100 if ratio else typed)
    basemap = fond_col.toggle(
        "Fond de carte", key="carte_fond", help="Tuiles Carto : nécessitent un accès à Internet."
    )
    where = frozen({"epci": epcis, "commune": communes, "financement": financements})
    with st.spinner("Préparation de la carte…"):
        md = _map((indicator, area), key, day, where, version, _scope=scope)
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()

if md.communes.empty:
    st.info("Aucun territoire de votre périmètre ne correspond à ces filtres.")
    st.stop()
built = map_layers.build_map(
    md,
    residence_indicator=indicator,
    commune_indicator=area,
    threshold=threshold,
    scope=scope,
    basemap=basemap,
)
map_col, list_col = st.columns([3, 1])
with map_col:
    if md.residences.empty:
        st.info("Aucune résidence dans ce périmètre pour ces filtres.")
    st.pydeck_chart(built.deck, height=600, alt=f"Carte : {label[indicator]} par résidence")
    st.caption(built.caption)
    for column, (title, entries) in zip(st.columns(3), built.legends, strict=False):
        column.html(map_legend.legend_html(title, entries))
with list_col:
    st.subheader("Résidences à surveiller")
    st.caption(built.attention_caption)
    if not built.attention:
        st.success("Aucune résidence à surveiller avec ces critères.")
    for item in built.attention:
        if item.linkable:
            st.page_link(
                page_path("residence"),
                label=item.title,
                icon=":material/apartment:",
                query_params={"residence": item.residence},
            )
        else:
            st.markdown(f"**{item.title}**")
        st.caption(" ; ".join(item.reasons))
