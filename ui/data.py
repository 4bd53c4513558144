"""Cached calls to the query layer, for pages: one engine per data root, results per scope.

Every cached result is keyed on the indicator, its breakdown and filters, the snapshot, the data
version (root and snapshot list) and the user's scope key: two users with different scopes never
share a cached answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import streamlit as st

import dataroot
from dataroot.location import default_data_root
from queries.engine import Engine, get_engine
from queries.engine import data_version as published_version
from queries.evaluate import evaluate
from queries.members import members
from queries.targets import evaluate_targets
from semantic.scope import Scope

# Cached answers per indicator request; enough for every screen of a few dozen concurrent users.
MAX_CACHED_RESULTS = 512
# Data roots change when an admin loads a snapshot; the engine key (snapshot list) notices that,
# and this bounds how long an answer computed from an older engine is kept in memory.
RESULT_TTL_SECONDS = 3600

Where = Mapping[str, Iterable] | None


def engine() -> Engine:
    """The engine of the configured data root, rebuilt when its published state changes (a new,
    replaced or retired snapshot, new reference tables)."""
    root = default_data_root()
    return _engine(str(root), repr(published_version(root)))


@st.cache_resource(show_spinner=False, max_entries=2)
def _engine(root: str, version: str) -> Engine:  # `version` is hashed: it is the cache key
    return get_engine(Path(root))


def data_version(eng: Engine) -> str:
    """Part of every cached result's key: answers from an older state of the data never return."""
    return repr(eng.version)


def indicator(
    indicator_id: str,
    scope: Scope,
    *,
    snapshot: dt.date | None = None,
    by: Iterable[str] = (),
    where: Where = None,
    period: str = "rolling12",
) -> pd.DataFrame:
    """`queries.evaluate.evaluate` for `scope`, cached per scope."""
    eng = engine()
    return _indicator(
        indicator_id,
        scope.cache_key(),
        eng.resolve_snapshot(snapshot).isoformat(),
        tuple(by),
        _frozen_where(where),
        period,
        data_version(eng),
        _scope=scope,
    )


@st.cache_data(show_spinner=False, max_entries=MAX_CACHED_RESULTS, ttl=RESULT_TTL_SECONDS)
def _indicator(
    indicator_id: str,
    scope_key: str,
    snapshot: str,
    by: tuple[str, ...],
    where: tuple[tuple[str, tuple[str, ...]], ...],
    period: str,
    version: str,
    *,
    _scope: Scope,
) -> pd.DataFrame:
    if scope_key != _scope.cache_key():  # the key and the scope must describe the same user
        raise RuntimeError("cache key and scope disagree")
    return evaluate(
        engine(),
        indicator_id,
        _scope,
        snapshot=snapshot,
        by=by,
        where={dim: list(values) for dim, values in where} or None,
        period=period,
    )


def targets(scope: Scope, *, snapshot: dt.date | None = None) -> pd.DataFrame:
    """`queries.targets.evaluate_targets` for `scope`, cached per scope."""
    eng = engine()
    snap = eng.resolve_snapshot(snapshot).isoformat()
    return _targets(
        scope.cache_key(), snap, data_version(eng), objectifs_version(eng), _scope=scope
    )


def objectifs_version(eng: Engine) -> str:
    """Local targets are read on every evaluation: their file's state keys cached answers, so an
    edit shows at once in every server process, without reloading the data."""
    return dataroot.objectifs_version(eng.data_root)


@st.cache_data(show_spinner=False, max_entries=MAX_CACHED_RESULTS, ttl=RESULT_TTL_SECONDS)
def _targets(
    scope_key: str, snapshot: str, version: str, objectifs: str, *, _scope: Scope
) -> pd.DataFrame:
    if scope_key != _scope.cache_key():
        raise RuntimeError("cache key and scope disagree")
    return evaluate_targets(engine(), _scope, snapshot=dt.date.fromisoformat(snapshot))


def epci_names(scope: Scope) -> dict[str, str]:
    """Code → name of the EPCIs of `scope` present in the latest snapshot."""
    eng = engine()
    return _epci_names(scope.cache_key(), data_version(eng), _scope=scope)


@st.cache_data(show_spinner=False, max_entries=MAX_CACHED_RESULTS, ttl=RESULT_TTL_SECONDS)
def _epci_names(scope_key: str, version: str, *, _scope: Scope) -> dict[str, str]:
    if scope_key != _scope.cache_key():
        raise RuntimeError("cache key and scope disagree")
    found = members(engine(), "epci", _scope)
    return dict(zip(found["code"].astype(str), found["libelle"].astype(str), strict=True))


def _frozen_where(where: Where) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not where:
        return ()
    frozen = []
    for dim, values in sorted(where.items()):
        values = [values] if isinstance(values, str | bool | int) else list(values)
        frozen.append((dim, tuple(str(v) for v in values)))
    return tuple(frozen)
