"""The snapshots in place on the Administration page: one row per published snapshot (row counts,
when and by whom imported), and retiring one. A retired snapshot goes to the data's archive
folder, never deleted, and the retirement is recorded in the audit trail ("admin_action")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from ingest import importer
from semantic.errors import PeuplementError
from ui.screens.administration.admin_import import FLASH_KEY, data_root, day_text
from ui.shell.auth import CurrentUser, audit_for, startup_settings

# The tables of a snapshot as readers name them (file names stay in the data folder).
TABLE_LABELS = {
    "residences": "Résidences",
    "batiments": "Bâtiments",
    "logements": "Logements",
    "menages": "Ménages",
    "departs": "Départs",
    "attributions": "Attributions",
    "demandes": "Demandes",
}


def snapshots_table(root: Path) -> pd.DataFrame:
    """One row per published snapshot, latest first: row counts, when and by whom imported."""
    rows = []
    for info in reversed(importer.published_snapshots(root)):
        row = {"Photographie": day_text(info.date)}
        row |= {
            TABLE_LABELS.get(table, table.capitalize()): count for table, count in info.rows.items()
        }
        row["Importée le"] = _when(info.published_at)
        row["Par"] = info.user or "— (déposée hors du portail)"
        row["Remplace"] = "oui" if info.replaced else ""
        rows.append(row)
    return pd.DataFrame(rows)


def _when(iso: str | None) -> str:
    if not iso:
        return "—"
    return dt.datetime.fromisoformat(iso).astimezone().strftime("%d/%m/%Y %H:%M")


def snapshots_section(user: CurrentUser) -> None:
    root = data_root()
    st.subheader("Photographies publiées")
    st.caption(f"Dossier des données : `{root}`")
    table = snapshots_table(root)
    if table.empty:
        st.info("Aucune photographie publiée.")
        return
    st.dataframe(table, hide_index=True)
    with st.expander("Retirer une photographie"):
        st.caption(
            "La photographie retirée n'est plus visible dans le portail ; ses fichiers sont gardés "
            "dans le dossier archive/ des données (rien n'est supprimé)."
        )
        dates = [info.date for info in reversed(importer.published_snapshots(root))]
        date = st.selectbox("Photographie", dates, format_func=day_text, key="adm_retrait_date")
        sure = st.checkbox(
            f"Je confirme le retrait de la photographie du {day_text(date)}", key="adm_retrait_ok"
        )
        if not st.button("Retirer", key="adm_retrait", disabled=not sure):
            return
        try:
            archived = importer.retire_snapshot(root, date, user=user.username)
        except PeuplementError as exc:
            st.error(str(exc))
            return
        details = {
            "action": "retrait_photographie",
            "photographie": date,
            "archive": archived.relative_to(root).as_posix(),
        }
        audit_for(startup_settings(), "admin_action", user.username, user, details)
        st.session_state.pop("adm_retrait_ok", None)
        st.session_state[FLASH_KEY] = (
            f"Photographie du {day_text(date)} retirée (gardée dans {details['archive']})."
        )
        st.rerun()
