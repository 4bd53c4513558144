"""Generate a complete demo data root: reference tables, quarterly snapshots and local targets."""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import numpy as np

from dataroot import contract, layout
from ingest.demo import calibration as cal
from ingest.demo.dates import one_year_before, shift_months, snapshot_dates, to_days
from ingest.demo.demand import build_demands
from ingest.demo.objectives import objectives_yaml
from ingest.demo.propositions import build_propositions
from ingest.demo.snapshot import World, reference_tables, snapshot_tables, static_tables
from ingest.demo.stock import build_stock
from ingest.demo.tenancies import simulate
from ingest.demo.territory import build_territory
from ingest.demo.writer import staged_root, write_table

MIN_LOGEMENTS = 200  # below this, three EPCIs cannot each get residences and attributions


@dataclass(frozen=True)
class GenerationReport:
    out: Path
    snapshots: tuple[date, ...]
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows over all its files
    files: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        tables = ", ".join(
            f"{name} {count:,}".replace(",", " ") for name, count in self.rows.items()
        )
        first, last = self.snapshots[0].isoformat(), self.snapshots[-1].isoformat()
        return (
            f"{self.out}: {self.files} fichiers, {len(self.snapshots)} photographies "
            f"({first} … {last}) en {self.seconds:.1f} s\nlignes écrites : {tables}"
        )


def build_world(
    logements: int, snapshots: list[date], seed: int, communes_file: Path | None = None
) -> World:
    """Simulate everything once; snapshots are then cut from the same world. ``communes_file``:
    the national geography (ingest/france.py); None, the Isère one."""
    # the fifth stream (propositions) came later: the first four draw what they always drew
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(5)]
    first_period_start = to_days(one_year_before(snapshots[0]))
    start = to_days(shift_months(one_year_before(snapshots[0]), -cal.WARM_UP_MONTHS))
    end = to_days(snapshots[-1])
    territory = build_territory(streams[0], communes_file)
    stock = build_stock(streams[1], territory, logements, start)
    history = simulate(streams[2], stock, start, end)
    demands = build_demands(
        streams[3], history.tenancies, stock, territory, first_period_start, start, end
    )
    world = World(territory, stock, history, demands)
    entrants = world.entrants()
    propositions = build_propositions(
        streams[4], entrants, world.ids()["attribution"], len(demands)
    )
    return replace(world, propositions=propositions)


def generate(
    out: Path,
    logements: int = 20000,
    snapshots: int = 13,
    seed: int = 42,
    end: date = date(2026, 9, 30),
    overwrite: bool = False,
    communes_file: Path | None = None,
) -> GenerationReport:
    """Write a demo data root at ``out``: reference/, snapshots/date=…/ and objectifs.yaml.

    The same arguments give byte-identical files. ``out`` must not exist or be empty unless
    ``overwrite``; the root appears at once when everything is written. ``communes_file``: a
    territory table written by ingest/france.py (the national geography) instead of the Isère one.
    """
    if logements < MIN_LOGEMENTS:
        raise ValueError(f"au moins {MIN_LOGEMENTS} logements (reçu {logements})")
    if snapshots < 1:
        raise ValueError(f"au moins une photographie (reçu {snapshots})")
    started = time.perf_counter()
    dates = snapshot_dates(end, snapshots)
    world = build_world(logements, dates, seed, communes_file)
    rows = dict.fromkeys(contract.TABLES, 0)
    files = 0
    with staged_root(Path(out), overwrite) as root:
        for name, table in reference_tables(world, dates[-1]).items():
            write_table(table, layout.table_path(root, contract.TABLES[name]))
            rows[name] += table.num_rows
            files += 1
        static = static_tables(world)
        ids = world.ids()
        for snapshot in dates:
            tables = static | snapshot_tables(world, ids, snapshot)
            for name, table in tables.items():
                write_table(
                    table, layout.table_path(root, contract.TABLES[name], snapshot.isoformat())
                )
                rows[name] += table.num_rows
                files += 1
        yaml_text = objectives_yaml(world.stock.residences, dates[-1].year)
        (root / layout.OBJECTIFS_FILE).write_text(yaml_text, encoding="utf-8")
        files += 1
    return GenerationReport(Path(out), tuple(dates), rows, files, time.perf_counter() - started)
