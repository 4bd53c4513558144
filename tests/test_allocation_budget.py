"""The budget of a candidate household (queries/allocation_budget.py), by hand, with the
simplified housing-benefit scale of parametres.yaml: rent ceilings 277 / 339 / 382 € (+56 per
further person), flat charges 58 € (+13 per further person), minimum contribution max(39 €,
8.5 % of rent + charges), 30 % of annual resources above 4 900 / 7 000 / 8 400 € (+1 400)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from queries.allocation_budget import budget, housing_benefit
from semantic.catalogue import load_catalogue

AID = load_catalogue().parameters.aide_attribution


def test_single_person_and_family_by_hand():
    # H1: one person, 1 000 €/month, rent 320 € for 45 m². Rent taken min(320, 277) = 277,
    # charges 58, contribution 39 + 0.30 x (12 000 − 4 900) / 12 = 216.5 -> benefit 118.5;
    # charges 2 x 45 = 90 -> spent 320 + 90 − 118.5 = 291.5 -> 29.15 %, 708.5 € left per UC.
    # H2: couple + 2 children under 14, 1 500 €/month, rent 480 € for 75 m². Rent taken 438,
    # charges 58 + 3 x 13 = 97, contribution max(39, 0.085 x 535) + 0.30 x (18 000 − 9 800) / 12
    # = 45.475 + 205 = 250.475 -> benefit 284.525; spent 480 + 150 − 284.525 = 345.475;
    # 2.1 UC -> (1 500 − 345.475) / 2.1 left per UC.
    for rent, surface, persons, under_14, income, benefit, burden, left in (
        (320, 45, 1, 0, 1000.0, 118.5, 291.5 / 1000, 708.5),
        (480, 75, 4, 2, 1500.0, 284.525, 345.475 / 1500, (1500 - 345.475) / 2.1),
    ):
        row = budget(
            rent, surface, pd.Series([persons]), pd.Series([under_14]), pd.Series([income]), AID
        ).iloc[0]
        assert row["charges_estimees"] == 2.0 * surface
        assert row["aide_logement_estimee"] == pytest.approx(benefit)
        assert row["taux_effort"] == pytest.approx(burden)
        assert row["reste_a_vivre_uc"] == pytest.approx(left)


def test_benefit_vanishes_with_income_and_never_goes_negative():
    # one person at 2 500 €/month: 39 + 0.30 x (30 000 − 4 900) / 12 = 666.5 > 277 + 58
    assert housing_benefit([400.0], [1], [2500.0], AID.aide_logement)[0] == 0.0
    # no income: the contribution is the minimum, 39 -> 277 + 58 − 39 = 296
    assert housing_benefit([400.0], [1], [0.0], AID.aide_logement)[0] == 296.0


def test_unknown_income_leaves_every_figure_unknown():
    row = budget(
        400, 50, pd.Series([2]), pd.Series([0]), pd.Series([None], dtype="Float64"), AID
    ).iloc[0]
    assert row["charges_estimees"] == 100  # a fact of the dwelling
    for column in ("aide_logement_estimee", "depense_logement", "taux_effort", "reste_a_vivre_uc"):
        assert math.isnan(row[column]), column
