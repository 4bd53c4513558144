"""A demo data root whose names (communes, EPCI, QPV, residences, buildings) carry the payloads an
attacker would slip into an import: a spreadsheet formula, a Markdown image, a Markdown
`javascript:` link and an HTML tag. Every name starts with the formula (so every export cell that
holds one starts with `=`) and still ends with the real name, so names stay distinct.

`unsafe_markup` lists the payloads as they would read if they reached Markdown or HTML unescaped:
a test fails when one of them is found in what a page renders.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

FORMULA = '=HYPERLINK("http://evil.example/f","x")'
PAYLOAD = (
    f"{FORMULA} ![p](http://evil.example/x.png) <img src=x onerror=alert(1)> "
    "[clic](javascript:alert(1)) "
)
# What a payload looks like once it has built an image, a link or a tag.
UNSAFE_MARKUP = ("![p](http", "](http://evil", "](javascript:", "<img src=x")
# Each name column, by the file that holds it.
NAME_COLUMNS = {
    "territoires": ("nom_commune", "nom_epci"),
    "qpv": ("nom_qpv",),
    "residences": ("nom_residence",),
    "batiments": ("nom_batiment",),
}


def poison(root: Path) -> Path:
    """Prefix every name of the data root with PAYLOAD (in place); returns `root`."""
    for path in sorted(root.rglob("*.parquet")):
        columns = NAME_COLUMNS.get(path.stem)
        if not columns:
            continue
        table = pq.read_table(path)
        for name in columns:
            index = table.schema.get_field_index(name)
            poisoned = pc.binary_join_element_wise(pa.scalar(PAYLOAD), table[name], "")
            table = table.set_column(index, table.schema.field(index), poisoned)
        pq.write_table(table, path)
    return root


def unsafe_markup(text: str) -> list[str]:
    """The payloads that `text` carries unescaped."""
    return [marker for marker in UNSAFE_MARKUP if marker in text]
