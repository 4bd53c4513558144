"""How long one EPCI's bilan takes: ``python -m reports.timing --root DIR [--repeat N]``.

`make bench` (queries/bench) runs this in a fresh process and reports the median against the
target of issue 17 (one EPCI bilan on the demo data ≤ 5 s). The engine is opened first and not
timed (the portal keeps it open); each timed run gathers every figure and typesets the PDF, for a
partner of the EPCI and for an internal role limited to it. Prints JSON on its last line.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import time
from pathlib import Path

from queries.engine import open_engine
from queries.evaluate import evaluate
from reports.bilan import bilan_pdf
from semantic.catalogue import load_catalogue
from semantic.scope import Scope

MAX_BILAN_S = 5.0  # issue 17: one EPCI's bilan on the demo data


def _largest_epci(engine) -> str:
    counts = evaluate(engine, "nb_logements", Scope.internal(), by=["epci"])
    return str(counts.sort_values(["effectif", "epci"], ascending=[False, True]).iloc[0]["epci"])


def time_bilan(root: Path, repeat: int = 3, epci: str | None = None) -> dict:
    """Median seconds of a bilan for a partner and for an internal role, with the page count."""
    engine = open_engine(root)
    try:
        catalogue = load_catalogue()
        epci = epci or _largest_epci(engine)
        readers = {
            "partenaire": Scope("partenaire", epci=(epci,)),
            "interne": Scope("manager", epci=(epci,)),
        }
        out: dict = {"epci": epci, "repeat": repeat, "limit_s": MAX_BILAN_S}
        for name, scope in readers.items():
            bilan_pdf(engine, scope, epci, catalogue=catalogue)  # warm-up
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                _, pdf = bilan_pdf(engine, scope, epci, catalogue=catalogue)
                times.append(time.perf_counter() - started)
            out[f"{name}_s"] = statistics.median(times)
            out[f"{name}_pages"] = len(re.findall(rb"/Type /Page(?!s)", pdf))
            out[f"{name}_octets"] = len(pdf)
        return out
    finally:
        engine.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m reports.timing", description=__doc__)
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--epci", help="EPCI du bilan (défaut : le plus gros de la racine)")
    args = parser.parse_args(argv)
    print("\n" + json.dumps(time_bilan(args.root, args.repeat, args.epci)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
