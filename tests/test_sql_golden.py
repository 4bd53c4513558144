"""Golden files of the generated SQL. Regenerate after an intended change with
`UPDATE_GOLDEN=1 make test` and review the diff like code."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
import sqlglot

from queries.sql.builder import Request, build
from semantic.catalogue import load_catalogue
from semantic.scope import Scope

GOLDEN = Path(__file__).parent / "golden"
SNAP = dt.date(2025, 12, 31)
CASES = {
    "ratio_same_base_by_epci": Request("taux_vacance", SNAP, Scope.internal(), by=("epci",)),
    "ratio_at_least_partner": Request(
        "part_menages_fragiles",
        SNAP,
        Scope(role="partenaire", epci=("243800984",)),
        by=("residence", "etage"),
    ),
    "ratio_at_least_one_is_an_or": Request(
        "part_attributions_q1_hors_qpv", SNAP, Scope.internal(), by=("epci",), period="ytd"
    ),
    "ratio_cross_base": Request(
        "taux_rotation", SNAP, Scope.internal(), by=("commune",), period="ytd"
    ),
    "ratio_cross_base_total": Request(
        "pression_demande", SNAP, Scope(role="manager", communes=("38185",))
    ),
    "count_with_filters": Request(
        "nb_attributions",
        SNAP,
        Scope.internal(),
        by=("en_qpv",),
        where=(("reservataire", ("etat", "bailleur")),),
    ),
    "median_scaled": Request("delai_attente_median_mois", SNAP, Scope.internal(), by=("mutation",)),
    "mean": Request("age_moyen_titulaire", SNAP, Scope.internal(), by=("tranche_age_titulaire",)),
    "deny_by_default": Request("nb_logements", SNAP, Scope(role="partenaire")),
    # a partner's counts and cell keys, each pair read from one sum (queries/sql/builder.py)
    "ratio_cross_base_partner": Request(
        "taux_rotation", SNAP, Scope(role="partenaire", epci=("243800984",)), by=("commune",)
    ),
    "median_partner": Request(
        "delai_attente_median_mois", SNAP, Scope(role="partenaire", epci=("243800984",))
    ),
}


def _render(request: Request) -> str:
    statement = build(load_catalogue(), request)
    params = json.dumps(
        {k: str(v) for k, v in statement.params.items()}, ensure_ascii=False, indent=1
    )
    return (
        f"{statement.sql}\n;\n-- params:\n"
        + "\n".join(f"-- {line}" for line in params.splitlines())
        + "\n"
    )


@pytest.mark.parametrize("name", sorted(CASES))
def test_generated_sql_matches_golden_file(name):
    path = GOLDEN / f"{name}.sql"
    text = _render(CASES[name])
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}: run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("indicator", sorted(load_catalogue().indicators))
@pytest.mark.parametrize("role", ["manager", "partenaire"])
def test_every_indicator_sql_transpiles_to_spark(indicator, role):
    """The SQL is plain enough for another engine. An internal ratio divides in SQL, guarded
    against a zero denominator; a partner's (same base or cross-base) is divided in
    queries/secrecy.py, from the perturbed counts, so its SQL divides nothing."""
    cat = load_catalogue()
    by = tuple(cat.supported_dimensions(indicator)[:2])
    statement = build(cat, Request(indicator, SNAP, Scope(role=role, epci=("200040715",)), by=by))
    assert statement.sql.startswith(f"-- indicator: {indicator}\n")
    spark = sqlglot.transpile(statement.sql, read="duckdb", write="spark")[0]
    ratio = cat.indicators[indicator].aggregation == "ratio"
    if role == "manager":
        assert "NULLIF" in spark.upper() or not ratio
    elif ratio:
        code = [line for line in statement.sql.splitlines() if not line.startswith("--")]
        assert " / " not in "\n".join(code)
    # values are bound, never inlined: the scope code only appears as a parameter
    assert "200040715" not in statement.sql and "200040715" in statement.params.values()
