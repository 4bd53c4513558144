"""`peuplement import` and `peuplement import-reference`: bring a bailleur's extracts into a data root.

    peuplement import SOURCE_DIR --snapshot AAAA-MM-JJ [--data-dir DIR] [--mapping FICHIER]
                                 [--replace] [--user NOM] [--report FICHIER]
                                 [--sans-prechauffage]
    peuplement import-reference SOURCE_DIR [--data-dir DIR] [--mapping FICHIER] [--user NOM]
                                [--report FICHIER] [--sans-prechauffage]

SOURCE_DIR holds one file per table (logements.csv, menages.xlsx, …; names and formats in
ingest/mappings/rpls.yaml and ingest/importer/reading.py). The files are checked as a whole before
anything is published. Exit code 0: published. 1: problems; every one is printed, and written as CSV
(`;`, UTF-8 with BOM, opens in Excel) to --report FICHIER, by default SOURCE_DIR/rapport_import.csv,
next to the files it describes; nothing is written to the data root. 2: wrong arguments, or a
snapshot date already published without --replace.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from cli.main import CliArgumentError
from ingest.importer import (
    ImportReport,
    PublishRecord,
    import_reference,
    import_snapshot,
    load_mapping,
)
from ingest.importer.publishing import default_user
from ingest.importer.sources import REPORT_FILENAME
from queries.answers import any_asked
from queries.engine import open_engine
from queries.errors import PeuplementError
from queries.settings import DATA_DIR_ENV, PROJECT_ROOT, default_data_root


def register(subparsers: argparse._SubParsersAction) -> None:
    snapshot = subparsers.add_parser(
        "import",
        help="importe une photographie (CSV, XLSX, Parquet ; noms et codes RPLS/OPS/SNE)",
        description="Lit un fichier par table, applique la correspondance des colonnes et des "
        "codes, convertit, vérifie tout par rapport au contrat et aux référentiels, puis publie "
        "la photographie d'un seul coup. Au moindre problème : rapport complet, code 1, rien "
        "n'est écrit.",
    )
    snapshot.add_argument(
        "source", metavar="SOURCE_DIR", type=Path, help="dossier des fichiers à importer"
    )
    snapshot.add_argument(
        "--snapshot", required=True, metavar="AAAA-MM-JJ", help="date d'arrêté de la photographie"
    )
    snapshot.add_argument(
        "--replace",
        action="store_true",
        help="remplace une photographie de même date (l'ancienne est gardée dans archive/)",
    )
    _common(snapshot)
    snapshot.set_defaults(run=run_snapshot)
    reference = subparsers.add_parser(
        "import-reference",
        help="importe des référentiels : territoires, QPV (GeoJSON), plafonds, seuils du 1er quartile",
        description="Remplace les référentiels fournis (les autres sont gardés ; plafonds et seuils "
        "ne remplacent que les années qu'ils apportent), vérifie toute la racine de données avec "
        "eux, puis publie le dossier reference/ d'un seul coup (l'ancien est gardé dans archive/).",
    )
    reference.add_argument(
        "source", metavar="SOURCE_DIR", type=Path, help="dossier des fichiers à importer"
    )
    _common(reference)
    reference.set_defaults(run=run_reference)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=Path,
        metavar="DIR",
        help=f"racine des données (défaut : ${DATA_DIR_ENV}, sinon les données de démonstration)",
    )
    parser.add_argument(
        "--mapping",
        action="append",
        default=[],
        type=Path,
        metavar="FICHIER",
        help="correspondance YAML ajoutée à celle livrée (répétable)",
    )
    parser.add_argument(
        "--user",
        metavar="NOM",
        help="nom enregistré pour la publication (défaut : l'utilisateur du système)",
    )
    parser.add_argument(
        "--report",
        type=Path,
        metavar="FICHIER",
        help=f"rapport CSV des problèmes (défaut : SOURCE_DIR/{REPORT_FILENAME})",
    )
    parser.add_argument(
        "--sans-prechauffage",
        dest="warm",
        action="store_false",
        help="ne pas reposer au nouvel état les requêtes gardées de l'état précédent (par défaut, "
        "elles le sont après la publication : python -m warmup)",
    )


def _source(path: Path) -> Path:
    if not path.is_dir():
        raise CliArgumentError(f"dossier source introuvable : {path}")
    return path


def run_snapshot(args: argparse.Namespace) -> int:
    root = args.data_dir or default_data_root()
    report, record = import_snapshot(
        _source(args.source),
        root,
        args.snapshot,
        mapping=load_mapping(*args.mapping),
        replace=args.replace,
        user=args.user or default_user(),
    )
    return _finish(report, record, args)


def run_reference(args: argparse.Namespace) -> int:
    root = args.data_dir or default_data_root()
    report, record = import_reference(
        _source(args.source),
        root,
        mapping=load_mapping(*args.mapping),
        user=args.user or default_user(),
    )
    return _finish(report, record, args)


def _finish(report: ImportReport, record: PublishRecord | None, args: argparse.Namespace) -> int:
    print(report.text())
    if args.report is not None or not report.ok:
        path = args.report or args.source / REPORT_FILENAME
        try:
            report.write_csv(path)
            print(f"Rapport CSV : {path}")
        except OSError as exc:
            print(
                f"peuplement: rapport CSV non écrit ({exc}) : indiquez --report FICHIER",
                file=sys.stderr,
            )
    if record is None:
        return 1
    print(f"Publié : {report.data_root / record.path} (par {record.user}, {record.published_at}).")
    if record.replaced:
        print(f"Version précédente gardée dans {report.data_root / record.replaced}")
    if _prepare_engine(report.data_root) and args.warm:
        _warm(report.data_root)
    return 0


def _prepare_engine(root: Path) -> bool:
    """Build the engine database of the state just published, once, beside the current one: every
    server process then opens it read-only at its next request instead of building its own.
    Whether answers kept in a state beside it are there to warm the new one with."""
    started = time.perf_counter()
    try:
        engine = open_engine(root)
    except PeuplementError as exc:  # published all the same: the portal will say what is wrong
        print(f"peuplement: moteur non préparé ({exc})", file=sys.stderr)
        return False
    kept = any_asked(engine)
    engine.close()
    print(f"Moteur préparé en {time.perf_counter() - started:.1f} s : {engine.database}")
    return kept


def _warm(root: Path) -> None:
    """Ask the new state the requests kept in the one before (`python -m warmup`, run, not
    imported: it loads the screens), so that the first pages after this publication read kept
    answers. Published all the same if it fails: the pages then compute."""
    command = [sys.executable, "-m", "warmup", "--root", str(Path(root).resolve())]
    done = subprocess.run(command, cwd=PROJECT_ROOT, check=False)
    if done.returncode != 0:
        print(f"peuplement: préchauffage interrompu (code {done.returncode})", file=sys.stderr)
