"""`peuplement evaluate INDICATOR`: one row per group with valeur, numerateur, denominateur, effectif."""

from __future__ import annotations

from cli.common import add_common, scope_from_args
from cli.main import CliArgumentError
from cli.output import write
from queries.engine import get_engine
from queries.evaluate import evaluate
from queries.sql.builder import PERIODS


def register(sub) -> None:
    p = sub.add_parser("evaluate", help="calculer un indicateur", description=__doc__)
    p.add_argument("indicator", help="identifiant de l'indicateur (voir « peuplement catalogue »)")
    p.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="DIM",
        help="dimension de découpage (répétable)",
    )
    p.add_argument(
        "--where", action="append", default=[], metavar="DIM=V[,V…]", help="filtre (répétable)"
    )
    p.add_argument(
        "--period",
        default="rolling12",
        help=f"période des flux : {' ou '.join(PERIODS)} (12 mois glissants ou année civile en "
        "cours ; pas d'année en cours pour un taux rapporté à un stock, comme la rotation)",
    )
    add_common(p)
    p.set_defaults(run=run)


def parse_where(items: list[str]) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for item in items:
        dim, sep, values = item.partition("=")
        dim = dim.strip()
        listed = [v.strip() for v in values.split(",") if v.strip()]
        if not sep or not dim or not listed:
            raise CliArgumentError(
                f"--where « {item} » : forme attendue DIM=VALEUR[,VALEUR…] (ex. epci=200040715)"
            )
        where.setdefault(dim, []).extend(listed)
    return where


def run(args) -> int:
    where = parse_where(args.where)
    scope = scope_from_args(args)
    engine = get_engine(args.data_dir)
    df = evaluate(
        engine,
        args.indicator,
        scope,
        snapshot=args.snapshot,
        by=args.by,
        where=where,
        period=args.period,
    )
    write(df, args.format)
    return 0
