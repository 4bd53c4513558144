"""The map's colour classes and legends, as plain functions (no Streamlit), tested on their own.

`classify` cuts the visible values of one indicator into discrete classes (quantiles, or fixed
thresholds) with one palette colour each; `legend` lists them, with the neutral colours of masked
(secret) and unmeasurable places; `legend_html` draws a legend as a small HTML block for the page.
The colours of the territory's marks (communes, EPCI, QPV) are here too, for the layers and the
legend that names them.
"""

from __future__ import annotations

import html
import math
import numbers
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from semantic.catalogue import load_catalogue
from ui.shared.formats import MASK_LABEL, value

RGB = tuple[int, int, int]
# ColorBrewer YlOrRd (residences, points) and Blues (communes, areas) without their palest step,
# which white (nothing to measure) would be mistaken for; the two hues never blend into each other.
RESIDENCE_PALETTE = ((254, 217, 118), (254, 178, 76), (253, 141, 60), (240, 59, 32), (189, 0, 38))
COMMUNE_PALETTE = ((198, 219, 239), (158, 202, 225), (107, 174, 214), (49, 130, 189), (8, 81, 156))
MASKED_COLOUR: RGB = (150, 150, 150)  # secret: the same grey whatever the hidden value
MISSING_COLOUR: RGB = (255, 255, 255)  # nothing to measure (no household, no allocation)
# Too few cases for a class (parametres.yaml, carte.effectif_minimum_classe): a paler grey than
# the secret's, so a manager tells "hidden" from "1 allocation" at a glance.
FEW_COLOUR: RGB = (214, 214, 214)
# The territory's marks, drawn by ui.screens.carte.map_layers and named in the « Repères » legend
# (ui.screens.carte.map_notes).
# Communes without a choropleth: a light fill, so the territory stands out with no basemap.
COMMUNE_FILL: RGB = (236, 236, 226)
EPCI_LINE: RGB = (35, 35, 35)
QPV_FILL: RGB = (152, 78, 163)
QPV_LINE: RGB = (110, 40, 125)


# What `effectif` counts, by the base a value rests on (queries.map_data.Colouring.counted): the
# word of the unit of the same name (unites.yaml, `mot`), and for the two bases that are not units
# their own word.
def counted_words() -> dict[str, str]:
    words = {code: unit.mot for code, unit in load_catalogue().units.items()}
    words["attributions_territoire"] = words["attributions"]  # every landlord's allocations
    words["examens_logements"] = "examens"  # dwellings examined in commission
    return words


COUNTED_WORDS = counted_words()


@dataclass(frozen=True)
class Scale:
    """Discrete classes: class i holds thresholds[i-1] <= v < thresholds[i] (first and last open)."""

    thresholds: tuple[float, ...]
    colours: tuple[RGB, ...]  # one per class; empty when there is no value to class
    labels: tuple[str, ...]
    counts: tuple[int, ...]
    masked_colour: RGB = MASKED_COLOUR  # neutral colours of the places drawn without a class
    missing_colour: RGB = MISSING_COLOUR
    few_colour: RGB = FEW_COLOUR

    def index(self, v) -> int | None:
        if not self.colours or not finite(v):
            return None
        return bisect_right(self.thresholds, float(v))


@dataclass(frozen=True)
class LegendEntry:
    label: str
    colour: RGB
    shape: str = "disque"  # disque | carre | anneau | trait
    count: int | None = None
    border: RGB | None = None  # a square's border when it is not the default grey


def finite(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def classify(
    values: Iterable,
    unit: str,
    *,
    breaks: Sequence[float] | None = None,
    n_classes: int = 5,
    palette: Sequence[RGB] = RESIDENCE_PALETTE,
    neutral: tuple[RGB, ...] = (MASKED_COLOUR, MISSING_COLOUR, FEW_COLOUR),
) -> Scale:
    """Classes of the visible values (missing or masked ones are left out by the caller as NA).

    Without `breaks`: quantile classes whose lower bounds are actual values, so no class is ever
    empty, and all-equal values give one class. With `breaks` (fixed thresholds, ascending):
    len(breaks) + 1 classes, kept even when empty so a colour always means the same range.
    """
    vals = sorted(float(v) for v in values if finite(v))
    if breaks is not None:
        thresholds = tuple(sorted(float(b) for b in breaks))
        labels = [f"moins de {value(thresholds[0], unit)}"] if thresholds else ["toutes valeurs"]
        labels += [
            f"de {value(lo, unit)} à moins de {value(hi, unit)}"
            for lo, hi in zip(thresholds, thresholds[1:], strict=False)
        ]
        labels += [f"{value(thresholds[-1], unit)} ou plus"] if thresholds else []
    elif not vals:
        return Scale((), (), (), (), *neutral)
    else:
        k = min(n_classes, len(palette), len(set(vals)))
        distinct, starts = sorted(set(vals)), []
        for i in range(1, k):  # class i starts at the value at quantile i/k, or the next one up
            start, floor = vals[(i * len(vals)) // k], starts[-1] if starts else vals[0]
            if start <= floor:
                higher = [d for d in distinct if d > floor]
                if not higher:  # the top value already fills the upper quantiles: fewer classes
                    break
                start = higher[0]
            starts.append(start)
        thresholds = tuple(starts)
        bounds = [vals[0], *thresholds]
        if not thresholds:
            labels = [f"{value(vals[0], unit)} (valeur unique)"]
        else:
            labels = [
                f"de {value(lo, unit)} à moins de {value(hi, unit)}"
                for lo, hi in zip(bounds, thresholds, strict=False)
            ]
            last = max(vals)
            labels.append(
                value(last, unit)
                if thresholds[-1] == last
                else f"de {value(thresholds[-1], unit)} à {value(last, unit)}"
            )
    n = len(thresholds) + 1
    if n > len(palette):
        raise ValueError(f"{n} classes pour une palette de {len(palette)} couleurs")
    colours = tuple(palette[_spread(i, n, len(palette))] for i in range(n))
    counted = Counter(bisect_right(thresholds, v) for v in vals)
    counts = tuple(counted.get(i, 0) for i in range(n))
    return Scale(thresholds, colours, tuple(labels), counts, *neutral)


def _spread(i: int, n: int, size: int) -> int:
    """Palette index of class i of n: the ends of the palette, evenly spaced between."""
    return size // 2 if n == 1 else round(i * (size - 1) / (n - 1))


def few_label(counted: str | None, minimum: int) -> str:
    """« trop peu d'attributions (< 5) »: the legend entry of the places left out of the classes."""
    word = COUNTED_WORDS.get(counted or "", "cas")
    article = "d'" if word[0] in "aeiouéè" else "de "
    return f"trop peu {article}{word} (< {minimum})"


def legend(
    scale: Scale, masked: int, missing: int, shape: str, few: int = 0, few_text: str = ""
) -> tuple[LegendEntry, ...]:
    """Entries for the classes, then the neutral ones when some place needs them."""
    entries = [
        LegendEntry(label, colour, shape, count)
        for label, colour, count in zip(scale.labels, scale.colours, scale.counts, strict=True)
    ]
    if masked:
        entries.append(
            LegendEntry(f"secret statistique ({MASK_LABEL})", scale.masked_colour, shape, masked)
        )
    if few:
        entries.append(LegendEntry(few_text, scale.few_colour, shape, few))
    if missing:
        entries.append(LegendEntry("non mesurable", scale.missing_colour, shape, missing))
    return tuple(entries)


def legend_html(title: str, entries: Sequence[LegendEntry]) -> str:
    """The legend as a small HTML block (symbols drawn in CSS, labels escaped)."""
    rows = []
    for e in entries:
        rgb = f"rgb({e.colour[0]},{e.colour[1]},{e.colour[2]})"
        style = {
            "disque": f"background:{rgb};border:1px solid #3c3c3c;border-radius:50%",
            "carre": f"background:{rgb};border:1px solid #828282"
            if e.border is None
            else f"background:{rgb};border:2.5px solid rgb{e.border}",
            "anneau": f"border:2.5px solid {rgb};border-radius:50%",
            "trait": f"border-top:3px solid {rgb};height:0;margin-top:7px",
        }[e.shape]
        count = f" <span style='color:#666'>({e.count})</span>" if e.count is not None else ""
        rows.append(
            "<div style='display:flex;align-items:center;gap:8px;margin:2px 0'>"
            f"<span style='display:inline-block;width:14px;height:14px;{style}'></span>"
            f"<span>{html.escape(e.label)}{count}</span></div>"
        )
    return (
        f"<div style='font-size:14px;line-height:1.35'><strong>{html.escape(title)}</strong>"
        + "".join(rows)
        + "</div>"
    )
