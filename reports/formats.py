"""Numbers the French way: `25,3 %`, `12 345`, `9 243 €`; masked cells as the secrecy label.

Shared by the screens (`ui/shared/formats.py` re-exports it) and the PDF reports, which the command line
also builds. How each unit reads (decimals, suffix, percentage) is data:
semantic/definitions/unites.yaml."""

from __future__ import annotations

import math
import unicodedata

import pandas as pd

from semantic.catalogue import load_catalogue
from semantic.models import UnitDef

NBSP = "\u202f"  # narrow no-break space, the French thousands separator
MASK_LABEL = "< 11"  # shown instead of any value computed on too few households or allocations
# In sentences and tooltips, where "< 11" next to a rate reads as "less than 11 %": say what it is.
MASK_TEXT = "secret statistique (moins de 11 ménages ou attributions)"
SENS = {">=": "≥", "<=": "≤"}  # the direction of a target


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def number(value, decimals: int = 0) -> str:
    if _missing(value):
        return "—"
    text = f"{float(value):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    return text


def percent(value, decimals: int = 1) -> str:
    if _missing(value):
        return "—"
    return f"{number(float(value) * 100, decimals)}{NBSP}%"


def points(value, decimals: int = 1) -> str:
    """A difference of two rates, in percentage points, signed."""
    if _missing(value):
        return "—"
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number(abs(float(value)) * 100, decimals)}{NBSP}pt"


def value(value, unit: str, masked: bool = False) -> str:
    """An indicator value in its unit; the secrecy label when masked."""
    if masked:
        return MASK_LABEL
    spec = _unit(unit)
    if spec.pourcentage:
        return percent(value, spec.decimales)
    return "—" if _missing(value) else number(value, spec.decimales) + spec.suffixe


# A unit the definitions do not know (a column computed outside the catalogue) reads as a number
# with one decimal, as before units were data.
_PLAIN = UnitDef(label="valeur", decimales=1, format_excel="0.0", mot="valeur")


def _unit(unit: str) -> UnitDef:
    return load_catalogue().units.get(unit, _PLAIN)


def value_text(value_, unit: str, masked: bool = False) -> str:
    """`value` for a sentence or a tooltip: a masked value is named, never shown as « < 11 »."""
    return MASK_TEXT if masked else value(value_, unit)


def change(delta, unit: str) -> str:
    """A change between two snapshots in the indicator's unit (points for rates)."""
    if _missing(delta):
        return "—"
    if unit == "ratio":
        return points(delta)
    sign = "+" if delta > 0 else ("−" if delta < 0 else "±")
    return sign + value(abs(delta), unit)


def shown_gap(delta, unit: str) -> str:
    """A difference as shown, rounded first so that −0,04 pt reads « ±0,0 pt », not « −0,0 pt »
    (to the unit's `change_decimals`, semantic/definitions/unites.yaml)."""
    if delta is None or pd.isna(delta):
        return change(delta, unit)
    return change(round(float(delta), _unit(unit).change_decimals) + 0.0, unit)


def target_text(sens: str, cible: float, unit: str) -> str:
    """« ≥ 25 % », « ≤ 3,5 % »: a target without needless decimals."""
    if unit == "ratio":
        pct = round(float(cible) * 100, 1)
        return f"{SENS[sens]} {number(pct, 0 if pct.is_integer() else 1)}\u202f%"
    return f"{SENS[sens]} {value(cible, unit)}"


def french_key(text) -> tuple[str, str]:
    """A sort key in French order: letters without their accents first (é with e, œ as oe),
    case ignored; the exact text breaks ties so the order stays stable."""
    raw = "" if text is None or (not isinstance(text, str) and pd.isna(text)) else str(text)
    folded = raw.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    decomposed = unicodedata.normalize("NFKD", folded)
    base = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return base, raw


def french_sorted(values: pd.Series) -> pd.Series:
    """`values` mapped to sortable keys (for `sort_values(key=…)`)."""
    return values.map(lambda v: "\x00".join(french_key(v)))
