"""The one place that writes SQL.

Identifiers come only from the validated definitions (semantic/); every value — filter values,
dates, scope codes, constants of the definitions — is a bound parameter. The SQL is plain enough
for a transpiler (sqlglot) to carry it to another engine: CASE sums, COALESCE, NULLIF, FULL JOIN.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from queries.sql.cell_keys import packed_count, packed_key, packed_where
from semantic.catalogue import Catalogue
from semantic.models import AtLeast, Condition, IndicatorDef
from semantic.scope import Scope

PERIODS = ("rolling12", "ytd")
# Internal period: the rest of the previous calendar year after the snapshot's day and month, used
# to estimate the allocations still to come this year ("same volume as the same months last year").
REST_OF_LAST_YEAR = "reste_annee_n_1"
# Internal period: the calendar quarter to date (the whole quarter on a quarter-end snapshot), used
# by the projections (queries/forecast/) to read quarterly departures and allocations from each
# snapshot's own tables, with the same scope and secrecy as any other count.
QUARTER_TO_DATE = "trimestre_en_cours"


@dataclass(frozen=True)
class Request:
    indicator: str
    snapshot: dt.date
    scope: Scope
    by: tuple[str, ...] = ()
    where: tuple[tuple[str, tuple], ...] = ()  # (dimension, typed values), already checked
    period: str = "rolling12"


@dataclass(frozen=True)
class Statement:
    sql: str
    params: dict = field(default_factory=dict)


def period_bounds(snapshot: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """(exclusive start, inclusive end) of the events counted for a snapshot."""
    if period == "ytd":
        return dt.date(snapshot.year - 1, 12, 31), snapshot
    if period == QUARTER_TO_DATE:  # exclusive start: the last day of the previous quarter
        first_month = 3 * ((snapshot.month - 1) // 3) + 1
        return dt.date(snapshot.year, first_month, 1) - dt.timedelta(days=1), snapshot
    try:
        start = snapshot.replace(year=snapshot.year - 1)
    except ValueError:  # 29 February
        start = snapshot.replace(year=snapshot.year - 1, day=28)
    if period == REST_OF_LAST_YEAR:
        return start, dt.date(snapshot.year - 1, 12, 31)
    return start, snapshot


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.count = 0

    def bind(self, value: object) -> str:
        name = f"p{self.count}"
        self.count += 1
        self.values[name] = value
        return f"${name}"


def build(catalogue: Catalogue, request: Request) -> Statement:
    ind = catalogue.indicator(request.indicator)
    params = _Params()
    start, end = period_bounds(request.snapshot, request.period)
    params.values.update(snapshot=request.snapshot, periode_debut=start, periode_fin=end)
    dims = [(d, catalogue.dimension(d)) for d in request.by]
    header = f"-- indicator: {ind.id}\n-- {ind.label} ({ind.aggregation}, unit: {ind.unit})\n"
    if ind.is_ratio and ind.parts[0].base != ind.parts[1].base:
        body = _cross_base_ratio(catalogue, ind, request, dims, params)
    else:
        body = _single_base(catalogue, ind, request, dims, params)
    sql = header + body
    named = set(re.findall(r"\$(\w+)", sql))  # one scan: a batch binds thousands of values
    used = {k: v for k, v in params.values.items() if k in named}
    return Statement(sql, used)


def _where(catalogue: Catalogue, base: str, request: Request, params: _Params) -> str:
    base_def = catalogue.bases[base]
    parts = ["snapshot_date = $snapshot"]
    if base_def.periode:
        parts.append(f"{base_def.periode} > $periode_debut AND {base_def.periode} <= $periode_fin")
    parts.append(_scope(request.scope, params))
    for dim_id, values in request.where:
        column = catalogue.dimensions[dim_id].column
        parts.append(f"{column} IN ({', '.join(params.bind(v) for v in values)})")
    return "\n    AND ".join(parts)


def _scope(scope: Scope, params: _Params) -> str:
    if scope.national:
        return "TRUE  -- scope: every territory"
    alternatives = []
    if scope.epci:
        alternatives.append(f"code_epci IN ({', '.join(params.bind(c) for c in scope.epci)})")
    if scope.communes:
        alternatives.append(
            f"code_commune IN ({', '.join(params.bind(c) for c in scope.communes)})"
        )
    if not alternatives:
        return "FALSE  -- scope: none (deny by default)"
    return "(" + " OR ".join(alternatives) + ")  -- scope"


def _condition(cond: Condition, params: _Params) -> str:
    col = cond.column
    if cond.op == "is_null":
        return f"{col} IS NULL"
    if cond.op == "not_null":
        return f"{col} IS NOT NULL"
    if cond.op in ("in", "not_in"):
        listed = ", ".join(params.bind(v) for v in cond.value)
        return f"{col} {'NOT IN' if cond.op == 'not_in' else 'IN'} ({listed})"
    if isinstance(cond.value, bool) and cond.op in ("=", "!="):
        # a yes/no test is a predicate, not a value: `col` or `NOT col` (same NULL semantics)
        return col if cond.value == (cond.op == "=") else f"NOT {col}"
    op = "<>" if cond.op == "!=" else cond.op
    return f"{col} {op} {params.bind(cond.value)}"


def _filter(flt, params: _Params) -> str | None:
    """SQL predicate of a filter; None when it keeps every row. An unknown value never matches."""
    parts = []
    for item in flt:
        if isinstance(item, AtLeast):
            parts.append(_at_least(item, params))
        else:
            parts.append(_condition(item, params))
    return " AND ".join(parts) if parts else None


def _at_least(item: AtLeast, params: _Params) -> str:
    """At least k of the conditions hold. "1 of" is an OR and "all of" an AND — the same rows,
    as a NULL condition counts as not holding either way — and read (and run) more simply."""
    conditions = [_condition(c, params) for c in item.of]
    if item.at_least == 1:
        return "(" + " OR ".join(f"({c})" for c in conditions) + ")"
    if item.at_least == len(conditions):
        return "(" + " AND ".join(f"({c})" for c in conditions) + ")"
    hits = " + ".join(f"CASE WHEN {c} THEN 1 ELSE 0 END" for c in conditions)
    return f"({hits}) >= {params.bind(item.at_least)}"


def _count(flt, params: _Params) -> str:
    pred = _filter(flt, params)
    return "COUNT(*)" if pred is None else f"COUNT(*) FILTER (WHERE {pred})"


def _packed(flt, params: _Params) -> str:
    """The sum of `cle_secret` over the rows the filter keeps (0 for none): count and key."""
    return packed_where(_filter(flt, params))


def _perturbed(request: Request) -> bool:
    """The requester sees perturbed counts (partners)."""
    return request.scope.masks_small_cells


def _dim_columns(dims) -> list[str]:
    cols = []
    for dim_id, d in dims:
        cols.append(f"{d.column} AS {dim_id}")
        if d.label_column:  # a function of the code (enrichment.sql): any row's, not the
            # smallest, which costs string comparisons on every row (a quarter of a query)
            cols.append(f"any_value({d.label_column}) AS {dim_id}_libelle")
    return cols


def _dim_aliases(dims) -> list[str]:
    out = []
    for dim_id, d in dims:
        out += [dim_id] + ([f"{dim_id}_libelle"] if d.label_column else [])
    return out


def _group_by(dims, indent: str = "  ") -> str:
    return (f"\n{indent}GROUP BY " + ", ".join(d.column for _, d in dims)) if dims else ""


def _order_by(dims) -> str:
    return ("\nORDER BY " + ", ".join(f"{dim_id} NULLS LAST" for dim_id, _ in dims)) if dims else ""


def _single_base(catalogue, ind: IndicatorDef, request, dims, params) -> str:
    """Ratios and counts aggregate in a CTE and derive `valeur` from it (a partner's: the counts
    and their keys only, `_packed_measures`); a median or mean is one plain SELECT. Measures an
    aggregation has not (numerator and denominator of a count, median or mean) are not selected:
    the result frame gives them as empty columns."""
    base = ind.parts[0].base if ind.is_ratio else ind.own_base
    where = _where(catalogue, base, request, params)
    if ind.aggregation in ("median", "mean"):
        pred = _filter(ind.filter, params)
        expr = ind.column if pred is None else f"CASE WHEN {pred} THEN {ind.column} END"
        func = "AVG" if ind.aggregation == "mean" else "MEDIAN"
        scaled = f"{func}({expr})" + (f" / {params.bind(ind.divide_by)}" if ind.divide_by else "")
        measures = [f"CAST({scaled} AS DOUBLE) AS valeur"]
        if _perturbed(request):  # the count and key of the rows it is computed on, one sum
            packed = packed_where(f"{expr} IS NOT NULL")
            measures += [
                f"{packed_count(packed)} AS effectif",
                f"{packed_key(packed)} AS cle_effectif",
            ]
        else:
            measures.append(f"COUNT({expr}) AS effectif")
        select = ",\n  ".join(_dim_columns(dims) + measures)
        where = where.replace("\n    AND ", "\n  AND ")
        return f"SELECT\n  {select}\nFROM {base}\nWHERE {where}{_group_by(dims, indent='')}{_order_by(dims)}"
    if _perturbed(request):  # one sum per count: the count and its cell's key (cell_keys.py)
        measures, value = _packed_measures(ind, params)
    elif ind.is_ratio:
        numerator, denominator = ind.parts
        measures = [
            f"{_count(numerator.filter, params)} AS numerateur",
            f"{_count(denominator.filter, params)} AS denominateur",
        ]
        value = [
            "CAST(numerateur AS DOUBLE) / NULLIF(denominateur, 0) AS valeur",
            "numerateur, denominateur, denominateur AS effectif",
        ]
    else:  # count
        measures = [f"{_count(ind.filter, params)} AS effectif"]
        value = ["CAST(effectif AS DOUBLE) AS valeur", "effectif"]
    select = ",\n    ".join(_dim_columns(dims) + measures)
    return (
        f"WITH agg AS (\n  SELECT\n    {select}\n  FROM {base}\n"
        f"  WHERE {where}{_group_by(dims)}\n)\n"
        f"SELECT {', '.join(_dim_aliases(dims) + value)}\nFROM agg{_order_by(dims)}"
    )


def _packed_measures(ind: IndicatorDef, params: _Params) -> tuple[list[str], list[str]]:
    """A partner's ratio or count: the aggregates (one sum per count) and the counts and cells'
    keys read from them. No value: queries/secrecy.py computes it from the perturbed counts."""
    parts = ("numerateur", "denominateur") if ind.is_ratio else ("effectif",)
    filters = (ind.parts[0].filter, ind.parts[1].filter) if ind.is_ratio else (ind.filter,)
    measures = [f"{_packed(f, params)} AS paquet_{p}" for p, f in zip(parts, filters, strict=True)]
    value = [
        f"{packed_count(f'paquet_{p}')} AS {p}, {packed_key(f'paquet_{p}')} AS cle_{p}"
        for p in parts
    ]
    return measures, value


def _cross_base_ratio(catalogue, ind: IndicatorDef, request, dims, params) -> str:
    ctes = []
    perturbed = _perturbed(request)
    for name, role, measure in (
        ("num", "numerator", ind.parts[0]),
        ("den", "denominator", ind.parts[1]),
    ):
        if perturbed:  # count and key from one sum (queries/sql/cell_keys.py)
            packed = _packed(measure.filter, params)
            measures = [f"{packed_count(packed)} AS n", f"{packed_key(packed)} AS k"]
        else:
            measures = [_count(measure.filter, params) + " AS n"]
        select = ",\n    ".join(_dim_columns(dims) + measures)
        ctes.append(
            f"{name} AS (\n  -- {role}: base {measure.base}\n  SELECT\n    {select}\n"
            f"  FROM {measure.base}\n  WHERE {_where(catalogue, measure.base, request, params)}{_group_by(dims)}\n)"
        )
    cols = []
    for alias in _dim_aliases(dims):
        cols.append(f"COALESCE(den.{alias}, num.{alias}) AS {alias}")
    counts = ["COALESCE(num.n, 0) AS numerateur", "COALESCE(den.n, 0) AS denominateur"]
    if perturbed:  # no value: queries/secrecy.py computes it from the perturbed counts
        cols += counts + [
            "COALESCE(num.k, 0) AS cle_numerateur",
            "COALESCE(den.k, 0) AS cle_denominateur",
        ]
    else:
        cols += [
            "CAST(COALESCE(num.n, 0) AS DOUBLE) / NULLIF(COALESCE(den.n, 0), 0) AS valeur",
            *counts,
            "COALESCE(den.n, 0) AS effectif",
        ]
    if dims:
        on = " AND ".join(f"den.{i} IS NOT DISTINCT FROM num.{i}" for i, _ in dims)
        join = f"FULL OUTER JOIN num ON {on}"
    else:
        join = "CROSS JOIN num"
    select = ",\n  ".join(cols)
    return f"WITH {', '.join(ctes)}\nSELECT\n  {select}\nFROM den {join}{_order_by(dims)}"


def build_members(
    catalogue: Catalogue,
    dimension: str,
    scope: Scope,
    snapshot: dt.date,
    base: str = "logements",
    where: tuple[tuple[str, tuple], ...] = (),
    per: str | None = None,
) -> Statement:
    """The values of a dimension present in a base for a user's scope (filter option lists);
    with `per`, the values present in each value of that other dimension (column `per`)."""
    dim = catalogue.dimension(dimension)
    for wanted in (dimension, per):
        if wanted is not None and wanted not in catalogue.bases[base].dimensions:
            from semantic.errors import UnsupportedDimensionError

            raise UnsupportedDimensionError(base, wanted, catalogue.bases[base].dimensions)
    params = _Params()
    params.values.update(snapshot=snapshot)
    label = (
        f"any_value({dim.label_column})" if dim.label_column else f"CAST({dim.column} AS VARCHAR)"
    )
    per_column = catalogue.dimension(per).column if per else None
    sql = (
        f"-- members of dimension: {dimension} (base {base})"
        + (f" per {per}" if per else "")
        + f"\nSELECT {dim.column} AS code, {label} AS libelle, COUNT(*) AS effectif"
        + (f", {per_column} AS per" if per_column else "")
        + f"\nFROM {base}\n"
        f"WHERE snapshot_date = $snapshot\n    AND {_scope(scope, params)}"
        + "".join(
            f"\n    AND {catalogue.dimensions[d].column} IN ({', '.join(params.bind(v) for v in vals)})"
            for d, vals in where
        )
        + f"\nGROUP BY {dim.column}"
        + (f", {per_column}" if per_column else "")
        + ("\nORDER BY 4, 2, 1" if per_column else "\nORDER BY 2, 1")
    )
    return Statement(sql, params.values)
