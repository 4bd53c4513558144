"""`peuplement bilan`: the annual PDF bilan of one EPCI (or of the whole stock, for internal
roles), with the figures the reader's scope may see (same rights as on screen)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from cli.common import scope_from_args
from cli.main import CliArgumentError
from queries.engine import get_engine
from reports.bilan import bilan_pdf, file_name
from semantic.scope import ROLES
from store import open_store
from store.concertation import LANDLORD, Actor
from store.database import configured_url
from store.plans import list_plans


def register(sub) -> None:
    p = sub.add_parser(
        "bilan",
        help="bilan annuel en PDF d'un EPCI (ou de tout le patrimoine)",
        description=__doc__,
    )
    p.add_argument(
        "--territoire",
        metavar="EPCI",
        help="code EPCI (9 chiffres) ; sans lui : tout le patrimoine (rôles internes) ou l'EPCI "
        "unique du périmètre",
    )
    p.add_argument(
        "--annee", type=int, metavar="AAAA", help="année civile (défaut : la plus récente)"
    )
    p.add_argument(
        "--snapshot", help="date de photographie AAAA-MM-JJ (défaut : la dernière de l'année)"
    )
    p.add_argument(
        "--data-dir", help="racine des données (défaut : $PEUPLEMENT_DATA_DIR ou data/demo)"
    )
    p.add_argument(
        "--role", choices=ROLES, help="rôle du lecteur (défaut : interne, tout le territoire)"
    )
    p.add_argument(
        "--territoires",
        help="périmètre du lecteur : codes EPCI ou communes, séparés par des virgules",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="FICHIER.pdf",
        help="fichier à écrire (défaut : bilan-ANNEE-EPCI-DATE.pdf dans le dossier courant)",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.out is not None and args.out.suffix.lower() != ".pdf":
        raise CliArgumentError(f"--out « {args.out} » : le fichier doit finir par .pdf")
    engine = get_engine(args.data_dir)
    scope = scope_from_args(args)
    # the reader's action plans, from the portal's state store (PEUPLEMENT_DATABASE_URL or the
    # SQLite file beside PEUPLEMENT_AUDIT_FILE), with the reader's scope
    reader = Actor("peuplement-cli", scope.role, LANDLORD, scope)
    plans = list_plans(open_store(configured_url(os.environ)), reader)
    bilan, pdf = bilan_pdf(
        engine,
        scope,
        args.territoire,
        year=args.annee,
        snapshot=args.snapshot,
        plans=plans,
    )
    out = args.out or Path(file_name(bilan))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    print(
        f"Bilan {bilan.year} — {bilan.territory_name} (photographie du "
        f"{bilan.snapshot:%d/%m/%Y}) écrit dans {out.resolve()} ({len(pdf) // 1024} Ko)"
    )
    return 0
