"""Scope (deny by default, no widening through any argument) and statistical secrecy."""

from __future__ import annotations

import pandas as pd
import pytest

from queries.evaluate import evaluate
from queries.members import members
from queries.secrecy import mask_small_cells
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.tiny_data import C1, C3, E1, E2

PARTNER_E2 = Scope(role="partenaire", epci=(E2,))
MANAGER_E2 = Scope(role="manager", epci=(E2,))


def test_no_scope_sees_nothing(tiny_engine):
    assert evaluate(tiny_engine, "nb_logements", Scope(role="partenaire")).empty
    assert evaluate(tiny_engine, "nb_logements", Scope(role="manager"), by=["epci"]).empty
    assert members(tiny_engine, "epci", Scope(role="partenaire")).empty


@pytest.mark.parametrize(
    "kwargs",
    [
        {"by": ["epci"]},
        {"by": ["commune"]},
        {"by": ["residence"]},
        {"where": {"epci": [E1]}},
        {"where": {"commune": [C1, C3]}},
        {"where": {"residence": ["R1", "R2"]}},
        {"by": ["epci"], "where": {"epci": [E1, E2]}},
        {"by": ["qpv"], "snapshot": "2024-12-31"},
    ],
)
def test_restricted_scope_never_sees_another_territory(tiny_engine, kwargs):
    df = evaluate(tiny_engine, "nb_logements", MANAGER_E2, **kwargs)
    everything = evaluate(tiny_engine, "nb_logements", MANAGER_E2, snapshot=kwargs.get("snapshot"))
    # whatever the breakdown or filter, the total never exceeds E2's 3 dwellings
    assert df["valeur"].sum() <= everything["valeur"].iloc[0] == 3
    if "epci" in df:
        assert set(df["epci"]) <= {E2}
    if "commune" in df:
        assert set(df["commune"]) <= {C3}


def test_commune_scope(tiny_engine):
    df = evaluate(
        tiny_engine, "nb_logements", Scope(role="partenaire", communes=(C1,)), by=["commune"]
    )
    assert list(df["commune"]) == [C1]
    assert members(tiny_engine, "commune", Scope(role="manager", communes=(C1,)))[
        "code"
    ].tolist() == [C1]


def test_members_follow_scope(tiny_engine):
    assert members(tiny_engine, "epci", MANAGER_E2)["code"].tolist() == [E2]
    # ordered by label: "CA du Pays Voironnais" before "Grenoble-Alpes-Métropole"
    assert members(tiny_engine, "epci", Scope.internal())["code"].tolist() == [E2, E1]


def test_partner_cells_under_threshold_are_masked(tiny_engine):
    df = evaluate(tiny_engine, "taux_vacance", PARTNER_E2, by=["epci"])
    assert df["masque"].tolist() == [True]
    assert df[["valeur", "numerateur", "denominateur", "effectif"]].isna().all().all()


def test_partner_targets_hide_small_cells(tiny_engine):
    df = evaluate_targets(tiny_engine, PARTNER_E2)
    assert set(df["code"]) == {E2}
    assert set(df["statut"]) == {"secret"}
    assert (
        df["valeur"].isna().all() and df["numerateur"].isna().all() and df["manquants"].isna().all()
    )


def _cells(effectifs, groups=None):
    df = pd.DataFrame(
        {"d": [f"g{i}" for i in range(len(effectifs))], "valeur": [float(e) for e in effectifs]}
    )
    df["numerateur"] = effectifs
    df["denominateur"] = effectifs
    df["effectif"] = effectifs
    if groups:
        df["h"] = groups
    return df


def test_single_small_cell_gets_a_complementary_mask():
    out = mask_small_cells(_cells([40, 5, 30, 25]), ["d"], 11)
    # g1 under 11; the smallest other cell (g3, 25) is masked too
    assert out["masque"].tolist() == [False, True, False, True]
    assert out.loc[out["masque"], "valeur"].isna().all()


def test_two_small_cells_need_no_complement():
    out = mask_small_cells(_cells([40, 5, 30, 8]), ["d"], 11)
    assert out["masque"].tolist() == [False, True, False, True]


def test_no_masked_value_recoverable_in_two_way_breakdown():
    # rows = (d, h): within each h and within each d, never exactly one masked cell
    df = pd.DataFrame(
        {
            "d": ["a", "a", "b", "b", "c", "c"],
            "h": ["x", "y", "x", "y", "x", "y"],
            "effectif": [50, 4, 30, 60, 20, 25],
        }
    )
    df["valeur"] = df["effectif"].astype(float)
    df["numerateur"] = df["effectif"]
    df["denominateur"] = df["effectif"]
    out = mask_small_cells(df, ["d", "h"], 11)
    for other in ("h", "d"):
        for _, group in out.groupby(other):
            assert group["masque"].sum() != 1, (
                f"one lone masked cell in {other}={group[other].iloc[0]}"
            )
    assert out.loc[(out.d == "a") & (out.h == "y"), "masque"].item()


def test_internal_roles_see_small_cells_with_effectif(tiny_engine):
    df = evaluate(tiny_engine, "taux_vacance", MANAGER_E2, by=["epci"])
    assert (df["masque"].tolist(), df["effectif"].tolist()) == ([False], [2])


def test_one_sum_gives_a_cells_count_and_its_key_by_hand():
    """Each row holds 2^48 + its 16-bit key: the sum of three rows keyed 65535, 2 and 1 is a
    count of 3 and a key of (65535 + 2 + 1) mod 65536 = 2 (queries/sql/builder.py)."""
    import duckdb

    from queries.sql.cell_keys import KEY_SHIFT, packed_count, packed_key

    rows = ", ".join(f"({(1 << KEY_SHIFT) + k})" for k in (65535, 2, 1))
    found = (
        duckdb.connect()
        .execute(
            f"SELECT {packed_count('p')}, {packed_key('p')} "  # noqa: S608 - the builder's own SQL
            f"FROM (SELECT SUM(cle_secret) AS p FROM (VALUES {rows}) AS t(cle_secret))"
        )
        .fetchone()
    )
    assert found == (3, 2)


@pytest.fixture
def demo_engine(small_demo_root):
    from queries.engine import open_engine

    engine = open_engine(small_demo_root)
    yield engine
    engine.close()


def test_every_base_row_carries_one_count_and_a_16_bit_key(demo_engine):
    """The enrichment's record keys fit the builder's packing: on every table that carries keys,
    each row holds 2^KEY_SHIFT + its key, and a sum read by `packed_count` and `packed_key` is
    the row count and the sum of the keys alone, modulo 2^16."""
    from queries.sql.cell_keys import KEY_COLUMN, KEY_SHIFT, packed_count, packed_key

    cursor = demo_engine.cursor()
    keyed_tables = {
        name
        for (name,) in cursor.execute(
            "SELECT table_name FROM duckdb_columns() WHERE column_name = ?", [KEY_COLUMN]
        ).fetchall()
    }
    assert keyed_tables >= set(load_catalogue().bases)  # every base a partner's counts read
    packed = f"SUM({KEY_COLUMN})"
    checked = 0
    for table in sorted(keyed_tables):
        rows, keyed, low, high, count, key, keys_alone = cursor.execute(
            f"SELECT COUNT(*), COUNT({KEY_COLUMN}), MIN({KEY_COLUMN} >> {KEY_SHIFT}),"  # noqa: S608 - names from duckdb_columns()
            f" MAX({KEY_COLUMN} >> {KEY_SHIFT}), {packed_count(packed)}, {packed_key(packed)},"
            f" CAST(SUM({KEY_COLUMN} % {1 << KEY_SHIFT}) % 65536 AS BIGINT) FROM {table}"
        ).fetchone()
        if rows == 0:  # an optional input the demo lacks (attributions_territoire)
            continue
        checked += 1
        assert keyed == rows, table
        assert low == high == 1, table
        assert (count, key) == (rows, keys_alone), table
    assert checked >= 7
