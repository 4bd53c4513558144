"""The indicators added for the CIA annual bilan (issue 15), hand-computed on the tiny data root
(tests/tiny_data.py) at S3 = 2025-12-31, and on copies of it with one household's income changed.

PLUS 2025 ceilings, zone autres: one person 23 201, a household of category 3 37 259.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from cli.main import main
from queries.engine import open_engine
from queries.evaluate import evaluate
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.tiny_data import E1, E2, S1, S3, write_tiny_root

ALL = Scope.internal("manager")
NEW = (
    "nb_attributions_anru",
    "part_attributions_anru",
    "part_menages_sls",
    "part_menages_plus_150pc",
)


def _figures(df, key: str) -> dict:
    return {r[key]: (r["valeur"], r["numerateur"], r["effectif"]) for r in df.to_dict("records")}


def test_anru_rehousing_by_epci(tiny_engine):
    # E1: A1, A5, A6, A7, none rehoused by urban renewal; E2: A2, and A3 rehoused
    count = evaluate(tiny_engine, "nb_attributions_anru", ALL, by=["epci"])
    assert dict(zip(count["epci"], count["valeur"], strict=True)) == {E1: 0, E2: 1}
    share = evaluate(tiny_engine, "part_attributions_anru", ALL, by=["epci"])
    assert _figures(share, "epci") == {E1: (0.0, 0, 4), E2: (0.5, 1, 2)}
    # A3 is outside QPV: the ANRU share counts in T1 as well, but stands on its own here
    outside = evaluate(tiny_engine, "part_attributions_anru", ALL, where={"en_qpv": [False]})
    assert (outside["numerateur"].iloc[0], outside["denominateur"].iloc[0]) == (1, 4)


def _with_income(tmp_path, incomes: dict[str, float]):
    """The tiny root with the RFR of some households of S3 replaced."""
    root = write_tiny_root(tmp_path)
    path = root / "snapshots" / f"date={S3.isoformat()}" / "menages.parquet"
    table = pq.read_table(path)
    ids = table.column("id_menage").to_pylist()
    rfr = table.column("revenu_fiscal_reference").to_pylist()
    for menage, income in incomes.items():
        rfr[ids.index(menage)] = income
    index = table.schema.get_field_index("revenu_fiscal_reference")
    column = pc.cast(rfr, table.schema.field(index).type)
    pq.write_table(table.set_column(index, "revenu_fiscal_reference", column), path)
    return open_engine(root)


@pytest.mark.parametrize(
    ("incomes", "sls", "above_150"),
    [
        ({}, 1, 0),  # M08 30 000 = 1.293 x 23 201
        ({"M05": 27842.0}, 2, 0),  # 1.2000 x 23 201 = 27 841.2: M05 now above 1.2 too
        ({"M05": 27841.0}, 1, 0),  # 27 841 is not above 1.2
        ({"M08": 34802.0}, 1, 1),  # 1.5 x 23 201 = 34 801.5: M08 above 1.5 as well
        ({"M08": 34801.0}, 1, 0),
        ({"M06": 56000.0}, 2, 1),  # couple with a child, category 3: 56 000 / 37 259 = 1.503
    ],
)
def test_sls_and_150_percent_thresholds(tmp_path, incomes, sls, above_150):
    engine = _with_income(tmp_path, incomes)
    for indicator, expected in (("part_menages_sls", sls), ("part_menages_plus_150pc", above_150)):
        row = evaluate(engine, indicator, ALL).iloc[0]
        # 7 households with a known RFR (M04's is unknown)
        assert (row["numerateur"], row["denominateur"]) == (expected, 7), indicator
        assert row["valeur"] == pytest.approx(expected / 7)
    engine.close()


def test_new_indicators_are_documented_and_listed(capsys):
    catalogue = load_catalogue()
    for indicator in NEW:
        ind = catalogue.indicator(indicator)
        assert ind.label and len(ind.description) > 40 and ind.source and ind.formula
    assert main(["catalogue", "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    for indicator in NEW:
        assert f"| `{indicator}` |" in out


def test_pressure_by_typology(tiny_engine):
    # wished rooms: DM1 2, DM2 3, DM3 2, DM4 4; allocated dwellings: A3 L11, A6 L07, A7 L01 with
    # 2 rooms, A1 L05 and A5 L08 with 3, A2 L10 with 4
    df = evaluate(tiny_engine, "pression_demande_typologie", ALL, by=["nb_pieces"])
    by_rooms = {r["nb_pieces"]: (r["numerateur"], r["denominateur"]) for r in df.to_dict("records")}
    assert by_rooms == {2: (2, 3), 3: (1, 2), 4: (1, 1)}


def test_satisfaction_rates_by_epci(tiny_engine):
    # E1: first quartile A5, A7 / DM1 (8 400 per UC), DM2 (8 000); DALO A7 / no demand; mutations
    # A1, A6 / DM2. E2 has no threshold for 2025 and: DALO A2 / DM4, no mutation
    expected = {
        "taux_satisfaction_q1": {E1: (1.0, 2, 2), E2: (None, 0, 0)},
        "taux_satisfaction_dalo": {E1: (None, 1, 0), E2: (1.0, 1, 1)},
        "taux_satisfaction_mutations": {E1: (2.0, 2, 1), E2: (None, 0, 0)},
    }
    for indicator, by_epci in expected.items():
        df = evaluate(tiny_engine, indicator, ALL, by=["epci"])
        found = {
            r["epci"]: (
                None if pd.isna(r["valeur"]) else r["valeur"],
                r["numerateur"],
                r["denominateur"],
            )
            for r in df.to_dict("records")
        }
        assert found == by_epci, indicator


def test_new_entrants_against_households_in_place(tiny_engine):
    # entered after 2024-12-31: M04 (RFR unknown), M07, M08; in place before: M01 M02 M03 M05 M06.
    # PLAI 2025: M07 (category 3, 12 000 <= 22 356) yes, M08 (30 000 > 12 760) no; in place M01,
    # M02, M06 under PLAI, M03 and M05 above.
    count = evaluate(tiny_engine, "nb_menages", ALL, by=["emmenage_periode"])
    assert dict(zip(count["emmenage_periode"], count["valeur"], strict=True)) == {True: 3, False: 5}
    plai = evaluate(tiny_engine, "part_menages_plai", ALL, by=["emmenage_periode"])
    found = {
        r["emmenage_periode"]: (r["numerateur"], r["denominateur"]) for r in plai.to_dict("records")
    }
    assert found == {True: (1, 2), False: (3, 5)}
    # on 2024-12-31 the five households then in place all entered before 2024-01-01 (M02 in 2023)
    earlier = evaluate(tiny_engine, "nb_menages", ALL, snapshot=S1, by=["emmenage_periode"])
    assert dict(zip(earlier["emmenage_periode"], earlier["valeur"], strict=True)) == {False: 5}
