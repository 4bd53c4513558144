"""The data root's error, in the project's one exception family (see semantic.errors)."""

from __future__ import annotations

from semantic.errors import PeuplementError


class DataRootError(PeuplementError):
    """The data root is missing, empty, unreadable or unusable (for reading or for an import)."""
