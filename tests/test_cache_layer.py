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
    engine = types.SimpleNamespace(data_root=tmp_path, version=("v1",))
    monkeypatch.setattr(data, "engine", lambda: engine)
    _answer.clear()
    _other.clear()
    CALLS.clear()
    return engine


def test_same_scope_and_arguments_share_one_answer(root):
    manager = Scope.internal("manager")
    assert _answer(manager, "q") == _answer(manager, "q") == "manager|1||:q"
    assert len(CALLS) == 1


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
    assert CALLS == [("manager|1||", "q", "first")]


def test_a_key_that_does_not_describe_the_scope_is_refused(root):
    manager, partner = Scope.internal("manager"), Scope("partenaire", epci=("200040715",))
    with pytest.raises(RuntimeError, match="cache key and scope disagree"):
        _answer.runner(manager.cache_key(), "v", "o", "q", _scope=partner)
    assert CALLS == []
