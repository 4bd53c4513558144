"""The altair charts of the screens, in French: number formats (« 25 % », « 12 345 ») inside
Vega-Lite axes and tooltips, no frame around the view, and the chart builders themselves.

Builders take the tables the views compute and return a chart: plain functions, testable without a
running Streamlit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from ui.shared.formats import number, percent, value_text
from ui.shared.headline import STATUS_LABELS

# French number formats inside Vega-Lite charts (axes and tooltips): « 25 % », « 12 345 ».
FRENCH_LOCALE = alt.Locale(
    number={
        "decimal": ",",
        "thousands": "\u202f",
        "grouping": [3],
        "currency": ["", "\u202f€"],
        "percent": "\u202f%",
    }
)
# Territories' colours in line charts: no red, orange or green, which mean « non atteint »,
# « à surveiller » and « atteint » everywhere else in the portal; distinct enough side by side.
TERRITORY_PALETTE = (
    "#1f4e79",  # dark blue
    "#7b5ea7",  # violet
    "#17a2b8",  # teal
    "#8c6d31",  # brown
    "#5f6368",  # grey
    "#6a8caf",  # light blue
    "#b0509e",  # magenta
    "#2f4f4f",  # slate
    "#a6761d",  # ochre
    "#9aa5b1",  # light grey
)
SPARKLINE_HEIGHT = 90  # pixels, given to Streamlit: 1.67 ignores a spec's fixed height
RESIDENCE_COLOR, EPCI_COLOR = "#1f4e79", "#a6b8c8"
INCOME_BRACKETS = (
    ("part_menages_plai", "Sous le plafond PLAI"),
    ("part_menages_plus", "Entre PLAI et PLUS"),
    ("part_menages_pls", "Entre PLUS et PLS"),
    ("part_menages_au_dela", "Au-delà du plafond PLS"),
)


def french(chart):
    """The settings every chart shares: French number formats, no frame around the view."""
    return chart.configure(locale=FRENCH_LOCALE).configure_view(stroke=None)


# --- Objectifs et alertes ---------------------------------------------------------------------


def sparkline(points_: pd.DataFrame, *, cible: float, unit: str, rule: str) -> alt.LayerChart:
    """The target's indicator over the snapshots, with its target `cible` (worded `rule`) as a
    dashed line; masked snapshots are gaps."""
    pts = points_.sort_values("date").copy()
    pts["valeur"] = pts["valeur"].astype("Float64").where(~pts["masque"].astype(bool))
    pts["valeur"] = pts["valeur"].astype(float)
    pts["Date"] = pts["date"].dt.strftime("%d/%m/%Y")
    pts["Valeur"] = [
        value_text(v, unit, masked=m) for v, m in zip(pts["valeur"], pts["masque"], strict=True)
    ]
    measured = pts["valeur"].dropna()
    low = min([cible, *measured]) if len(measured) else cible
    high = max([cible, *measured]) if len(measured) else cible
    margin = max((high - low) * 0.15, abs(cible) * 0.05, 1e-3)
    y_scale = alt.Scale(domain=[low - margin, high + margin], zero=False)
    fmt = ".0%" if unit == "ratio" else ",.1f"
    line = (
        alt.Chart(pts)
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2)
        .encode(
            x=alt.X("date:T", axis=None),
            y=alt.Y("valeur:Q", scale=y_scale, axis=alt.Axis(format=fmt, tickCount=2, title=None)),
            tooltip=[alt.Tooltip("Date:N"), alt.Tooltip("Valeur:N")],
        )
    )
    target = (
        alt.Chart(pd.DataFrame({"cible": [cible], "Cible": [rule]}))
        .mark_rule(strokeDash=[4, 3], color="#c0392b")
        .encode(y="cible:Q", tooltip=[alt.Tooltip("Cible:N")])
    )
    chart = french(alt.layer(target, line).properties(height=SPARKLINE_HEIGHT))
    return chart.configure_axis(grid=False, labelFontSize=10)


# --- Fiche résidence ------------------------------------------------------------------------------


def bar_chart(df: pd.DataFrame, category: str, title: str) -> alt.Chart:
    """Dwellings by one dimension: horizontal bars labelled with their count."""
    shown = df.assign(Nombre=df["valeur"].astype(float), Libellé=df[category].astype(str))
    shown["Texte"] = [number(v) for v in shown["Nombre"]]
    base = alt.Chart(shown).encode(
        y=alt.Y("Libellé:N", sort=list(shown["Libellé"]), title=None),
        x=alt.X("Nombre:Q", title=None, axis=None),
        tooltip=[alt.Tooltip("Libellé:N", title=title), alt.Tooltip("Texte:N", title="Logements")],
    )
    bars = base.mark_bar(color=RESIDENCE_COLOR, cornerRadiusEnd=2)
    text = base.mark_text(align="left", dx=3).encode(text="Texte:N")
    # Streamlit 1.67 ignores a fixed height here
    return french((bars + text).properties(height=alt.Step(22)))


def comparison_chart(df: pd.DataFrame, group: str) -> alt.Chart | None:
    """The ratio indicators of one group, residence against EPCI, as paired horizontal bars."""
    rows = df[(df["groupe"] == group) & (df["unite"] == "ratio")]
    if rows.empty:
        return None
    long = pd.concat(
        [
            pd.DataFrame(
                {
                    "Indicateur": rows["libelle"],
                    "Territoire": "Résidence",
                    "Part": rows["valeur_residence"]
                    .astype("Float64")
                    .where(~rows["masque_residence"]),
                }
            ),
            pd.DataFrame(
                {
                    "Indicateur": rows["libelle"],
                    "Territoire": "EPCI",
                    "Part": rows["valeur_epci"],
                }
            ),
        ],
        ignore_index=True,
    )
    long["Part"] = long["Part"].astype(float)
    long["Valeur"] = [percent(v) for v in long["Part"]]
    order = list(rows["libelle"])
    colors = alt.Scale(domain=["Résidence", "EPCI"], range=[RESIDENCE_COLOR, EPCI_COLOR])
    base = alt.Chart(long).encode(
        y=alt.Y("Indicateur:N", sort=order, title=None, axis=alt.Axis(labelLimit=230)),
        yOffset=alt.YOffset("Territoire:N", sort=colors.domain),
        x=alt.X("Part:Q", title=None, axis=alt.Axis(format=".0%"), scale=alt.Scale(domain=[0, 1])),
        tooltip=["Indicateur:N", "Territoire:N", "Valeur:N"],
    )
    bars = base.mark_bar().encode(
        color=alt.Color("Territoire:N", scale=colors, legend=alt.Legend(title=None, orient="top"))
    )
    text = base.mark_text(align="left", dx=3, fontSize=10).encode(text="Valeur:N")
    return french((bars + text).properties(height=alt.Step(14)))  # per bar: two per indicator


def income_chart(brackets: pd.DataFrame) -> alt.Chart:
    """Stacked 100 % bars: the residence's and the EPCI's households by income bracket."""
    palette = alt.Scale(
        domain=[label for _, label in INCOME_BRACKETS],
        range=["#8c2d04", "#e6550d", "#fdae6b", "#c6dbef"],
    )
    chart = (
        alt.Chart(brackets)
        .mark_bar()
        .encode(
            y=alt.Y("Territoire:N", title=None, sort=list(dict.fromkeys(brackets["Territoire"]))),
            x=alt.X(
                "Part:Q", stack="normalize", title=None, axis=alt.Axis(format=".0%", tickCount=5)
            ),
            color=alt.Color(
                "Tranche:N", scale=palette, legend=alt.Legend(title=None, orient="top")
            ),
            order=alt.Order("Ordre:Q"),
            tooltip=["Territoire:N", "Tranche:N", "Valeur:N"],
        )
        .properties(height=alt.Step(34))
    )
    return french(chart)


# --- Tableau de bord ------------------------------------------------------------------------------

# Bars coloured as the table's cells: the status of the territory's target, neutral without one.
STATUS_COLORS = {
    "atteint": "#2E7D32",
    "à surveiller": "#E08E0B",
    "non atteint": "#C0392B",
    "non mesurable": "#9E9E9E",
    "sans objectif": RESIDENCE_COLOR,
}
MASKED_WORDS = "secret statistique"
BARS_SHOWN = 60  # beyond, the 30 highest and the 30 lowest: a readable chart, the table has all


def territory_bars(rows: pd.DataFrame, unit: str) -> tuple[alt.LayerChart, str]:
    """One indicator across territories, highest first: (chart, note on what it leaves out).

    `rows`: territoire, valeur, masque, statut, cible, objectif. A bar is coloured by its target's
    status; the target is a dashed line when every territory has the same one, a tick on each bar
    otherwise; a masked territory is written « secret statistique » at the end, never drawn as 0.
    """
    masked = rows["masque"].astype(bool)
    values = rows["valeur"].astype("Float64")
    measured = rows[~masked & values.notna()].copy()
    measured["valeur"] = measured["valeur"].astype(float)
    measured = measured.sort_values("valeur", ascending=False, kind="stable")
    note = ""
    if len(measured) > BARS_SHOWN:
        half = BARS_SHOWN // 2
        note = (
            f"Les {half} valeurs les plus hautes et les {half} plus basses sur "
            f"{len(measured)} territoires ; le tableau les donne toutes."
        )
        measured = pd.concat([measured.head(half), measured.tail(half)])
    hidden = rows[masked]
    order = list(measured["territoire"]) + list(hidden["territoire"])
    measured["Valeur"] = [value_text(v, unit) for v in measured["valeur"]]
    measured["Statut"] = [
        STATUS_LABELS.get(s, "") if s else "sans objectif" for s in measured["statut"]
    ]
    measured["Objectif"] = measured["objectif"].replace("", "aucun")
    y = alt.Y("territoire:N", sort=order, title=None, axis=alt.Axis(labelLimit=420))
    fmt = ".0%" if unit == "ratio" else ",.0f"
    statuses = [s for s in STATUS_COLORS if s in set(measured["Statut"])]
    color = alt.Color(
        "Statut:N",
        scale=alt.Scale(domain=statuses, range=[STATUS_COLORS[s] for s in statuses]),
        legend=alt.Legend(title=None, orient="top") if statuses != ["sans objectif"] else None,
    )
    base = alt.Chart(measured).encode(
        y=y,
        tooltip=[
            alt.Tooltip("territoire:N", title="Territoire"),
            alt.Tooltip("Valeur:N"),
            alt.Tooltip("Objectif:N"),
            alt.Tooltip("Statut:N"),
        ],
    )
    x = alt.X("valeur:Q", title=None, axis=alt.Axis(format=fmt, orient="top"))
    layers = [
        base.mark_bar(cornerRadiusEnd=2).encode(x=x, color=color),
        base.mark_text(align="left", dx=3, fontSize=11).encode(x="valeur:Q", text="Valeur:N"),
    ]
    targets = measured["cible"].astype("Float64").dropna()
    if len(targets) and targets.nunique() == 1:
        rule = pd.DataFrame(
            {
                "cible": [float(targets.iloc[0])],
                "Objectif": [measured["objectif"][targets.index[0]]],
            }
        )
        layers.append(
            alt.Chart(rule)
            .mark_rule(strokeDash=[5, 3], color="#333333", strokeWidth=1.5)
            .encode(x="cible:Q", tooltip=[alt.Tooltip("Objectif:N")])
        )
    elif len(targets):
        layers.append(
            base.transform_filter("isValid(datum.cible)")
            .mark_tick(color="#333333", thickness=2)
            .encode(x="cible:Q")
        )
    if len(hidden):
        words = pd.DataFrame({"territoire": hidden["territoire"], "Valeur": MASKED_WORDS})
        layers.append(
            alt.Chart(words)
            .mark_text(align="left", dx=3, fontStyle="italic", color="#5F6368")
            .encode(
                y=y,
                x=alt.datum(0),
                text="Valeur:N",
                tooltip=[alt.Tooltip("territoire:N", title="Territoire"), "Valeur:N"],
            )
        )
    chart = alt.layer(*layers).properties(height=alt.Step(20))
    return french(chart), note
