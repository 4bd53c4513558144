"""Arguments shared by the query sub-commands: data root, snapshot, user scope, format."""

from __future__ import annotations

import argparse
import re

from cli.main import CliArgumentError
from cli.output import FORMATS
from semantic.scope import INTERNAL_ROLES, ROLES, Scope


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", help="racine des données (défaut : $PEUPLEMENT_DATA_DIR ou data/demo)"
    )
    parser.add_argument(
        "--snapshot", help="date de photographie AAAA-MM-JJ (défaut : la plus récente)"
    )
    parser.add_argument(
        "--role",
        choices=ROLES,
        help="rôle de l'utilisateur simulé (défaut : interne, tout le territoire)",
    )
    parser.add_argument(
        "--territoires",
        help="codes EPCI (9 chiffres) ou communes (5 caractères), séparés par des virgules",
    )
    parser.add_argument(
        "--format", choices=FORMATS, default="table", help="format de sortie (défaut : table)"
    )


def scope_from_args(args) -> Scope:
    codes = [c.strip() for c in (args.territoires or "").split(",") if c.strip()]
    epci, communes = [], []
    for code in codes:
        if re.fullmatch(r"\d{9}", code):
            epci.append(code)
        elif re.fullmatch(r"[0-9][0-9AB][0-9]{3}", code):
            communes.append(code)
        else:
            raise CliArgumentError(
                f"--territoires : « {code} » n'est ni un code EPCI (SIREN, 9 chiffres) ni un code commune INSEE (5 caractères)"
            )
    role = args.role or "manager"
    if not codes:
        if role in INTERNAL_ROLES:
            return Scope.internal(role)
        return Scope(role=role)  # a partner without territories sees nothing (deny by default)
    return Scope(role=role, epci=tuple(epci), communes=tuple(communes))
