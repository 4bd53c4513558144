"""Targets: legal defaults, local replacements, statuses, missing allocations, year-end share."""

from __future__ import annotations

import math
import textwrap

import pytest

from queries.comparisons import compare
from queries.engine import open_engine
from queries.targets import evaluate_targets, missing_cases, needed_share, status
from semantic.errors import DefinitionError
from semantic.scope import Scope
from tests.tiny_data import E1, E2, S2, write_tiny_root

ALL = Scope.internal()


def _row(df, objectif, periode):
    sel = df[(df["objectif_id"] == objectif) & (df["periode"] == periode)]
    assert len(sel) == 1, f"{objectif} {periode}: {len(sel)} rows"
    return sel.iloc[0]


@pytest.mark.parametrize(
    ("value", "target", "direction", "tolerance", "expected"),
    [
        (0.25, 0.25, ">=", 0.02, "atteint"),
        (0.24, 0.25, ">=", 0.02, "a_surveiller"),
        (0.23, 0.25, ">=", 0.02, "a_surveiller"),
        (0.2299, 0.25, ">=", 0.02, "non_atteint"),
        (0.36, 0.35, "<=", 0.0, "non_atteint"),
        (0.30, 0.35, "<=", 0.0, "atteint"),
        (None, 0.25, ">=", 0.02, "non_mesurable"),
    ],
)
def test_status(value, target, direction, tolerance, expected):
    assert status(value, target, direction, tolerance) == expected


def test_missing_cases_and_needed_share():
    assert missing_cases(2, 10, 0.25, ">=") == 1  # 0.25 x 10 = 2.5 -> 3 needed
    assert missing_cases(3, 10, 0.30, ">=") == 0  # 0.3 x 10 is 3.0000000000000004 in binary
    assert missing_cases(5, 10, 0.30, "<=") == 2
    assert missing_cases(1, 0, 0.25, ">=") is None
    # 1 of 4 so far, 4 more expected: (0.25 x 8 - 1) / 4 = 0.25
    assert needed_share(1, 4, 4, 0.25) == 0.25
    assert needed_share(3, 4, 4, 0.25) == 0.0  # already secured
    assert needed_share(0, 10, 2, 0.5) == 3.0  # > 1: out of reach at this volume
    assert needed_share(0, 10, 0, 0.5) is None


def test_legal_targets_on_every_epci(tiny_engine):
    df = evaluate_targets(tiny_engine, ALL)
    t1 = df[df["objectif_id"].str.startswith("T1-")]
    assert sorted(set(t1["code"])) == [E1, E2]
    row = _row(df, f"T1-{E1}", "glissant_12_mois")
    assert (row["valeur"], row["numerateur"], row["denominateur"], row["statut"]) == (
        0.5,
        1,
        2,
        "atteint",
    )
    # T3 per réservataire: E1's collectivité contingent got A1 only, not priority
    row = _row(df, f"T3-{E1}-collectivite", "annee_en_cours")
    assert (row["valeur"], row["statut"], row["manquants"]) == (0.0, "non_atteint", 1)


def test_year_end_projection_at_an_intermediate_snapshot(tiny_engine):
    df = evaluate_targets(tiny_engine, ALL, snapshot=S2)
    # T2 in E1 at 2025-09-30, year to date: A1 (not Q1) and A7 (Q1) -> 1 / 2. Expected by year
    # end: as many QPV allocations as between 2024-09-30 and 2024-12-31 -> A8 only (1).
    row = _row(df, f"T2-{E1}", "annee_en_cours")
    assert (row["numerateur"], row["denominateur"], row["attributions_attendues"]) == (1, 2, 1)
    assert row["part_necessaire"] == pytest.approx((0.5 * 3 - 1) / 1)
    assert "30/09/2024" in row["hypothese"] and "31/12/2024" in row["hypothese"]
    rolling = _row(df, f"T2-{E1}", "glissant_12_mois")
    assert (rolling["numerateur"], rolling["denominateur"], rolling["statut"]) == (
        1,
        3,
        "non_atteint",
    )
    assert rolling["manquants"] == math.ceil(0.5 * 3 - 1)


def _with_objectifs(tmp_path, text):
    root = write_tiny_root(tmp_path)
    (root / "objectifs.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    return open_engine(root)


def test_local_target_replaces_the_legal_one(tmp_path):
    engine = _with_objectifs(
        tmp_path,
        f"""
        objectifs:
          - id: cia-t1
            indicateur: part_attributions_q1_hors_qpv
            territoire: {{echelle: epci, code: "{E1}"}}
            annee: 2025
            sens: ">="
            cible: 0.60
            tolerance: 0.10
            source: CIA test
          - id: psa-fragilite
            indicateur: part_menages_fragiles
            territoire: {{echelle: residence, code: R1}}
            annee: 2025
            sens: "<="
            cible: 0.35
            source: PSA test
    """,
    )
    df = evaluate_targets(engine, ALL)
    assert f"T1-{E1}" not in set(df["objectif_id"]) and f"T1-{E2}" in set(df["objectif_id"])
    row = _row(df, "cia-t1", "glissant_12_mois")  # 0.5 is 0.10 short: within the tolerance
    assert (row["valeur"], row["cible"], row["statut"], row["manquants"]) == (
        0.5,
        0.6,
        "a_surveiller",
        1,
    )
    # R1: M01 and M02 fragile among its 4 households -> 0.5 > 0.35; a stock target has one period
    row = _row(df, "psa-fragilite", "photographie")
    assert (row["valeur"], row["statut"], row["manquants"]) == (0.5, "non_atteint", 1)
    assert row["ecart"] == pytest.approx(0.15)


def test_invalid_objectifs_report_every_problem_with_line(tmp_path):
    engine = _with_objectifs(
        tmp_path,
        """
        objectifs:
          - id: a
            indicateur: part_attributions_q1_hors_qvp
            territoire: {echelle: epci, code: "1"}
            annee: 2025
            sens: ">="
            cible: 0.3
            source: x
          - id: b
            indicateur: pression_demande
            territoire: {echelle: residence, code: R1}
            annee: 2025
            sens: ">="
            cible: 2
            source: x
            comentaire: typo
    """,
    )
    with pytest.raises(DefinitionError) as err:
        evaluate_targets(engine, ALL)
    problems = err.value.problems
    assert any(
        p.startswith("objectifs.yaml:3:") and "part_attributions_q1_hors_qpv" in p for p in problems
    )
    assert any(
        p.startswith("objectifs.yaml:17:") and "clé inconnue" in p and "commentaire" in p
        for p in problems
    )
    assert len(problems) == 2


def test_comparisons_matched_by_date(tiny_engine):
    df = compare(tiny_engine, "taux_vacance", ALL)
    row = df.iloc[0]
    # previous snapshot 2025-09-30: 2 / 10; a year earlier 2024-12-31: 3 / 8
    assert (row["valeur_precedente"], row["valeur_un_an"]) == (0.2, 0.375)
    assert row["evolution_un_an"] == pytest.approx(0.2 - 0.375)
    df = compare(tiny_engine, "taux_vacance", ALL, snapshot=S2, by=["epci"])
    assert df["valeur_un_an"].isna().all()  # no snapshot on 2024-09-30: no comparison
    assert df["date_un_an"].isna().all()


def test_partner_year_end_projection_respects_secrecy(tiny_engine):
    # S2's expected remaining volume for E1 QPV is 1 allocation (< 11): never shown to a partner
    partner = Scope(role="partenaire", epci=(E1,))
    df = evaluate_targets(tiny_engine, partner, snapshot=S2)
    assert df["part_necessaire"].isna().all() and df["attributions_attendues"].isna().all()
