"""The benchmark compares like with like: on the tiny root, every hand-written version of every
question (DuckDB SQL on the engine tables, DuckDB SQL on the raw Parquet, pandas) gives the
semantic layer's numbers, by EPCI and by residence. No timing is asserted here."""

from __future__ import annotations

import pytest

from queries.bench import METHODS, QUESTIONS, bench_root, build_report, disagreements, markdown
from queries.bench import run_worker as _run_worker
from queries.bench.targets import check_targets
from tests.tiny_data import E1, E2, PLAFONDS_COLUMNS, _plafond_rows, _table, write_tiny_root

pytestmark = pytest.mark.slow  # runs the benchmark's workers in their own processes

# Groups of the latest snapshot (2025-12-31): two EPCIs, three residences, in every question
# (each residence has dwellings, households, departures counted or allocations in the period).
GROUPS = {"epci": 2, "commune": 3, "residence": 3}  # three residences in three communes


@pytest.fixture(scope="module")
def fallback_root(tmp_path_factory):
    """Ceilings and first-quartile thresholds of 2024 only: 2025 must fall back on them."""
    seuils = _table("annee:i code_epci:s seuil_q1_uc:f", [(2024, E1, 8800.0), (2024, E2, 9500.0)])
    plafonds = _table(PLAFONDS_COLUMNS, _plafond_rows(years=(2024,)))
    root = tmp_path_factory.mktemp("tiny_fallback")
    return write_tiny_root(root, plafonds=plafonds, seuils=seuils)


def _bench(root):
    """bench_root with in-process workers timed once; returns the summary and every result."""
    results = {}

    def run(kind, root, repeat):
        out = _run_worker(kind, root, repeat, min_timed_s=0)
        results[kind] = dict(out["results"])
        return out

    return bench_root("tiny", root, repeat=1, run=run), results


@pytest.mark.parametrize("which", ["tiny_root", "fallback_root"])
def test_every_hand_written_method_agrees_with_the_semantic_layer(request, which):
    info, results = _bench(request.getfixturevalue(which))
    assert info["disagreements"] == {m: [] for m in METHODS[1:]}
    for q in QUESTIONS:
        assert info["groups"][q] == GROUPS[q.split("/")[1]], q
        for method in METHODS:
            assert results[method][q].keys() == results["semantic"][q].keys()


def test_the_numbers_compared_are_the_right_ones(tiny_root):
    """A few values by hand, so that agreement cannot come from every method being empty."""
    _, results = _bench(tiny_root)
    for method in METHODS:
        r = results[method]
        # E1: 8 dwellings offered for rent (L01-L05, L07-L09), 2 vacant (L04, L08); E2: L10, L11
        assert r["taux_vacance/epci"] == pytest.approx({E1: 2 / 8, E2: 0.0}), method
        # R1 allocations A1, A7 are both in QPV: no denominator, no value
        assert r["part_attributions_q1_hors_qpv/residence"]["R1"] is None, method


def test_a_different_number_or_group_is_reported():
    reference = {q: {"A": 0.5, "B": None} for q in QUESTIONS}
    assert disagreements(reference, reference) == []
    other = {q: dict(v) for q, v in reference.items()}
    other["taux_vacance/epci"]["A"] = 0.5 + 1e-6
    other["taux_rotation/residence"]["B"] = 0.0
    del other["revenu_median_uc/epci"]["B"]
    problems = disagreements(reference, other)
    assert len(problems) == 3
    assert any(p.startswith("taux_vacance/epci [A]") for p in problems)
    assert any(p.startswith("taux_rotation/residence [B]") for p in problems)
    assert any("revenu_median_uc/epci: groupes différents" in p for p in problems)


def test_the_report_shows_every_question_method_and_target(tiny_root):
    info, _ = _bench(tiny_root)
    text = markdown(build_report({"démo": info}, repeat=1, generated={}))
    for q in QUESTIONS:
        assert f"| {q} |" in text
    for method in METHODS:
        assert method in text
    assert "tableau de bord" in text and "Objectifs" in text
    assert text.count("identiques") == 3 and "FAIL — résultats différents" not in text
    # the partner column: the same questions for a partner of the largest EPCI (E1, 9 dwellings)
    assert "partenaire / interne (apparié)" in text and f"l'EPCI {E1}" in text
    assert "partenaire ≤ 1.3 × rôle interne, même EPCI (apparié)" in text
    # the dashboard both ways: computed, and answered from the published state's kept answers
    assert "tableau de bord** (sémantique, calculé)" in text
    assert "tableau de bord** (réponses gardées)" in text


def test_the_national_dashboard_is_judged_on_the_load_users_meet(tiny_root):
    """The kept answers' load (every load but the first of each view after a publication) is
    judged against 1 s; the computed one is printed beside it."""
    info, _ = _bench(tiny_root)
    dashboards = info["workers"]["semantic"]
    dashboards["dashboard"]["total"], dashboards["dashboard_kept"]["total"] = 2.5, 0.2
    (row,) = [t for t in check_targets({"national": info}) if "tableau de bord" in t["target"]]
    assert row["measured"] == 0.2 and row["pass"]
    assert "calculé : 2.50 s" in row["target"]
    dashboards["dashboard_kept"]["total"] = 1.2
    (row,) = [t for t in check_targets({"national": info}) if "tableau de bord" in t["target"]]
    assert not row["pass"] and row["failing"] == ["1.20 s"]


def test_the_bilan_is_timed_in_its_own_process_and_checked_against_five_seconds(tiny_root):
    from queries.bench.targets import bilan_targets
    from queries.bench.workers import run_bilan_subprocess

    bilan = run_bilan_subprocess(tiny_root, repeat=1)
    assert bilan["epci"] == E1  # the tiny root's largest EPCI (8 of its 12 dwellings)
    assert bilan["partenaire_pages"] == bilan["interne_pages"] == 7
    assert bilan["partenaire_s"] > 0 and bilan["interne_s"] > 0
    passed = bilan_targets({**bilan, "partenaire_s": 4.9, "interne_s": 5.1})
    assert [t["pass"] for t in passed] == [True, False]
    assert passed[1]["failing"] == ["5.10 s"]


def test_ensure_root_regenerates_when_the_snapshot_count_differs(tmp_path):
    from queries.bench.roots import ensure_root
    from queries.engine import list_snapshots

    root = tmp_path / "national"
    assert ensure_root(root, 300, 1, seed=1) is not None  # generated
    assert ensure_root(root, 300, 1, seed=1) is None  # already there
    assert ensure_root(root, 300, 2, seed=1) is not None  # another snapshot count asked
    assert len(list_snapshots(root)) == 2


def test_cold_starts_are_checked_against_five_seconds_with_the_build_reported():
    from queries.bench.targets import start_targets

    starts = {
        "démo": {"build_s": 7.9, "open_s": 0.41, "size_mb": 30.4, "runs": 3},
        "national": {"build_s": 1100.0, "open_s": 5.2, "size_mb": 7600.0, "runs": 3},
    }
    found = start_targets(starts)
    assert [t["pass"] for t in found] == [True, False]
    assert found[1]["failing"] == ["5.20 s"]
    assert "construction 1100.0 s, 7 600 Mo" in found[1]["target"]
    text = markdown(build_report({}, repeat=1, generated={}, starts=starts))
    assert "démarrage à froid sur la base construite ≤ 5 s" in text
