"""The one cache layer of the screens: one engine per data root, results per scope.

Screens cache a call to the query layer by decorating it with `scoped`: its answer is keyed on the
user's scope key, the data version (root and snapshot list) and the state of objectifs.yaml, plus
the call's own arguments. Two users with different scopes never share an answer; an answer computed
from an older state of the data or of the targets never returns.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import ParamSpec, TypeVar

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

import dataroot
from dataroot.location import default_data_root
from queries.alerts import mixite_alerts as _mixite_alerts
from queries.alerts import target_trends as _target_trends
from queries.answers import remembered
from queries.engine import Engine, get_engine
from queries.engine import data_version as published_version
from queries.evaluate import evaluate
from queries.forecast.outlook import Outlooks, residence_outlooks
from queries.forecast.projection import year_end as _year_end
from queries.members import members
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import Scope

# Cached answers per indicator request; enough for every screen of a few dozen concurrent users.
MAX_CACHED_RESULTS = 512
# Data roots change when an admin loads a snapshot; the engine key (snapshot list) notices that,
# and this bounds how long an answer computed from an older engine is kept in memory.
RESULT_TTL_SECONDS = 3600

Where = Mapping[str, Iterable] | None


def engine() -> Engine:
    """The engine of the configured data root, rebuilt when its published state changes (a new,
    replaced or retired snapshot, new reference tables). The state is read once per page run: a
    page draws from one state of the data, and dozens of cached calls cost one folder scan."""
    root = str(default_data_root())
    return _engine(root, _version_this_run(root))


def _version_this_run(root: str) -> str:
    """The published version of `root`, scanned at the first call of the current script run and
    reused by the later calls of the same run (Streamlit gives each run a fresh `cursors` dict on
    the session's context); scanned at every call outside a script run."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None:
        return repr(published_version(root))
    memo = getattr(ctx, _RUN_MEMO, None)
    if memo is not None and memo[0] is ctx.cursors and memo[1] == root:
        return memo[2]
    version = repr(published_version(root))
    setattr(ctx, _RUN_MEMO, (ctx.cursors, root, version))
    return version


_RUN_MEMO = "_peuplement_data_version"


@st.cache_resource(show_spinner=False, max_entries=2)
def _engine(root: str, version: str) -> Engine:  # `version` is hashed: it is the cache key
    return get_engine(Path(root))


def data_version(eng: Engine) -> str:
    """Part of every cached result's key: answers from an older state of the data never return."""
    return repr(eng.version)


def objectifs_version(eng: Engine) -> str:
    """Local targets are read on every evaluation: their file's state keys cached answers, so an
    edit shows at once in every server process, without reloading the data."""
    return dataroot.objectifs_version(eng.data_root)


P = ParamSpec("P")
R = TypeVar("R")

# Every `scoped` function of the modules imported so far, by module and name (without the digest
# of its source): what warming a newly published state calls again (warmup/).
SCOPED: dict[str, Callable[..., object]] = {}


def scoped(func: Callable[..., R]) -> Callable[..., R]:
    """Cache `func(scope, *args, **kwargs)` per user scope, data version and objectifs version.

    The arguments after the scope are part of the key (Streamlit hashes them), except those whose
    name starts with an underscore (passed through unhashed: the caller vouches that the hashed
    ones identify them). The scope itself is passed unhashed with its `cache_key()` as the key,
    checked again inside, so that a key and a scope describing different users cannot meet.
    """
    digest = hashlib.sha256(inspect.getsource(func).encode()).hexdigest()[:12]

    name = f"{func.__module__}.{func.__qualname__}[{digest}]"

    def run(scope_key: str, version: str, objectifs: str, *args, _scope: Scope, **kwargs) -> R:
        if scope_key != _scope.cache_key():  # the key and the scope must describe the same user
            raise RuntimeError("cache key and scope disagree")
        # not in this process's memory: kept on disk for the published state (every process,
        # every restart), else computed
        request = (scope_key, objectifs, *args)
        named = {k: v for k, v in kwargs.items() if not k.startswith("_")}  # as Streamlit hashes
        return remembered(engine(), name, request, named, lambda: func(_scope, *args, **kwargs))

    # Streamlit names a cache by its function's module, qualified name and source: every `run` has
    # the same source, so each takes the decorated function's name and a digest of its source.
    run.__module__ = func.__module__
    run.__qualname__ = f"{func.__qualname__}[{digest}]"
    cached = st.cache_data(
        show_spinner=False, max_entries=MAX_CACHED_RESULTS, ttl=RESULT_TTL_SECONDS
    )(run)

    @functools.wraps(func)
    def call(scope: Scope, *args, **kwargs) -> R:
        eng = engine()
        key = (scope.cache_key(), data_version(eng), objectifs_version(eng))
        return cached(*key, *args, _scope=scope, **kwargs)

    call.clear = cached.clear  # type: ignore[attr-defined]
    call.runner = cached  # type: ignore[attr-defined]  # the cached function, keys included
    SCOPED[f"{func.__module__}.{func.__qualname__}"] = call
    return call


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
    snap = engine().resolve_snapshot(snapshot).isoformat()
    return _indicator(scope, indicator_id, snap, tuple(by), frozen_where(where), period)


@scoped
def _indicator(
    scope: Scope,
    indicator_id: str,
    snapshot: str,
    by: tuple[str, ...],
    where: tuple[tuple[str, tuple[str, ...]], ...],
    period: str,
) -> pd.DataFrame:
    return evaluate(
        engine(),
        indicator_id,
        scope,
        snapshot=snapshot,
        by=by,
        where={dim: list(values) for dim, values in where} or None,
        period=period,
    )


def targets(scope: Scope, *, snapshot: dt.date | None = None) -> pd.DataFrame:
    """`queries.targets.evaluate_targets` for `scope`, cached per scope."""
    return _targets(scope, engine().resolve_snapshot(snapshot).isoformat())


@scoped
def _targets(scope: Scope, snapshot: str) -> pd.DataFrame:
    return evaluate_targets(engine(), scope, snapshot=dt.date.fromisoformat(snapshot))


@scoped
def epci_names(scope: Scope) -> dict[str, str]:
    """Code → name of the EPCIs of `scope` present in the latest snapshot."""
    found = members(engine(), "epci", scope)
    return dict(zip(found["code"].astype(str), found["libelle"].astype(str), strict=True))


@scoped
def target_trends(scope: Scope, snapshot: str) -> pd.DataFrame:
    """`queries.alerts.target_trends`: each target's indicator over the snapshots."""
    return _target_trends(engine(), scope, snapshot=snapshot)


@scoped
def mixite_alerts(scope: Scope, snapshot: str) -> pd.DataFrame:
    """`queries.alerts.mixite_alerts`: the résidences à enjeu de mixité to watch."""
    return _mixite_alerts(engine(), scope, snapshot=snapshot)


@scoped
def outlooks(scope: Scope) -> Outlooks:
    """`queries.forecast.outlook.residence_outlooks`: the projections of the residences in scope
    (the Fiche résidence and the allocation aid's "départs attendus" share them)."""
    return residence_outlooks(engine(), scope)


@scoped
def year_end(scope: Scope) -> pd.DataFrame:
    """`queries.forecast.projection.year_end`: every ratio target projected to 31 December
    (Objectifs page), from the user's own (for a partner, protected) counts."""
    return _year_end(engine(), load_catalogue(), scope)


def frozen_where(where: Where) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Filters as a cache key (and a request that can be named): by dimension, values as text."""
    if not where:
        return ()
    frozen = []
    for dim, values in sorted(where.items()):
        values = [values] if isinstance(values, str | bool | int) else list(values)
        frozen.append((dim, tuple(str(v) for v in values)))
    return tuple(frozen)
