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
from queries.members import members
from semantic import objectifs_store as store
from semantic.catalogue import Catalogue
from semantic.objectifs import SCALES, LocalTargetDef, load_targets
from semantic.scope import Scope
from ui.shared import data, filters, formats
from ui.shared.labels import COMPOSITIONS, RESERVATAIRES
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
SCALE_LABELS = {"epci": "EPCI", "commune": "Commune", "residence": "Résidence"}
DIRECTIONS = {">=": "Au moins (≥)", "<=": "Au plus (≤)"}
FLASH_KEY = "obj_flash"
ADD, CHANGE = "obj_add", "obj_chg"
VALUE_LABELS = {"reservataire": RESERVATAIRES, "composition": COMPOSITIONS}


def can_edit(user: CurrentUser) -> bool:
    """Admins change targets; managers only read them (ui.shell.access decides)."""
    return can_open(user.role, EDIT_ACTION)


def objectifs_path() -> Path:
    return dataroot.objectifs_path(default_data_root())


def current_targets(catalogue: Catalogue) -> list[LocalTargetDef]:
    return load_targets(objectifs_path(), catalogue)


def is_ratio(catalogue: Catalogue, indicator_id: str) -> bool:
    """Ratios are typed as percentages and stored as fractions (30 % -> 0.30)."""
    return catalogue.indicator(indicator_id).unit == "ratio"


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
    entry = _fields(ADD, user.scope, catalogue)
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
        _load_into_state(CHANGE, by_id[chosen], catalogue)
        st.session_state[f"{CHANGE}_charge"] = chosen
    entry = _fields(CHANGE, user.scope, catalogue, fixed_id=chosen)
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


def _fields(prefix: str, scope: Scope, catalogue: Catalogue, fixed_id: str | None = None) -> dict:
    """The target's widgets, each owning the session key `<prefix>_<field>`; the entry typed."""
    snapshot = data.engine().latest
    left, right = st.columns(2)
    if fixed_id is None:
        target_id = left.text_input(
            "Identifiant",
            key=f"{prefix}_id",
            placeholder="ex. cia-gam-t1-2026",
            help="Unique et stable : il nomme l'objectif sur la page des alertes et dans l'audit.",
        )
    else:
        target_id = fixed_id
        left.text_input("Identifiant", value=fixed_id, disabled=True, key=f"{prefix}_id_{fixed_id}")
    ids = list(catalogue.indicators)
    indicator = right.selectbox(
        "Indicateur",
        ids,
        format_func={i: f"{catalogue.indicators[i].label} ({i})" for i in ids}.get,
        key=f"{prefix}_indicateur",
    )
    supported = catalogue.supported_dimensions(indicator)
    scales = [s for s in SCALES if s in supported]
    _keep_known(f"{prefix}_echelle", scales)
    left, right = st.columns(2)
    scale = left.selectbox(
        "Échelle du territoire", scales, format_func=SCALE_LABELS.get, key=f"{prefix}_echelle"
    )
    codes = filters.options(scale, scope, snapshot)
    if st.session_state.get(f"{prefix}_code_echelle") != scale:  # a code of the former scale
        st.session_state.pop(f"{prefix}_code", None)
    st.session_state[f"{prefix}_code_echelle"] = scale
    current = st.session_state.get(f"{prefix}_code")
    if current is not None and current not in codes:
        codes[current] = f"{current} (absent de la dernière photographie)"
    code = right.selectbox(
        "Territoire",
        list(codes),
        format_func=codes.get,
        key=f"{prefix}_code",
        index=None,
        placeholder="Choisissez un territoire de votre périmètre",
    )
    dims = [d for d in supported if d not in SCALES]
    _keep_known(f"{prefix}_filtres", dims)
    chosen_dims = st.multiselect(
        "Filtres (facultatif)",
        dims,
        format_func={d: catalogue.dimensions[d].label for d in dims}.get,
        key=f"{prefix}_filtres",
        placeholder="Aucun filtre",
        help="L'objectif porte seulement sur ces valeurs (ex. réservataire = Action Logement).",
        select_all=False,
    )
    chosen_filters = {}
    for dim in chosen_dims:
        values = _dimension_values(dim, indicator, scope, snapshot, catalogue)
        for value in st.session_state.get(f"{prefix}_f_{dim}") or []:
            values.setdefault(value, f"{value} (absent de la dernière photographie)")
        chosen_filters[dim] = st.multiselect(
            catalogue.dimensions[dim].label,
            list(values),
            format_func=values.get,
            key=f"{prefix}_f_{dim}",
            placeholder="Choisissez une ou plusieurs valeurs",
            select_all=False,
        )
    ratio = is_ratio(catalogue, indicator)
    year_col, sens_col, target_col, tol_col = st.columns(4)
    st.session_state.setdefault(f"{prefix}_annee", snapshot.year)
    year = year_col.number_input("Année", 2000, 2100, step=1, key=f"{prefix}_annee")
    direction = sens_col.selectbox(
        "Sens", list(DIRECTIONS), format_func=DIRECTIONS.get, key=f"{prefix}_sens"
    )
    # "%g": the least decimals that fit (« 30 », « 2.5 »), never « 30.0 » or « 0.00 »; the
    # unit in the label, as « Cible (%) » for a rate
    if ratio:
        target = target_col.number_input(
            "Cible (%)", 0.0, 100.0, step=0.5, format="%g", key=f"{prefix}_cible_pct"
        )
        tolerance = tol_col.number_input(
            "Tolérance (points de %)", 0.0, 100.0, step=0.5, format="%g", key=f"{prefix}_tol_pct"
        )
        target, tolerance = round(target / 100, 6), round(tolerance / 100, 6)
    else:
        unit = catalogue.units[catalogue.indicator(indicator).unit]
        step = 1.0 if unit.decimales == 0 else 10.0**-unit.decimales
        target = target_col.number_input(
            f"Cible ({unit.label})", min_value=0.0, step=step, format="%g", key=f"{prefix}_cible"
        )
        tolerance = tol_col.number_input(
            f"Tolérance ({unit.label})", min_value=0.0, step=step, format="%g", key=f"{prefix}_tol"
        )
    source = st.text_input(
        "Document source",
        key=f"{prefix}_source",
        placeholder="ex. CIA Grenoble-Alpes-Métropole, orientation 1",
    )
    comment = st.text_area("Commentaire (facultatif)", key=f"{prefix}_commentaire", height=68)
    return {
        "id": target_id.strip(),
        "indicateur": indicator,
        "territoire": {"echelle": scale, "code": code} if code is not None else None,
        "filtres": chosen_filters,
        "annee": int(year),
        "sens": direction,
        "cible": float(target),
        "tolerance": float(tolerance),
        "source": source.strip(),
        "commentaire": comment.strip(),
    }


def _load_into_state(prefix: str, target: LocalTargetDef, catalogue: Catalogue) -> None:
    state = st.session_state
    for key in [k for k in state if str(k).startswith(f"{prefix}_f_")]:  # the former target's
        del state[key]
    state[f"{prefix}_indicateur"] = target.indicateur
    state[f"{prefix}_echelle"] = target.territoire.echelle
    state[f"{prefix}_code"] = target.territoire.code
    state[f"{prefix}_code_echelle"] = target.territoire.echelle
    state[f"{prefix}_filtres"] = list(target.filtres)
    for dim, values in target.filtres.items():
        state[f"{prefix}_f_{dim}"] = list(values)
    state[f"{prefix}_annee"] = target.annee
    state[f"{prefix}_sens"] = target.sens
    if is_ratio(catalogue, target.indicateur):
        state[f"{prefix}_cible_pct"] = round(target.cible * 100, 4)
        state[f"{prefix}_tol_pct"] = round(target.tolerance * 100, 4)
    else:
        state[f"{prefix}_cible"] = float(target.cible)
        state[f"{prefix}_tol"] = float(target.tolerance)
    state[f"{prefix}_source"] = target.source
    state[f"{prefix}_commentaire"] = target.commentaire


def _dimension_values(
    dim: str, indicator: str, scope: Scope, snapshot: dt.date, catalogue: Catalogue
) -> dict:
    """Value -> label of a filter dimension, from the indicator's own base, in scope."""
    base = catalogue.indicator(indicator).bases[0]
    found = members(data.engine(), dim, scope, snapshot=snapshot, base=base, catalogue=catalogue)
    values = {}
    for code, label in zip(found["code"], found["libelle"], strict=True):
        if code is None or pd.isna(code):
            continue
        code = code.item() if hasattr(code, "item") else code
        if isinstance(code, bool):
            values[code] = "oui" if code else "non"
        else:
            values[code] = VALUE_LABELS.get(dim, {}).get(code) or str(label)
    return values


def _keep_known(key: str, known) -> None:
    """Drop a remembered choice the current options no longer offer (another indicator)."""
    chosen = st.session_state.get(key)
    if isinstance(chosen, list):
        st.session_state[key] = [c for c in chosen if c in known]
    elif chosen is not None and chosen not in known:
        del st.session_state[key]
