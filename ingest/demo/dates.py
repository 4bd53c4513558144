"""Dates of the demo: quarterly snapshot dates, periods, and days as integers for numpy."""

from __future__ import annotations

import calendar
from datetime import date

import numpy as np

EPOCH = date(1970, 1, 1)
MONTHS_BETWEEN_SNAPSHOTS = 3


def to_days(d: date) -> int:
    """Days since 1970-01-01 (the integer behind Arrow's date32)."""
    return (d - EPOCH).days


def from_days(days: int) -> date:
    return date.fromordinal(EPOCH.toordinal() + int(days))


def shift_months(d: date, months: int) -> date:
    """Same day ``months`` later (earlier if negative); a month end stays a month end."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    is_month_end = d.day == calendar.monthrange(d.year, d.month)[1]
    return date(year, month + 1, last if is_month_end else min(d.day, last))


def one_year_before(d: date) -> date:
    """Start (excluded) of the 12-month period ending on ``d``."""
    return shift_months(d, -12)


def snapshot_dates(end: date, count: int) -> list[date]:
    """``count`` quarterly snapshot dates ending on ``end``, oldest first."""
    return [shift_months(end, -MONTHS_BETWEEN_SNAPSHOTS * k) for k in range(count - 1, -1, -1)]


def years_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
