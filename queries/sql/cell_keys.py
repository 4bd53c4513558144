"""The SQL of the cell key method that perturbs what partners see (queries/secrecy.py,
docs/secret-statistique.md, ADR 0002 and 0015): one sum per count gives the count and its cell's
key. Used by the indicator builder (queries/sql/builder.py) and the residences' counts
(queries/sql/places.py).
"""

from __future__ import annotations

# Record keys of the cell key method (queries/sql/enrichment.sql). For a partner, every count comes
# with the key of its cell: the sum of its rows' 16-bit keys modulo 2^16, a function of the set of
# rows alone, whatever the query; queries/secrecy.py turns it into the cell's noise. An empty
# cell's key is 0. Each row's `cle_secret` holds 2^KEY_SHIFT + its key, so that one SUM gives both
# the count (the sum >> KEY_SHIFT) and the key (the sum modulo 2^KEY_BITS): a partner's count costs
# one aggregate, not a count and a key (`make bench`, « partenaire / interne »). Exact while a
# cell has fewer than 2^32 rows.
KEY_COLUMN = "cle_secret"
KEY_BITS = 16
KEY_SHIFT = 48


def packed_where(pred: str | None) -> str:
    """The sum of `cle_secret` over the rows where `pred` holds (0 for none). Read it with
    `packed_count` and `packed_key`: written twice with the same text, it is computed once."""
    where = "" if pred is None else f" FILTER (WHERE {pred})"
    return f"COALESCE(SUM({KEY_COLUMN}){where}, 0)"


def packed_count(packed: str) -> str:
    return f"CAST({packed} >> {KEY_SHIFT} AS BIGINT)"


def packed_key(packed: str) -> str:
    return f"CAST({packed} % {2**KEY_BITS} AS BIGINT)"
