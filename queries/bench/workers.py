"""The workers: one method loads the data its own way, then every question is timed.

A worker runs in a fresh process (run_subprocess) so that its load time and peak memory are its
own; it prints its measures as JSON on its last line of output.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from dataroot.contract import TABLES
from dataroot.layout import table_path
from queries.answers import remembered
from queries.bench.pandas_questions import _pandas_question, read_frames
from queries.bench.questions import (
    DASHBOARD_HEADLINE,
    DASHBOARD_KPI_TABLE,
    ENRICHED_COLUMNS,
    ENRICHED_SQL,
    METHODS,
    QUESTIONS,
    RAW_COLUMNS,
    RAW_SQL,
    _bound,
    hand_sql,
    rolling_period,
)
from queries.comparisons import compare
from queries.engine import list_snapshots, open_engine
from queries.evaluate import evaluate
from queries.settings import PROJECT_ROOT
from queries.targets import evaluate_targets
from semantic.catalogue import load_catalogue
from semantic.scope import Scope

SCOPE = Scope.internal("manager")  # national scope: every territory of the root
NULL_KEY = "∅"  # a group whose code is null
MIN_TIMED_S, MAX_RUNS = 0.5, 200  # a few-millisecond call is timed more often than `repeat`
PAIRED_RUNS = 3  # x repeat alternated pairs: one noisy pair must not decide a ratio


def as_results(df: pd.DataFrame, code: str = "code") -> dict[str, float | None]:
    """code -> value of one result table (codes as text, nulls as None)."""
    return {
        NULL_KEY if pd.isna(k) else str(k): None if pd.isna(v) else float(v)
        for k, v in zip(df[code].tolist(), df["valeur"].tolist(), strict=True)
    }


def _median_time(
    call: Callable[[], object], repeat: int, min_timed_s: float = MIN_TIMED_S
) -> tuple[float, object]:
    """Warm median after one warm-up run (whose result is returned): at least `repeat` runs, more
    for short calls until `min_timed_s` is spent, so that millisecond medians are stable."""
    result = call()
    times: list[float] = []
    while len(times) < repeat or (sum(times) < min_timed_s and len(times) < MAX_RUNS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _paired_ratio(
    a: Callable[[], object], b: Callable[[], object], repeat: int, min_timed_s: float
) -> float:
    """median(a) / median(b) with a and b run alternately in one process: drift of the machine
    (other processes, CPU frequency) hits both sides alike, which separate processes cannot
    promise for calls of a few milliseconds."""
    a(), b()
    ta: list[float] = []
    tb: list[float] = []
    while len(ta) < PAIRED_RUNS * repeat or (
        sum(ta) + sum(tb) < min_timed_s and len(ta) < MAX_RUNS
    ):
        for call, times in ((a, ta), (b, tb)):
            started = time.perf_counter()
            call()
            times.append(time.perf_counter() - started)
    return statistics.median(ta) / statistics.median(tb)


def _semantic_call(engine, question: str, scope: Scope = SCOPE) -> Callable[[], pd.DataFrame]:
    """What the portal does for a question: evaluate() on the latest snapshot (national scope
    unless another is given)."""
    indicator, dim = question.split("/")
    return lambda: evaluate(engine, indicator, scope, by=[dim])


def _largest_epci(engine) -> str:
    """The EPCI with the most dwellings: the partner scope whose queries cost the most."""
    counts = evaluate(engine, "nb_logements", SCOPE, by=["epci"])
    return str(counts.sort_values(["effectif", "epci"], ascending=[False, True]).iloc[0]["epci"])


def _dashboard(engine, catalogue, kept: bool = False) -> dict[str, float]:
    """One dashboard page load; seconds per part. `kept`: each answer goes through the published
    state's answers (queries.answers) as the screens' do, read from disk once kept."""

    def ask(name: str, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        if not kept:
            return compute()
        return remembered(engine, f"bench/{name}", (SCOPE.cache_key(),), {}, compute)

    parts = {}
    started = time.perf_counter()
    for ind in DASHBOARD_HEADLINE:
        ask(ind, lambda i=ind: evaluate(engine, i, SCOPE, by=["epci"], catalogue=catalogue))
    parts["headline"] = time.perf_counter() - started
    started = time.perf_counter()
    for ind in DASHBOARD_KPI_TABLE:
        ask(
            f"compare/{ind}",
            lambda i=ind: compare(engine, i, SCOPE, by=["epci"], catalogue=catalogue),
        )
    parts["kpi_table"] = time.perf_counter() - started
    started = time.perf_counter()
    ask("objectifs", lambda: evaluate_targets(engine, SCOPE, catalogue=catalogue))
    parts["targets"] = time.perf_counter() - started
    parts["total"] = sum(parts.values())
    return parts


def run_worker(kind: str, root: Path, repeat: int, min_timed_s: float = MIN_TIMED_S) -> dict:
    """Load the data the way `kind` does, then time every question (and, for the semantic layer,
    the dashboard set). Returns load time, warm medians, results and this process's peak RSS."""
    root = Path(root)
    snapshot = list_snapshots(root)[-1]
    start, end = rolling_period(snapshot)
    out: dict = {
        "method": kind,
        "root": str(root),
        "snapshot": snapshot.isoformat(),
        "repeat": repeat,
    }
    load_average = [os.getloadavg()[0]]  # other processes on the machine skew wall times
    started = time.perf_counter()
    if kind in ("semantic", "sql_enriched"):
        engine = open_engine(root)
        catalogue = load_catalogue()
    elif kind == "sql_raw":
        con = duckdb.connect(config={"threads": 2})
        con.execute("SET enable_progress_bar = false")
        paths = {t: str(table_path(root, TABLES[t], snapshot.isoformat())) for t in TABLES}
    elif kind == "pandas":
        frames = read_frames(root, snapshot)
    else:
        raise ValueError(f"méthode inconnue : {kind} (méthodes : {', '.join(METHODS)})")
    out["load_s"] = time.perf_counter() - started
    out["rss_after_start_mib"] = rss_mib()  # what a server process holds once started
    values = {"snapshot": snapshot, "debut": start, "fin": end, "annee": snapshot.year}
    calls: dict[str, Callable[[], pd.DataFrame]] = {}
    for q in QUESTIONS:
        if kind == "semantic":
            calls[q] = _semantic_call(engine, q)
        elif kind == "sql_enriched":
            sql = hand_sql(ENRICHED_SQL, ENRICHED_COLUMNS, q)
            calls[q] = lambda s=sql: engine.cursor().execute(s, _bound(s, values)).df()
        elif kind == "sql_raw":
            sql = hand_sql(RAW_SQL, RAW_COLUMNS, q)
            calls[q] = lambda s=sql: con.execute(s, _bound(s, {**paths, **values})).df()
        else:
            calls[q] = lambda q=q: _pandas_question(frames, q, snapshot)
    out["timings"], out["results"] = {}, {}
    for q, call in calls.items():
        out["timings"][q], df = _median_time(call, repeat, min_timed_s)
        out["results"][q] = as_results(df, q.split("/")[1] if kind == "semantic" else "code")
    if kind == "sql_enriched":  # the builder's overhead measured pairwise, same process
        out["paired_ratio"] = {
            q: _paired_ratio(_semantic_call(engine, q), call, repeat, min_timed_s)
            for q, call in calls.items()
        }
    if kind == "semantic":  # the secrecy's cost: a partner against an internal role, one EPCI
        epci = _largest_epci(engine)
        out["partner_epci"] = epci
        out["partner_ratio"] = {
            q: _paired_ratio(
                _semantic_call(engine, q, Scope("partenaire", epci=(epci,))),
                _semantic_call(engine, q, Scope("manager", epci=(epci,))),
                repeat,
                min_timed_s,
            )
            for q in QUESTIONS
        }
        _dashboard(engine, catalogue)  # warm-up
        runs = [_dashboard(engine, catalogue) for _ in range(repeat)]
        out["dashboard"] = {part: statistics.median(r[part] for r in runs) for part in runs[0]}
        # the same load once its answers are kept for the published state (the first load after
        # a publication computes and keeps them, untimed); read from disk at each load
        _dashboard(engine, catalogue, kept=True)
        runs = [_dashboard(engine, catalogue, kept=True) for _ in range(repeat)]
        out["dashboard_kept"] = {p: statistics.median(r[p] for r in runs) for p in runs[0]}
    out["peak_rss_mib"] = peak_rss_mib()
    out["load_average"] = [*load_average, os.getloadavg()[0]]
    return out


def rss_mib() -> float:
    """This process's resident memory now (VmRSS)."""
    return _status_mib("VmRSS:")


def peak_rss_mib() -> float:
    """This process's peak resident memory. VmHWM belongs to the process's own address space;
    getrusage's ru_maxrss also keeps the parent's peak across fork and exec, which would charge
    a worker with the memory its parent used to generate the national root."""
    found = _status_mib("VmHWM:")
    return found if found >= 0 else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _status_mib(field: str) -> float:
    """A memory line of /proc/self/status in MiB, or -1 where there is none."""
    try:
        with open("/proc/self/status", encoding="utf-8") as status:
            for line in status:
                if line.startswith(field):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return -1.0


def run_bilan_subprocess(root: Path, repeat: int) -> dict:
    """The annual PDF bilan of the root's largest EPCI, timed by `python -m reports.timing` in a
    fresh process (reports/ sits above queries/: run, never imported, from here)."""
    command = [sys.executable, "-m", "reports.timing", "--root", str(root), "--repeat", str(repeat)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"la mesure du bilan sur {root} a échoué (code {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_subprocess(kind: str, root: Path, repeat: int) -> dict:
    """One worker in a fresh process, so that its load time and peak memory are its own."""
    command = [
        sys.executable,
        "-m",
        "queries.bench",
        "--worker",
        kind,
        "--root",
        str(root),
        "--repeat",
        str(repeat),
    ]
    done = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"le worker {kind} sur {root} a échoué (code {done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])  # DuckDB may print progress above
