"""``python -m loadtest --sessions N [N ...] [--root DIR] [--processes P] [--spread S] [--first-visit]
[--browser headless-shell|chromium] [--out FILE]`` (see the package docstring): the portal is
always started here, on loopback."""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from loadtest.proxy import behind_proxy
from loadtest.report import markdown, summary
from loadtest.server import CpuProbe, MachineProbe, ServerProbe, serve
from loadtest.sessions import BROWSERS, PACKAGES, default_browser, run
from queries.settings import DEMO_DATA_ROOT

MAX_SESSIONS = 50
MAX_PROCESSES = 8
MAX_SPREAD_S = 600.0


def _reset(probes: list[CpuProbe]) -> None:
    for probe in probes:
        probe.reset()


@contextmanager
def _servers(state: Path, root: Path, processes: int) -> Iterator[tuple[str, list]]:
    """One server process, or several behind HAProxy (loadtest/proxy.py)."""
    if processes == 1:
        with serve(state, root) as (base_url, process):
            yield base_url, [process]
    else:
        with behind_proxy(state, root, processes) as (base_url, servers):
            yield base_url, servers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest", description=__doc__)
    parser.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30])
    parser.add_argument("--root", type=Path, default=DEMO_DATA_ROOT, help="racine de données")
    parser.add_argument("--out", type=Path, help="écrit aussi FICHIER.json")
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="processus serveur derrière HAProxy, sessions collantes (défaut : 1, sans proxy)",
    )
    parser.add_argument(
        "--first-visit",
        action="store_true",
        help="navigateurs neufs : les fichiers du portail sont téléchargés pendant la visite "
        "mesurée (par défaut : navigateurs qui ont déjà visité les mêmes pages, sans mesure, "
        "puis se sont déconnectés)",
    )
    parser.add_argument(
        "--draw-maps",
        action="store_true",
        help="les sessions restent sur la Carte jusqu'au premier dessin de la carte, mesuré à "
        "part (« Carte dessinée ») ; ici ce dessin se fait en WebGL logiciel, sur les cœurs du "
        "serveur (par défaut : la session s'arrête quand la Carte est prête)",
    )
    parser.add_argument(
        "--spread",
        type=float,
        default=0.0,
        metavar="S",
        help="arrivées étalées : les sessions commencent à intervalles réguliers sur S secondes "
        "(défaut : 0, toutes au même instant)",
    )
    parser.add_argument(
        "--browser",
        choices=list(BROWSERS),
        default=default_browser(),
        help="navigateur des sessions (défaut : headless-shell s'il est installé, sinon chromium)",
    )
    args = parser.parse_args(argv)
    if not 0 <= args.spread <= MAX_SPREAD_S:
        parser.error(f"--spread : entre 0 et {MAX_SPREAD_S:g} secondes")
    if any(not 1 <= n <= MAX_SESSIONS for n in args.sessions):
        parser.error(f"--sessions : entre 1 et {MAX_SESSIONS}")
    if not 1 <= args.processes <= MAX_PROCESSES:
        parser.error(f"--processes : entre 1 et {MAX_PROCESSES}")
    browser_path = BROWSERS[args.browser]
    if not Path(browser_path).exists():
        parser.error(f"{browser_path} introuvable : apt-get install {PACKAGES[args.browser]}")
    reports = []
    for sessions in args.sessions:
        with (
            tempfile.TemporaryDirectory(prefix="peuplement-load-") as state,
            _servers(Path(state), args.root, args.processes) as (base_url, processes),
        ):
            probes = [ServerProbe(process.pid) for process in processes]
            machine = MachineProbe()
            for _ in processes:  # warm: the engine and caches of one scope, in each process
                asyncio.run(run(base_url, 1, browser_path=browser_path))

            results = asyncio.run(
                run(
                    base_url,
                    sessions,
                    browser_path=browser_path,
                    returning=not args.first_visit,
                    draw_maps=args.draw_maps,
                    on_start=functools.partial(_reset, [*probes, machine]),
                    spread_s=args.spread,
                )
            )
            found = summary(
                results,
                sessions,
                sum(probe.cpu_seconds() for probe in probes),
                max(probe.peak_rss_mb() for probe in probes),
                machine_cpu_s=machine.cpu_seconds(),
                wall_s=machine.wall_seconds(),
                spread_s=args.spread,
            )
            found["visitors"] = "premiers visiteurs" if args.first_visit else "habitués"
            found["maps_drawn"] = args.draw_maps
            found["processes"] = args.processes
            found["browser"] = args.browser
        print(markdown(found) + "\n", flush=True)
        reports.append(found)
    if args.out:
        args.out.write_text(json.dumps(reports, indent=2, ensure_ascii=False), encoding="utf-8")
    return 1 if any(r["errors"] for r in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
