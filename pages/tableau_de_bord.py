"""Tableau de bord : les indicateurs choisis (par thème) en colonnes, une ligne par territoire de
l'échelle choisie (les indicateurs en lignes pour un seul territoire), chaque valeur colorée par
le statut de son objectif ; le graphique d'un indicateur d'un territoire à l'autre ; exports CSV
et XLSX d'une ligne par territoire et indicateur."""

import streamlit as st

from semantic.catalogue import load_catalogue
from ui.screens.tableau_de_bord import kpi_csv, kpi_display, kpi_grid
from ui.shared import data, exports, kpi_table
from ui.shared.filters import dashboard_filters
from ui.shared.identity import known_epci_names, scope_label
from ui.shared.page_errors import stop_on_error
from ui.shared.secrecy_notice import partner_notice
from ui.shell.guard import require_page

PAGE = "tableau_de_bord"
user = require_page(PAGE)
internal = not user.scope.masks_small_cells
catalogue = load_catalogue()
secrecy = catalogue.parameters.secret_statistique
st.title("Tableau de bord")
partner_notice(user.scope)
with stop_on_error():
    with st.container(border=True):
        selection = dashboard_filters(user.scope, data.engine().snapshots, "tdb")
        indicators = kpi_table.indicator_picker(catalogue, "tdb")
    with st.spinner("Calcul des indicateurs…"):
        table = kpi_table.kpi_table(user.scope, selection, indicators, catalogue)

for indicator_id, reason in table.skipped.items():
    st.caption(
        f":material/info: {catalogue.indicator(indicator_id).label} : non affiché, {reason}."
    )
if table.rows.empty:
    st.info(
        "Aucune valeur pour ces filtres dans votre périmètre : élargissez la sélection de "
        "territoires ou choisissez d'autres indicateurs."
    )
    st.stop()

kpi_grid.show(table, catalogue, internal, "tdb")
st.caption(kpi_display.caption(table, selection, secrecy.seuil, kpi_grid.MASKED_TEXT))
meta = kpi_display.metadata(
    table,
    selection,
    catalogue,
    scope_text=scope_label(user.scope, known_epci_names(user.scope)),
    role_text=user.role_label,
    internal=internal,
    user=user.username,
)
exports.download_buttons(
    PAGE,
    f"tableau_de_bord_{selection.snapshot:%Y-%m-%d}",
    kpi_csv.export_files(table, internal, meta),
    {
        "photographie": selection.snapshot.isoformat(),
        "echelle": selection.scale,
        "periode": selection.period,
        "filtres": {dim: [str(v) for v in values] for dim, values in selection.where.items()},
        "indicateurs": list(dict.fromkeys(table.rows["indicateur"])),
        "lignes": len(table.rows),
    },
)
