"""Targets rated by grouped queries (queries/target_cells.py): each cell gets exactly what it gets
when asked alone, and a group of cells costs one query.

By hand, on the tiny data (tests/tiny_data.py, last snapshot 2025-12-31, rolling 12 months):
T1 in E1 is 1 / 2 (A5 first quartile, A6 not, a mutation) and 1 / 1 without mutations; T1 in E2
is 1 / 2 (A2, A3; no mutation)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from queries.engine import Engine, open_engine
from queries.evaluate import evaluate, make_request, run
from queries.mutations import without_mutations_cell
from queries.sql.builder import REST_OF_LAST_YEAR
from queries.target_cells import Cell, evaluate_cells
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import Scope
from tests.tiny_data import E1, E2, S3

T1 = "part_attributions_q1_hors_qpv"
MEASURES = ["valeur", "numerateur", "denominateur", "masque"]


@pytest.fixture
def queries(monkeypatch):
    """The statements the engine runs, counted."""
    ran: list[str] = []
    fetch, fetch_arrays = Engine.fetch, Engine.fetch_arrays

    def counted(method):
        def call(self, sql, *args, **kwargs):
            ran.append(sql)
            return method(self, sql, *args, **kwargs)

        return call

    monkeypatch.setattr(Engine, "fetch", counted(fetch))
    monkeypatch.setattr(Engine, "fetch_arrays", counted(fetch_arrays))
    return ran


def test_two_territories_one_query_values_by_hand(tiny_engine, queries):
    catalogue = load_catalogue()
    e1, e2 = Cell.of(T1, "rolling12", "epci", E1), Cell.of(T1, "rolling12", "epci", E2)
    found = evaluate_cells(tiny_engine, catalogue, Scope.internal(), S3, [e1, e2])
    assert len(queries) == 1
    assert (found[e1]["numerateur"], found[e1]["denominateur"]) == (1, 2)
    assert (found[e2]["numerateur"], found[e2]["denominateur"]) == (1, 2)
    assert found[e1]["valeur"] == pytest.approx(0.5)
    queries.clear()
    no_mut = [without_mutations_cell(e1), without_mutations_cell(e2)]
    found = evaluate_cells(tiny_engine, catalogue, Scope.internal(), S3, no_mut)
    assert len(queries) == 1
    assert (found[no_mut[0]]["numerateur"], found[no_mut[0]]["denominateur"]) == (1, 1)
    assert (found[no_mut[1]]["numerateur"], found[no_mut[1]]["denominateur"]) == (1, 2)


@pytest.mark.parametrize(
    "scope", [Scope.internal(), Scope("partenaire", epci=(E1, E2))], ids=["interne", "partenaire"]
)
def test_cells_without_a_row_get_the_empty_answer_asked_once(tiny_engine, queries, scope):
    """Two EPCIs without any allocation: the group, then one empty selection asked alone, its
    answer (no value, a zero count; masked for a partner) equal to each absent cell's own."""
    catalogue = load_catalogue()
    absent = [Cell.of(T1, "rolling12", "epci", code) for code in ("999999998", "999999999")]
    e1 = Cell.of(T1, "rolling12", "epci", E1)
    found = evaluate_cells(tiny_engine, catalogue, scope, S3, [e1, *absent])
    assert len(queries) == 2  # the group, then one empty selection
    for cell in absent:
        alone = evaluate(tiny_engine, T1, scope, snapshot=S3, where={"epci": [cell.code]}).iloc[0]
        assert bool(found[cell]["masque"]) == bool(alone["masque"])
        for column in ("valeur", "numerateur", "denominateur"):
            assert pd.isna(found[cell][column]) == pd.isna(alone[column])
            if not pd.isna(alone[column]):
                assert found[cell][column] == alone[column]


def _alone(engine, scope, snapshot, row, catalogue, *, period, extra=None) -> pd.Series:
    """The row's figure asked alone: evaluate() on its territory and filters."""
    where = {row["echelle"]: [row["code"]], **_filters(row["filtres"]), **(extra or {})}
    if period == REST_OF_LAST_YEAR:  # the builder's own period, as the year-end projection asks
        request = make_request(
            catalogue, engine, row["indicateur"], scope, snapshot=snapshot, where=where
        )
        return run(engine, catalogue, replace(request, period=period)).iloc[0]
    found = evaluate(
        engine, row["indicateur"], scope, snapshot=snapshot, where=where, period=period
    )
    return found.iloc[0]


def _filters(text: str) -> dict[str, list[str]]:
    pairs = [item.split(" = ") for item in filter(None, str(text or "").split(", "))]
    return {dim: values.split("/") for dim, values in pairs}


def _known(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 12)


def _shown(alone: pd.Series, column: str) -> float | None:
    """What the table shows of a figure asked alone: nothing when masked."""
    return None if bool(alone["masque"]) else _known(alone[column])


PERIODS = {"glissant_12_mois": "rolling12", "annee_en_cours": "ytd", "photographie": "rolling12"}


@pytest.mark.parametrize(
    "scope",
    [Scope.internal(), Scope("partenaire", epci=("200040715",))],
    ids=["interne", "partenaire"],
)
def test_every_target_of_the_demo_equals_its_cell_asked_alone(small_demo_root_5, scope):
    """The whole table, each figure checked against evaluate() of its cell alone: the rated
    value, the year-end volume (rest of last year) and the figure without mutations, for an
    internal role and for a partner (perturbed and masked the same way)."""
    engine = open_engine(small_demo_root_5)
    catalogue = load_catalogue()
    snap = engine.latest
    table = evaluate_targets(engine, scope, snap, catalogue)
    assert len(table) > 10
    checked = {"valeur": 0, "attendues": 0, "hors_mutations": 0, "secret": 0}
    for row in table.to_dict("records"):
        period = PERIODS[row["periode"]]
        alone = _alone(engine, scope, snap, row, catalogue, period=period)
        assert (row["statut"] == "secret") == bool(alone["masque"]), row["objectif_id"]
        checked["secret"] += bool(alone["masque"])
        for column in ("valeur", "numerateur", "denominateur"):
            assert _known(row[column]) == _shown(alone, column), (row["objectif_id"], column)
        checked["valeur"] += 1
        if _known(row["attributions_attendues"]) is not None:
            rest = _alone(engine, scope, snap, row, catalogue, period=REST_OF_LAST_YEAR)
            assert _known(row["attributions_attendues"]) == (_known(rest["denominateur"]) or 0)
            checked["attendues"] += 1
        if isinstance(row["statut_hors_mutations"], str):
            without = _alone(
                engine, scope, snap, row, catalogue, period=period, extra={"mutation": [False]}
            )
            for column in ("valeur", "numerateur", "denominateur"):
                assert _known(row[f"{column}_hors_mutations"]) == _shown(without, column)
            checked["hors_mutations"] += 1
    assert checked["attendues"] > 0 and checked["hors_mutations"] > 0, checked
    if scope.masks_small_cells:
        assert checked["secret"] < len(table)  # a partner sees figures, not only masks


def test_members_per_epci_are_those_of_each_epci_asked_alone(small_demo_root_5):
    """applicable_targets reads every EPCI's réservataires (T3) in one query: the same values as
    one query per EPCI, for an internal role and for a partner."""
    from queries.members import members

    engine = open_engine(small_demo_root_5)
    catalogue = load_catalogue()
    for scope in (Scope.internal(), Scope("partenaire", epci=("200040715",))):
        epcis = members(engine, "epci", scope, catalogue=catalogue)["code"]
        together = members(
            engine, "reservataire", scope, base="attributions", per="epci", catalogue=catalogue
        )
        assert set(together["per"]) == set(epcis)
        for code in epcis:
            alone = members(
                engine,
                "reservataire",
                scope,
                base="attributions",
                where={"epci": [code]},
                catalogue=catalogue,
            )
            mine = together[together["per"] == code]
            assert list(mine["code"]) == list(alone["code"]), code
            assert list(mine["effectif"]) == list(alone["effectif"]), code
