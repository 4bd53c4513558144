"""Edge cases of the derived values: threshold and ceiling fallbacks, exact thresholds."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from queries.engine import open_engine
from queries.evaluate import evaluate
from semantic.scope import Scope
from tests.tiny_data import E1, PLAFONDS, SEUILS_Q1, write_tiny_root

ALL = Scope.internal()


def _root_without(tmp_path, plafonds_year=None, seuil=None):
    plafonds = (
        PLAFONDS.filter(pc.not_equal(PLAFONDS["annee"], pa.scalar(plafonds_year)))
        if plafonds_year
        else None
    )
    seuils = SEUILS_Q1
    if seuil:
        year, epci = seuil
        keep = [
            not (a == year and e == epci)
            for a, e in zip(
                seuils["annee"].to_pylist(), seuils["code_epci"].to_pylist(), strict=True
            )
        ]
        seuils = seuils.filter(pa.array(keep))
    return open_engine(write_tiny_root(tmp_path, plafonds=plafonds, seuils=seuils))


def test_ceilings_fall_back_to_latest_earlier_year(tmp_path):
    # Without the 2025 ceilings, S3 uses 2024's: M08 (30000 €, one person) is now above the 2024
    # PLS ceiling (22642 x 1.3 = 29435) and M05 (25000) still PLS.
    engine = _root_without(tmp_path, plafonds_year=2025)
    df = evaluate(engine, "part_menages_au_dela", ALL)
    assert (df["numerateur"].iloc[0], df["denominateur"].iloc[0]) == (1, 7)


def test_ceilings_unknown_when_no_year_at_or_before(tmp_path):
    engine = _root_without(tmp_path, plafonds_year=2024)
    # S1 (2024-12-31) has no ceiling at or before 2024: its incomes cannot be classed
    df = evaluate(engine, "nb_menages", ALL, snapshot="2024-12-31", by=["categorie_ressources"])
    assert dict(zip(df["categorie_ressources"], df["valeur"], strict=True)) == {"inconnu": 5}


def test_first_quartile_threshold_falls_back_to_latest_earlier_year(tmp_path):
    # Without E1's 2025 threshold, 2025 allocations use 2024's (8800): A7 (9000 €/UC) leaves the
    # first quartile, so both QPV allocations of E1 are now outside it.
    engine = _root_without(tmp_path, seuil=(2025, E1))
    df = evaluate(engine, "part_attributions_non_q1_en_qpv", ALL)
    assert (df["numerateur"].iloc[0], df["denominateur"].iloc[0]) == (2, 2)
    df = evaluate(engine, "part_attributions_q1_hors_qpv", ALL, by=["epci"])
    assert df.set_index("epci").loc[E1, "numerateur"] == 1  # A5: 7200 <= 8800 still


def test_exact_threshold_counts_as_first_quartile(tiny_engine):
    # A7: 750 €/month x 12 / 1 UC = 9000 = E1's 2025 threshold -> first quartile (<=)
    df = evaluate(tiny_engine, "part_attributions_non_q1_en_qpv", ALL, where={"residence": ["R1"]})
    assert (df["numerateur"].iloc[0], df["denominateur"].iloc[0]) == (1, 2)


@pytest.mark.parametrize(
    ("snapshot", "expected"),
    [("2025-12-31", 1), ("2025-09-30", 0)],  # L04 vacant since 2025-09-30: 3 months exactly at S3
)
def test_long_vacancy_boundary(tiny_engine, snapshot, expected):
    df = evaluate(tiny_engine, "taux_vacance_3_mois", ALL, snapshot=snapshot)
    assert df["numerateur"].iloc[0] == expected


def test_the_occupancy_rule_is_written_once_and_bound_from_parametres():
    """enrichment.sql (households in place) and the allocation aid (candidates) apply the same
    expressions, whose constants come from parametres.yaml: the legal values, bound by name."""
    from pathlib import Path

    from queries.sql import rules
    from semantic.catalogue import load_catalogue

    occupation = load_catalogue().parameters.occupation
    assert occupation.sql_parameters() == {
        "pieces_en_plus": 1,
        "surface_1": 9,
        "surface_2": 16,
        "surface_par_personne": 9,
        "surface_max": 70,
    }
    enrichment = (Path(rules.__file__).parent / "enrichment.sql").read_text(encoding="utf-8")
    assert f"{rules.under_occupied('nb_pieces', 'nb_personnes')} AS sous_occupation" in enrichment
    assert (
        f"{rules.over_occupied('surface_habitable', 'nb_personnes')} AS sur_occupation"
        in enrichment
    )
    assert "THEN 9 WHEN" not in enrichment  # no constant of the rule left as a literal
