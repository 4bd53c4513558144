"""Demand trend (active demands, attributions per EPCI and typology): the model, the naive values
and the back-test on tables small enough to check by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from queries.forecast import demand as dem
from queries.forecast.backtest import demand_backtest
from queries.forecast.projection import choose

CELL = ("200000001", 3)  # (epci, nb_pieces)


def table(values: list[float], start=dt.date(2023, 9, 30)) -> pd.DataFrame:
    days = pd.date_range(start, periods=len(values), freq="QE")
    columns = pd.MultiIndex.from_tuples([CELL], names=list(dem.KEYS))
    out = pd.DataFrame({CELL: values}, index=days)
    out.columns = columns
    out.attrs["epci_libelle"] = {CELL[0]: "EPCI test"}
    return out


def test_level_and_naive_values_by_hand():
    t = table([1, 2, 3, 6])
    assert dem.level(t, 2)[CELL].tolist() == [3, 3]  # (1 + 2 + 3 + 6) / 4
    assert dem.naive(t, 2, seasonal=False)[CELL].tolist() == [6, 6]  # the last quarter
    assert dem.naive(t, 2, seasonal=True)[CELL].tolist() == [1, 2]  # same quarters a year before


def test_backtest_on_a_straight_line_by_hand():
    # 0, 1, …, 12: fit on 0..8, compare with 9..12.
    # model: mean of 5, 6, 7, 8 = 6.5 -> errors 2.5, 3.5, 4.5, 5.5 -> MAE 4
    # last quarter: 8 -> errors 1, 2, 3, 4 -> MAE 2.5
    # same quarter a year earlier: 5, 6, 7, 8 -> errors 4 each -> MAE 4
    results = demand_backtest(table(list(range(13))), "nb_demandes")
    assert [r.mae for r in results] == pytest.approx([4.0, 2.5, 4.0])
    assert [r.n for r in results] == [4, 4, 4]
    shown, label = choose(results)
    assert not shown and label.startswith("naïf : dernier trimestre")


def test_backtest_on_noise_around_a_level_prefers_the_mean():
    # 10, 12, 8, 10, 14, 6, 10, 12, 8 | 11, 9, 10, 10
    # model: mean of 6, 10, 12, 8 = 9 -> errors 2, 0, 1, 1 -> MAE 1
    # last quarter: 8 -> errors 3, 1, 2, 2 -> MAE 2
    # a year earlier: 6, 10, 12, 8 -> errors 5, 1, 2, 2 -> MAE 2.5
    values = [10, 12, 8, 10, 14, 6, 10, 12, 8, 11, 9, 10, 10]
    results = demand_backtest(table(values), "nb_attributions")
    assert [r.mae for r in results] == pytest.approx([1.0, 2.0, 2.5])
    shown, label = choose(results)
    assert shown and label.startswith("moyenne des 4 derniers trimestres (MAE 1,00 contre 2,00")
    # a period of two quarters: a year earlier repeats it exactly and the mean does not beat it
    results = demand_backtest(table([10, 14] * 6 + [10]), "nb_attributions")
    assert [r.mae for r in results] == pytest.approx([2.0, 2.0, 0.0])
    assert not choose(results)[0]


def test_too_short_a_history_has_no_backtest():
    assert demand_backtest(table(list(range(12))), "nb_demandes") == []


def test_outlook_rows_by_hand():
    out = dem.outlook(table([1, 2, 3, 6]), 2, use_model=True, seasonal=False)
    assert out["trimestre"].tolist() == [dt.date(2024, 9, 30), dt.date(2024, 12, 31)]
    assert out["attendu"].tolist() == [3.0, 3.0]
    assert out["dernier"].tolist() == [6.0, 6.0]
    assert set(out["epci_libelle"]) == {"EPCI test"}
