"""No calendar year to date for a rate over a stock; counts and rates of events stay offered.

Nine months of departures over a whole stock read as a low rotation (issue 15: 5.9-6.8 % instead of
7.2-9.0 %), and a stock of demands over nine months of allocations as a high pressure. Hand-computed
on the tiny data (tests/tiny_data.py) at 2025-12-31: departures X01 and X02 on 2025-09-30 are in
the calendar year, X03 on 2024-12-31 is not; 10 dwellings are let or vacant.
"""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from cli.main import main
from queries.engine import open_engine
from queries.evaluate import evaluate
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.errors import UnsupportedPeriodError
from semantic.scope import Scope
from tests.tiny_data import E1, write_tiny_root
from ui.shared.filters import Selection
from ui.shared.kpi_table import unsupported

ALL = Scope.internal()
RATES_OVER_A_STOCK = {
    "taux_rotation",
    "taux_mobilite",
    "pression_demande",
    "pression_demande_typologie",
    "taux_satisfaction_q1",
    "taux_satisfaction_dalo",
    "taux_satisfaction_mutations",
}


def test_the_rates_over_a_stock_are_the_ones_without_year_to_date():
    catalogue = load_catalogue()
    without = {i for i in catalogue.indicators if not catalogue.offers_ytd(i)}
    assert without == RATES_OVER_A_STOCK
    # events over events (T1, T2, T3), counts of events and stock indicators keep it
    for kept in ("part_attributions_q1_hors_qpv", "nb_departs", "nb_attributions", "taux_vacance"):
        assert catalogue.offers_ytd(kept)


@pytest.mark.parametrize("indicator", sorted(RATES_OVER_A_STOCK))
def test_asking_year_to_date_for_a_rate_over_a_stock_is_a_clear_error(tiny_engine, indicator):
    with pytest.raises(UnsupportedPeriodError) as err:
        evaluate(tiny_engine, indicator, ALL, by=["epci"], period="ytd")
    assert f"« {indicator} »" in str(err.value) and "Périodes valides : rolling12." in str(
        err.value
    )


def test_counts_stay_raw_and_the_rate_stays_on_12_months(tiny_engine):
    departs = evaluate(tiny_engine, "nb_departs", ALL, period="ytd").iloc[0]
    assert departs["valeur"] == 2  # X01, X02: not scaled to a year
    rotation = evaluate(tiny_engine, "taux_rotation", ALL, period="rolling12").iloc[0]
    assert (rotation["numerateur"], rotation["denominateur"]) == (2, 10)


def test_cli_refuses_year_to_date_rotation(capsys, tiny_root):
    argv = ["evaluate", "taux_rotation", "--period", "ytd", "--data-dir", str(tiny_root)]
    assert main(argv) == 2
    assert "ne se calcule pas sur la période « ytd »" in capsys.readouterr().err


def test_a_local_target_on_a_rate_over_a_stock_is_rated_on_12_months_only(tmp_path):
    root = write_tiny_root(tmp_path)
    (root / "objectifs.yaml").write_text(
        textwrap.dedent(
            f"""
            objectifs:
              - id: psa-rotation
                indicateur: taux_rotation
                territoire: {{echelle: epci, code: "{E1}"}}
                annee: 2025
                sens: "<="
                cible: 0.15
                source: PSA test
            """
        ),
        encoding="utf-8",
    )
    df = evaluate_targets(open_engine(root), ALL)
    assert df.loc[df["objectif_id"] == "psa-rotation", "periode"].tolist() == ["glissant_12_mois"]


def test_the_dashboard_says_why_a_rate_over_a_stock_has_no_year_to_date():
    catalogue = load_catalogue()
    ytd = Selection(snapshot=dt.date(2025, 12, 31), period="ytd")
    assert "12 mois glissants" in unsupported(catalogue, "taux_rotation", ytd)
    assert unsupported(catalogue, "nb_departs", ytd) is None
    rolling = Selection(snapshot=dt.date(2025, 12, 31), period="rolling12")
    assert unsupported(catalogue, "taux_rotation", rolling) is None
