"""Answers kept per published state: a result computed once, read by every server process, after
every restart, until the next publication.

A page's in-memory cache (ui.shared.data) lives and dies with its process: after a restart or in a
second process, the first national dashboard cost 2.2 s again on 5 M dwellings and 13 snapshots
(docs/benchmark.md). Each answer is written as an Arrow IPC (Feather) file in a folder beside the
engine file (`enrichi-<clé>.reponses/`), so it belongs to one published state and is retired with
it.

An answer's name is a SHA-256 of its request: what computed it (a name given by the caller and a
digest of the query code, so a deployed change of the code never reads an older answer), and its
arguments, the user's scope key first. Only plain arguments (text, numbers, dates, and tuples of
them) make a request that can be named; other requests are simply not kept. Only DataFrames are
kept, and only those that read back identical (values, types, index, `attrs`): a frame the
format would alter is not kept. Feather rather than Parquet: these are the portal's own answers,
not data (only dataroot and the engine read Parquet), and they read back without decoding.
Files are written beside and renamed into place, so a reader never sees a half-written answer; a
folder that cannot be written (read-only data root) keeps nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar, cast

import pandas as pd

from queries.engine import ANSWERS_SUFFIX, Engine

# A bound on one published state's answers: beyond it, new answers are computed and not kept
# (every screen of every scope at its default settings is a few hundred).
MAX_ANSWERS = 20_000
ANSWER_SUFFIX = ".arrow"
# What answers are computed by: the query packages, and the screens whose cached functions
# assemble them (ui.shared.data names each answer after such a function).
_CODE_PACKAGES = ("queries", "semantic", "dataroot", "ui")
R = TypeVar("R")


class _NotNamable(Exception):
    """A request argument that has no stable text (an object, a function)."""


def answers_dir(engine: Engine) -> Path | None:
    """The folder of `engine`'s published state; None for an engine without a database file."""
    if engine.database is None:
        return None
    return engine.database.with_suffix(ANSWERS_SUFFIX)


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
            [code_version(), name, _plain(args), _plain(kwargs)],
            ensure_ascii=False,
            sort_keys=True,
        )
    except _NotNamable:
        return None
    return hashlib.sha256(text.encode()).hexdigest()


def _plain(value: object) -> object:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dt.date):  # datetime too
        return {"date": value.isoformat()}
    if isinstance(value, tuple | list):
        return [type(value).__name__, *(_plain(v) for v in value)]
    if isinstance(value, frozenset):
        return ["frozenset", *sorted(json.dumps(_plain(v), sort_keys=True) for v in value)]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise _NotNamable
        return {k: _plain(v) for k, v in value.items()}
    raise _NotNamable


def remembered(
    engine: Engine,
    name: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    compute: Callable[[], R],
) -> R:
    """The answer kept for this request in `engine`'s published state, else `compute()` (kept
    when it is a DataFrame that reads back identical)."""
    folder = answers_dir(engine)
    key = request_name(name, args, kwargs) if folder is not None else None
    if folder is None or key is None:
        return compute()
    path = folder / f"{key}{ANSWER_SUFFIX}"
    kept = _read(path)
    if kept is not None:
        return cast(R, kept)  # kept only for a request whose answer was a DataFrame
    answer = compute()
    if isinstance(answer, pd.DataFrame):
        _keep(folder, path, answer)
    return answer


def _read(path: Path) -> pd.DataFrame | None:
    try:
        return pd.read_feather(path)
    except FileNotFoundError:
        return None
    except (OSError, ValueError):  # damaged (a disk full while writing): computed again
        with contextlib.suppress(OSError):
            path.unlink()
        return None


# Answers seen in each folder by this process: counted once, then each one it writes.
_kept: dict[Path, int] = {}


def _keep(folder: Path, path: Path, frame: pd.DataFrame) -> None:
    temporary: str | None = None
    try:
        folder.mkdir(exist_ok=True)
        if folder not in _kept:
            _kept[folder] = sum(1 for e in os.scandir(folder) if e.name.endswith(ANSWER_SUFFIX))
        if _kept[folder] >= MAX_ANSWERS:
            return
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".en-cours")
        os.close(handle)
        frame.to_feather(temporary)
        if _identical(frame, pd.read_feather(temporary)):
            os.replace(temporary, path)
            _kept[folder] += 1
    # a folder that cannot be written, a frame Feather cannot hold (pyarrow's errors derive
    # from these): not kept, computed each time
    except (OSError, ValueError, TypeError, NotImplementedError):
        return
    finally:
        if temporary is not None:
            Path(temporary).unlink(missing_ok=True)


def _identical(frame: pd.DataFrame, back: pd.DataFrame) -> bool:
    if frame.attrs != back.attrs:
        return False
    try:
        pd.testing.assert_frame_equal(frame, back, check_exact=True)
    except AssertionError:
        return False
    return True
