"""``python -m loadtest.deck [--root DIR]``: the size of the map sent to the browser.

Builds the Carte's deck as the page does (queries.map_data.map_data, then the screen's
build_map, the page's default colours) and prints the size of its JSON — what Streamlit sends
over the WebSocket — for the whole data root (an internal role), for its largest EPCI, and for
one partner's EPCI. Issue 18 asks for at most 5 MB at any scope.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from queries import map_data as map_queries
from queries.engine import open_engine
from queries.members import members
from queries.settings import DEMO_DATA_ROOT
from semantic.scope import Scope
from ui.screens.carte.map_layers import build_map
from ui.shared.labels import departement_label

LIMIT_MB = 5.0


def deck_bytes(engine, scope: Scope, where: dict | None = None) -> tuple[int, float]:
    """(size of the deck's JSON in bytes, seconds to compute the map and build the deck)."""
    began = time.perf_counter()
    md = map_queries.map_data(
        engine,
        scope,
        residence_indicator=map_queries.FRAGILITY,
        commune_indicator="pression_demande",
        where=where,
    )
    built = build_map(
        md,
        residence_indicator=map_queries.FRAGILITY,
        commune_indicator="pression_demande",
        threshold=None,
        scope=scope,
    )
    text = built.deck.to_json()
    return len(text.encode("utf-8")), time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m loadtest.deck", description=__doc__)
    parser.add_argument("--root", type=Path, default=DEMO_DATA_ROOT, help="racine de données")
    args = parser.parse_args(argv)
    engine = open_engine(args.root)
    internal = Scope.internal()
    epcis = members(engine, "epci", internal)
    largest = epcis.sort_values("effectif", ascending=False).iloc[0]
    smallest = epcis.sort_values("effectif").iloc[0]
    departements = members(engine, "departement", internal)
    biggest = departements.sort_values("effectif", ascending=False).iloc[0]
    cases = [
        ("tout le périmètre (interne)", internal, None),
        (
            f"un département : {departement_label(str(biggest['code']))} (interne)",
            internal,
            {"departement": [biggest["code"]]},
        ),
        (f"un EPCI : {largest['libelle']} (interne)", internal, {"epci": [largest["code"]]}),
        (
            f"un partenaire : {smallest['libelle']}",
            Scope("partenaire", epci=(str(smallest["code"]),)),
            None,
        ),
    ]
    print(f"Racine : {args.root} ({len(epcis)} EPCI)\n")
    print("| périmètre | carte envoyée (Mo) | calcul (s) |\n|---|---|---|")
    worst = 0.0
    for label, scope, where in cases:
        size, seconds = deck_bytes(engine, scope, where)
        worst = max(worst, size / 1e6)
        print(f"| {label} | {size / 1e6:.2f} | {seconds:.1f} |")
    print(
        f"\nCible : ≤ {LIMIT_MB:.0f} Mo à tout périmètre ({'atteinte' if worst <= LIMIT_MB else 'manquée'})."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
