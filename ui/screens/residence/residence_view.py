"""Fiche résidence, the entry point of its page: cached calls to the query layer per scope, the
choice of a residence (a `residence` link, the search box, the list) and its sheet, fetched in one
go. The sections drawn from the sheet are in `ui.screens.residence.residence_sections` (card, profile against the
EPCI, allocations and departures) and `ui.screens.residence.floor_view` (by building and floor); the page reads the
former through this module.

Every figure is a query-layer answer (`places.residences`, `evaluate`, `profile`); this module
only picks and fetches them. Builders are plain functions, testable without Streamlit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries.places import residences
from queries.profile import breakdown, residence_profile
from semantic.catalogue import load_catalogue
from semantic.safe_text import markdown_text
from semantic.scope import Scope

# The sections, named here too so the page has one entry point (and earlier imports still work).
from ui.screens.residence.residence_sections import MOVEMENT_PERIODS as MOVEMENT_PERIODS
from ui.screens.residence.residence_sections import MOVEMENTS as MOVEMENTS
from ui.screens.residence.residence_sections import Card as Card
from ui.screens.residence.residence_sections import card as card
from ui.screens.residence.residence_sections import card_facts as card_facts
from ui.screens.residence.residence_sections import headline_metrics as headline_metrics
from ui.screens.residence.residence_sections import income_brackets as income_brackets
from ui.screens.residence.residence_sections import indicator as indicator
from ui.screens.residence.residence_sections import movements as movements
from ui.screens.residence.residence_sections import place_line as place_line
from ui.screens.residence.residence_sections import profile_groups as profile_groups
from ui.screens.residence.residence_sections import profile_table as profile_table
from ui.screens.residence.residence_sections import show_card as show_card
from ui.screens.residence.residence_sections import show_movements as show_movements
from ui.screens.residence.residence_sections import show_profile as show_profile
from ui.screens.residence.residence_sections import snapshot_date as snapshot_date
from ui.shared import data

INTRO = (
    "Avant une commission d'attribution : la carte d'identité d'une résidence, le profil social "
    "de ses ménages comparé à celui de son EPCI, le même profil par bâtiment et par étage, et "
    "les attributions et départs récents. Agrégats seulement : aucune donnée nominative."
)
PARAM = "residence"  # the query parameter links use (pages/carte.py, pages/objectifs.py)
KEY = "res_residence"  # the residence list's widget key
# The residence the URL named when the page last synced with it: a link is applied once, when it
# names another residence, so that a later pick in the list is not undone on the next rerun.
URL_KEY = "res_url"


# --- cached calls (ui.shared.data.scoped: per scope and data version), at the latest snapshot ---------


def _latest() -> str:
    return data.engine().latest.isoformat()


def residence_list(scope: Scope) -> pd.DataFrame:
    """The residences in scope with their facts (commune, QPV, year built, dwellings…)."""
    return _residences(scope, _latest())


@data.scoped
def _residences(scope: Scope, snapshot: str) -> pd.DataFrame:
    found = residences(data.engine(), scope, snapshot=snapshot)
    if found.empty:
        return found
    return found.sort_values(["residence_libelle", "commune_libelle", "residence"]).reset_index(
        drop=True
    )


def profile(scope: Scope, residence: str) -> pd.DataFrame:
    return _profile(scope, _latest(), residence)


@data.scoped
def _profile(scope: Scope, snapshot: str, residence: str) -> pd.DataFrame:
    return residence_profile(data.engine(), residence, scope, snapshot=snapshot)


def by_level(scope: Scope, residence: str, level: str) -> pd.DataFrame:
    """The profile by building ("batiment") or by building and floor ("etage"), long format."""
    return _by_level(scope, _latest(), residence, level)


@data.scoped
def _by_level(scope: Scope, snapshot: str, residence: str, level: str) -> pd.DataFrame:
    return breakdown(data.engine(), residence, scope, level, snapshot=snapshot)


# --- choosing a residence -------------------------------------------------------------------------


def _folded(text: str) -> str:
    """Lower case without accents: « Saint-Martin-d'Hères » is found by « heres »."""
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search(rows: pd.DataFrame, text: str) -> pd.DataFrame:
    """The residences whose name, commune or identifier contains every word of `text`."""
    words = _folded(text).split()
    if not words or rows.empty:
        return rows
    haystack = (
        rows["residence_libelle"].astype(str)
        + " "
        + rows["commune_libelle"].astype(str)
        + " "
        + rows["residence"].astype(str)
    ).map(_folded)
    keep = pd.Series(True, index=rows.index)
    for word in words:
        keep &= haystack.str.contains(word, regex=False)
    return rows[keep]


def labels(rows: pd.DataFrame) -> dict[str, str]:
    """id → « Square Louise Michel — Grenoble », for the selectbox. Homonyms in one commune are
    told apart by their QPV and size (« … — Grenoble · QPV Mistral · 120 logements »), then by a
    rank: the identifier is for the search box and the URL, not for readers."""
    records = rows.to_dict("records")
    base = {r["residence"]: f"{r['residence_libelle']} — {r['commune_libelle']}" for r in records}
    counts = pd.Series(list(base.values())).value_counts()
    out = {}
    for r in records:
        text = base[r["residence"]]
        if counts.get(text, 0) > 1:
            qpv = r.get("qpv_libelle")
            text += f" · {qpv}" if isinstance(qpv, str) and qpv else " · hors QPV"
            size = r.get("nb_logements")
            if size is not None and not pd.isna(size):
                text += f" · {int(size)} logements"
        out[r["residence"]] = text
    alike = pd.Series(list(out.values())).value_counts()
    seen: dict[str, int] = {}
    for code, text in out.items():  # still alike: number them in the list's order
        if alike.get(text, 0) > 1:
            seen[text] = seen.get(text, 0) + 1
            out[code] = f"{text} ({seen[text]})"
    return out


def requested(param: str | None, rows: pd.DataFrame) -> str | None:
    """The residence named in the URL if it is one of the user's; None otherwise (never trusted:
    a residence outside the scope is simply not in `rows`)."""
    if not param or rows.empty:
        return None
    return param if param in set(rows["residence"]) else None


def remember_choice() -> None:
    """The chosen residence goes to the URL, so the page can be bookmarked and shared."""
    chosen = st.session_state.get(KEY)
    st.session_state[URL_KEY] = chosen
    if chosen:
        st.query_params[PARAM] = chosen
    elif PARAM in st.query_params:
        del st.query_params[PARAM]


def follow_link(rows: pd.DataFrame) -> None:
    """A residence named in the URL becomes the choice if it is the user's; otherwise a warning,
    and the parameter is dropped."""
    asked = st.query_params.get(PARAM)
    valid = requested(asked, rows)
    if asked and valid is None:
        shown = markdown_text(asked)  # typed in the URL: shown as text, never as Markdown
        st.warning(f"La résidence « {shown} » n'est pas dans votre périmètre : lien ignoré.")
        del st.query_params[PARAM]
    elif valid and st.session_state.get(URL_KEY) != valid:
        st.session_state[KEY] = st.session_state[URL_KEY] = valid


def choose_residence(rows: pd.DataFrame) -> str | None:
    """The link, the search box and the list of the user's residences: the chosen id, or None."""
    follow_link(rows)
    search_col, pick_col = st.columns([1, 2], vertical_alignment="bottom")
    text = search_col.text_input("Rechercher", placeholder="nom ou commune", key="res_recherche")
    everything, options = labels(rows), labels(search(rows, text))
    if st.session_state.get(KEY) in everything:  # a search never drops the current choice
        options.setdefault(st.session_state[KEY], everything[st.session_state[KEY]])
    return pick_col.selectbox(
        f"Résidence ({len(options)} sur {len(rows)})",
        list(options),
        index=None,
        format_func=options.get,
        placeholder="Choisissez une résidence",
        key=KEY,
        on_change=remember_choice,
    )


# --- the sheet of the chosen residence ------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """Everything the page shows about one residence, fetched under one spinner."""

    facts: dict  # its row of `residence_list`
    card: Card
    profile: pd.DataFrame
    buildings: pd.DataFrame  # `by_level(…, "batiment")`
    floors: pd.DataFrame  # `by_level(…, "etage")`
    movements: pd.DataFrame
    brackets: pd.DataFrame


def load_sheet(scope: Scope, rows: pd.DataFrame, residence: str) -> Sheet:
    """The residence's sheet; `rows` is `residence_list(scope)`, which holds `residence`."""
    facts = rows.set_index("residence").loc[residence].to_dict()
    the_card = card(scope, residence, facts)
    prof = profile(scope, residence)
    buildings = by_level(scope, residence, "batiment")
    floors = by_level(scope, residence, "etage")
    moves = movements(scope, residence, the_card.in_qpv, facts["epci"], load_catalogue())
    return Sheet(
        facts=facts,
        card=the_card,
        profile=prof,
        buildings=buildings,
        floors=floors,
        movements=moves,
        brackets=income_brackets(scope, residence, the_card.epci),
    )
