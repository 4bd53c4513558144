"""Administration: load a snapshot or the reference tables (check, then publish), the snapshots in
place (retire one), and the accounts."""

import streamlit as st

from ui.screens.administration import accounts, admin_import, snapshots_view
from ui.shell.auth import startup_settings
from ui.shell.guard import require_page

user = require_page("administration")
st.title("Administration")
admin_import.show_flash()
snapshots, references, users = st.tabs(["Photographies", "Référentiels", "Comptes"])
with snapshots:
    st.subheader("Importer une photographie")
    st.caption(
        "Les fichiers sont d'abord vérifiés (rien n'est modifié) ; seule une photographie sans "
        "problème peut être publiée. Elle apparaît alors dans le portail sans redémarrage."
    )
    admin_import.import_form("snapshot")
    admin_import.report_view("snapshot", user)
    snapshots_view.snapshots_section(user)
with references:
    st.subheader("Importer des référentiels")
    st.caption(
        "Plafonds de ressources, seuils du premier quartile, territoires et QPV (GeoJSON) : "
        "vérifiés avec toutes les photographies en place, puis publiés ensemble."
    )
    admin_import.import_form("reference")
    admin_import.report_view("reference", user)
with users:
    accounts.accounts_section(user, startup_settings())
