"""Objectifs et alertes, for its page: cached calls to the query layer per scope, and each target
drawn as a card with its trend sparkline (the cards and tables are worded by `ui.screens.objectifs.target_cards`, the
`enjeu_mixite` alerts by `ui.screens.objectifs.mixite_view`).

Everything shown comes from `queries.targets.evaluate_targets` (values, statuses, missing
allocations, share needed, hypothesis) and `queries.alerts`; this module fetches and draws it.
The page imports its names from here: those worded in `ui.screens.objectifs.target_cards` are re-exported, so that
split stays an implementation detail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.screens.objectifs.target_cards import (
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
    year_end_lines,
)
from ui.shared import data
from ui.shared.charts import SPARKLINE_HEIGHT, sparkline
from ui.shared.headline import STATUS_LABELS

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
    "year_end",
]

INTRO = (
    "Chaque objectif de votre périmètre — objectifs légaux T1, T2 et T3 (CCH L441-1) et objectifs "
    "locaux (CIA, PSA, conventions de réservation) — mesuré sur l'année civile en cours et sur les "
    "12 derniers mois : d'abord un tableau, ceux auxquels il manque le plus d'attributions en tête, "
    "puis la fiche de chacun. En fin de page : les résidences à enjeu de "
    "mixité dont la part de ménages en fragilité augmente ou dépasse le seuil du PSA."
)


# --- cached calls: ui.shared.data (per scope, data version and objectifs.yaml version) ---------------


def snapshot_date() -> dt.date:
    return data.engine().latest


def targets(scope: Scope) -> pd.DataFrame:
    """`evaluate_targets` at the latest snapshot."""
    return data.targets(scope)


def trends(scope: Scope) -> pd.DataFrame:
    return data.target_trends(scope, snapshot_date().isoformat())


def year_end(scope: Scope) -> pd.DataFrame:
    """Every ratio target projected to 31 December (queries.forecast), per scope."""
    return data.year_end(scope)


def mixite(scope: Scope) -> pd.DataFrame:
    return data.mixite_alerts(scope, snapshot_date().isoformat())


# --- each target, drawn as a card with its sparkline ----------------------------------------------


def sparkline_spec(scope: Scope, card: TargetCard, points_: pd.DataFrame) -> dict:
    """The sparkline as a Vega-Lite spec, cached: building and validating two dozen altair charts
    costs seconds, and every rerun of the page (a filter changed) would pay it again."""
    day = snapshot_date().isoformat()
    return _sparkline_spec(scope, day, card.objectif_id, _card=card, _points=points_)


@data.scoped
def _sparkline_spec(scope: Scope, snapshot: str, objectif_id: str, *, _card, _points) -> dict:
    cible = float(_card.rows[0]["cible"])
    return sparkline(_points, cible=cible, unit=_card.unit, rule=_card.rule).to_dict()


def _projected(scope: Scope, objectif_id: str) -> dict | None:
    found = year_end(scope)
    rows = found[found["objectif_id"] == objectif_id] if len(found) else found
    return rows.iloc[0].to_dict() if len(rows) else None


def points_by_target(trends: pd.DataFrame, ids: Sequence[str]) -> dict[str, pd.DataFrame]:
    """The sparkline points of the targets `ids` (the cards drawn), split once: a filter per card
    cost 5 ms each, and splitting every target of a national scope 0.6 s."""
    if trends.empty or not ids:
        return {}
    drawn = trends[trends["objectif_id"].isin(list(ids))]
    return {str(k): g for k, g in drawn.groupby("objectif_id", sort=False)}


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
            lines = period_lines(row, card, snapshot)
            if row["periode"] == "annee_en_cours":
                lines += year_end_lines(_projected(scope, card.objectif_id), card)
            column.markdown("  \n".join(lines))
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
