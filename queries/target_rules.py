"""How a target is rated: its status, the cases missing, the share needed by the year's end.

Plain functions of numbers, shared by the targets (queries.targets) and their figure without
mutations (queries.mutations).
"""

from __future__ import annotations

import math

import pandas as pd

_EPS = 1e-9  # guards ceil() against binary rounding (0.3 x 10 = 3.0000000000000004)


def status(value, target: float, direction: str, tolerance: float) -> str:
    if value is None or pd.isna(value):
        return "non_mesurable"
    gap = value - target if direction == ">=" else target - value
    if gap >= -_EPS:
        return "atteint"
    return "a_surveiller" if -gap <= tolerance + _EPS else "non_atteint"


def missing_cases(num, den, target: float, direction: str):
    """Additional numerator cases needed to reach the target at the current denominator
    (for "<=": numerator cases too many)."""
    if num is None or den is None or pd.isna(num) or pd.isna(den) or den == 0:
        return None
    raw = target * den - num if direction == ">=" else num - target * den
    return max(0, math.ceil(raw - _EPS))


def needed_share(num, den, remaining, target: float):
    """Share of the remaining allocations of the year that must meet the criterion to end the year
    exactly on target: (target x (den + R) - num) / R; None when nothing remains to allocate."""
    if num is None or den is None or pd.isna(num) or pd.isna(den) or not remaining:
        return None
    return max(0.0, (target * (den + remaining) - num) / remaining)
