"""The check at the top of every page: logged in, and the role may open this page."""

from __future__ import annotations

import streamlit as st

from ui.access import can_open
from ui.auth import CurrentUser, audit_for, current_user, startup_settings
from ui.navigation import leave_legacy_pages_mode


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
        audit_for(settings, "access_refused", user.username, user, {"page": page_id})
        st.error(
            f"Accès refusé : votre rôle ({user.role_label}) ne permet pas d'ouvrir cette page. "
            "Adressez-vous à l'administrateur du portail si vous pensez que c'est une erreur."
        )
        st.stop()
    return user
