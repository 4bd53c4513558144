"""`peuplement catalogue`: the indicator catalogue, generated from the definitions."""

from __future__ import annotations

import pandas as pd

from cli.output import write
from semantic.catalogue import load_catalogue


def register(sub) -> None:
    p = sub.add_parser("catalogue", help="lister les indicateurs", description=__doc__)
    p.add_argument("--format", choices=("table", "markdown", "csv", "json"), default="table")
    p.set_defaults(run=run)


def catalogue_frame() -> pd.DataFrame:
    cat = load_catalogue()
    rows = [
        {
            "id": i.id,
            "libelle": i.label,
            "theme": i.theme,
            "unite": i.unit,
            "formule": i.formula,
            "dimensions": ", ".join(cat.supported_dimensions(i.id)),
            "source": i.source,
            # optional inputs of the data contract it needs: without them, "non disponible"
            "donnees_facultatives": ", ".join(i.requires),
            "description": i.description,
        }
        for i in cat.indicators.values()
    ]
    return pd.DataFrame(rows)


def run(args) -> int:
    df = catalogue_frame()
    if args.format == "markdown":
        print(to_markdown(df))
    else:
        write(
            df if args.format != "table" else df.drop(columns=["description", "formule"]),
            args.format,
        )
    return 0


def to_markdown(df: pd.DataFrame) -> str:
    lines = [
        "| id | libellé | unité | formule | dimensions | source | données facultatives |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in df.itertuples():
        lines.append(
            f"| `{r.id}` | {r.libelle} | {r.unite} | {r.formule} | {r.dimensions} | {r.source} "
            f"| {r.donnees_facultatives or '—'} |"
        )
    return "\n".join(lines)
