"""The one way a page reports a failure of the query layer: the French message of the
`PeuplementError` (what is wrong and where), and the page stops there — nothing half-drawn below."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from queries.errors import PeuplementError


@contextmanager
def stop_on_error(prefix: str = "") -> Iterator[None]:
    """`with stop_on_error(): …` — a `PeuplementError` raised inside is shown (after `prefix`, what
    the user should do about it), then the page stops."""
    try:
        yield
    except PeuplementError as exc:
        st.error(f"{prefix}\n\n{exc}" if prefix else str(exc))
        st.stop()
