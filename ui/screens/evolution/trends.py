"""The Évolution page's charts: an indicator over every snapshot for chosen territories (one line
each, on one chart), with its targets drawn as rules — the legal threshold of T1/T2/T3 from the
catalogue's parameters across the whole chart, local targets over their year, in their
territory's colour.

Values come from `queries.series.series` (cached here per scope and data version). Masked points
(statistical secrecy) and values that cannot be computed are not drawn: the line breaks there, and
`gaps` says which. `chart_data`, `target_rules` and `chart` are plain functions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

from queries.series import series
from semantic.catalogue import Catalogue
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.shared import data, filters, formats
from ui.shared.charts import TERRITORY_PALETTE
from ui.shared.kpi_targets import targets_in_scope

SCALES = {"epci": "EPCI", "commune": "Commune", "residence": "Résidence"}
MAX_TERRITORIES = 10  # beyond that, lines on one chart no longer read
CHART_HEIGHT = 340
# French number and date formats inside the charts (Vega's d3 locales).
# fmt: off
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]
SHORT_MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.",
                "nov.", "déc."]
# fmt: on
LOCALE = {
    "number": {
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u202f€"],
        "percent": "\u202f%",
    },
    "time": {
        "dateTime": "%A %e %B %Y à %X",
        "date": "%d/%m/%Y",
        "time": "%H:%M:%S",
        "periods": ["AM", "PM"],
        "days": ["dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"],
        "shortDays": ["dim.", "lun.", "mar.", "mer.", "jeu.", "ven.", "sam."],
        "months": MONTHS,
        "shortMonths": SHORT_MONTHS,
    },
}


# --- widgets --------------------------------------------------------------------------------------


def territory_picker(scope: Scope, snapshot: dt.date, prefix: str, container=st):
    """The scale (EPCI, commune, résidence) and up to MAX_TERRITORIES territories of the scope;
    nothing chosen means every territory of the scale when there are few enough. Returns
    (scale, codes, offered) where `offered` is how many territories the scope has at that scale."""
    scale = container.selectbox(
        "Territoires", list(SCALES), format_func=SCALES.get, key=f"{prefix}_echelle"
    )
    choices = filters.options(scale, scope, snapshot)
    few = len(choices) <= MAX_TERRITORIES
    codes = filters.multi_filter(
        f"{SCALES[scale]} (jusqu'à {MAX_TERRITORIES})",
        choices,
        f"{prefix}_territoires",
        "Tous" if few else "Choisissez des territoires",
        max_selections=MAX_TERRITORIES,
    )
    return scale, codes or (list(choices) if few else []), len(choices)


def notes(t: Trend, threshold: int) -> list[str]:
    """What the chart leaves out or adds, in words: local targets, masked and missing points."""
    out = [rules_caption(t.rules)] if rules_caption(t.rules) else []
    if t.masked:
        out.append(
            f":material/lock: Non tracés, sous le secret statistique (moins de {threshold}) : "
            + " ; ".join(map(markdown_text, t.masked))
            + ". La courbe s'interrompt."
        )
    if t.missing:
        missing = " ; ".join(map(markdown_text, t.missing))
        out.append(f"Non calculables (aucun cas au dénominateur) : {missing}.")
    return out


# --- data ------------------------------------------------------------------------------------------


def indicator_series(
    indicator_id: str, scope: Scope, scale: str, codes: Sequence[str], period: str
) -> pd.DataFrame:
    """`queries.series.series` by `scale` restricted to `codes`, cached per scope and data version."""
    return _series(scope, indicator_id, scale, tuple(codes), period)


@data.scoped
def _series(scope: Scope, indicator_id: str, scale: str, codes: tuple, period: str):
    where = {scale: list(codes)} if codes else None
    return series(data.engine(), indicator_id, scope, by=[scale], where=where, period=period)


def local_targets(scope: Scope, snapshots: Sequence[dt.date]) -> pd.DataFrame:
    """Local targets of every year the snapshots cover (`ui.shared.kpi_targets.targets_in_scope` of the last
    snapshot of each year), with their `annee`."""
    last_of_year: dict[int, dt.date] = {}
    for day in sorted(snapshots):
        last_of_year[day.year] = day
    frames = []
    for year, day in sorted(last_of_year.items()):
        found = targets_in_scope(scope, day)
        found = found[found["nature"] == "local"].assign(annee=year)
        frames.append(found)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


@dataclass(frozen=True)
class Trend:
    indicator_id: str
    label: str
    unit: str
    points: pd.DataFrame  # see chart_data
    rules: pd.DataFrame  # see target_rules
    masked: list[str]  # territories (dates) not drawn because of secrecy
    missing: list[str]  # territories (dates) not drawn because the value cannot be computed


def trend(
    catalogue: Catalogue,
    indicator_id: str,
    scope: Scope,
    scale: str,
    codes: Sequence[str],
    period: str,
    local: pd.DataFrame,
) -> Trend:
    """Everything one chart shows (PeuplementError on data problems)."""
    ind = catalogue.indicator(indicator_id)
    points = chart_data(
        indicator_series(indicator_id, scope, scale, codes, period), scale, ind.unit
    )
    rules = target_rules(catalogue, indicator_id, points, local, scale) if len(points) else None
    masked, missing = gaps(points)
    return Trend(indicator_id, ind.label, ind.unit, points, rules, masked, missing)


# --- plain functions -------------------------------------------------------------------------------


def chart_data(df: pd.DataFrame, scale: str, unit: str) -> pd.DataFrame:
    """date, territoire, valeur (null when masked or not computable), texte, trace.

    `trace` numbers the unbroken runs of each territory's line: a line is drawn per run, so a
    missing point leaves a gap instead of a segment joining its neighbours."""
    out = pd.DataFrame(
        {
            "date": pd.to_datetime(df["date"]),
            "code": df[scale].astype(str),
            "territoire": df[f"{scale}_libelle"].astype(str),
            "valeur": df["valeur"].astype("Float64").where(~df["masque"].astype(bool)),
            "masque": df["masque"].astype(bool),
        }
    ).sort_values(["territoire", "date"], kind="stable")
    out["texte"] = [
        formats.value_text(v, unit, m) for v, m in zip(out["valeur"], out["masque"], strict=True)
    ]
    missing = out["valeur"].isna()
    runs = missing.groupby(out["code"]).cumsum()
    out["trace"] = out["code"] + "-" + runs.astype(str)
    out["valeur"] = out["valeur"].astype(float)  # NaN, not NA: Vega reads null and breaks
    return out.reset_index(drop=True)


def gaps(points: pd.DataFrame) -> tuple[list[str], list[str]]:
    """Points not drawn, in words: (masked by secrecy, not computable)."""

    every = points["date"].nunique()

    def when(dates: pd.Series) -> str:
        if len(dates) == every > 1:
            return "toutes les photographies"
        return ", ".join(f"{d:%d/%m/%Y}" for d in dates)

    def words(rows: pd.DataFrame) -> list[str]:
        return [
            f"{name} ({when(group['date'])})"
            for name, group in rows.groupby("territoire", sort=True)
        ]

    hidden = points[points["masque"]]
    absent = points[points["valeur"].isna() & ~points["masque"]]
    return words(hidden), words(absent)


def target_rules(
    catalogue: Catalogue,
    indicator_id: str,
    points: pd.DataFrame,
    local: pd.DataFrame,
    scale: str,
) -> pd.DataFrame:
    """Rules to draw: cible, libelle, debut, fin, territoire and condition (both empty for legal
    thresholds, which apply to every EPCI)."""
    unit = catalogue.indicator(indicator_id).unit
    start, end = points["date"].min(), points["date"].max()
    rules = []
    for legal in catalogue.parameters.objectifs_legaux:
        if legal.indicateur == indicator_id:
            per = f" par {catalogue.dimension(legal.par).label.lower()}" if legal.par else ""
            text = (
                f"{legal.id} {_sense(legal.sens)} {formats.value(legal.cible, unit)}{per} (légal)"
            )
            rules.append((legal.cible, text, start, end, "", ""))
    if not local.empty:
        names = dict(zip(points["code"], points["territoire"], strict=False))
        mine = local[
            (local["indicateur"] == indicator_id)
            & (local["echelle"] == scale)
            & local["code"].isin(names)
            & (local["filtres"] == "")
        ]
        for t in mine.itertuples():
            first = max(pd.Timestamp(dt.date(t.annee, 1, 1)), start)
            last = min(pd.Timestamp(dt.date(t.annee, 12, 31)), end)
            if first <= last:
                condition = f"{_sense(t.sens)} {formats.value(t.cible, unit)}"
                text = f"Objectif local {t.annee} {condition}"
                rules.append((t.cible, text, first, last, names[t.code], condition))
    columns = ["cible", "libelle", "debut", "fin", "territoire", "condition"]
    return pd.DataFrame(rules, columns=columns)


def rules_caption(rules: pd.DataFrame | None) -> str:
    """The local targets drawn, in words (legal thresholds are labelled on the chart)."""
    if rules is None:
        return ""
    local = rules[rules["territoire"] != ""]
    if local.empty:
        return ""
    items = [
        f"{markdown_text(territory)} {condition} ({', '.join(str(d.year) for d in group['debut'])})"
        for (territory, condition), group in local.groupby(["territoire", "condition"], sort=True)
    ]
    return "Objectifs locaux (pointillés de la couleur du territoire) — " + " ; ".join(items) + "."


def _sense(sens: str) -> str:
    return {">=": "≥", "<=": "≤"}.get(sens, sens)


def chart(points: pd.DataFrame, rules: pd.DataFrame, label: str, unit: str) -> alt.LayerChart:
    """One line per territory (broken at missing points), dots on the drawn points, target rules."""
    ratio = unit == "ratio"
    y = alt.Y(
        "valeur:Q",
        title=label + (" (%)" if ratio else ""),
        axis=alt.Axis(format=".0%" if ratio else ",~g"),
    )
    x = alt.X("date:T", title="Photographie", axis=alt.Axis(format="%m/%Y", tickCount="month"))
    color = alt.Color(
        "territoire:N",
        title="Territoire",
        legend=alt.Legend(orient="bottom"),
        scale=alt.Scale(range=list(TERRITORY_PALETTE)),  # no red: red means « non atteint »
    )
    tooltip = [
        alt.Tooltip("territoire:N", title="Territoire"),
        alt.Tooltip("date:T", title="Photographie", format="%d/%m/%Y"),
        alt.Tooltip("texte:N", title="Valeur"),
    ]
    base = alt.Chart(points).encode(x=x, y=y, color=color, tooltip=tooltip)
    layers = [
        base.mark_line(strokeWidth=2).encode(detail="trace:N"),
        base.transform_filter("isValid(datum.valeur)").mark_circle(size=60, opacity=1),
    ]
    if not rules.empty:
        legal = rules[rules["territoire"] == ""]
        if not legal.empty:
            layers.append(
                alt.Chart(legal)
                .mark_rule(color="#3C3C3C", strokeDash=[6, 4], strokeWidth=1.5)
                .encode(y="cible:Q", tooltip=[alt.Tooltip("libelle:N", title="Objectif")])
            )
            layers.append(
                alt.Chart(legal)
                .mark_text(align="left", baseline="bottom", dx=4, dy=-3, color="#3C3C3C")
                .encode(x="debut:T", y="cible:Q", text="libelle:N")
            )
        local = rules[rules["territoire"] != ""]
        if not local.empty:
            layers.append(
                alt.Chart(local)
                .mark_rule(strokeDash=[2, 3], strokeWidth=2)
                .encode(
                    x="debut:T",
                    x2="fin:T",
                    y="cible:Q",
                    color=alt.Color("territoire:N"),
                    tooltip=[
                        alt.Tooltip("libelle:N", title="Objectif"),
                        alt.Tooltip("territoire:N", title="Territoire"),
                    ],
                )
            )
    return (
        alt.layer(*layers)
        .properties(height=CHART_HEIGHT)
        .configure(locale=LOCALE)
        .configure_axis(labelFontSize=12, titleFontSize=12)
        .configure_legend(labelFontSize=12, titleFontSize=12, labelLimit=320)
    )
