"""The bilan's drawings, checked on hand-made frames: fragility classes and the secrecy grey on
the map, a series line broken where a point is masked, the target drawn as its own dashed line."""

from __future__ import annotations

import pandas as pd
import pytest
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Circle

from reports.bilan_graphics import (
    FRAGILITY_CLASSES,
    MASKED_COLOUR,
    fragility_colour,
    series_chart,
    territory_map,
)

LOW, MID, HIGH, TOP = (colour for _, colour, _ in FRAGILITY_CLASSES)


@pytest.mark.parametrize(
    ("value", "masked", "colour"),
    [
        (0.0, False, LOW),
        (0.2999, False, LOW),
        (0.30, False, MID),
        (0.45, False, HIGH),
        (0.50, False, TOP),
        (0.97, False, TOP),
        (0.97, True, MASKED_COLOUR),  # a masked share never shows its class
        (None, False, MASKED_COLOUR),
    ],
)
def test_fragility_colour_by_class(value, masked, colour):
    assert fragility_colour(value, masked) == colour


def _series(values, masked):
    dates = pd.date_range("2024-03-31", periods=len(values), freq="QE")
    return pd.DataFrame({"date": dates, "valeur": values, "masque": masked})


def test_a_masked_point_breaks_the_line_and_the_target_is_a_line_of_its_own():
    df = _series([0.2, 0.3, None, 0.4, 0.5], [False, False, True, False, False])
    (plot,) = [
        c for c in series_chart(df, "T1", "ratio", target=0.25).contents if isinstance(c, LinePlot)
    ]
    assert plot.data == [
        [(df["date"][0].toordinal(), 20.0), (df["date"][1].toordinal(), 30.0)],
        [(df["date"][3].toordinal(), 40.0), (df["date"][4].toordinal(), 50.0)],
        [(df["date"][0].toordinal(), 25.0), (df["date"][4].toordinal(), 25.0)],
    ]


def test_a_series_with_nothing_publishable_says_so():
    df = _series([None, None], [True, True])
    texts = [getattr(c, "text", "") for c in series_chart(df, "T1", "ratio").contents]
    assert "Aucune valeur publiable." in texts


def test_map_draws_one_dot_per_placed_residence_in_its_class_colour():
    places = pd.DataFrame(
        {
            "lon": [5.50, 5.60, None],
            "lat": [45.30, 45.40, 45.35],
            "valeur": [0.55, None, 0.1],
            "masque": [False, True, False],
        }
    )
    dots = [
        c
        for c in territory_map(pd.DataFrame(), pd.DataFrame(), places).contents
        if isinstance(c, Circle)
    ]
    legend = len(FRAGILITY_CLASSES) + 1
    colours = [d.fillColor for d in dots[:-legend]]
    assert sorted(map(str, colours)) == sorted(map(str, [TOP, MASKED_COLOUR]))  # no place, no dot
