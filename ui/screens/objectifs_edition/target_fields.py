"""The widgets of one local target on the Objectifs locaux page (identifier, indicator,
territory, filters, year, direction, target and tolerance, source, comment), each owning the
session key `<prefix>_<field>`; the choices offered come from the data in the user's scope."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from queries.members import members
from semantic.catalogue import Catalogue
from semantic.objectifs import SCALES, LocalTargetDef
from semantic.scope import Scope
from ui.shared import data, filters
from ui.shared.labels import COMPOSITIONS, RESERVATAIRES

SCALE_LABELS = {"epci": "EPCI", "commune": "Commune", "residence": "Résidence"}
DIRECTIONS = {">=": "Au moins (≥)", "<=": "Au plus (≤)"}
VALUE_LABELS = {"reservataire": RESERVATAIRES, "composition": COMPOSITIONS}


def is_ratio(catalogue: Catalogue, indicator_id: str) -> bool:
    """Ratios are typed as percentages and stored as fractions (30 % -> 0.30)."""
    return catalogue.indicator(indicator_id).unit == "ratio"


def fields(prefix: str, scope: Scope, catalogue: Catalogue, fixed_id: str | None = None) -> dict:
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


def load_into_state(prefix: str, target: LocalTargetDef, catalogue: Catalogue) -> None:
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
