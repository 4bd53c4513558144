"""The name of an answer kept per published state (queries.answers): a SHA-256 of its request,
i.e. what computed it (a name given by the caller and a digest of the code, so a deployed change
never reads an older answer) and its arguments, encoded so that they decode back to equal values
of the same type (warming asks a kept request again from its record: see warmup/).

Only plain arguments (text, numbers, dates, and tuples, lists, sets and dicts of them) make a
request that can be named; anything else raises `NotNamable`, and its request is simply not kept.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

# What answers are computed by: the query packages, and the screens whose cached functions
# assemble them (ui.shared.data names each answer after such a function).
_CODE_PACKAGES = ("queries", "semantic", "dataroot", "ui")


class NotNamable(Exception):
    """A request argument that has no stable text (an object, a function)."""


@functools.cache
def code_version() -> str:
    """A digest of the code that computes answers (Python, SQL and YAML of the query packages)."""
    top = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in _CODE_PACKAGES:
        for path in sorted((top / package).rglob("*")):
            if path.suffix in {".py", ".sql", ".yaml"} and path.is_file():
                digest.update(path.relative_to(top).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def request_name(name: str, args: tuple[object, ...], kwargs: dict[str, object]) -> str | None:
    """The file name of a request, or None when an argument has no stable text."""
    try:
        text = json.dumps(
            [code_version(), name, encode(args), encode(kwargs)],
            ensure_ascii=False,
            sort_keys=True,
        )
    except NotNamable:
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def encode(value: object) -> object:
    """A plain argument as JSON that `decode` turns back into an equal value of the same type
    (a tuple stays a tuple, a date a date, 1.0 a float); NotNamable for anything else."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, dt.datetime):
        return {"datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"date": value.isoformat()}
    if isinstance(value, tuple | list):
        return {type(value).__name__: [encode(v) for v in value]}
    if isinstance(value, frozenset):  # in a stable order: by each member's text
        members = [encode(v) for v in value]
        return {"frozenset": sorted(members, key=lambda m: json.dumps(m, sort_keys=True))}
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise NotNamable
        return {"dict": {k: encode(v) for k, v in value.items()}}
    raise NotNamable


def decode(text: object) -> object:
    """The value `encode` wrote."""
    if not isinstance(text, dict):
        return text
    ((tag, inner),) = text.items()
    decoders: dict[str, Callable[[Any], object]] = {
        "float": float,
        "datetime": dt.datetime.fromisoformat,
        "date": dt.date.fromisoformat,
        "tuple": lambda v: tuple(decode(x) for x in v),
        "list": lambda v: [decode(x) for x in v],
        "frozenset": lambda v: frozenset(decode(x) for x in v),
        "dict": lambda v: {k: decode(x) for k, x in v.items()},
    }
    return decoders[tag](inner)
