"""Objectifs locaux, for its page: the targets of objectifs.yaml as a table, and for admins the
forms that add, change or close one.

`semantic.objectifs_store` checks the whole new list against the catalogue and writes the file in
one rename; each change goes to the audit trail with its before → after. Territory codes and filter
values are offered from the data in the user's scope, so a target names a territory that exists.
Cached results are dropped after a change: the targets computed from the old file must not be
served again (their cache keys hold the data version, not objectifs.yaml).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

import dataroot
from dataroot.location import default_data_root
from semantic import objectifs_store as store
from semantic.catalogue import Catalogue
from semantic.objectifs import SCALES, LocalTargetDef, load_targets
from semantic.scope import Scope
from ui.screens.objectifs_edition.target_fields import (
    DIRECTIONS,
    SCALE_LABELS,
    VALUE_LABELS,
    fields,
    is_ratio,
    load_into_state,
)
from ui.shared import data, filters, formats
from ui.shell.access import can_open
from ui.shell.auth import CurrentUser, audit_event

INTRO = (
    "Objectifs fixés localement (CIA, PSA, conventions de réservation) : ils remplacent l'objectif "
    "légal pour le même indicateur, territoire, filtres et année, et apparaissent sur la page "
    "« Objectifs et alertes ». Un objectif n'est jamais supprimé : il est clos à une date et reste "
    "dans l'historique. Chaque modification est enregistrée dans le journal d'audit (qui, quand, "
    "avant → après)."
)
EDIT_ACTION = "objectifs_edition.modifier"
FLASH_KEY = "obj_flash"
ADD, CHANGE = "obj_add", "obj_chg"


def can_edit(user: CurrentUser) -> bool:
    """Admins change targets; managers only read them (ui.shell.access decides)."""
    return can_open(user.role, EDIT_ACTION)


def objectifs_path() -> Path:
    return dataroot.objectifs_path(default_data_root())


def current_targets(catalogue: Catalogue) -> list[LocalTargetDef]:
    return load_targets(objectifs_path(), catalogue)


def targets_table(
    targets: list[LocalTargetDef],
    catalogue: Catalogue,
    names: dict[tuple[str, str], str] | None = None,
) -> pd.DataFrame:
    """The targets as read (checked against the catalogue): ratios in percent, state in words,
    territories and filter values by their names (`names`: (scale, code) → label)."""
    names = names or {}
    rows = []
    for t in targets:
        ratio = is_ratio(catalogue, t.indicateur)
        shown = formats.percent if ratio else formats.number
        rows.append(
            {
                "Identifiant": t.id,
                "Indicateur": catalogue.indicator(t.indicateur).label,
                "Territoire": _territory_name(t, names),
                "Filtres": ", ".join(
                    f"{_dim_label(catalogue, k)} : "
                    + " / ".join(VALUE_LABELS.get(k, {}).get(v, str(v)) for v in vals)
                    for k, vals in t.filtres.items()
                ),
                "Année": t.annee,
                "Sens": DIRECTIONS[t.sens],
                "Cible": shown(t.cible, 1 if ratio else 2),
                "Tolérance": shown(t.tolerance, 1 if ratio else 2),
                "Source": t.source,
                "Commentaire": t.commentaire,
                "État": f"clos le {t.clos_le:%d/%m/%Y}" if t.clos_le else "en vigueur",
            }
        )
    return pd.DataFrame(rows)


def _territory_name(target: LocalTargetDef, names: dict[tuple[str, str], str]) -> str:
    scale, code = target.territoire.echelle, str(target.territoire.code)
    found = names.get((scale, code))
    return f"{SCALE_LABELS[scale]} {found}" if found else f"{SCALE_LABELS[scale]} hors périmètre"


def _dim_label(catalogue: Catalogue, dim: str) -> str:
    return catalogue.dimensions[dim].label if dim in catalogue.dimensions else dim


def territory_names(scope: Scope) -> dict[tuple[str, str], str]:
    """(scale, code) → name of every territory of the scope at the latest snapshot."""
    snapshot = data.engine().latest
    return {
        (scale, str(code)): label
        for scale in SCALES
        for code, label in filters.options(scale, scope, snapshot).items()
    }


def show_flash() -> None:
    message = st.session_state.pop(FLASH_KEY, None)
    if message:
        st.success(message)


# --- forms ----------------------------------------------------------------------------------------


def add_form(user: CurrentUser, catalogue: Catalogue) -> None:
    if not can_edit(user):
        return
    entry = fields(ADD, user.scope, catalogue)
    clicked = st.button("Ajouter l'objectif", key=f"{ADD}_save", type="primary")
    if clicked and _save(lambda: store.add_target(objectifs_path(), entry, catalogue)):
        for key in [k for k in st.session_state if str(k).startswith(f"{ADD}_")]:
            del st.session_state[key]
        st.rerun()


def change_form(user: CurrentUser, catalogue: Catalogue, targets: list[LocalTargetDef]) -> None:
    if not can_edit(user):
        return
    if not targets:
        st.info("Aucun objectif à modifier.")
        return
    by_id = {t.id: t for t in targets}
    chosen = st.selectbox("Objectif à modifier", list(by_id), key=f"{CHANGE}_choix")
    if st.session_state.get(f"{CHANGE}_charge") != chosen:
        load_into_state(CHANGE, by_id[chosen], catalogue)
        st.session_state[f"{CHANGE}_charge"] = chosen
    entry = fields(CHANGE, user.scope, catalogue, fixed_id=chosen)
    entry["clos_le"] = by_id[chosen].clos_le  # a change never reopens a closed target
    clicked = st.button("Enregistrer les modifications", key=f"{CHANGE}_save", type="primary")
    if clicked and _save(lambda: store.change_target(objectifs_path(), chosen, entry, catalogue)):
        st.session_state.pop(f"{CHANGE}_charge", None)
        st.rerun()


def close_form(user: CurrentUser, catalogue: Catalogue, targets: list[LocalTargetDef]) -> None:
    if not can_edit(user):
        return
    open_ids = [t.id for t in targets if t.clos_le is None]
    if not open_ids:
        st.info("Aucun objectif en vigueur.")
        return
    chosen = st.selectbox("Objectif à clore", open_ids, key="obj_clo_choix")
    closed_on = st.date_input(
        "Clos à compter du",
        value=dt.date.today(),
        format="DD/MM/YYYY",
        key="obj_clo_date",
        help="L'objectif ne s'applique plus aux photographies de cette date et des suivantes ; "
        "il reste dans le fichier pour l'historique.",
    )
    clicked = st.button("Clore l'objectif", key="obj_clo_save")
    if clicked and _save(
        lambda: store.close_target(objectifs_path(), chosen, closed_on, catalogue)
    ):
        st.rerun()


def _save(change) -> bool:
    """Run a store change; on success audit it, drop stale cached results, leave a message."""
    try:
        done: store.TargetChange = change()
    except store.TargetEditError as exc:
        st.error(
            "L'objectif n'a pas été enregistré (le fichier est inchangé) :\n\n"
            + "\n".join(f"- {p}" for p in exc.problems)
        )
        return False
    if not done.changed_fields:
        st.info("Aucune modification à enregistrer.")
        return False
    audit_event("admin_action", done.audit_details())
    st.cache_data.clear()  # targets, trends and headlines computed from the old file
    verbs = {"ajout": "ajouté", "modification": "modifié", "cloture": "clos"}
    st.session_state[FLASH_KEY] = f"Objectif « {done.target_id} » {verbs[done.action]}."
    return True
