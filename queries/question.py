"""The question an indicator query answers: which indicator, at which snapshot, broken down by
which dimensions, filtered on which values, over which flow period.

`evaluate`, `compare` and `series` take it in keyword form, their documented API
(`evaluate(engine, "taux_x", scope, snapshot=…, by=["epci"], where={…}, period="rolling12")`).
Its fields are written here once: `Question` holds them with their defaults, and `QuestionFields`
types the same keywords for the `**fields` of those functions (PEP 692), so that mypy still
checks each keyword's name and type. Each function turns its keywords into one `Question` and
passes that down (`queries.evaluate.request_for`). `tests/test_question.py` checks that the two
lists of fields agree.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict, Unpack


class SliceFields(TypedDict, total=False):
    """The keywords that slice an indicator at any snapshot (`series` takes these)."""

    by: Iterable[str]  # dimensions to break the result down by
    where: Mapping[str, Any] | None  # dimension -> a value or an iterable of values
    period: str  # flow period: one of queries.sql.builder.PERIODS


class QuestionFields(SliceFields, total=False):
    """The keywords of a question at one snapshot (`evaluate`, `compare`, `make_request`)."""

    snapshot: dt.date | str | None  # None: the latest snapshot


@dataclass(frozen=True)
class Question:
    indicator: str
    snapshot: dt.date | str | None = None
    by: tuple[str, ...] = ()
    where: Mapping[str, Any] | None = None
    period: str = "rolling12"

    def __post_init__(self) -> None:
        object.__setattr__(self, "by", tuple(self.by))  # any iterable of dimensions

    @classmethod
    def of(cls, indicator: str, **fields: Unpack[QuestionFields]) -> Question:
        """The question the keywords ask; an unknown keyword is a TypeError, as in a signature."""
        return cls(indicator, **fields)  # type: ignore[arg-type]  # `by`: any iterable, see above

    def at(self, snapshot: dt.date | str | None) -> Question:
        """The same question at another snapshot."""
        return dataclasses.replace(self, snapshot=snapshot)
