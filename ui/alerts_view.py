"""Objectifs et alertes, for its page: cached calls to the query layer per scope, and each target
drawn as a card with its trend sparkline (the cards and tables are worded by `ui.target_cards`, the
`enjeu_mixite` alerts by `ui.mixite_view`).

Everything shown comes from `queries.targets.evaluate_targets` (values, statuses, missing
allocations, share needed, hypothesis) and `queries.alerts`; this module fetches and draws it.
The page imports its names from here: those worded in `ui.target_cards` are re-exported, so that
split stays an implementation detail.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import streamlit as st

from ingest.contract import OBJECTIFS_FILE
from queries.alerts import mixite_alerts, target_trends
from queries.targets import evaluate_targets
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui import data
from ui.charts import SPARKLINE_HEIGHT, sparkline
from ui.headline import STATUS_LABELS
from ui.target_cards import (
    NATURE_LABELS,
    PERIOD_LABELS,
    TargetCard,
    badge,
    cards,
    filtered,
    kinds,
    overview_table,
    period_lines,
    status_summary,
    trend_caption,
)

__all__ = [
    "INTRO",
    "STATUS_LABELS",
    "TargetCard",
    "cards",
    "filtered",
    "kinds",
    "mixite",
    "overview_table",
    "show_target",
    "snapshot_date",
    "status_summary",
    "targets",
    "trends",
]

INTRO = (
    "Chaque objectif de votre périmètre — objectifs légaux T1, T2 et T3 (CCH L441-1) et objectifs "
    "locaux (CIA, PSA, conventions de réservation) — mesuré sur l'année civile en cours et sur les "
    "12 derniers mois : d'abord un tableau, ceux auxquels il manque le plus d'attributions en tête, "
    "puis la fiche de chacun. En fin de page : les résidences à enjeu de "
    "mixité dont la part de ménages en fragilité augmente ou dépasse le seuil du PSA."
)
CACHE = dict(show_spinner=False, max_entries=data.MAX_CACHED_RESULTS, ttl=data.RESULT_TTL_SECONDS)


# --- cached calls, keyed on the scope, the snapshot and the data version -------------------------
# The data version (root and snapshot list) does not see an edit of objectifs.yaml, which changes
# every answer below: the file's size and modification time are part of each key too.


def snapshot_date() -> dt.date:
    return data.engine().latest


def _key(scope: Scope) -> tuple[str, str, str]:
    eng = data.engine()
    return (
        scope.cache_key(),
        eng.latest.isoformat(),
        f"{data.data_version(eng)}|{_targets_file(eng)}",
    )


def _targets_file(eng) -> str:
    try:
        found = (Path(eng.data_root) / OBJECTIFS_FILE).stat()
    except FileNotFoundError:
        return "sans objectifs locaux"
    return f"{found.st_mtime_ns}:{found.st_size}"


def targets(scope: Scope) -> pd.DataFrame:
    """`evaluate_targets` at the latest snapshot."""
    return _targets(*_key(scope), _scope=scope)


@st.cache_data(**CACHE)
def _targets(scope_key: str, snapshot: str, version: str, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    return evaluate_targets(data.engine(), _scope, snapshot=dt.date.fromisoformat(snapshot))


def trends(scope: Scope) -> pd.DataFrame:
    return _trends(*_key(scope), _scope=scope)


@st.cache_data(**CACHE)
def _trends(scope_key: str, snapshot: str, version: str, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    return target_trends(data.engine(), _scope, snapshot=snapshot)


def mixite(scope: Scope) -> pd.DataFrame:
    return _mixite(*_key(scope), _scope=scope)


@st.cache_data(**CACHE)
def _mixite(scope_key: str, snapshot: str, version: str, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    return mixite_alerts(data.engine(), _scope, snapshot=snapshot)


def _same(scope_key: str, scope: Scope) -> None:
    if scope_key != scope.cache_key():  # the key and the scope must describe the same user
        raise RuntimeError("cache key and scope disagree")


# --- each target, drawn as a card with its sparkline ----------------------------------------------


def sparkline_spec(scope: Scope, card: TargetCard, points_: pd.DataFrame) -> dict:
    """The sparkline as a Vega-Lite spec, cached: building and validating two dozen altair charts
    costs seconds, and every rerun of the page (a filter changed) would pay it again."""
    return _sparkline_spec(*_key(scope), card.objectif_id, _card=card, _points=points_)


@st.cache_data(**CACHE)
def _sparkline_spec(scope_key, snapshot, version, objectif_id, *, _card, _points) -> dict:
    return sparkline(_points, _card).to_dict()


def show_target(scope: Scope, card: TargetCard, points_: pd.DataFrame, snapshot: dt.date) -> None:
    """One target: its header, one column per period, the sparkline, its source."""
    with st.container(border=True):
        # Titles, territories, filters, sources and comments come from the data and objectifs.yaml.
        st.markdown(f"#### {markdown_text(card.title)} {badge(card.status)}")
        where = markdown_text(card.territory + (f" · {card.filters}" if card.filters else ""))
        st.caption(
            f"{NATURE_LABELS.get(card.nature, card.nature)} · {where}",
            help=f"Identifiant de l'objectif : {card.objectif_id}",  # for exports and support
        )
        columns = st.columns([2] * len(card.rows) + [2])
        for column, row in zip(columns, card.rows, strict=False):
            column.markdown(f"**{PERIOD_LABELS[row['periode']]}** {badge(row['statut'])}")
            column.markdown("  \n".join(period_lines(row, card, snapshot)))
            if row["hypothese"]:
                column.caption(markdown_text(row["hypothese"]))
        with columns[-1]:
            if points_.empty or points_["valeur"].isna().all():
                st.caption("Pas de tendance : aucune valeur mesurable sur les photographies.")
            else:
                st.vega_lite_chart(
                    spec=sparkline_spec(scope, card, points_),
                    width="stretch",
                    height=SPARKLINE_HEIGHT,
                    alt=f"Tendance : {card.title}",
                )
                st.caption(trend_caption(points_, card))
        source = card.source + (f" — {card.comment}" if card.comment else "")
        st.caption(f"Source : {markdown_text(source)}")
