"""`python -m warmup [--root DOSSIER] [--budget SECONDES]`: warm the published state of a data
root (see the package's docstring). `peuplement import` runs it after each publication."""

from __future__ import annotations

import argparse
import os
import sys

from dataroot.location import DATA_DIR_ENV
from semantic.errors import PeuplementError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m warmup",
        description="Pose à nouveau, sur l'état publié d'un dossier de données, les requêtes "
        "gardées de l'état précédent (pages par défaut d'abord), pour que les premières pages "
        "ouvertes après une publication n'aient rien à calculer.",
    )
    parser.add_argument(
        "--root",
        metavar="DOSSIER",
        help="dossier de données (défaut : PEUPLEMENT_DATA_DIR, sinon la démo)",
    )
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        metavar="SECONDES",
        help="temps au-delà duquel aucune requête n'est plus posée (défaut : 300)",
    )
    args = parser.parse_args(argv)
    if args.budget is not None and args.budget <= 0:
        parser.error(f"--budget doit être positif : {args.budget:g}")
    if args.root:
        os.environ[DATA_DIR_ENV] = args.root
    from warmup import DEFAULT_BUDGET_S, warm_configured_root

    try:
        report = warm_configured_root(args.budget or DEFAULT_BUDGET_S)
    except PeuplementError as exc:
        print(f"python -m warmup: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
