"""The check at the top of every page: logged in, and the role may open this page; and the
answer to a page's URL typed by a role that may not open it (`ui.shell.navigation`)."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

from ui.shell.access import can_open
from ui.shell.auth import CurrentUser, audit_for, current_user, startup_settings
from ui.shell.navigation import leave_legacy_pages_mode
from ui.shell.settings import PortalSettings

# The refused URL already recorded for this visit: the reruns that follow (a widget, the browser)
# are not new refusals. Cleared when a page opens.
REFUSED_KEY = "_peuplement_refus_url"


def require_page(page_id: str) -> CurrentUser:
    """The logged-in user allowed on `page_id`; otherwise a French message and a stop.

    A refusal is recorded in the audit trail. Pages then use `user.scope` for every query.
    """
    leave_legacy_pages_mode()  # a deep link in a server's first run: go through Home.py
    settings = startup_settings()
    user = current_user(settings)
    if user is None:
        st.warning("Connectez-vous depuis la page d'accueil du portail pour voir cette page.")
        st.stop()
    if not can_open(user.role, page_id):
        _refuse(settings, user, {"page": page_id})
    st.session_state.pop(REFUSED_KEY, None)
    return user


def refuse_by_url(page_id: str) -> NoReturn:
    """A page's URL typed by a role that may not open it: say so and record it."""
    settings = startup_settings()
    user = current_user(settings)
    if user is None:  # Home.py only registers these pages for a logged-in user
        st.stop()
    _refuse(settings, user, {"page": page_id, "via": "url"}, record=_first_time(page_id))


def _first_time(page_id: str) -> bool:
    first = st.session_state.get(REFUSED_KEY) != page_id
    st.session_state[REFUSED_KEY] = page_id
    return first


def _refuse(
    settings: PortalSettings, user: CurrentUser, details: dict, record: bool = True
) -> NoReturn:
    if record:
        audit_for(settings, "access_refused", user.username, user, details)
    st.error(
        f"Accès refusé : page non autorisée pour votre rôle ({user.role_label}). Adressez-vous "
        "à l'administrateur du portail si vous pensez que c'est une erreur."
    )
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises
