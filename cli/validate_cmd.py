"""`peuplement validate [DATA_ROOT]`: check a data root against the data contract.

Prints every problem, grouped by file, then the warnings (data that can be read but looks wrong,
e.g. a ceiling lower than the year before), then one summary line. Exit code 0 when the root follows
the contract (warnings or not), 1 when it has problems, 2 when DATA_ROOT is not a folder.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.main import CliArgumentError
from ingest.validate import check_root, format_problems, summary
from queries.settings import DATA_DIR_ENV, default_data_root


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="vérifie un dossier de données (Parquet) par rapport au contrat de données",
        description="Vérifie les fichiers de référence, chaque photographie et objectifs.yaml; "
        "signale tous les problèmes d'un coup (fichier, colonne, règle, exemples, nombre de lignes).",
    )
    parser.add_argument(
        "data_root",
        metavar="DATA_ROOT",
        nargs="?",
        type=Path,
        help=f"dossier de données (défaut: ${DATA_DIR_ENV}, sinon les données de démonstration)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root: Path = args.data_root or default_data_root()
    if not root.exists():
        raise CliArgumentError(f"dossier de données introuvable: {root}")
    if not root.is_dir():
        raise CliArgumentError(f"{root} n'est pas un dossier de données")
    report = check_root(root)
    if report.problems:
        print(format_problems(report.problems))
    if report.warnings:
        print("Avertissements (les données restent utilisables; vérifiez-les):")
        print(format_problems(report.warnings))
    print(summary(report))
    return 1 if report.problems else 0
