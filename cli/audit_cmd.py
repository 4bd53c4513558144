"""`peuplement audit export`: the audit trail of the state store as JSON lines, for archiving.

The store is the portal's (PEUPLEMENT_DATABASE_URL, or the SQLite file beside
PEUPLEMENT_AUDIT_FILE), unless --database-url names another. One line per event, oldest first,
the fields of the former audit.jsonl file: ts, user, role, scope, event, details.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from cli.main import CliArgumentError
from store import open_store
from store.audit import export_jsonl, read_events
from store.database import configured_url

# Owner reads and writes, group reads (an auditor account), others nothing.
EXPORT_FILE_MODE = 0o640


def register(sub) -> None:
    p = sub.add_parser("audit", help="journal d'audit (export JSON lines)", description=__doc__)
    actions = p.add_subparsers(dest="audit_action", required=True)
    export = actions.add_parser("export", help="écrire le journal en JSON lines")
    export.add_argument("--out", type=Path, help="fichier à écrire (défaut : la sortie standard)")
    export.add_argument(
        "--since", help="seulement les événements à partir de cet instant (ISO 8601, UTC)"
    )
    export.add_argument("--database-url", help="base d'état (défaut : celle du portail)")
    export.set_defaults(run=run)


def run(args) -> int:
    store = open_store(args.database_url or configured_url(os.environ))
    events = read_events(store, since=_since(args.since))
    if args.out is None:
        export_jsonl(events, sys.stdout)
        return 0
    try:  # an archive is never overwritten
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, EXPORT_FILE_MODE)
    except FileExistsError:
        raise CliArgumentError(
            f"--out : {args.out} existe déjà ; choisissez un autre nom"
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        count = export_jsonl(events, out)
    print(f"{count} événement(s) écrits dans {args.out}", file=sys.stderr)
    return 0


def _since(value: str | None) -> str | None:
    """An ISO instant in the stored form (UTC, +00:00), so that text comparison orders it."""
    if not value:
        return None
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise CliArgumentError(
            f"--since : « {value} » n'est pas une date ISO 8601 (ex. 2026-11-01 ou 2026-11-01T08:00)"
        ) from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(UTC).isoformat(timespec="milliseconds")
