"""Who is logged in and what they may see, in words: for the sidebar and the home page."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from semantic.errors import PeuplementError
from semantic.scope import Scope
from ui import data
from ui.auth import CurrentUser

NATIONAL_LABEL = "tout le patrimoine (tous les territoires des données)"


def scope_label(scope: Scope, epci_names: Mapping[str, str]) -> str:
    """« Communauté d'agglomération du Pays Voironnais (243800984) », or the national label."""
    if scope.national:
        return NATIONAL_LABEL
    parts = [f"{epci_names.get(code, 'EPCI')} ({code})" for code in scope.epci]
    parts += [f"commune {code}" for code in scope.communes]
    return ", ".join(parts) if parts else "aucun territoire"


def known_epci_names(scope: Scope) -> dict[str, str]:
    """EPCI names from the data; empty when the data cannot be read (codes are shown instead)."""
    if scope.national or not scope.epci:
        return {}
    try:
        return data.epci_names(scope)
    except PeuplementError:
        return {}


def show_identity(user: CurrentUser) -> None:
    """The sidebar block: name, role and scope of the logged-in user."""
    with st.sidebar:
        st.markdown(f"**{user.name}**  \n`{user.username}`")
        st.caption(f"Rôle : {user.role_label}")
        st.caption(f"Périmètre : {scope_label(user.scope, known_epci_names(user.scope))}")
