"""The Carte page's widgets and drawing: the filters (snapshot, territory, financement, indicators,
threshold, basemap), the cached map query, the map with its legends, and the attention list.

The deck itself is built by ui.screens.carte.map_layers, without Streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

# The module, not its functions: looked up at call time, so a test can stand in for the query.
from queries import map_data as map_queries
from semantic.catalogue import Catalogue
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.screens.carte import map_legend, map_notes
from ui.screens.carte.map_layers import BuiltMap
from ui.screens.carte.map_residences import AttentionItem, Concertation
from ui.shared import concertation_view as cv
from ui.shared import data, filters
from ui.shared.labels import departement_label
from ui.shared.urban_projects_view import rehoused as rehoused_in
from ui.shared.urban_projects_view import urban_projects
from ui.shell.auth import CurrentUser
from ui.shell.navigation import page_path


@dataclass(frozen=True)
class MapChoice:
    """What the filters ask for: the map query's cache key, and how to draw its answer."""

    snapshot: str  # ISO day
    where: tuple  # `frozen` filters
    indicator: str  # colours the residences
    area: str | None  # colours the communes, or none
    typology: str | None  # the communes' indicator for one typology (map_data.TYPOLOGIES), or all
    threshold: float | None  # in the indicator's unit (a ratio, not a percentage)
    basemap: bool
    version: str  # the data version the options were read from


BASEMAP_OFFLINE = (
    "Fond de carte : tuiles Carto chargées par votre navigateur depuis Internet. Si aucun fond "
    "n'apparaît, votre poste n'y a pas accès (réseau fermé, proxy) : la carte reste complète "
    "sans fond, limites et QPV compris."
)


@data.scoped
def _map(scope: Scope, indicators: tuple, snapshot: str, where: tuple) -> map_queries.MapData:
    residence, commune, typology = indicators
    return map_queries.map_data(
        data.engine(),
        scope,
        residence_indicator=residence,
        commune_indicator=commune,
        snapshot=snapshot,
        where=dict(where) or None,
        typology=typology,
    )


def frozen(where: dict) -> tuple:
    """Filters as a hashable cache key, empty ones left out."""
    return tuple(sorted((dim, tuple(values)) for dim, values in where.items() if values))


def keep_known(widget_key: str, known: dict) -> None:
    """Drop a remembered choice that the new option list no longer offers."""
    if widget_key in st.session_state:
        st.session_state[widget_key] = [c for c in st.session_state[widget_key] if c in known]


def map_filters(scope: Scope, catalogue: Catalogue) -> MapChoice:
    """The two rows of filters: territory (snapshot, département when the scope spans more than
    one, EPCI, communes, financement), then drawing."""
    # Option labels as dict lookups, not lambdas: widget settings must pickle (enforceSerializable…).
    label = {i: ind.label for i, ind in catalogue.indicators.items()}
    label[map_queries.EXPECTED_DEPARTURES] = map_queries.colouring(
        map_queries.EXPECTED_DEPARTURES
    ).label
    eng = data.engine()
    version = data.data_version(eng)
    snap_col, dep_col, epci_col, commune_col, fin_col = st.columns(5)
    snapshot = snap_col.selectbox(
        "Photographie",
        sorted(eng.snapshots, reverse=True),
        format_func={d: f"{d:%d/%m/%Y}" for d in eng.snapshots}.get,
        key="carte_photographie",
    )
    day = snapshot.isoformat()
    # one members query per list, each cached per scope and narrowing (ui.shared.filters.options)
    dep_codes = filters.options("departement", scope, snapshot)
    departements: list[str] = []
    if len(dep_codes) > 1:  # a partner of one EPCI has nothing to choose here
        dep_names = {code: departement_label(code) for code in dep_codes}
        keep_known("carte_departement", dep_names)
        departements = dep_col.multiselect(
            "Département",
            list(dep_names),
            format_func=dep_names.get,
            placeholder="Tous",
            key="carte_departement",
            select_all=False,  # no English "Select all": choosing nothing already means all
        )
    narrow: dict[str, list[str]] = {"departement": departements} if departements else {}
    epci_names = filters.options("epci", scope, snapshot, narrow)
    keep_known("carte_epci", epci_names)
    epcis = epci_col.multiselect(
        "EPCI",
        list(epci_names),
        format_func=epci_names.get,
        placeholder="Tout le périmètre",
        key="carte_epci",
        select_all=False,
    )
    names = filters.options("commune", scope, snapshot, {**narrow, "epci": epcis})
    keep_known("carte_communes", names)
    communes = commune_col.multiselect(
        "Communes",
        list(names),
        format_func=names.get,
        placeholder="Toutes",
        key="carte_communes",
        select_all=False,
    )
    financements = fin_col.multiselect(
        "Financement",
        list(filters.options("financement", scope, snapshot)),
        placeholder="Tous",
        key="carte_financement",
        select_all=False,
    )
    ind_col, com_col, seuil_col, fond_col = st.columns([3, 3, 2, 2], vertical_alignment="bottom")
    # only what the data has at this snapshot: an indicator without its optional input is left out
    offered = {
        i
        for i in catalogue.indicators
        if not eng.missing_inputs(catalogue.indicator(i).requires, snapshot)
    }
    choices = [
        i
        for i in map_queries.residence_indicators(catalogue)
        if i in offered or i not in catalogue.indicators  # the expected departures: no input
    ]
    indicator = ind_col.selectbox(
        "Couleur des résidences",
        choices,
        choices.index(map_queries.FRAGILITY),
        format_func=label.get,
        key="carte_indicateur",
    )
    areas = [None, *(i for i in map_queries.commune_indicators(catalogue) if i in offered)]
    area = com_col.selectbox(
        "Couleur des communes",
        areas,
        areas.index("pression_demande"),
        format_func={None: "Aucune (fond clair)", **label}.get,
        key="carte_indicateur_communes",
    )
    typology = None
    if map_queries.offers_typology(catalogue, area):  # demand pressure by typology
        typology = com_col.selectbox(
            "Typologie",
            list(map_queries.TYPOLOGIES),
            index=None,
            placeholder="Toutes",
            key="carte_typologie",
        )
    ratio = map_queries.colouring(indicator, catalogue).unit == "ratio"
    typed = seuil_col.number_input(
        "Seuil d'alerte" + (" (%)" if ratio else ""),
        min_value=0.0,
        value=None,
        placeholder="aucun",
        format="%g",  # "50", not "50.00"
        key="carte_seuil",
    )
    basemap = fond_col.toggle(
        "Fond de carte", key="carte_fond", help="Tuiles Carto : nécessitent un accès à Internet."
    )
    if basemap:  # the tiles load in the browser: the server cannot tell whether they arrived
        st.caption(BASEMAP_OFFLINE)
    return MapChoice(
        snapshot=day,
        where=frozen(
            {
                "departement": departements,
                "epci": epcis,
                "commune": communes,
                "financement": financements,
            }
        ),
        indicator=indicator,
        area=area,
        typology=typology,
        threshold=None if typed is None else (typed / 100 if ratio else typed),
        basemap=basemap,
        version=version,
    )


def colouring_label(indicator: str, catalogue: Catalogue) -> str:
    """The label of a residence colouring (a catalogue indicator or the expected departures)."""
    return map_queries.colouring(indicator, catalogue).label


def load_map(scope: Scope, choice: MapChoice) -> map_queries.MapData:
    """The map's data for these filters, cached per user scope and data version."""
    indicators = (choice.indicator, choice.area, choice.typology)
    return _map(scope, indicators, choice.snapshot, choice.where)


def show_map(built: BuiltMap, no_residence: bool, indicator_label: str) -> None:
    """The deck, its caption and its legends side by side."""
    if no_residence:
        st.info("Aucune résidence dans ce périmètre pour ces filtres.")
    with st.container(gap=None):  # the notice, hidden where the map draws, takes no room then
        st.html(map_notes.NO_WEBGL_HTML, unsafe_allow_javascript=True)
        st.pydeck_chart(built.deck, height=600, alt=f"Carte : {indicator_label} par résidence")
    st.caption(built.caption)
    for column, (title, entries) in zip(st.columns(3), built.legends, strict=False):
        column.html(map_legend.legend_html(title, entries))


def concertation(user: CurrentUser) -> Concertation:
    """The store's side of the map, in the user's scope: open plans and comments per residence,
    the urban projects of the territory and their ANRU rehousing (masked for a partner)."""
    counts = cv.PanelCounts(user, "residence", open_only=True)
    projects = tuple(urban_projects(user))
    rehoused = {p.id: rehoused_in(user, p) for p in projects}
    return Concertation(counts.plans, counts.comments, projects, rehoused)


def attention_badges(item: AttentionItem) -> str:
    """« 2 plans ouverts · 3 commentaires · projet urbain X » as Markdown badges (escaped)."""
    badges = []
    if item.open_plans:
        badges.append(f":blue-badge[{item.open_plans} plan(s) ouvert(s)]")
    if item.comments:
        badges.append(f":gray-badge[{item.comments} commentaire(s)]")
    badges += [f":orange-badge[projet urbain : {markdown_text(p)}]" for p in item.projects]
    return " ".join(badges)


def show_attention(built: BuiltMap, user: CurrentUser, indicator: str | None) -> None:
    """The residences to watch: full name and commune (wrapped, never cut), why, the concertation
    on it (open plans, comments, urban project), a link to its Fiche résidence when the user may
    open it, and its plans and thread in place on demand."""
    st.subheader("Résidences à surveiller")
    st.caption(built.attention_caption)
    if not built.attention:
        st.success("Aucune résidence à surveiller avec ces critères.")
    for item in built.attention:
        with st.container(border=True):
            st.markdown(f"**{markdown_text(item.title)}**")
            st.caption(markdown_text(" ; ".join(item.reasons)))
            badges = attention_badges(item)
            if badges:
                st.markdown(badges)
            if item.linkable:
                st.page_link(
                    page_path("residence"),
                    label="Fiche résidence",
                    icon=":material/apartment:",
                    query_params={"residence": item.residence},
                )
            count = item.open_plans + item.comments
            opened = st.toggle(
                f"Plans et échanges ({count})" if count else "Plans et échanges",
                key=f"carte_concertation_{item.residence}",
            )
            if opened:
                obj = cv.residence_object(
                    item.residence, item.name, item.epci, item.commune, item.enjeu_mixite
                )
                cv.object_panel(
                    user,
                    obj,
                    indicator=indicator,
                    unit=cv.unit_of(indicator),
                    key=f"carte_{item.residence}",
                )
