"""`peuplement demo --out DIR`: write a complete demo data root (fictional bailleur, Grenoble area).

Refuses to write into an existing non-empty DIR unless --force; the new root replaces the old one
in a single rename once everything is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.main import CliArgumentError
from ingest.demo import generate
from ingest.demo.generation import MIN_LOGEMENTS
from ingest.demo.writer import is_empty_dir


def positive_int(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"nombre entier attendu, reçu « {text} »") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"au moins {minimum}, reçu {value}")
        return value

    return parse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="génère un jeu de données de démonstration complet (bailleur fictif, Isère)",
        description="Génère un dossier de données conforme au contrat : référentiels, "
        "photographies trimestrielles et objectifs.yaml. Même graine, mêmes fichiers.",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="dossier à créer")
    parser.add_argument(
        "--logements",
        type=positive_int(MIN_LOGEMENTS),
        default=20000,
        metavar="N",
        help="nombre de logements (défaut : 20000)",
    )
    parser.add_argument(
        "--snapshots",
        type=positive_int(1),
        default=13,
        metavar="K",
        help="nombre de photographies trimestrielles (défaut : 13, de 2023-09-30 à 2026-09-30)",
    )
    parser.add_argument(
        "--seed", type=int, default=42, metavar="S", help="graine aléatoire (défaut : 42)"
    )
    parser.add_argument(
        "--force", action="store_true", help="remplace DIR s'il existe et n'est pas vide"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CliArgumentError(f"{out} existe et n'est pas un dossier")
    if out.exists() and not is_empty_dir(out) and not args.force:
        raise CliArgumentError(
            f"{out} existe et n'est pas vide : choisissez un autre dossier ou ajoutez --force "
            "pour le remplacer"
        )
    report = generate(
        out,
        logements=args.logements,
        snapshots=args.snapshots,
        seed=args.seed,
        overwrite=args.force,
    )
    print(report.summary())
    return 0
