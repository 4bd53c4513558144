"""Answers kept per published state: a result computed once, read by every server process, after
every restart, until the next publication.

A page's in-memory cache (ui.shared.data) lives and dies with its process: after a restart or in a
second process, the first national dashboard cost 2.2 s again on 5 M dwellings and 13 snapshots
(docs/benchmark.md). Each answer is written as an Arrow IPC (Feather) file in a folder beside the
engine file (`enrichi-<clé>.reponses/`), so it belongs to one published state and is retired with
it.

An answer's name is a SHA-256 of its request (queries.answer_names): what computed it, a digest
of the code, and its arguments, the user's scope key first; a request whose arguments are not
plain values has no name and is simply not kept. Only DataFrames are
kept, and dataclasses registered with `keepable` whose fields are DataFrames and plain values
(the map's `MapData`), and only those that read back identical (values, types, index, `attrs`):
an answer the format would alter is not kept. Feather rather than Parquet: these are the
portal's own answers, not data (only dataroot and the engine read Parquet), and they read back
without decoding.
Files are written beside and renamed into place, so a reader never sees a half-written answer; a
folder that cannot be written (read-only data root) keeps nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import pandas as pd

from queries.answer_names import NotNamable, decode, encode, request_name
from queries.engine import Engine
from queries.engine_file import ANSWERS_SUFFIX, ENGINE_FILE_PREFIX

# A bound on one published state's answers: beyond it, new answers are computed and not kept
# (every screen of every scope at its default settings is a few hundred).
MAX_ANSWERS = 20_000
ANSWER_SUFFIX = ".arrow"
# Beside each answer, the request that computed it (JSON): what `asked` reads to warm a new state.
REQUEST_SUFFIX = ".demande.json"
R = TypeVar("R")


# Beside the frames of a kept dataclass (one `<name>.<field>.arrow` per DataFrame field), its type
# and other fields (JSON): written last, so its presence means the whole answer is there.
RECORD_SUFFIX = ".champs.json"


# The dataclasses an answer may be read back as, by qualified name: a record names one of them,
# never any other type.
_KEEPABLE: dict[str, type] = {}
T = TypeVar("T")


def keepable(cls: type[T]) -> type[T]:
    """Register a dataclass as an answer that may be kept: its DataFrame fields as frames, the
    others (dates, text, numbers, tuples: what `encode` holds) in its record."""
    if not is_dataclass(cls):
        raise TypeError(f"{cls.__name__} is not a dataclass")
    _KEEPABLE[_type_name(cls)] = cls
    return cls


def _type_name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def answers_dir(engine: Engine) -> Path | None:
    """The folder of `engine`'s published state; None for an engine without a database file."""
    if engine.database is None:
        return None
    return engine.database.with_suffix(ANSWERS_SUFFIX)


def remembered(
    engine: Engine,
    name: str,
    args: tuple[object, ...],
    kwargs: dict[str, object],
    compute: Callable[[], R],
) -> R:
    """The answer kept for this request in `engine`'s published state, else `compute()` (kept
    when it is a DataFrame that reads back identical, with the request beside it: see `asked`)."""
    folder = answers_dir(engine)
    key = request_name(name, args, kwargs) if folder is not None else None
    if folder is None or key is None:
        return compute()
    path = folder / f"{key}{ANSWER_SUFFIX}"
    kept = _read(path)
    if kept is None:
        kept = _read_fields(path)
    if kept is not None:
        return cast(R, kept)  # kept only for a request whose answer was of the same kind
    answer = compute()
    if _keep_answer(folder, path, answer):
        asked = {
            "fonction": name,
            "requete": encode(args),
            "options": encode(kwargs),
            "photographies": [d.isoformat() for d in engine.snapshots],
            "gardee": time.time(),
        }
        _write_text(folder, path.with_suffix(REQUEST_SUFFIX), json.dumps(asked, ensure_ascii=False))
    return answer


@dataclass(frozen=True)
class Asked:
    """A request a server process answered and kept: what warming a new state asks again."""

    function: str  # the name the caller gave (ui.shared.data: module.function[digest])
    args: tuple[object, ...]  # as the caller passed them (ui.shared.data: scope key first)
    kwargs: dict[str, object]
    snapshots: tuple[dt.date, ...]  # the published state's, oldest first
    kept_at: float  # when it was kept (seconds since the epoch)


def any_asked(engine: Engine) -> bool:
    """Whether a request is kept beside `engine`'s state (its own or the one before)."""
    return any(_request_files(engine))


def _request_files(engine: Engine) -> Iterator[Path]:
    if engine.database is None:
        return
    for folder in engine.database.parent.glob(f"{ENGINE_FILE_PREFIX}*{ANSWERS_SUFFIX}"):
        yield from folder.glob(f"*{REQUEST_SUFFIX}")


def asked(engine: Engine) -> list[Asked]:
    """The requests kept in the published states beside `engine`'s (its own, and the one before
    that is not yet retired), earliest kept first: after a publication, the first views opened
    are the default ones. An unreadable or damaged record is left out."""
    found = []
    for path in _request_files(engine):
        try:
            raw = json.loads(path.read_text("utf-8"))
            args, kwargs = decode(raw["requete"]), decode(raw["options"])
            snapshots = tuple(dt.date.fromisoformat(d) for d in raw["photographies"])
            kept_at = float(raw["gardee"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            continue
        if isinstance(args, tuple) and isinstance(kwargs, dict):
            found.append(Asked(str(raw["fonction"]), args, kwargs, snapshots, kept_at))
    return sorted(found, key=lambda a: a.kept_at)  # a stable sort: ties keep the folder's order


def _keep_answer(folder: Path, path: Path, answer: object) -> bool:
    if isinstance(answer, pd.DataFrame):
        return _keep(folder, path, answer)
    registered = _KEEPABLE.get(_type_name(type(answer))) is type(answer)
    return registered and _keep_fields(folder, path, answer)


def _field_path(path: Path, name: str) -> Path:
    return path.with_name(f"{path.stem}.{name}{ANSWER_SUFFIX}")


def _keep_fields(folder: Path, path: Path, answer: Any) -> bool:
    """A registered dataclass: each DataFrame field as a frame, then the record (type and the
    other fields), renamed into place last. Not kept when any part cannot be."""
    frames, values = {}, {}
    for f in fields(answer):
        value = getattr(answer, f.name)
        if isinstance(value, pd.DataFrame):
            frames[f.name] = value
        else:
            values[f.name] = value
    try:
        encoded = encode(values)
        if decode(encoded) != values:
            return False
    except NotNamable:
        return False
    if not all(_keep(folder, _field_path(path, n), frame) for n, frame in frames.items()):
        return False
    record = {"type": _type_name(type(answer)), "champs": encoded, "tables": sorted(frames)}
    return _write_text(folder, path.with_suffix(RECORD_SUFFIX), json.dumps(record))


def _read_fields(path: Path) -> object | None:
    """The registered dataclass kept at `path`, or None (not kept, damaged, a part missing)."""
    try:
        record = json.loads(path.with_suffix(RECORD_SUFFIX).read_text("utf-8"))
        cls = _KEEPABLE[record["type"]]
        values = decode(record["champs"])
        tables = list(record["tables"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # none kept, or damaged
        return None
    if not isinstance(values, dict):
        return None
    for name in tables:
        frame = _read(_field_path(path, str(name)))
        if frame is None:
            return None
        values[str(name)] = frame
    try:
        built: object = cls(**values)
    except TypeError:  # the dataclass changed since (the code digest should have told)
        return None
    return built


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


def _keep(folder: Path, path: Path, frame: pd.DataFrame) -> bool:
    """Write `frame` at `path` when it reads back identical; whether it was kept."""
    try:
        folder.mkdir(exist_ok=True)
        if folder not in _kept:
            _kept[folder] = sum(1 for e in os.scandir(folder) if e.name.endswith(ANSWER_SUFFIX))
    except OSError:
        return False
    if _kept[folder] >= MAX_ANSWERS:
        return False

    def write(temporary: Path) -> bool:
        frame.to_feather(temporary)
        return _identical(frame, pd.read_feather(temporary))

    if not _put_in_place(folder, path, write):
        return False
    _kept[folder] += 1
    return True


def _write_text(folder: Path, path: Path, text: str) -> bool:
    """`text` at `path`, whole or not at all; whether it was put in place."""

    def write(temporary: Path) -> bool:
        temporary.write_text(text, "utf-8")
        return True

    return _put_in_place(folder, path, write)


def _put_in_place(folder: Path, path: Path, write: Callable[[Path], bool]) -> bool:
    """`write` a temporary file beside `path`, then rename it into place if `write` says it is
    good: a reader never sees a half-written file. Whether it was put in place."""
    temporary: Path | None = None
    try:
        handle, name = tempfile.mkstemp(dir=folder, prefix=".", suffix=".en-cours")
        os.close(handle)
        temporary = Path(name)
        if not write(temporary):
            return False
        os.replace(temporary, path)
        temporary = None
        return True
    # a folder that cannot be written, a frame Feather cannot hold (pyarrow's errors derive
    # from these): not kept, computed each time
    except (OSError, ValueError, TypeError, NotImplementedError):
        return False
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _identical(frame: pd.DataFrame, back: pd.DataFrame) -> bool:
    if frame.attrs != back.attrs:
        return False
    try:
        pd.testing.assert_frame_equal(frame, back, check_exact=True)
    except AssertionError:
        return False
    return True
