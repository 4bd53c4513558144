"""The data roots benchmarked: generated when missing, then every method run on each."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

from dataroot.contract import LOGEMENTS
from dataroot.layout import table_path
from queries.bench.questions import METHODS, QUESTIONS
from queries.bench.report import disagreements
from queries.bench.workers import run_subprocess
from queries.engine import list_snapshots
from queries.settings import PROJECT_ROOT

NATIONAL_DATA_ROOT = PROJECT_ROOT / "data" / "national"  # git-ignored, generated on first use
# The national root on every commune of France (--national-geographie france), git-ignored too.
NATIONAL_FRANCE_DATA_ROOT = PROJECT_ROOT / "data" / "national-france"
NATIONAL_SEED = 1
# Kept here rather than imported from ingest/ (the demo generator is imported only when a root
# must be written): the territory module's choices and the import's default output.
GEOGRAPHIES = ("isere", "france")
DEFAULT_OUTPUT = PROJECT_ROOT / "data" / "france" / "communes.parquet"


def logements_count(root: Path) -> int:
    """Dwellings of the latest snapshot (from the Parquet footer, without reading the data)."""
    latest = list_snapshots(root)[-1].isoformat()
    return pq.ParquetFile(table_path(root, LOGEMENTS, latest)).metadata.num_rows


def ensure_root(
    root: Path,
    logements: int | None,
    snapshots: int | None,
    seed: int,
    communes_file: Path | None = None,
) -> float | None:
    """Generate `root` when it has no snapshot (or, if `logements` is given, not that many
    dwellings or, if `snapshots` is given too, not that many snapshots); seconds spent
    generating, None when it was already there. `communes_file`: the national geography."""
    from ingest.demo import generate  # only when data must be written

    found = list_snapshots(root)
    if found and (
        logements is None
        or (logements_count(root) == logements and (snapshots is None or len(found) == snapshots))
    ):
        return None
    kwargs: dict = {"seed": seed}
    if logements is not None:
        kwargs.update(logements=logements, snapshots=snapshots)
    if communes_file is not None:
        kwargs.update(communes_file=communes_file)
    _say(f"génération de {root} ({kwargs})…")
    report = generate(root, overwrite=True, **kwargs)
    _say(report.summary())
    return report.seconds


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_root(
    label: str, root: Path, repeat: int, run: Callable[[str, Path, int], dict] = run_subprocess
) -> dict:
    """Every method on one root (`run` runs a worker: a fresh process by default), results
    checked against the semantic layer."""
    info = {
        "label": label,
        "root": str(root),
        "snapshots": len(list_snapshots(root)),
        "logements": logements_count(root),
        "workers": {},
    }
    for kind in METHODS:
        _say(f"{label} · {kind}…")
        info["workers"][kind] = run(kind, root, repeat)
    results = {k: w.pop("results") for k, w in info["workers"].items()}
    info["groups"] = {q: len(results["semantic"][q]) for q in QUESTIONS}
    info["disagreements"] = {
        k: disagreements(results["semantic"], results[k]) for k in METHODS if k != "semantic"
    }
    return info
