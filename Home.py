"""Entrypoint of the portal: settings check, login, role-filtered navigation.

Start with `make run`, i.e. `uv run --frozen python -m ui.shell.server` (see README and ui/shell/server.py:
it switches Streamlit's legacy `pages/` mode off before the first request). The home page itself is
pages/accueil.py; every page checks access again at its top (ui.shell.guard.require_page).
"""

import streamlit as st

from ui.shared.identity import show_identity
from ui.shell.auth import startup_settings
from ui.shell.guard import refuse_by_url
from ui.shell.login import portal_session
from ui.shell.navigation import allowed_pages, leave_legacy_pages_mode, login_page
from ui.shell.users import load_users

# The README heading listing the demo accounts (tests/test_page_text.py checks it exists).
README_ACCOUNTS_SECTION = "Comptes de démonstration"

INTRO = (
    "Portail de pilotage des politiques de peuplement : occupation sociale du parc, attributions "
    "et objectifs de la convention intercommunale d'attribution (CIA), dans le périmètre de votre "
    "compte. Les partenaires (EPCI, communes, services de l'État) y consultent les chiffres de leur "
    "territoire et proposent ou commentent des plans d'action, sans rien modifier des données ; "
    "aucune donnée nominative n'est affichée."
)

st.set_page_config(page_title="Portail peuplement", page_icon="🏘️", layout="wide")
leave_legacy_pages_mode()
settings = startup_settings()
intro = INTRO
if settings.demo:
    accounts = "\n".join(
        f"- `{name}` : {record.name}" for name, record in load_users(settings.users_file).items()
    )
    intro += (
        "\n\n:orange-badge[Mode démonstration] Données fictives. Comptes de démonstration "
        f"(mots de passe dans le README, section « {README_ACCOUNTS_SECTION} ») :\n" + accounts
    )

user = portal_session(settings, intro=intro, sidebar=show_identity)
if user is None:
    st.navigation([login_page()], position="hidden").run()
else:
    st.navigation(allowed_pages(user.role, refuse_by_url)).run()
