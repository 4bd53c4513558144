"""Errors of the query layer, in the project's one family (see semantic.errors)."""

from dataroot.errors import DataRootError  # noqa: F401  (the one data root error, re-exported)
from semantic.errors import (  # noqa: F401  (re-exported for pages and the CLI)
    DefinitionError,
    InvalidValueError,
    PeuplementError,
    UnavailableIndicatorError,
    UnknownNameError,
    UnsupportedDimensionError,
)

__all__ = [
    "DataRootError",
    "DefinitionError",
    "InvalidValueError",
    "PeuplementError",
    "RowCapError",
    "UnknownNameError",
    "UnsupportedDimensionError",
]


class RowCapError(PeuplementError):
    """A result would exceed the row cap: the user should narrow the breakdown."""
