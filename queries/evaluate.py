"""Evaluate an indicator for a user: check the request against the catalogue, run the one SQL
statement the builder writes, then apply the user's secrecy rule."""

from __future__ import annotations

import datetime as dt
from typing import Unpack

import pandas as pd

from queries.engine import Engine
from queries.errors import InvalidValueError
from queries.frames import frame
from queries.question import Question, QuestionFields
from queries.secrecy import protect
from queries.sql.builder import PERIODS, Request, build
from semantic.catalogue import Catalogue, load_catalogue
from semantic.errors import UnavailableIndicatorError, closest
from semantic.scope import Scope

_TRUE = {"true", "1", "oui", "vrai", "yes"}
_FALSE = {"false", "0", "non", "faux", "no"}


def make_request(
    catalogue: Catalogue,
    engine: Engine,
    indicator_id: str,
    scope: Scope,
    **fields: Unpack[QuestionFields],
) -> Request:
    """`request_for` in keyword form, for the callers that build one request by hand."""
    return request_for(catalogue, engine, Question.of(indicator_id, **fields), scope)


def request_for(catalogue: Catalogue, engine: Engine, question: Question, scope: Scope) -> Request:
    """The builder's request for `question`, checked against the catalogue and the data: known
    indicator, dimensions and period, typed filter values, the inputs present at the snapshot."""
    indicator_id, by, period = question.indicator, question.by, question.period
    catalogue.indicator(indicator_id)
    for dim in by:
        catalogue.check_dimension(indicator_id, dim)
    if len(set(by)) != len(by):
        raise InvalidValueError(f"dimension répétée dans le découpage : {', '.join(by)}")
    if period not in PERIODS:
        guess = closest(period, PERIODS)
        raise InvalidValueError(
            f"période inconnue : « {period} ».{f' Vouliez-vous dire « {guess} » ?' if guess else ''} "
            f"Valeurs valides : {', '.join(PERIODS)}."
        )
    catalogue.check_period(indicator_id, period)  # no year to date for a rate over a stock
    typed_where = []
    for dim_id, values in (question.where or {}).items():
        dim_def = catalogue.check_dimension(indicator_id, dim_id)
        listed = [values] if isinstance(values, str | bool | int) else list(values)
        if not listed:
            raise InvalidValueError(f"filtre « {dim_id} » sans valeur")
        typed_where.append((dim_id, tuple(_typed(dim_id, dim_def.type, v) for v in listed)))
    day = engine.resolve_snapshot(question.snapshot)
    missing = engine.missing_inputs(catalogue.indicator(indicator_id).requires, day)
    if missing:  # "non disponible pour ces données", never a 0 computed on nothing
        raise UnavailableIndicatorError(indicator_id, missing, day.isoformat())
    return Request(
        indicator=indicator_id,
        snapshot=day,
        scope=scope,
        by=by,
        where=tuple(typed_where),
        period=period,
    )


def _typed(dim_id: str, type_: str, value):
    if type_ == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise InvalidValueError(
            f"filtre « {dim_id} » : « {value} » n'est pas un booléen (true ou false)"
        )
    if type_ == "int":
        try:
            return int(value)
        except (TypeError, ValueError):
            raise InvalidValueError(
                f"filtre « {dim_id} » : « {value} » n'est pas un entier"
            ) from None
    return str(value)


def available(engine: Engine, catalogue: Catalogue, indicator_id: str, snapshot: dt.date) -> bool:
    """Whether the data has, at `snapshot`, the optional inputs the indicator needs."""
    return not engine.missing_inputs(catalogue.indicator(indicator_id).requires, snapshot)


def evaluate(
    engine: Engine,
    indicator_id: str,
    scope: Scope,
    *,
    catalogue: Catalogue | None = None,
    **fields: Unpack[QuestionFields],
) -> pd.DataFrame:
    """One row per group: <by dims> [<dim>_libelle], valeur, numerateur, denominateur, effectif, masque.
    The keywords are those of `queries.question.QuestionFields` (snapshot, by, where, period)."""
    catalogue = catalogue or load_catalogue()
    return answer(engine, catalogue, Question.of(indicator_id, **fields), scope)


def answer(engine: Engine, catalogue: Catalogue, question: Question, scope: Scope) -> pd.DataFrame:
    """`evaluate` for a question already built."""
    return run(engine, catalogue, request_for(catalogue, engine, question, scope))


# The measure columns every indicator query returns, with their nullable dtypes.
MEASURE_DTYPES = {
    "valeur": "Float64",
    "numerateur": "Int64",
    "denominateur": "Int64",
    "effectif": "Int64",
}


def run(
    engine: Engine, catalogue: Catalogue, request: Request, *, siblings: bool = True
) -> pd.DataFrame:
    """The request's rows. With `siblings=False`, a partner's groups are protected each as if it
    had been asked alone (perturbed, masked under the threshold, but no complementary masking
    between them): a batch of single-cell questions answered by one grouped query."""
    statement = build(catalogue, request)
    if request.scope.masks_small_cells:  # partners: perturbed counts, small cells masked
        arrays = engine.fetch_arrays(statement.sql, statement.params)
        if request.scope.is_empty:
            arrays = {name: values[:0] for name, values in arrays.items()}
        aggregation = catalogue.indicator(request.indicator).aggregation
        secrecy = catalogue.parameters.secret_statistique
        arrays, masked = protect(arrays, request.by if siblings else (), secrecy, aggregation)
        return frame(arrays, MEASURE_DTYPES, {"masque": masked})
    df = engine.fetch(statement.sql, statement.params, MEASURE_DTYPES, {"masque": False})
    if request.scope.is_empty:  # deny by default: nothing, not even a total of zero
        df = df.iloc[0:0]
    return df
