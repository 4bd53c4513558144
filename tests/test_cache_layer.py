"""The one cache layer of the screens (ui.shared.data.scoped): an answer is shared by calls with the
same scope, arguments, data version and objectifs.yaml state, and by nothing else."""

from __future__ import annotations

import os
import types

import pytest

from semantic.scope import Scope
from ui.shared import data

CALLS: list[tuple] = []


@data.scoped
def _answer(scope: Scope, question: str, *, _note: str = "") -> str:
    CALLS.append((scope.cache_key(), question, _note))
    return f"{scope.cache_key()}:{question}"


@data.scoped
def _other(scope: Scope, question: str) -> str:
    return f"other:{question}"


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A stand-in engine whose data version the test changes, over a folder with objectifs.yaml."""
    engine = types.SimpleNamespace(data_root=tmp_path, version=("v1",), database=None)
    monkeypatch.setattr(data, "engine", lambda: engine)
    _answer.clear()
    _other.clear()
    CALLS.clear()
    return engine


def test_same_scope_and_arguments_share_one_answer(root):
    manager = Scope.internal("manager")
    assert _answer(manager, "q") == _answer(manager, "q") == "interne|1||:q"
    assert len(CALLS) == 1


def test_internal_roles_of_the_same_territories_share_answers_partners_never(root):
    # internal roles see the same exact figures: one computation serves a direction, a chargée de
    # clientèle and an admin; a partner of the same EPCI sees perturbed, masked figures
    assert _answer(Scope.internal("manager"), "q") == "interne|1||:q"
    assert _answer(Scope.internal("admin"), "q") == "interne|1||:q"
    assert _answer(Scope.internal("charge_clientele"), "q") == "interne|1||:q"
    assert len(CALLS) == 1
    assert _answer(Scope("manager", epci=("200040715",)), "q") == "interne|0|200040715|:q"
    assert _answer(Scope("partenaire", epci=("200040715",)), "q") == "partenaire|0|200040715|:q"
    assert len(CALLS) == 3


def test_scopes_arguments_and_functions_never_share(root):
    voironnais = Scope("partenaire", epci=("200040715",))
    grenoble = Scope("partenaire", epci=("200040715", "200040716"))
    assert _answer(voironnais, "q") == "partenaire|0|200040715|:q"
    assert _answer(grenoble, "q") == "partenaire|0|200040715,200040716|:q"
    assert _answer(voironnais, "r") == "partenaire|0|200040715|:r"
    assert _other(voironnais, "q") == "other:q"  # another function: another cache
    assert len(CALLS) == 3


def test_a_new_data_version_or_objectifs_edit_is_a_new_answer(root):
    manager = Scope.internal("manager")
    _answer(manager, "q")
    root.version = ("v2",)
    _answer(manager, "q")
    targets = root.data_root / "objectifs.yaml"
    targets.write_text("objectifs: []\n", encoding="utf-8")
    _answer(manager, "q")
    os.utime(targets, ns=(1, 1))  # an edit in place: same inode, another modification time
    _answer(manager, "q")
    _answer(manager, "q")
    assert len(CALLS) == 4


def test_underscore_arguments_are_passed_but_not_hashed(root):
    manager = Scope.internal("manager")
    _answer(manager, "q", _note="first")
    _answer(manager, "q", _note="second")
    assert CALLS == [("interne|1||", "q", "first")]


def test_a_key_that_does_not_describe_the_scope_is_refused(root):
    manager, partner = Scope.internal("manager"), Scope("partenaire", epci=("200040715",))
    with pytest.raises(RuntimeError, match="cache key and scope disagree"):
        _answer.runner(manager.cache_key(), "v", "o", "q", _scope=partner)
    assert CALLS == []


def test_the_data_version_is_scanned_once_per_page_run(monkeypatch):
    """Every cached call asks for the engine: the data root is scanned at the first call of a
    script run, reused by the later calls of that run, and scanned again at the next run."""
    scans: list[str] = []
    versions = iter(["v1", "v2", "v3"])

    def scan(root):
        scans.append(root)
        return next(versions)

    run = types.SimpleNamespace(cursors={})
    monkeypatch.setattr(data, "published_version", scan)
    monkeypatch.setattr(data, "get_script_run_ctx", lambda suppress_warning: run)
    assert [data._version_this_run("/r") for _ in range(3)] == ["'v1'"] * 3
    run.cursors = {}  # what Streamlit does when the next run of the session starts
    assert data._version_this_run("/r") == "'v2'"
    assert data._version_this_run("/other") == "'v3'"  # another root is never answered from memo
    assert scans == ["/r", "/r", "/other"]
    monkeypatch.setattr(data, "get_script_run_ctx", lambda suppress_warning: None)
    with pytest.raises(StopIteration):  # outside a script run: scanned at every call
        data._version_this_run("/r")
