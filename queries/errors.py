"""Errors of the query layer, in the project's one family (see semantic.errors)."""

from semantic.errors import (  # noqa: F401  (re-exported for pages and the CLI)
    DefinitionError,
    InvalidValueError,
    PeuplementError,
    UnavailableIndicatorError,
    UnknownNameError,
    UnsupportedDimensionError,
)


class DataRootError(PeuplementError):
    """The data root is missing, empty or unreadable."""


class RowCapError(PeuplementError):
    """A result would exceed the row cap: the user should narrow the breakdown."""
