"""The fast result frames (queries/frames.py) are exactly what DuckDB's `.df()` plus the measures'
nullable dtypes gave: same columns, dtypes and values, for every indicator and dimension."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from queries import frames
from queries.engine import open_engine
from queries.evaluate import MEASURE_DTYPES, make_request
from queries.sql.builder import build
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.test_optional_inputs import write_optional_root
from tests.tiny_data import S1, S3

CATALOGUE = load_catalogue()
CASES = [
    (ind, by)
    for ind in sorted(CATALOGUE.indicators)
    for by in [()]
    + [(d,) for d in CATALOGUE.supported_dimensions(ind)]
    + [tuple(CATALOGUE.supported_dimensions(ind)[:2])]
]


def _as_before(engine, sql, params) -> pd.DataFrame:
    """The former path: `.df()`, the measures a query does not select added empty, then the
    measures last with their nullable dtypes."""
    df = engine.cursor().execute(sql, params).df()
    for name, dtype in MEASURE_DTYPES.items():
        if name not in df:
            df[name] = pd.Series([pd.NA] * len(df), dtype=dtype)
    others = [c for c in df.columns if c not in MEASURE_DTYPES]
    return df[others + list(MEASURE_DTYPES)].astype(MEASURE_DTYPES)


@pytest.fixture(scope="module")
def optional_engine(tmp_path_factory):
    """The tiny root with every optional input at both snapshots of this test."""
    engine = open_engine(write_optional_root(tmp_path_factory.mktemp("opt"), snapshots=(S1, S3)))
    yield engine
    engine.close()


@pytest.mark.parametrize(
    ("indicator", "by"),
    CASES,
    ids=lambda v: v if isinstance(v, str) else "+".join(v) or "total",
)
@pytest.mark.parametrize("snapshot", ["2024-12-31", "2025-12-31"])
def test_same_frame_as_duckdb_df(tiny_engine, optional_engine, indicator, by, snapshot):
    # an indicator on an optional input is "non disponible" on the plain tiny root
    if CATALOGUE.indicator(indicator).requires:
        tiny_engine = optional_engine
    request = make_request(
        CATALOGUE, tiny_engine, indicator, Scope.internal("manager"), snapshot=snapshot, by=by
    )
    statement = build(CATALOGUE, request)
    fast = tiny_engine.fetch(statement.sql, statement.params, MEASURE_DTYPES)
    pd.testing.assert_frame_equal(fast, _as_before(tiny_engine, statement.sql, statement.params))


def test_nulls_in_every_kind_of_column_match_df(tiny_engine):
    sql = """
        SELECT * FROM (VALUES
            ('a', TRUE, CAST(1 AS INTEGER), 2.5, DATE '2024-01-01', CAST(7 AS BIGINT), 0.5),
            (NULL, NULL, NULL, NULL, NULL, NULL, NULL)
        ) t(s, b, i, f, d, n, v)"""
    fast = tiny_engine.fetch(sql, None, {"n": "Int64", "v": "Float64"})
    before = tiny_engine.cursor().execute(sql).df().astype({"n": "Int64", "v": "Float64"})
    pd.testing.assert_frame_equal(fast, before)
    assert fast["n"].tolist() == [7, pd.NA] and fast["v"].tolist() == [0.5, pd.NA]
    assert fast["s"].isna().tolist() == [False, True]


def test_a_float_measure_asked_as_integer_is_converted_and_checked():
    arrays = {"n": np.array([3.0, 4.0])}  # e.g. a HUGEINT sum arrives as float64
    assert frames.frame(arrays, {"n": "Int64"})["n"].tolist() == [3, 4]
    with pytest.raises((TypeError, ValueError)):
        frames.frame({"n": np.array([3.5])}, {"n": "Int64"})


def test_no_rows_keeps_the_columns_and_dtypes(tiny_engine):
    request = make_request(
        CATALOGUE,
        tiny_engine,
        "taux_vacance",
        Scope.internal("manager"),
        by=["epci"],
        where={"epci": ["999999999"]},
    )
    statement = build(CATALOGUE, request)
    fast = tiny_engine.fetch(statement.sql, statement.params, MEASURE_DTYPES)
    assert len(fast) == 0
    pd.testing.assert_frame_equal(fast, _as_before(tiny_engine, statement.sql, statement.params))


def test_dates_survive(tiny_engine):
    fast = tiny_engine.fetch("SELECT DATE '2025-09-30' AS d", None, {})
    assert fast["d"].iloc[0] == pd.Timestamp(dt.date(2025, 9, 30))


@pytest.mark.parametrize("indicator", ["revenu_median_uc", "nb_logements", "taux_vacance"])
def test_evaluate_always_gives_every_measure_in_order(tiny_engine, indicator):
    from queries.evaluate import evaluate

    df = evaluate(tiny_engine, indicator, Scope.internal("manager"), by=["epci"])
    assert list(df.columns) == [
        "epci",
        "epci_libelle",
        "valeur",
        "numerateur",
        "denominateur",
        "effectif",
        "masque",
    ]
    assert [str(t) for t in df.dtypes.iloc[2:]] == ["Float64", "Int64", "Int64", "Int64", "bool"]
    if indicator != "taux_vacance":  # a median or a count has no numerator nor denominator
        assert df["numerateur"].isna().all() and df["denominateur"].isna().all()
