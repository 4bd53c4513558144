"""The bilan's pictures as ReportLab vector drawings: the quarterly series as line charts and the
map of the territory (communes, QPV outlines, residences coloured by fragility).

Drawn with ReportLab's own graphics, so the figures stay vector shapes in the PDF, their labels
are real text in the document's font, and nothing needs a browser or an image library. A masked
point of a series (statistical secrecy) is not drawn: the line breaks there, as on screen.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib import colors

from queries.map_geometry import rings
from reports.formats import number, percent

FONT, BOLD = "Vera", "VeraBd"
INK = colors.HexColor("#1F2933")
ACCENT = colors.HexColor("#1F4E79")
TARGET = colors.HexColor("#B22222")
GRID = colors.HexColor("#D9DEE4")
# Fragility classes of a residence's share of fragile households: (upper bound, colour, legend).
FRAGILITY_CLASSES = (
    (0.30, colors.HexColor("#FEE8C8"), "moins de 30 %"),
    (0.40, colors.HexColor("#FDBB84"), "30 à 40 %"),
    (0.50, colors.HexColor("#EF6548"), "40 à 50 %"),
    (math.inf, colors.HexColor("#B30000"), "50 % et plus"),
)
MASKED_COLOUR = colors.HexColor("#B8BEC6")
MIN_SPAN_DEG = 0.01  # the smallest area a map shows (about 1 km)


def _text(s: str) -> str:
    """The narrow no-break space (French thousands) is missing from the PDF font: a no-break space."""
    return s.replace("\u202f", "\u00a0")


def series_chart(
    df: pd.DataFrame,
    title: str,
    unit: str,
    target: float | None = None,
    width: float = 250,
    height: float = 170,
) -> Drawing:
    """A line of the indicator over the snapshots (ascending `date`), a dashed target line."""
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, _text(title), fontName=BOLD, fontSize=8.5, fillColor=INK))
    shown = df[~df["masque"].astype(bool) & df["valeur"].notna()]
    if df.empty or shown.empty:
        drawing.add(String(0, height / 2, "Aucune valeur publiable.", fontName=FONT, fontSize=8))
        return drawing
    days = [pd.Timestamp(d).date().toordinal() for d in df["date"]]
    values = [
        None if m or pd.isna(v) else float(v)
        for v, m in zip(df["valeur"], df["masque"], strict=True)
    ]
    scale = 100.0 if unit == "ratio" else 1.0
    segments, current = [], []
    for day, value in zip(days, values, strict=True):
        if value is None:
            if current:
                segments.append(current)
            current = []
        else:
            current.append((day, value * scale))
    if current:
        segments.append(current)
    points = [v for seg in segments for _, v in seg]
    low, high = min(points), max(points)
    if target is not None:
        low, high = min(low, target * scale), max(high, target * scale)
    pad = max((high - low) * 0.15, 1.0 if unit == "ratio" else max(high * 0.05, 1.0))
    low, high = (max(0.0, low - pad), high + pad)

    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 34, 28, width - 44, height - 50
    data = [list(seg) if len(seg) > 1 else [seg[0], seg[0]] for seg in segments]
    if target is not None:
        data.append([(days[0], target * scale), (days[-1], target * scale)])
    plot.data = data
    for i in range(len(segments)):
        plot.lines[i].strokeColor = ACCENT
        plot.lines[i].strokeWidth = 1.6
        plot.lines[i].symbol = None
    if target is not None:
        plot.lines[len(segments)].strokeColor = TARGET
        plot.lines[len(segments)].strokeDashArray = (3, 2)
        plot.lines[len(segments)].strokeWidth = 1
    axis_x, axis_y = plot.xValueAxis, plot.yValueAxis
    axis_x.valueMin, axis_x.valueMax = days[0], days[-1]
    axis_x.valueSteps = days[::2] if len(days) > 7 else days
    axis_x.labelTextFormat = lambda d: dt.date.fromordinal(int(d)).strftime("%m/%y")
    axis_y.valueMin, axis_y.valueMax = low, high
    decimals = 0 if high - low >= 5 or unit != "ratio" else 1
    axis_y.labelTextFormat = lambda v: _text(
        number(v, decimals) + ("\u202f%" if unit == "ratio" else "")
    )
    for axis in (axis_x, axis_y):
        axis.labels.fontName, axis.labels.fontSize = FONT, 6.5
        axis.strokeColor = INK
    axis_y.visibleGrid, axis_y.gridStrokeColor = True, GRID
    drawing.add(plot)
    last = segments[-1][-1][1] / scale
    caption = f"Dernière valeur : {percent(last) if unit == 'ratio' else number(last)}"
    if target is not None:
        caption += f" · cible {percent(target, 0)} (tirets)"
    drawing.add(String(0, 4, _text(caption), fontName=FONT, fontSize=7, fillColor=INK))
    return drawing


def fragility_colour(value, masked: bool):
    if masked or value is None or pd.isna(value):
        return MASKED_COLOUR
    return next(colour for bound, colour, _ in FRAGILITY_CLASSES if float(value) < bound)


def territory_map(
    communes: pd.DataFrame,
    qpv: pd.DataFrame,
    places: pd.DataFrame,
    width: float = 480,
    height: float = 470,
    mask_label: str = "secret statistique",
) -> Drawing:
    """Communes (grey outlines), QPV (red outlines), residences as dots coloured by their share of
    fragile households; the legend below. Longitudes are shrunk by cos(latitude) so that the
    territory keeps its shape."""
    legend_h = 46
    drawing = Drawing(width, height)
    shapes = [(ring, "commune") for g in communes.get("geometry", []) for ring in rings(g)]
    shapes += [(ring, "qpv") for g in qpv.get("geometry", []) for ring in rings(g)]
    xs = [p[0] for ring, _ in shapes for p in ring]
    ys = [p[1] for ring, _ in shapes for p in ring]
    if not places.empty:
        xs += [float(v) for v in places["lon"].dropna()]
        ys += [float(v) for v in places["lat"].dropna()]
    if not xs:
        drawing.add(String(0, height / 2, "Aucun contour à dessiner.", fontName=FONT, fontSize=9))
        return drawing
    # a territory drawn from one residence alone (no outline): a small square around it
    xs += (
        [min(xs) - MIN_SPAN_DEG, max(xs) + MIN_SPAN_DEG] if max(xs) - min(xs) < MIN_SPAN_DEG else []
    )
    ys += (
        [min(ys) - MIN_SPAN_DEG, max(ys) + MIN_SPAN_DEG] if max(ys) - min(ys) < MIN_SPAN_DEG else []
    )
    shrink = math.cos(math.radians(sum(ys) / len(ys)))
    span_x = max((max(xs) - min(xs)) * shrink, 1e-6)
    span_y = max(max(ys) - min(ys), 1e-6)
    ratio = min(width / span_x, (height - legend_h) / span_y)
    x0 = (width - span_x * ratio) / 2
    y0 = legend_h + (height - legend_h - span_y * ratio) / 2

    def project(lon: float, lat: float) -> tuple[float, float]:
        return x0 + (lon - min(xs)) * shrink * ratio, y0 + (lat - min(ys)) * ratio

    outlines = []  # QPV outlines go on top of the residences, so that they stay visible
    for ring, kind in shapes:
        pts = [c for lon, lat, *_ in ring for c in project(lon, lat)]
        if kind == "commune":
            drawing.add(
                Polygon(
                    pts,
                    fillColor=colors.HexColor("#F4F6F8"),
                    strokeColor=colors.HexColor("#8A96A3"),
                    strokeWidth=0.5,
                )
            )
        else:
            outlines.append(
                PolyLine(pts + pts[:2], strokeColor=TARGET, strokeWidth=1.2, strokeDashArray=(2, 1))
            )
    drawn = places.sort_values("masque", ascending=False) if "masque" in places else places
    for row in drawn.to_dict("records"):
        if pd.isna(row.get("lon")) or pd.isna(row.get("lat")):
            continue
        x, y = project(float(row["lon"]), float(row["lat"]))
        colour = fragility_colour(row.get("valeur"), bool(row.get("masque")))
        drawing.add(Circle(x, y, 2.6, fillColor=colour, strokeColor=INK, strokeWidth=0.25))
    for outline in outlines:
        drawing.add(outline)
    _legend(drawing, width, mask_label)
    return drawing


def _legend(drawing: Drawing, width: float, mask_label: str) -> None:
    entries = [(colour, label) for _, colour, label in FRAGILITY_CLASSES]
    entries.append((MASKED_COLOUR, mask_label))
    drawing.add(
        String(
            0,
            34,
            "Ménages en fragilité par résidence :",
            fontName=BOLD,
            fontSize=7.5,
            fillColor=INK,
        )
    )
    x = 0.0
    for colour, label in entries:
        drawing.add(Circle(x + 4, 22, 3.2, fillColor=colour, strokeColor=INK, strokeWidth=0.25))
        drawing.add(String(x + 11, 19.5, _text(label), fontName=FONT, fontSize=7, fillColor=INK))
        x += 14 + 4.2 * len(label)
    drawing.add(
        Rect(
            0,
            4,
            14,
            7,
            fillColor=colors.HexColor("#F4F6F8"),
            strokeColor=colors.HexColor("#8A96A3"),
            strokeWidth=0.5,
        )
    )
    drawing.add(String(18, 5, "commune", fontName=FONT, fontSize=7, fillColor=INK))
    drawing.add(Line(74, 7.5, 90, 7.5, strokeColor=TARGET, strokeWidth=1.2, strokeDashArray=(2, 1)))
    drawing.add(
        String(
            94,
            5,
            "quartier prioritaire de la politique de la ville (QPV)",
            fontName=FONT,
            fontSize=7,
            fillColor=INK,
        )
    )
