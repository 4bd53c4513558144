"""The home page's headline: key figures of the latest snapshot in a scope, their change since the
previous snapshot, the legal targets T1/T2/T3 with their status, and how fresh the data is.

Figures come from the query layer (`ui.shared.data`, cached per scope); this module only picks and words
them. Flows (turnover, T1/T2/T3) are over the 12 months ending on the snapshot, and the target
statuses shown here are those of the same period, so a value and its status always agree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from queries.comparisons import previous_snapshot
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from ui.shared import data, formats

STOCK_AND_FLOW = ("nb_logements", "nb_menages", "taux_vacance", "taux_rotation")
# Flows on the home page: the 12 months ending on the snapshot (the calendar year is on the
# targets page); the matching label of queries.targets for target rows.
PERIOD, TARGET_PERIOD = "rolling12", "glissant_12_mois"
# Snapshots are loaded at least every quarter: older than a quarter plus a margin, data is stale.
FRESH_DAYS = 100
# Worst first: the status shown for a legal target is the worst measured over its territories
# (a territory without allocations, or under secrecy, does not hide one that misses the target).
STATUS_ORDER = ("non_atteint", "a_surveiller", "atteint", "non_mesurable", "secret")
MEASURED = ("non_atteint", "a_surveiller", "atteint")
STATUS_LABELS = {
    "atteint": "atteint",
    "a_surveiller": "à surveiller",
    "non_atteint": "non atteint",
    "non_mesurable": "non mesurable",
    "secret": "secret statistique",
}
STATUS_COLORS = {
    "atteint": "green",
    "a_surveiller": "orange",
    "non_atteint": "red",
    "non_mesurable": "gray",
    "secret": "gray",
}
# An increase is good (green), bad (red) or neither for the reader of each figure.
# (turnover: more departures free more dwellings but also mean less stable residences).
DELTA_COLORS = {
    "taux_vacance": "inverse",
    "nb_logements": "off",
    "nb_menages": "off",
    "taux_rotation": "off",
}


@dataclass(frozen=True)
class Figure:
    indicator_id: str
    label: str
    unit: str  # the catalogue's unit: "ratio", "logements"…
    value: float | None  # None when masked (secrecy) or not computable
    previous: float | None
    masked: bool
    target_id: str | None = None  # T1, T2, T3
    target_text: str | None = None  # « ≥ 25 % », « ≥ 25 % pour chaque réservataire »
    status: str | None = None  # worst status over the territories in scope
    status_detail: str | None = None  # « atteint par 5 réservataires sur 15 (…) »
    help: str | None = None  # what the figure is when the target is rated piece by piece

    @property
    def is_ratio(self) -> bool:
        return self.unit == "ratio"

    @property
    def text(self) -> str:
        """The value as shown: French number format, the secrecy label when masked."""
        return formats.value(self.value, self.unit, masked=self.masked)

    @property
    def delta(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Overview:
    snapshot: dt.date
    previous_snapshot: dt.date | None
    age_days: int
    territories: int  # EPCIs of the scope present in the snapshot (0: nothing to show)
    figures: tuple[Figure, ...]
    off_track: int  # targets not met or to watch, over the 12 months
    not_met: int
    to_watch: int

    @property
    def fresh(self) -> bool:
        return self.age_days <= FRESH_DAYS


def overview(scope: Scope, *, today: dt.date | None = None) -> Overview:
    """The headline of the latest snapshot for `scope` (raises PeuplementError on data problems).
    Cached per scope and data version: every login lands here."""
    snap = data.engine().latest
    found = _overview(scope, snap.isoformat())
    return replace(found, age_days=((today or dt.date.today()) - snap).days)


@data.scoped
def _overview(scope: Scope, snapshot: str) -> Overview:
    catalogue = load_catalogue()
    eng = data.engine()
    snap = dt.date.fromisoformat(snapshot)
    before = previous_snapshot(eng, snap)
    all_targets = data.targets(scope, snapshot=snap)
    targets = all_targets[all_targets["periode"] == TARGET_PERIOD]
    figures = [_figure(catalogue, scope, ind, snap, before) for ind in STOCK_AND_FLOW]
    for legal in catalogue.parameters.objectifs_legaux:
        figure = _figure(catalogue, scope, legal.indicateur, snap, before)
        rows = targets[targets["indicateur"] == legal.indicateur]
        status, detail = _status(rows, legal.par)
        rule = formats.target_text(legal.sens, legal.cible, "ratio")
        figures.append(
            replace(
                figure,
                label=f"{legal.id} · {figure.label}",
                target_id=legal.id,
                target_text=f"{rule} pour chaque réservataire" if legal.par else rule,
                status=status,
                status_detail=detail,
                help=(
                    "Part sur l'ensemble des attributions ; la cible s'apprécie réservataire "
                    "par réservataire, dans chaque EPCI."
                    if legal.par
                    else None
                ),
            )
        )
    # Counted as the Objectifs page counts them: every target once, under the worse of its two
    # periods (calendar year to date, rolling 12 months).
    counts = status_counts(all_targets)
    not_met, to_watch = counts["non_atteint"], counts["a_surveiller"]
    return Overview(
        snapshot=snap,
        previous_snapshot=before,
        age_days=0,  # set by overview(): the day changes, not the answer
        territories=len(data.epci_names(scope)),
        figures=tuple(figures),
        off_track=not_met + to_watch,
        not_met=not_met,
        to_watch=to_watch,
    )


def _figure(catalogue, scope: Scope, indicator_id: str, snap, before) -> Figure:
    ind = catalogue.indicator(indicator_id)
    current = data.indicator(indicator_id, scope, snapshot=snap, period=PERIOD).iloc[0]
    previous = None
    if before is not None:
        previous = _value(data.indicator(indicator_id, scope, snapshot=before, period=PERIOD))
    return Figure(
        indicator_id=indicator_id,
        label=ind.label,
        unit=ind.unit,
        value=_value(current),
        previous=previous,
        masked=bool(current["masque"]),
    )


def _value(row: pd.Series | pd.DataFrame) -> float | None:
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    if bool(row["masque"]) or pd.isna(row["valeur"]):
        return None
    return float(row["valeur"])


# The Objectifs page's order: a target counts once, under its worst period.
CARD_SEVERITY = ("non_atteint", "a_surveiller", "non_mesurable", "secret", "atteint")


def _severity(status: str) -> int:
    return CARD_SEVERITY.index(status) if status in CARD_SEVERITY else len(CARD_SEVERITY)


def status_counts(df: pd.DataFrame) -> dict[str, int]:
    """Targets per worst status (a target counts once, under its worst period)."""
    if df.empty:
        return dict.fromkeys(STATUS_LABELS, 0)
    worst = df.groupby("objectif_id", sort=False)["statut"].agg(lambda s: min(s, key=_severity))
    return {s: int((worst == s).sum()) for s in STATUS_LABELS}


def _status(rows: pd.DataFrame, par: str | None = None) -> tuple[str | None, str | None]:
    """The worst measured status over the target rows, and how many met it, in words: « atteint
    dans 1 EPCI sur 3 », « atteint par 5 réservataires sur 15 (réservataire × EPCI) »."""
    if rows.empty:
        return None, None
    statuses = list(rows["statut"])
    measured = [s for s in statuses if s in MEASURED]
    if measured:
        worst = min(measured, key=STATUS_ORDER.index)
    else:
        worst = "secret" if "secret" in statuses else "non_mesurable"
    met, total = statuses.count("atteint"), len(statuses)
    if par:
        epcis = rows["code"].nunique()
        detail = f"Cible atteinte par **{met} réservataire(s) sur {total}**"
        if epcis > 1:
            detail += f" (chaque réservataire compté dans chacun des {epcis} EPCI)"
    else:
        detail = f"Cible atteinte dans **{met} EPCI sur {total}**"
    unmeasured = total - len(measured)
    if unmeasured:
        detail += f" ; {unmeasured} non mesurable(s) ou sous secret statistique"
    return worst, detail + "."


def format_delta(figure: Figure) -> str | None:
    """« +1,3 pt » for a ratio, « +12 » for a count, « 0 » unchanged; None when nothing to compare.

    Not `ui.shared.formats.change`: st.metric reads the direction of a text delta from a leading ASCII
    « - », and that one writes the typographic minus.
    """
    delta = _rounded_delta(figure)
    if delta is None:
        return None
    if figure.is_ratio:
        text = f"{delta:+.1f} pt" if delta else "0.0 pt"
    elif float(delta).is_integer():
        text = f"{delta:+,.0f}" if delta else "0"
    else:
        text = f"{delta:+,.1f}"
    return text.replace(",", "\u202f").replace(".", ",")


def delta_color(figure: Figure) -> str:
    """Green when the change is good news, red when bad, grey for no change or a neutral count."""
    if not _rounded_delta(figure):
        return "off"
    return DELTA_COLORS.get(figure.indicator_id, "normal")


def _rounded_delta(figure: Figure) -> float | None:
    """The change as displayed: points of percentage to one decimal, counts to one decimal."""
    delta = figure.delta
    if delta is None:
        return None
    return round(delta * 100, 1) if figure.is_ratio else round(delta, 1)


def status_badge(status: str | None) -> str:
    """Markdown badge of a target status, « aucun objectif » when there is none in scope."""
    if status is None:
        return ":gray-badge[aucun objectif dans le périmètre]"
    return f":{STATUS_COLORS[status]}-badge[{STATUS_LABELS[status]}]"
