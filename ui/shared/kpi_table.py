"""The dashboard's KPI table: chosen indicators, one row per territory of the chosen scale, with
the change since the previous snapshot and since a year earlier and the status of the target that
applies to the row, if any.

Values come from `queries.comparisons.compare`, cached here per scope and data version; the
targets that apply to each row from `ui.shared.kpi_targets`. `build` is a plain function, testable without a
running Streamlit; how the table reads (French text, sorting, exports) is `ui.screens.tableau_de_bord.kpi_display`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries.answers import keepable
from queries.comparisons import compare
from semantic.catalogue import Catalogue, load_catalogue
from semantic.errors import UNAVAILABLE
from semantic.scope import Scope
from ui.shared import data
from ui.shared.filters import HORS_QPV_LABEL, SCALES, Selection
from ui.shared.formats import french_sorted
from ui.shared.kpi_targets import target_for_row, targets_in_scope
from ui.shared.labels import departement_label

# Theme picker labels, in screen order: semantic/definitions/themes.yaml (label_court).
THEMES = {theme: t.label_court for theme, t in load_catalogue().themes.items()}


@keepable  # kept per published state like its parts (queries.answers)
@dataclass(frozen=True)
class KpiTable:
    rows: pd.DataFrame  # numbers, one row per (indicator, territory); see `build`
    skipped: dict[str, str]  # indicator id → why it is not in the table
    previous: dt.date | None  # snapshot of the first change column
    year_earlier: dt.date | None  # snapshot of the second


# --- indicator choice ------------------------------------------------------------------------------


def indicators_for(catalogue: Catalogue, themes: Sequence[str], picked: Sequence[str]) -> list[str]:
    """The picked indicators, or every indicator of the chosen themes; catalogue order."""
    wanted = set(picked) or {i for i, ind in catalogue.indicators.items() if ind.theme in themes}
    return [i for i in catalogue.indicators if i in wanted]


def indicator_picker(catalogue: Catalogue, prefix: str) -> list[str]:
    """Themes and, within them, indicators (none picked: every indicator of the themes)."""
    theme_col, ind_col = st.columns(2)
    themes = theme_col.multiselect(
        "Thèmes",
        list(THEMES),
        default=["occupation"],
        format_func=THEMES.get,
        placeholder="Tous les thèmes",
        key=f"{prefix}_themes",
        wrap=True,  # every chosen theme's chip whole, on as many lines as needed
        select_all=False,
    )
    offered = {
        i: ind.label for i, ind in catalogue.indicators.items() if not themes or ind.theme in themes
    }
    key = f"{prefix}_indicateurs"
    if key in st.session_state:
        st.session_state[key] = [i for i in st.session_state[key] if i in offered]
    picked = ind_col.multiselect(
        "Indicateurs",
        list(offered),
        format_func=offered.get,
        placeholder="Tous ceux des thèmes choisis",
        key=key,
        wrap=True,
        select_all=False,
    )
    return indicators_for(catalogue, themes or list(THEMES), picked)


def unsupported(catalogue: Catalogue, indicator_id: str, selection: Selection) -> str | None:
    """Why `indicator_id` cannot be computed at this scale with these filters, or None."""
    if selection.period == "ytd" and not catalogue.offers_ytd(indicator_id):
        return "pas d'année civile en cours pour un taux rapporté à un stock (12 mois glissants)"
    supported = catalogue.supported_dimensions(indicator_id)
    missing = [d for d in (*selection.by, *selection.where) if d not in supported]
    if not missing:
        return None
    names = ", ".join(catalogue.dimension(d).label.lower() for d in dict.fromkeys(missing))
    return f"pas de découpage ni de filtre par {names} pour cet indicateur"


# --- the numbers -----------------------------------------------------------------------------------


def comparison(indicator_id: str, scope: Scope, selection: Selection) -> pd.DataFrame:
    """`queries.comparisons.compare` for `scope`, cached per scope and data version."""
    snapshot = selection.snapshot.isoformat()
    where = data.frozen_where(selection.where)
    return _compare(scope, indicator_id, snapshot, selection.by, where, selection.period)


@data.scoped
def _compare(scope: Scope, indicator_id: str, snapshot: str, by, where: tuple, period: str):
    return compare(
        data.engine(),
        indicator_id,
        scope,
        snapshot=snapshot,
        by=by,
        where={d: list(v) for d, v in where} or None,
        period=period,
    )


def kpi_table(
    scope: Scope, selection: Selection, indicator_ids: Sequence[str], catalogue: Catalogue
) -> KpiTable:
    """Fetch every comparison and the targets, then `build` the table (PeuplementError on data
    problems). The built table is cached per scope, like its parts: a page rerun for an unrelated
    widget, or another user of the same scope, does not build it again."""
    return _kpi_table(
        scope,
        selection.snapshot.isoformat(),
        data.frozen_where(selection.where),
        selection.scale,
        selection.period,
        tuple(indicator_ids),
        _catalogue=catalogue,
    )


@data.scoped
def _kpi_table(
    scope: Scope,
    snapshot: str,
    where: tuple[tuple[str, tuple], ...],
    scale: str,
    period: str,
    indicator_ids: tuple[str, ...],
    *,
    _catalogue: Catalogue | None = None,
) -> KpiTable:
    # Plain arguments, not the Selection: a request that can be named is kept for the published
    # state and warmed after a publication (queries.answer_names). The selection's words for the
    # exports (`labels`) do not change the table.
    selection = Selection(
        snapshot=dt.date.fromisoformat(snapshot),
        where={dim: list(values) for dim, values in where},
        scale=scale,
        period=period,
    )
    # the loaded catalogue: one per process, not part of the key (warming passes none)
    catalogue = _catalogue or load_catalogue()
    results, skipped = {}, {}
    eng = data.engine()
    for ind in indicator_ids:
        absent = eng.missing_inputs(catalogue.indicator(ind).requires, selection.snapshot)
        reason = (
            f"{UNAVAILABLE} (entrée facultative absente : {', '.join(absent)})"
            if absent
            else unsupported(catalogue, ind, selection)
        )
        if reason:
            skipped[ind] = reason
        else:
            results[ind] = comparison(ind, scope, selection)
    targets = targets_in_scope(scope, selection.snapshot) if results else None
    communes = residence_communes(scope, selection) if results else None
    return build(results, catalogue, selection, targets, skipped, communes)


def residence_communes(scope: Scope, selection: Selection) -> dict[str, str] | None:
    """Residence code → name of its commune, at the residence scale (None at other scales): two
    residences may share a name, their communes tell them apart."""
    if selection.scale != "residence":
        return None
    found = data.indicator(
        "nb_logements",
        scope,
        snapshot=selection.snapshot,
        by=("residence", "commune"),
        where=selection.where or None,
    )
    return {
        str(r): str(c)
        for r, c in zip(found["residence"], found["commune_libelle"], strict=True)
        if not pd.isna(r) and not pd.isna(c)
    }


def build(
    results: Mapping[str, pd.DataFrame],
    catalogue: Catalogue,
    selection: Selection,
    targets: pd.DataFrame | None = None,
    skipped: Mapping[str, str] | None = None,
    communes: Mapping[str, str] | None = None,
) -> KpiTable:
    """One row per indicator and territory: territoire, code, indicateur, libelle, unite, valeur,
    numerateur, denominateur, effectif, masque, evolution, evolution_un_an, objectif, statut,
    cible (the number of the target in `objectif`, NaN without one). At the residence scale,
    `communes` (residence code → commune name) names each residence with its commune:
    « Les Tilleuls (Voiron) »."""
    frames, previous, year_earlier = [], None, None
    for ind_id, df in results.items():
        ind = catalogue.indicator(ind_id)
        rows = pd.DataFrame(
            {
                "territoire": _territory_labels(df, selection.scale, communes),
                "code": _codes(df, selection.scale),
                "indicateur": ind_id,
                "libelle": ind.label,
                "unite": ind.unit,
            }
        )
        for col in ("valeur", "evolution", "evolution_un_an"):
            rows[col] = df[col].astype("Float64").to_numpy()
        for col in ("numerateur", "denominateur", "effectif"):
            rows[col] = df[col].astype("Int64").to_numpy()
        rows["masque"] = df["masque"].astype(bool).to_numpy()
        # only this indicator's targets at this scale, looked for once (thousands of rows)
        mine = (
            targets[(targets["indicateur"] == ind_id) & (targets["echelle"] == selection.scale)]
            if targets is not None and not targets.empty
            else None
        )
        codes = set(mine["code"]) if mine is not None else set()
        badges = [
            target_for_row(mine, ind_id, selection, row.code, ind.unit, row.valeur, row.masque)
            if row.code in codes
            else ("", "", float("nan"))
            for row in rows.itertuples()
        ]
        rows["objectif"] = [b[0] for b in badges]
        rows["statut"] = [b[1] for b in badges]
        rows["cible"] = pd.array([b[2] for b in badges], dtype="Float64")
        frames.append(rows.sort_values("territoire", key=french_sorted, kind="stable"))
        if len(df):
            previous = previous or _date(df["date_precedente"].iloc[0])
            year_earlier = year_earlier or _date(df["date_un_an"].iloc[0])
    columns = [
        "territoire",
        "code",
        "indicateur",
        "libelle",
        "unite",
        "valeur",
        "evolution",
        "evolution_un_an",
        "numerateur",
        "denominateur",
        "effectif",
        "masque",
        "objectif",
        "statut",
        "cible",
    ]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    return KpiTable(
        table[columns].reset_index(drop=True), dict(skipped or {}), previous, year_earlier
    )


def _date(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _codes(df: pd.DataFrame, scale: str) -> list[str]:
    if scale == "ensemble":
        return [""] * len(df)
    return ["" if pd.isna(c) else str(c) for c in df[scale]]


def _territory_labels(
    df: pd.DataFrame, scale: str, communes: Mapping[str, str] | None = None
) -> list[str]:
    if scale == "ensemble":
        return [SCALES["ensemble"]] * len(df)
    labels = df[f"{scale}_libelle"] if f"{scale}_libelle" in df else df[scale]
    if scale == "departement":
        labels = labels.map(lambda c: c if pd.isna(c) else departement_label(str(c)))
    hors = HORS_QPV_LABEL if scale == "qpv" else "(non renseigné)"
    named = [hors if pd.isna(label) else str(label) for label in labels]
    if scale != "residence" or not communes:
        return named
    return [
        f"{name} ({communes[str(code)]})" if str(code) in communes else name
        for name, code in zip(named, df[scale], strict=True)
    ]
