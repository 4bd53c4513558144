"""`peuplement plans export`: the action plans of a scope, for the CIL meeting (CSV or XLSX).

The scope is the simulated user's (--role, --territoires, as for `evaluate`): a partner's export
holds only the plans of its territory. The store is the portal's (PEUPLEMENT_DATABASE_URL, or the
SQLite file beside PEUPLEMENT_AUDIT_FILE) unless --database-url names another. Texts typed in the
portal that would start a spreadsheet formula are quoted (semantic.safe_text.spreadsheet_cell).

Beside the followed indicator's value at the plan's creation, the last three columns give its value
now (at the latest snapshot of --data-dir, or --snapshot), the change since creation and the date
of that value, computed in the same scope as the plans (internal by default, like `evaluate`;
empty when the secrecy masks it for a partner, or when no value can be computed). They come last
so that the columns of earlier exports keep their place.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from cli.common import scope_from_args
from cli.main import CliArgumentError
from cli.output import write
from queries.engine import get_engine
from queries.plan_progress import indicator_now, object_territory
from semantic.catalogue import load_catalogue
from semantic.safe_text import spreadsheet_cell
from semantic.scope import ROLES, Scope
from store import open_store
from store.concertation import KINDS, LANDLORD, STATUSES, Actor
from store.database import configured_url
from store.plans import list_plans

FORMATS = ("csv", "xlsx")


def register(sub) -> None:
    p = sub.add_parser("plans", help="plans d'action (export)", description=__doc__)
    actions = p.add_subparsers(dest="plans_action", required=True)
    export = actions.add_parser("export", help="exporter les plans d'action")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument(
        "--out", type=Path, help="fichier (défaut : sortie standard, CSV seulement)"
    )
    export.add_argument("--role", choices=ROLES, help="rôle simulé (défaut : interne)")
    export.add_argument("--territoires", help="codes EPCI ou communes, séparés par des virgules")
    export.add_argument(
        "--statut", action="append", choices=tuple(STATUSES), help="statut(s) retenus"
    )
    export.add_argument("--database-url", help="base d'état (défaut : celle du portail)")
    export.add_argument(
        "--data-dir",
        help="racine des données des valeurs d'aujourd'hui (défaut : $PEUPLEMENT_DATA_DIR ou "
        "data/demo)",
    )
    export.add_argument(
        "--snapshot",
        help="photographie des valeurs d'aujourd'hui AAAA-MM-JJ (défaut : la plus récente)",
    )
    export.set_defaults(run=run)


# Appended after the columns of the first version of the export (their order is kept).
NOW_COLUMNS = ["valeur_aujourd_hui", "evolution_depuis_creation", "valeur_aujourd_hui_au"]


def plans_frame(
    plans, today: dt.date, now: Mapping[int, float | None] | None = None, at: dt.date | None = None
) -> pd.DataFrame:
    """One row per plan; `now`: plan id -> the followed indicator's value at `at` (None: none)."""
    columns = [
        "objet", "sur", "epci", "commune", "plan", "description", "statut", "echeance",
        "en_retard", "organisation", "cree_par", "indicateur", "valeur_a_la_creation",
        "cree_le", "modifie_le",
    ]  # fmt: skip
    rows = [
        [
            KINDS[p.obj.kind],
            p.obj.label,
            p.obj.epci,
            p.obj.commune,
            p.title,
            p.description,
            STATUSES[p.status],
            p.due,
            p.late(today),
            p.organisation,
            p.created_by,
            p.indicator,
            p.value_at_creation,
            p.created_at,
            p.updated_at,
        ]  # fmt: skip
        for p in plans
    ]
    frame = pd.DataFrame(rows, columns=columns)
    now = now or {}
    current = [now.get(p.id) for p in plans]
    frame["valeur_aujourd_hui"] = pd.Series(current, dtype="Float64")
    frame["evolution_depuis_creation"] = pd.Series(
        [
            None if v is None or p.value_at_creation is None else round(v - p.value_at_creation, 10)
            for p, v in zip(plans, current, strict=True)
        ],
        dtype="Float64",
    )
    frame["valeur_aujourd_hui_au"] = [at if v is not None else None for v in current]
    return frame


def values_now(plans, scope: Scope, args) -> tuple[dict[int, float | None], dt.date | None]:
    """The followed indicators' values now, in `scope`; no engine is built when no plan follows
    an indicator (the export of plans alone needs no data root)."""
    followed = [p for p in plans if p.indicator]
    if not followed:
        return {}, None
    engine = get_engine(args.data_dir)
    snapshot = engine.resolve_snapshot(args.snapshot)
    catalogue = load_catalogue()
    found: dict[tuple, float | None] = {}
    now = {}
    for plan in followed:
        territory = object_territory(plan.obj.kind, plan.obj.key, plan.obj.epci, plan.obj.commune)
        key = (plan.indicator, territory)
        if key not in found:
            found[key] = indicator_now(
                engine, scope, plan.indicator, territory, snapshot=snapshot, catalogue=catalogue
            )
        now[plan.id] = found[key]
    return now, snapshot


def run(args) -> int:
    scope = scope_from_args(args)
    reader = Actor("peuplement-cli", scope.role, LANDLORD, scope)
    store = open_store(args.database_url or configured_url(os.environ))
    plans = list_plans(store, reader, statuses=tuple(args.statut or ()))
    now, at = values_now(plans, scope, args)
    df = plans_frame(plans, dt.date.today(), now, at)
    if args.format == "csv":
        if args.out is None:
            write(df, "csv")
        else:
            with args.out.open("w", encoding="utf-8-sig", newline="") as out:
                write(df, "csv", out)
        return 0
    if args.out is None:
        raise CliArgumentError("--format xlsx : indiquez le fichier à écrire avec --out")
    write_xlsx(df, args.out)
    print(f"{len(df)} plan(s) écrits dans {args.out}", file=sys.stderr)
    return 0


def write_xlsx(df: pd.DataFrame, path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = "Plans d'action"
    sheet.append([str(c) for c in df.columns])
    for row in df.itertuples(index=False, name=None):
        sheet.append([_xlsx_cell(v) for v in row])
    book.save(path)


def _xlsx_cell(value):
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return "oui" if value else ""
    if isinstance(value, str):
        return spreadsheet_cell(value)
    return value
