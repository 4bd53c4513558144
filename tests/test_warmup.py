"""Warming a newly published state (warmup/): the requests kept in the state before are asked
again of the new one, each snapshot moved to the same rank from the latest, so that the first
pages opened after a publication read kept answers (issue 18).

On the tiny root (three snapshots S1 < S2 < S3): state 1 is S1 and S2 (S3 held aside), state 2
is all three once S3 is put back, as a publication renames a new folder into place.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import warmup
from queries import answer_names, answers
from queries.engine import open_engine
from queries.evaluate import evaluate
from semantic.scope import Scope
from tests.tiny_data import E1, S1, S2, S3, write_tiny_root

ROOT = Path(__file__).resolve().parent.parent
MANAGER = Scope.internal("manager")
PARTNER = Scope("partenaire", epci=(E1,))


# --- the pieces ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        0,
        1,
        1.0,
        -2.5,
        "2026-09-30",
        dt.date(2026, 9, 30),
        dt.datetime(2026, 9, 30, 12, 30),
        (),
        ("a", ("b", 1)),
        ["a", ["b"]],
        frozenset({"x", "y"}),
        {"epci": ("1", "2"), "n": [1.5]},
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, frozenset) else repr(v),  # a set's order varies
)
def test_an_encoded_argument_decodes_to_an_equal_value_of_the_same_type(value):
    back = answer_names.decode(answer_names.encode(value))
    assert back == value and type(back) is type(value)
    if isinstance(value, tuple) and value:
        assert type(back[1]) is type(value[1])
    # so a request read back from its record has the very name of the request kept
    assert answer_names.request_name("f", (back,), {}) == answer_names.request_name(
        "f", (value,), {}
    )


@pytest.mark.parametrize(
    "scope",
    [
        MANAGER,
        Scope("charge_clientele", epci=("200000001", "200000002")),
        Scope("partenaire", epci=("200000001",), communes=("38185",)),
        Scope("partenaire", communes=("38185", "38421")),
    ],
)
def test_a_scope_is_rebuilt_from_its_cache_key(scope):
    rebuilt = Scope.of_cache_key(scope.cache_key())
    assert rebuilt.cache_key() == scope.cache_key()
    assert rebuilt.masks_small_cells == scope.masks_small_cells


@pytest.mark.parametrize(
    "key", ["", "interne|1|", "public|1||", "partenaire|1||", "interne|2||", "interne|0|b,a|"]
)
def test_a_key_no_scope_could_have_written_is_refused(key):
    with pytest.raises(ValueError):
        Scope.of_cache_key(key)


def test_a_snapshot_moves_to_the_same_rank_from_the_latest():
    before = (S1, S2)
    now = (S1, S2, S3)
    assert warmup.moved(S2, before, now) == S3  # the latest stays the latest
    assert warmup.moved(S1, before, now) == S2  # the one before stays the one before
    assert warmup.moved(S2.isoformat(), before, now) == S3.isoformat()  # as text too
    nested = ("interne|1||", "taux_vacance", S2.isoformat(), (("epci", (E1,)),), (S1,))
    assert warmup.moved(nested, before, now) == (
        "interne|1||",
        "taux_vacance",
        S3.isoformat(),
        (("epci", (E1,)),),
        (S2,),
    )
    assert warmup.moved({"snapshot": S2}, before, now) == {"snapshot": S3}
    # not a snapshot of the old state: unchanged (another date, a code, a datetime)
    assert warmup.moved(dt.date(2020, 1, 1), before, now) == dt.date(2020, 1, 1)
    assert warmup.moved("R00066", before, now) == "R00066"
    assert warmup.moved("2026-13-45", before, now) == "2026-13-45"
    noon = dt.datetime.combine(S2, dt.time(12))
    assert warmup.moved(noon, before, now) == noon
    # a state with fewer snapshots: the oldest rank has no counterpart
    with pytest.raises(warmup._Gone):
        warmup.moved(S1, (S1, S2, S3), (S2, S3))


# --- warming a state -------------------------------------------------------------------------------


@pytest.fixture
def published(tmp_path):
    """The tiny root at state 1 (S3 held aside); `publish()` puts S3 back (state 2)."""
    root = write_tiny_root(tmp_path / "racine")
    held = tmp_path / "attente"
    held.mkdir()
    latest = root / "snapshots" / f"date={S3.isoformat()}"
    shutil.move(latest, held / latest.name)
    opened = []

    def engine():
        opened.append(open_engine(root))
        return opened[-1]

    def publish():
        shutil.move(held / latest.name, latest)

    yield root, engine, publish
    for one in opened:
        one.close()


def keep(engine, name, scope, *args, **kwargs):
    """What ui.shared.data.scoped does on a miss: the request is (scope key, objectifs state,
    *args), and the answer is kept with the request beside it."""
    request = (scope.cache_key(), "objectifs", *args)
    return answers.remembered(
        engine, name, request, kwargs, lambda: evaluate(engine, args[0], scope, snapshot=args[1])
    )


def test_each_kept_request_is_asked_again_with_its_snapshot_moved(published):
    root, engine, publish = published
    old = engine()
    assert old.snapshots == [S1, S2]
    keep(old, "ecran.valeur[ancien]", MANAGER, "taux_vacance", S2.isoformat())
    keep(old, "ecran.valeur[ancien]", MANAGER, "taux_vacance", S1.isoformat())
    keep(old, "ecran.valeur[ancien]", PARTNER, "nb_logements", S2.isoformat(), par="epci")
    publish()
    new = engine()
    assert new.snapshots == [S1, S2, S3] and new.database != old.database
    calls = []

    def valeur(scope, indicator, snapshot, **kwargs):
        calls.append((scope.cache_key(), indicator, snapshot, kwargs))
        return pd.DataFrame({"valeur": [1.0]})

    report = warmup.warm(new, {"ecran.valeur": valeur})
    assert sorted(calls) == sorted(
        [
            (MANAGER.cache_key(), "taux_vacance", S3.isoformat(), {}),
            (MANAGER.cache_key(), "taux_vacance", S2.isoformat(), {}),
            (PARTNER.cache_key(), "nb_logements", S3.isoformat(), {"par": "epci"}),
        ]
    )
    assert (report.found, report.replayed, dict(report.skipped)) == (3, 3, {})
    assert "3 requête(s) posée(s) à nouveau sur 3 gardée(s)" in report.summary()


def test_a_request_that_cannot_be_asked_again_is_counted_and_the_others_go_on(published):
    root, engine, publish = published
    old = engine()
    keep(old, "ecran.disparue[x]", MANAGER, "taux_vacance", S2.isoformat())
    keep(old, "ecran.echoue[x]", MANAGER, "taux_vacance", S2.isoformat())
    keep(old, "ecran.valeur[x]", MANAGER, "nb_logements", S2.isoformat())
    # a record whose scope key no scope writes, and a damaged one: read as nothing
    folder = answers.answers_dir(old)
    (folder / "illisible.demande.json").write_text("{pas du json", "utf-8")
    answers.remembered(
        old, "ecran.valeur[x]", ("public|1||", "o", "x"), {}, lambda: pd.DataFrame({"a": [1]})
    )
    publish()
    asked = []

    def fails(scope, *args):
        raise KeyError("indicateur retiré")

    report = warmup.warm(
        engine(),
        {"ecran.echoue": fails, "ecran.valeur": lambda scope, *a: asked.append(a)},
    )
    assert asked == [("nb_logements", S3.isoformat())]
    assert report.found == 4  # the damaged record is not one
    assert dict(report.skipped) == {
        "fonction inconnue": 1,
        "erreur": 1,
        "requête illisible": 1,
    }


def test_a_snapshot_the_new_state_no_longer_has_leaves_its_request_out(published):
    root, engine, publish = published
    publish()
    full = engine()
    keep(full, "ecran.valeur[x]", MANAGER, "taux_vacance", S1.isoformat())  # 3rd from the latest
    keep(full, "ecran.valeur[x]", MANAGER, "taux_vacance", S3.isoformat())
    shutil.rmtree(root / "snapshots" / f"date={S1.isoformat()}")  # a snapshot retired
    calls = []
    report = warmup.warm(engine(), {"ecran.valeur": lambda scope, *a: calls.append(a)})
    assert calls == [("taux_vacance", S3.isoformat())]
    assert dict(report.skipped) == {"photographie sans équivalent": 1}


def test_the_same_view_kept_in_both_states_is_asked_once_and_the_budget_bounds_the_rest(
    published,
):
    root, engine, publish = published
    old = engine()
    for indicator in ("taux_vacance", "nb_logements", "nb_menages"):
        keep(old, "ecran.valeur[x]", MANAGER, indicator, S2.isoformat())
    publish()
    new = engine()
    keep(new, "ecran.valeur[x]", MANAGER, "taux_vacance", S3.isoformat())  # already asked
    calls = []
    ticks = itertools.count()  # a clock that moves one second per reading
    report = warmup.warm(
        new,
        {"ecran.valeur": lambda scope, *a: calls.append(a)},
        budget_s=2.5,
        clock=lambda: float(next(ticks)),
    )
    # earliest kept first: taux_vacance, then nb_logements; then the budget is spent
    assert calls == [("taux_vacance", S3.isoformat()), ("nb_logements", S3.isoformat())]
    assert (report.replayed, report.out_of_time, report.skipped["en double"]) == (2, 1, 1)
    assert "1 non posée(s), budget de temps épuisé" in report.summary()


def test_the_command_refuses_a_budget_that_is_not_positive():
    done = subprocess.run(
        [sys.executable, "-m", "warmup", "--budget", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2 and "--budget doit être positif : 0" in done.stderr
