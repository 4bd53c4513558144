"""Projections: the arithmetic of each method on numbers small enough to check by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from queries.forecast import departures as dep
from queries.forecast.backtest import Result, departures_backtest, verdicts
from queries.forecast.history import is_quarter_end, next_quarter_ends
from queries.forecast.projection import choose
from queries.forecast.trajectory import share_after, trajectory
from queries.forecast.year_end import project_year_end, quarters_left
from queries.sql.builder import QUARTER_TO_DATE, period_bounds

# --- trajectory of a tiny residence ------------------------------------------------------------


def test_trajectory_of_a_tiny_residence_by_hand():
    # 20 households, 4 under 40 % of PLUS (20 %), 2 departures a year, entrants 50 % under 40 %.
    # Leavers are a cross-section: year 1 loses 2 x 4/20 = 0.4 and gains 2 x 0.5 = 1.
    # y1: 4 − 0.4 + 1 = 4.6; y2: 4.6 − 2 x 0.23 + 1 = 5.14; y3: 5.14 − 0.514 + 1 = 5.626;
    # y4: 5.626 − 0.5626 + 1 = 6.0634; y5: 6.0634 − 0.60634 + 1 = 6.45706.
    steps = trajectory(20, 4, 2, 0.5, years=5)
    assert [s.annee for s in steps] == [0, 1, 2, 3, 4, 5]
    assert [s.concernes for s in steps] == pytest.approx([4, 4.6, 5.14, 5.626, 6.0634, 6.45706])
    assert [s.part for s in steps] == pytest.approx([0.2, 0.23, 0.257, 0.2813, 0.30317, 0.322853])
    assert all(s.menages == 20 for s in steps)


def test_two_scenarios_on_the_tiny_residence():
    # Entrants at the residence's own share (20 %) keep it at 4 households; entrants with none
    # under 40 % let it decay by 1 − 2/20 = 0.9 a year: 3.6, 3.24, 2.916.
    same = trajectory(20, 4, 2, 0.2, years=3)
    none = trajectory(20, 4, 2, 0.0, years=3)
    assert [s.concernes for s in same] == pytest.approx([4, 4, 4, 4])
    assert [s.concernes for s in none] == pytest.approx([4, 3.6, 3.24, 2.916])


def test_closed_form_matches_the_recurrence():
    # e + (s − e)(1 − D/N)^t = 0.5 + (0.2 − 0.5) x 0.9^5 = 0.5 − 0.3 x 0.59049 = 0.322853
    assert share_after(0.2, 2 / 20, 0.5, 5) == pytest.approx(0.322853)
    assert share_after(np.array([0.2, 0.6]), np.array([0.1, 2.0]), 0.5, 1) == pytest.approx(
        [0.23, 0.5]  # a turnover above 1 is capped: everyone is replaced
    )


def test_more_departures_than_households_replace_everyone_once():
    # 30 departures a year from 20 households: capped at 20, the stock becomes the entrants.
    assert trajectory(20, 4, 30, 0.5, years=1)[-1].concernes == pytest.approx(10)


@pytest.mark.parametrize("args", [(20, 4, 2, 1.2), (20, 25, 2, 0.5), (-1, 0, 2, 0.5)])
def test_trajectory_refuses_impossible_inputs(args):
    with pytest.raises(ValueError):
        trajectory(*args)


# --- expected departures ---------------------------------------------------------------------


def test_poisson_quantiles_by_hand():
    # Poisson(1): P(≤0) = 0.368, P(≤2) = 0.920, P(≤3) = 0.981 -> 5 %: 0, 95 %: 3.
    assert (dep.poisson_quantile(1, 0.05), dep.poisson_quantile(1, 0.95)) == (0, 3)
    # Poisson(5): P(≤1) = 0.040, P(≤2) = 0.125 -> 5 %: 2; P(≤8) = 0.932, P(≤9) = 0.968 -> 9.
    assert (dep.poisson_quantile(5, 0.05), dep.poisson_quantile(5, 0.95)) == (2, 9)
    assert dep.poisson_quantile(0, 0.95) == 0


def test_pooling_by_hand():
    # Group of two residences, 100 dwelling-quarters each: A had 0 departures, B 40.
    # r = 40/200 = 0.2; spread = 100 x 0.2² + 100 x 0.2² − (2 − 1) x 0.2 = 7.8;
    # 200 − (100² + 100²)/200 = 100 -> tau² = 0.078; k = 0.2/0.078 = 2.5641;
    # w = 100/102.5641 = 0.975; r̂_A = (0 + 2.5641 x 0.2)/102.5641 = 0.005,
    # r̂_B = (40 + 0.51282)/102.5641 = 0.395.
    units = pd.DataFrame(
        {"groupe": ["g", "g"], "departs": [0.0, 40.0], "exposition": [100.0, 100.0]}
    )
    out = dep.shrunk_rates(units)
    assert out["taux_groupe"].tolist() == pytest.approx([0.2, 0.2])
    assert out["k"].tolist() == pytest.approx([2.564103, 2.564103])
    assert out["poids"].tolist() == pytest.approx([0.975, 0.975])
    assert out["taux"].tolist() == pytest.approx([0.005, 0.395])
    own = dep.shrunk_rates(units, pooled=False)
    assert own["taux"].tolist() == pytest.approx([0.0, 0.4])


def test_no_spread_beyond_noise_pools_fully_and_a_small_residence_borrows_its_group_rate():
    # A: 2 departures over 10 dwelling-quarters, B: 18 over 90: both 0.2 -> spread 0 − 0.2 < 0,
    # k = K_MAX, every unit at the group's 0.2 per dwelling and quarter.
    units = pd.DataFrame({"groupe": ["g", "g"], "departs": [2.0, 18.0], "exposition": [10.0, 90.0]})
    out = dep.shrunk_rates(units)
    assert out["k"].tolist() == [dep.K_MAX, dep.K_MAX]
    assert out["taux"].tolist() == pytest.approx([0.2, 0.2])


def _history():
    # One residence, 13 quarters: 1 departure each quarter except 3 in the quarters ending in
    # September; 10 dwellings throughout.
    dates = pd.to_datetime([f"{y}-{md}" for y, md in _quarters(13)])
    counts = [3 if d.month == 9 else 1 for d in dates]
    return pd.DataFrame(
        {
            "date": dates,
            "epci": "E",
            "residence": "R",
            "numerateur": counts,
            "denominateur": 10,
            "masque": False,
        }
    )


def _quarters(n):
    out, day = [], dt.date(2023, 9, 30)
    for _ in range(n):
        out.append((day.year, day.strftime("%m-%d")))
        day = next_quarter_ends(day, 1)[0]
    return out


def test_naive_baselines_by_hand():
    h = _history()  # last quarter 2026-09-30 (3 departures); a year before: 1, 1, 1, 3
    last = dep.naive(h, "residence", 4, seasonal=False)
    seasonal = dep.naive(h, "residence", 4, seasonal=True)
    assert last["attendu"].tolist() == [3, 3, 3, 3]
    assert seasonal["attendu"].tolist() == [1, 1, 1, 3]


def test_departures_backtest_by_hand():
    # Train: the first 9 quarters (2023-09 … 2025-09): 3 Septembers x 3 + 6 x 1 = 15 departures
    # over 90 dwelling-quarters -> 1/6 per dwelling, 10/6 = 1.667 expected per quarter.
    # Test quarters 2025-12, 2026-03, 2026-06, 2026-09: 1, 1, 1, 3.
    # Model MAE = (3 x 0.667 + 1.333)/4 = 0.8333; last value (3): (2 + 2 + 2 + 0)/4 = 1.5;
    # same quarter a year before (1, 1, 1, 3): 0.
    results = {r.methode: r for r in departures_backtest(_history(), "residence", "epci")}
    assert results["taux mutualisé (EB)"].mae == pytest.approx(0.833333, abs=1e-6)
    assert results["naïf : dernier trimestre"].mae == pytest.approx(1.5)
    assert results["naïf : même trimestre N-1"].mae == 0
    assert results["taux mutualisé (EB)"].n == 4


def test_a_method_is_shown_only_when_it_beats_every_naive_baseline():
    model = Result("f", "modèle", 1.0, 10)
    beaten = [model, Result("f", "naïf : a", 1.2, 10), Result("f", "naïf : b", 1.1, 10)]
    tied = [model, Result("f", "naïf : a", 1.0, 10)]
    assert verdicts(beaten) == {"f": True}
    assert verdicts(tied) == {"f": False}
    assert choose(beaten)[0] is True
    shown, label = choose(tied)
    assert not shown and label.startswith("naïf : a")
    assert choose([])[1].startswith("naïf : dernier trimestre (historique trop court")


def test_a_back_test_with_no_measurable_error_says_so_instead_of_nan():
    """A partner whose past cells are all masked has no error to compare: never "MAE nan"."""
    nan = float("nan")
    hidden = [Result("f", "modèle", nan, 0), Result("f", "naïf : a", nan, 0)]
    shown, label = choose(hidden)
    assert not shown and "nan" not in label
    assert label == (
        "naïf : dernier trimestre (méthode non éprouvée : aucune valeur passée mesurable, "
        "ou toutes couvertes par le secret statistique)"
    )
    # a naive baseline without error beside one with: compared with the measured one only
    partly = [Result("f", "modèle", 1.0, 4), Result("f", "naïf : a", nan, 0)]
    partly.append(Result("f", "naïf : b", 2.0, 4))
    assert choose(partly) == (True, "modèle (MAE 1,00 contre 2,00 au naïf)")


# --- year-end targets --------------------------------------------------------------------------


def test_year_end_projection_by_hand():
    # 30 of 100 allocations qualify so far; 50 more expected at a 30 % rate; target 25 %.
    # (30 + 15)/150 = 0.30; ± 1.6449 x √(50 x 0.3 x 0.7) = ± 5.3299 -> 0.26447 … 0.33553;
    # needed: ⌈0.25 x 150 − 30⌉ = ⌈7.5⌉ = 8, all in the one quarter left.
    r = project_year_end(30, 100, 50, 0.3, 0.25, 1)
    assert (r.projection, r.bas, r.haut) == pytest.approx((0.30, 0.264467, 0.335533), abs=1e-6)
    assert (r.necessaires, r.par_trimestre) == (8, 8)
    # 10 of 60, 40 to come at 20 %: (10 + 8)/100 = 0.18; needed ⌈25 − 10⌉ = 15 -> 8 a quarter.
    r = project_year_end(10, 60, 40, 0.2, 0.25, 2)
    assert r.projection == pytest.approx(0.18)
    assert (r.necessaires, r.par_trimestre) == (15, 8)
    assert project_year_end(0, 0, 0, 0.3, 0.25, 0).projection is None


@pytest.mark.parametrize(
    "day, left",
    [("2026-09-30", 1), ("2026-03-31", 3), ("2026-12-31", 0), ("2026-08-15", 2)],
)
def test_quarters_left(day, left):
    assert quarters_left(dt.date.fromisoformat(day)) == left


@pytest.mark.parametrize(
    "day, start",
    [("2026-09-30", "2026-06-30"), ("2026-03-31", "2025-12-31"), ("2026-08-15", "2026-06-30")],
)
def test_quarter_to_date_period(day, start):
    snapshot = dt.date.fromisoformat(day)
    assert period_bounds(snapshot, QUARTER_TO_DATE) == (dt.date.fromisoformat(start), snapshot)


def test_quarter_ends():
    assert next_quarter_ends(dt.date(2026, 9, 30), 4) == [
        dt.date(2026, 12, 31),
        dt.date(2027, 3, 31),
        dt.date(2027, 6, 30),
        dt.date(2027, 9, 30),
    ]
    assert is_quarter_end(dt.date(2026, 6, 30)) and not is_quarter_end(dt.date(2026, 5, 31))


def test_no_history_gives_no_rates():
    empty = _history().iloc[0:0]
    assert dep.fit(empty, "residence", "epci").empty
