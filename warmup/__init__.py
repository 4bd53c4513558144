"""Warming a newly published state: the answers people asked for in the state before, asked
again of the new one, so that the first page loads after a publication read kept answers
instead of computing (issue 18: a national dashboard computes in 5 to 7 s, reads in 0.1 s).

Each answer a server process keeps (queries.answers) has its request beside it: the screens'
function, the scope key, the arguments, and the snapshots of the state it was asked of. Warming
asks each request again through the same function (ui.shared.data.SCOPED), so the new answer is
named and kept exactly as a page would name it. A snapshot among the arguments moves with the
publication: the latest snapshot of the old state becomes the latest of the new one, the one
before it the one before, and so on (a dashboard opened on the latest photographie is warmed on
the new latest). Requests are asked again in the order they were first kept, so the default
views, opened first after the previous publication, come first; a time budget bounds the whole.

This package sits above ui/ (it imports every screen module, so that every cached function is
known), like pages/; `python -m warmup` runs it, and `peuplement import` runs that command after
building the engine of the state it published.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import pkgutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from queries.answer_names import encode
from queries.answers import Asked, asked
from queries.engine import Engine
from semantic.scope import Scope

# What Streamlit logs when its caches are defined and called outside a server, as here: expected,
# so dropped (any other message still shows). Installed before the screens are imported, since
# defining a cached function already logs. A filter, not a level: Streamlit sets its loggers'
# level again from its configuration whenever that is read.
BARE_MODE_LOGGERS = (
    "streamlit.runtime.caching.cache_data_api",
    "streamlit.runtime.caching.cache_resource_api",
    "streamlit.runtime.scriptrunner_utils.script_run_context",
)
BARE_MODE_MESSAGES = ("No runtime found", "missing ScriptRunContext")


def _expected_here(record: logging.LogRecord) -> bool:
    message = record.getMessage()
    return not any(known in message for known in BARE_MODE_MESSAGES)


for _name in BARE_MODE_LOGGERS:
    logging.getLogger(_name).addFilter(_expected_here)

import ui  # noqa: E402  (after the filter: importing the screens defines their caches)
from ui.shared import data  # noqa: E402

DEFAULT_BUDGET_S = 300.0


@dataclass
class Warmed:
    """What a warming did: requests found, asked again, left out (by reason), time spent."""

    found: int = 0
    replayed: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    out_of_time: int = 0  # requests not asked again: the budget was spent

    def summary(self) -> str:
        left = ", ".join(f"{n} {why}" for why, n in sorted(self.skipped.items()))
        text = (
            f"Préchauffage : {self.replayed} requête(s) posée(s) à nouveau sur {self.found} "
            f"gardée(s), en {self.seconds:.1f} s"
        )
        if left:
            text += f" ; laissées de côté : {left}"
        if self.out_of_time:
            text += f" ; {self.out_of_time} non posée(s), budget de temps épuisé"
        return text + "."


class _Gone(Exception):
    """A snapshot of the old state that has no counterpart in the new one."""


def load_screens() -> None:
    """Import every module of ui/: each `data.scoped` function registers itself on import."""
    for module in pkgutil.walk_packages(ui.__path__, "ui."):
        importlib.import_module(module.name)


def moved(value: object, before: tuple[dt.date, ...], now: tuple[dt.date, ...]) -> object:
    """`value` with each snapshot of the state `before` (a date, or its ISO text) replaced by the
    snapshot of the state `now` at the same rank from the latest; _Gone when there is none."""

    def move(day: dt.date) -> dt.date:
        rank = len(before) - 1 - before.index(day)
        if rank >= len(now):
            raise _Gone
        return now[len(now) - 1 - rank]

    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, dt.date):
        return move(value) if value in before else value
    if isinstance(value, str) and len(value) == 10:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            return value
        return move(day).isoformat() if day in before else value
    if isinstance(value, tuple | list | frozenset):
        return type(value)(moved(v, before, now) for v in value)
    if isinstance(value, dict):
        return {k: moved(v, before, now) for k, v in value.items()}
    return value


def warm(
    engine: Engine,
    functions: dict[str, Callable[..., object]],
    budget_s: float = DEFAULT_BUDGET_S,
    clock: Callable[[], float] = time.perf_counter,
) -> Warmed:
    """Ask `engine`'s state again every request kept beside it (see the module's docstring),
    through `functions` (name without digest -> the screens' cached function), until
    `budget_s` seconds are spent."""
    started = clock()
    report = Warmed()
    now = tuple(engine.snapshots)
    seen: set[str] = set()
    for request in asked(engine):
        report.found += 1
        prepared = _prepared(request, functions, now, report)
        if prepared is None:
            continue
        name, call, scope, args, kwargs = prepared
        identity = repr((name, scope.cache_key(), encode(args), encode(kwargs)))
        if identity in seen:  # the same view asked in both states: once is enough
            report.skipped["en double"] += 1
            continue
        seen.add(identity)
        if clock() - started > budget_s:
            report.out_of_time += 1
            continue
        try:
            call(scope, *args, **kwargs)
        # a request the new state cannot answer (an indicator, a territory gone): its user will
        # see why on the page; warming goes on with the others
        except Exception:
            report.skipped["erreur"] += 1
            continue
        report.replayed += 1
    report.seconds = clock() - started
    return report


def _prepared(
    request: Asked,
    functions: dict[str, Callable[..., object]],
    now: tuple[dt.date, ...],
    report: Warmed,
) -> tuple[str, Callable[..., object], Scope, tuple, dict] | None:
    """The function's name (without the digest of its source) and the function, the scope and
    the moved arguments of `request`; None (counted) when it cannot be asked again.
    ui.shared.data's requests are (scope key, objectifs state, *arguments): the objectifs state
    is the new one's, taken again by the call."""
    name = request.function.split("[")[0]
    call = functions.get(name)
    if call is None:  # a function renamed or removed since
        report.skipped["fonction inconnue"] += 1
        return None
    if len(request.args) < 2 or not isinstance(request.args[0], str):
        report.skipped["requête illisible"] += 1
        return None
    try:
        scope = Scope.of_cache_key(request.args[0])
    except ValueError:
        report.skipped["requête illisible"] += 1
        return None
    try:
        args = moved(request.args[2:], request.snapshots, now)
        kwargs = moved(request.kwargs, request.snapshots, now)
    except _Gone:
        report.skipped["photographie sans équivalent"] += 1
        return None
    assert isinstance(args, tuple) and isinstance(kwargs, dict)
    return name, call, scope, args, kwargs


def warm_configured_root(budget_s: float = DEFAULT_BUDGET_S) -> Warmed:
    """`warm` on the configured data root's engine (PEUPLEMENT_DATA_DIR), every screen loaded."""
    load_screens()
    return warm(data.engine(), data.SCOPED, budget_s)
