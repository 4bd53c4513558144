"""`peuplement projection INDICATOR --by DIM --horizon N`: expected departures per quarter, the
occupancy trajectory of residences, the ageing of households (share of heads of household aged
75+, under-occupation), active demands and attributions per EPCI and typology, or the year-end
value of the allocation targets.

Same scope and secrecy as `evaluate` (--role, --territoires): every input is an `evaluate`
answer for that user. A method that does not beat its naive baseline in the back-test on the
user's own figures is replaced by the naive value; the `methode` column says which was shown."""

from __future__ import annotations

from cli.common import add_common, scope_from_args
from cli.main import CliArgumentError
from cli.output import write
from queries.engine import get_engine
from queries.forecast.projection import MAX_HORIZON, SUPPORTED, projection


def register(sub) -> None:
    p = sub.add_parser(
        "projection",
        help="projeter un indicateur (départs, trajectoire, objectifs)",
        description=__doc__,
    )
    p.add_argument("indicator", help=f"indicateur projeté : {', '.join(SUPPORTED)}")
    p.add_argument(
        "--by",
        action="append",
        default=[],
        metavar="DIM",
        help="découpage : residence, commune ou epci (départs) ; residence (trajectoire) ; "
        "residence ou epci (vieillissement, part_titulaires_75_plus) ; epci et nb_pieces "
        "(nb_demandes, nb_attributions) ; epci (objectifs)",
    )
    p.add_argument(
        "--horizon",
        type=int,
        default=4,
        help=f"trimestres à projeter, 1 à {MAX_HORIZON} (défaut : 4 ; objectifs : fin d'année ; "
        "vieillissement : 4 à 20, par année)",
    )
    add_common(p)
    p.set_defaults(run=run)


def run(args) -> int:
    if args.snapshot:
        raise CliArgumentError(
            "--snapshot : une projection part toujours de la dernière photographie"
        )
    scope = scope_from_args(args)
    engine = get_engine(args.data_dir)
    df = projection(engine, args.indicator, scope, by=tuple(args.by), horizon=args.horizon)
    write(df, args.format)
    return 0
