"""Loading data from the Administration page: a snapshot or the reference tables, checked, then
published (the snapshots in place, and retiring one: snapshots_view.py).

The import itself is `ingest.importer`: `prepare_*` checks the files and stages them without
changing anything visible; the page shows the report, and only a clean report can be published
(one rename; a replaced or retired version goes to the archive folder, never deleted). Each
publication and retirement is recorded in the audit trail ("admin_action"). The prepared report
waits in the session between "Vérifier" and "Publier"; checking again or giving up drops it.
The portal picks up a published snapshot at once (ui.shared.data keys its engine on the data's state).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dataroot.location import default_data_root
from ingest import importer
from semantic.errors import PeuplementError
from ui.screens.administration.import_folder import (
    IMPORT_DIR_ENV,
    ImportFolderError,
    import_root,
    server_folder,
)
from ui.shell.auth import CurrentUser, audit_for, startup_settings

UPLOAD, FOLDER = "upload", "folder"
SOURCES = {UPLOAD: "Téléverser les fichiers", FOLDER: "Dossier sur le serveur"}
KINDS = {"snapshot": "adm_snap", "reference": "adm_ref"}  # session key prefix of each import
FLASH_KEY = "adm_flash"
REPORT_COLUMNS = {
    "file": "Fichier",
    "line": "Ligne",
    "column": "Colonne",
    "value": "Valeur",
    "rule": "Règle",
    "message": "Message",
    "count": "Nb lignes",
}
SNAPSHOT_HELP = (
    "Un fichier par table : residences, batiments, logements, menages, departs, attributions, "
    "demandes (CSV d'Excel, XLSX ou Parquet ; noms et codes RPLS acceptés)."
)
REFERENCE_HELP = (
    "Un ou plusieurs référentiels : territoires, qpv (GeoJSON ou tableau), plafonds, seuils_q1 "
    "(l'année dans le nom, ex. seuils_q1_2026.csv, ne remplace que cette année). Les référentiels "
    "non fournis sont gardés tels quels."
)


def data_root() -> Path:
    return default_data_root()


def last_quarter_end(today: dt.date) -> dt.date:
    """The usual snapshot date: the end of the last quarter that is over."""
    month = (today.month - 1) // 3 * 3  # 0, 3, 6 or 9
    year = today.year - (month == 0)
    month = month or 12
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return next_month - dt.timedelta(days=1)


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


# --- preparing ------------------------------------------------------------------------------------


def import_form(kind: str) -> None:
    """Source, date (snapshot), mapping, and "Vérifier": the report is kept in the session."""
    prefix = KINDS[kind]
    how = st.radio(
        "Origine des fichiers",
        list(SOURCES),
        format_func=SOURCES.get,
        horizontal=True,
        key=f"{prefix}_origine",
    )
    help_text = SNAPSHOT_HELP if kind == "snapshot" else REFERENCE_HELP
    if how == UPLOAD:
        files = st.file_uploader(
            "Fichiers", accept_multiple_files=True, key=f"{prefix}_fichiers", help=help_text
        )
        folder = ""
    else:
        files, folder, root = [], "", import_root()
        if root is None:
            st.info(f"Import depuis un dossier du serveur désactivé : définissez {IMPORT_DIR_ENV}.")
            return
        folder = st.text_input(
            f"Dossier sur le serveur (dans {root})",
            key=f"{prefix}_dossier",
            placeholder="2026-03-31",
            help=help_text + f" Un dossier de {root}, sans lien symbolique.",
        )
    snapshot = None
    if kind == "snapshot":
        snapshot = st.date_input(
            "Date de la photographie",
            value=last_quarter_end(dt.date.today()),
            format="DD/MM/YYYY",
            key=f"{prefix}_date",
        )
    mapping_file = st.file_uploader(
        "Correspondance des colonnes et des codes (YAML, facultatif)",
        type=["yaml", "yml"],
        key=f"{prefix}_correspondance",
        help="Complète la correspondance livrée (noms et codes RPLS) : même format que "
        "ingest/mappings/rpls.yaml.",
    )
    if not st.button("Vérifier", key=f"{prefix}_verifier", type="primary"):
        return
    source = _source(files, folder)
    if source is None:
        return
    drop_report(kind)
    try:
        mapping = _mapping(mapping_file)
        if kind == "snapshot":
            report = importer.prepare_snapshot(source, data_root(), snapshot, mapping=mapping)
        else:
            report = importer.prepare_reference(source, data_root(), mapping=mapping)
    except PeuplementError as exc:
        st.error(str(exc))
        return
    st.session_state[f"{prefix}_rapport"] = report


def _source(files, folder: str):
    """{name: bytes} of the uploads, or the folder; None (with a message) when neither is usable."""
    if files:
        return {f.name: f.getvalue() for f in files}
    if folder.strip():
        try:
            return server_folder(folder, import_root())
        except ImportFolderError as exc:
            st.error(str(exc))
            return None
    st.warning("Téléversez les fichiers ou indiquez un dossier du serveur.")
    return None


def _mapping(uploaded) -> importer.Mapping | None:
    """The shipped mapping completed by the uploaded one, named as uploaded in the record."""
    if uploaded is None:
        return None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(uploaded.name).name
        path.write_bytes(uploaded.getvalue())
        mapping = importer.load_mapping(path)
    return dataclasses.replace(mapping, files=(*mapping.files[:-1], Path(uploaded.name).name))


def drop_report(kind: str) -> None:
    report = st.session_state.pop(f"{KINDS[kind]}_rapport", None)
    if report is not None:
        importer.discard(report)


# --- the report and publishing ---------------------------------------------------------------------


def report_view(kind: str, user: CurrentUser) -> None:
    """The prepared import's report; "Publier" for a clean one, "Abandonner" always."""
    prefix = KINDS[kind]
    report: importer.ImportReport | None = st.session_state.get(f"{prefix}_rapport")
    if report is None:
        return
    st.subheader("Rapport de vérification")
    (st.success if report.ok else st.error)(report.summary())
    if report.issues:
        st.dataframe(issues_table(report), hide_index=True)
        st.download_button(
            "Télécharger le rapport (CSV)",
            report.csv().encode("utf-8-sig"),
            file_name=f"rapport_import_{report.snapshot or 'referentiels'}.csv",
            mime="text/csv",
            key=f"{prefix}_rapport_csv",
        )
    else:
        st.dataframe(sources_table(report), hide_index=True)
    if report.ignored_files:
        st.warning(f"Fichiers ignorés (nom non reconnu) : {', '.join(report.ignored_files)}")
    if report.ok:
        _publish_controls(kind, report, user)
    if st.button("Abandonner cet import", key=f"{prefix}_abandonner"):
        drop_report(kind)
        st.rerun()


def issues_table(report: importer.ImportReport) -> pd.DataFrame:
    rows = [dataclasses.asdict(issue) for issue in report.issues]
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS)).rename(columns=REPORT_COLUMNS)


def sources_table(report: importer.ImportReport) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Table": s.table,
            "Fichier": s.file,
            "Lecture": s.details,
            "Lignes": s.rows,
            "Colonnes ignorées": ", ".join(s.ignored_columns),
        }
        for s in report.sources
    )


def _publish_controls(kind: str, report: importer.ImportReport, user: CurrentUser) -> None:
    prefix = KINDS[kind]
    replace = kind == "reference"
    if kind == "reference" and report.existing:
        st.info(
            "Publier remplace les référentiels en place ; la version actuelle est gardée dans le "
            "dossier archive/ des données."
        )
    elif report.existing:
        st.warning(
            f"Une photographie du {day_text(report.snapshot)} est déjà publiée. La publier à nouveau la "
            "remplace pour tous les utilisateurs ; l'ancienne version est gardée dans le dossier "
            "archive/ des données."
        )
        replace = st.checkbox(
            f"Remplacer la photographie du {day_text(report.snapshot)}", key=f"{prefix}_remplacer"
        )
    if not st.button(
        "Publier", key=f"{prefix}_publier", type="primary", disabled=not replace and report.existing
    ):
        return
    settings = startup_settings()

    def audited(record: importer.PublishRecord) -> None:
        details = record.audit_details() if hasattr(record, "audit_details") else {}
        audit_for(settings, "admin_action", user.username, user, details)

    try:
        record = importer.publish(report, user=user.username, replace=replace, on_publish=audited)
    except PeuplementError as exc:
        st.error(str(exc))
        if report.staging is None:  # the prepared files are gone: check again
            st.session_state.pop(f"{prefix}_rapport", None)
        return
    st.session_state.pop(f"{prefix}_rapport", None)
    rows = sum(record.rows.values())
    what = (
        f"Photographie du {day_text(record.snapshot)} publiée"
        if kind == "snapshot"
        else "Référentiels publiés"
    )
    st.session_state[FLASH_KEY] = f"{what} : {rows} ligne(s)." + (
        f" L'ancienne version est dans {record.replaced}." if record.replaced else ""
    )
    st.rerun()


def day_text(iso: str) -> str:
    """« 30/09/2026 » for a snapshot's ISO date (the ISO form stays the key)."""
    return f"{dt.date.fromisoformat(str(iso)):%d/%m/%Y}"
