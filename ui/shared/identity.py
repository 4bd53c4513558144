"""Who is logged in and what they may see, in words: for the sidebar and the home page."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from semantic.errors import PeuplementError
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.shared import data
from ui.shell.auth import CurrentUser

NATIONAL_LABEL = "tout le patrimoine (tous les territoires des données)"


def scope_label(scope: Scope, epci_names: Mapping[str, str], *, codes: bool = True) -> str:
    """« Communauté d'agglomération du Pays Voironnais (243800984) » (exports), without the code
    on screen when the name is known (`codes=False`), or the national label."""
    if scope.national:
        return NATIONAL_LABEL
    parts = [
        epci_names[code]
        if not codes and code in epci_names
        else f"{epci_names.get(code, 'EPCI')} ({code})"
        for code in scope.epci
    ]
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
        # a username is [a-z0-9._@-] only (ui.shell.users): safe in a code span
        st.markdown(f"**{markdown_text(user.name)}**  \n`{user.username}`")
        st.caption(f"Rôle : {user.role_label}")
        st.caption(f"Périmètre : {shown_scope(user.scope)}")


def shown_scope(scope: Scope) -> str:
    """The scope in words for Markdown: the EPCI names come from the data, so they are escaped."""
    return markdown_text(scope_label(scope, known_epci_names(scope), codes=False))
