"""`peuplement objectifs`: every target that applies in scope, with its evaluation.

T1 and T2 are also rated without mutations (columns *_hors_mutations, after the others): no source
settles whether allocations to households already in social housing count for them."""

from __future__ import annotations

from cli.common import add_common, scope_from_args
from cli.output import write
from queries.engine import get_engine
from queries.targets import evaluate_targets

TABLE_COLUMNS = [
    "objectif_id",
    "territoire",
    "filtres",
    "periode",
    "valeur",
    "cible",
    "sens",
    "ecart",
    "statut",
    "manquants",
    "part_necessaire",
    "source",
    "valeur_hors_mutations",
    "statut_hors_mutations",
]


def register(sub) -> None:
    p = sub.add_parser(
        "objectifs",
        help="évaluer les objectifs (T1, T2, T3 et objectifs locaux)",
        description=__doc__,
    )
    add_common(p)
    p.set_defaults(run=run)


def run(args) -> int:
    engine = get_engine(args.data_dir)
    df = evaluate_targets(engine, scope_from_args(args), snapshot=args.snapshot)
    if args.format == "table":
        df = df[TABLE_COLUMNS].copy()
        for col in ("valeur", "ecart", "part_necessaire", "valeur_hors_mutations"):
            df[col] = df[col].map(lambda v: "" if v is None or v != v else f"{v:.3f}")
        df["statut_hors_mutations"] = df["statut_hors_mutations"].fillna("")
    write(df, args.format)
    return 0
