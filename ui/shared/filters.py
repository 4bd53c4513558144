"""Filter widgets shared by the screens: snapshot, territory cascade (EPCI → commune → QPV or hors
QPV → résidence), financement, réservataire, the scale of the table rows and the flow period.

Each component owns one session-state key (`<prefix>_<name>`). Option lists come from
`queries.members.members`, always within the user's scope, so a partner is never offered a
territory outside it (and the query layer filters by scope anyway). A remembered choice that a new
option list no longer offers (another EPCI, another snapshot) is dropped, not kept silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

from queries.members import members
from semantic.scope import Scope
from ui.shared import data
from ui.shared.labels import RESERVATAIRES, departement_label

# Scales of the table rows, coarsest first; "ensemble" is one row for the whole selection.
SCALES = {
    "ensemble": "Ensemble de la sélection",
    "departement": "Département",
    "epci": "EPCI",
    "commune": "Commune",
    "qpv": "QPV (et hors QPV)",
    "residence": "Résidence",
}
PERIODS = {"rolling12": "12 mois glissants", "ytd": "Année civile en cours"}
# Choices of the QPV filter besides the QPV codes themselves.
ALL_AREAS, IN_QPV, OUT_QPV = "__tous__", "__en_qpv__", "__hors_qpv__"
AREA_LABELS = {ALL_AREAS: "Tous (en et hors QPV)", IN_QPV: "En QPV", OUT_QPV: "Hors QPV"}
HORS_QPV_LABEL = "Hors QPV"


@dataclass(frozen=True)
class Selection:
    """What the filters chose: the query layer's `where`, the row scale, and words for exports."""

    snapshot: dt.date
    where: dict[str, list] = field(default_factory=dict)
    scale: str = "epci"
    period: str = "rolling12"
    labels: tuple[tuple[str, str], ...] = ()  # (filter, chosen values in words), for metadata

    @property
    def by(self) -> tuple[str, ...]:
        return () if self.scale == "ensemble" else (self.scale,)


# --- option lists ----------------------------------------------------------------------------------


def options(
    dimension: str, scope: Scope, snapshot: dt.date, where: Mapping[str, Sequence] | None = None
) -> dict:
    """Code → label of the values of `dimension` present in `scope` (cached per scope)."""
    frozen = tuple(sorted((d, tuple(v)) for d, v in (where or {}).items() if v))
    found = _members(scope, dimension, snapshot.isoformat(), frozen)
    found = found[found["code"].notna()]
    return {code: str(label) for code, label in zip(found["code"], found["libelle"], strict=True)}


@data.scoped
def _members(scope: Scope, dimension: str, snapshot: str, where: tuple) -> pd.DataFrame:
    return members(
        data.engine(),
        dimension,
        scope,
        snapshot=dt.date.fromisoformat(snapshot),
        where={d: list(v) for d, v in where} or None,
    )


def _keep_known(key: str, known: Mapping) -> None:
    """Drop remembered choices that the current option list no longer offers."""
    chosen = st.session_state.get(key)
    if isinstance(chosen, list):
        st.session_state[key] = [c for c in chosen if c in known]
    elif chosen is not None and chosen not in known:
        del st.session_state[key]


# --- components (one session-state key each) ------------------------------------------------------


def snapshot_filter(snapshots: Sequence[dt.date], key: str, container=st) -> dt.date:
    """The snapshot date, latest first."""
    choices = sorted(snapshots, reverse=True)
    _keep_known(key, dict.fromkeys(choices))
    return container.selectbox(
        "Photographie",
        choices,
        format_func={d: f"{d:%d/%m/%Y}" for d in choices}.get,
        key=key,
        help="Date d'arrêté des données (une photographie par trimestre).",
    )


def multi_filter(
    label: str,
    choices: Mapping,
    key: str,
    placeholder: str,
    container=st,
    max_selections: int | None = None,
) -> list:
    """A multiselect over `choices` (code → label); nothing chosen means no filter."""
    _keep_known(key, choices)
    return container.multiselect(
        label,
        list(choices),
        format_func=dict(choices).get,
        placeholder=placeholder,
        key=key,
        max_selections=max_selections,
        # Streamlit 1.67 writes its bulk option « Select all » in English and offers no way to
        # reword it: hidden in every multiselect of the portal (nothing chosen = all, anyway)
        select_all=False,
        wrap=True,
    )


def area_filter(qpvs: Mapping[str, str], key: str, container=st) -> str:
    """En QPV / hors QPV / one QPV; the choice is a sentinel or a QPV code."""
    choices = {**AREA_LABELS, **{code: f"QPV {name}" for code, name in qpvs.items()}}
    _keep_known(key, choices)
    return container.selectbox("Quartiers", list(choices), format_func=choices.get, key=key)


def scale_filter(key: str, container=st, default: str = "epci") -> str:
    return container.selectbox(
        "Une ligne par",
        list(SCALES),
        index=list(SCALES).index(default),
        format_func=SCALES.get,
        key=key,
    )


def period_filter(key: str, container=st) -> str:
    return container.radio(
        "Flux (attributions, départs) sur",
        list(PERIODS),
        format_func=PERIODS.get,
        key=key,
        horizontal=True,
        help="Les indicateurs de stock sont ceux de la date de la photographie.",
    )


def area_where(area: str) -> dict[str, list]:
    if area == IN_QPV:
        return {"en_qpv": [True]}
    if area == OUT_QPV:
        return {"en_qpv": [False]}
    if area == ALL_AREAS:
        return {}
    return {"qpv": [area]}


# --- the dashboard's filter block -----------------------------------------------------------------


def territory_filters(scope: Scope, snapshot: dt.date, prefix: str) -> tuple[dict, list]:
    """The territory cascade, each list narrowed by the choices above it; (where, labels). The
    département comes first when the scope spans more than one (a national root)."""
    where: dict[str, list] = {}
    labels: list[tuple[str, str]] = []
    departements = options("departement", scope, snapshot)
    if len(departements) > 1:
        dep_col, epci_col, commune_col, area_col, residence_col = st.columns(5)
        named = {code: departement_label(code) for code in departements}
        chosen = multi_filter("Département", named, f"{prefix}_departement", "Tous", dep_col)
        if chosen:
            where["departement"] = chosen
            labels.append(("Département", ", ".join(named[c] for c in chosen)))
    else:
        epci_col, commune_col, area_col, residence_col = st.columns(4)
    epcis = options("epci", scope, snapshot, where)
    chosen = multi_filter("EPCI", epcis, f"{prefix}_epci", "Tout le périmètre", epci_col)
    if chosen:
        where["epci"] = chosen
        labels.append(("EPCI", ", ".join(epcis[c] for c in chosen)))
    communes = options("commune", scope, snapshot, where)
    chosen = multi_filter("Communes", communes, f"{prefix}_commune", "Toutes", commune_col)
    if chosen:
        where["commune"] = chosen
        labels.append(("Communes", ", ".join(communes[c] for c in chosen)))
    qpvs = options("qpv", scope, snapshot, where)
    area = area_filter(qpvs, f"{prefix}_quartiers", area_col)
    if area != ALL_AREAS:
        where.update(area_where(area))
        labels.append(("Quartiers", AREA_LABELS.get(area) or f"QPV {qpvs[area]}"))
    residences = options("residence", scope, snapshot, where)
    chosen = multi_filter("Résidences", residences, f"{prefix}_residence", "Toutes", residence_col)
    if chosen:
        where["residence"] = chosen
        labels.append(("Résidences", ", ".join(residences[c] for c in chosen)))
    return where, labels


def dashboard_filters(scope: Scope, snapshots: Sequence[dt.date], prefix: str) -> Selection:
    """Snapshot, territory cascade, financement, réservataire, row scale and flow period."""
    snap_col, scale_col, period_col = st.columns([1, 1, 2])
    snapshot = snapshot_filter(snapshots, f"{prefix}_photographie", snap_col)
    scale = scale_filter(f"{prefix}_echelle", scale_col)
    period = period_filter(f"{prefix}_periode", period_col)
    where, labels = territory_filters(scope, snapshot, prefix)
    fin_col, res_col = st.columns(2)
    for dim, label, col in (
        ("financement", "Financement", fin_col),
        ("reservataire", "Réservataire", res_col),
    ):
        choices = options(dim, scope, snapshot)
        if dim == "reservataire":
            choices = {code: RESERVATAIRES.get(code, name) for code, name in choices.items()}
        chosen = multi_filter(label, choices, f"{prefix}_{dim}", "Tous", col)
        if chosen:
            where[dim] = chosen
            labels.append((label, ", ".join(choices[c] for c in chosen)))
    return Selection(snapshot, where, scale, period, tuple(labels))
