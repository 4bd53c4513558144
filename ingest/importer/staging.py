"""Staging folders: where an import is written and checked before it is published.

A staging folder is ``<data root>/.staging-<host>-<pid>-<token>/``: on the data root's filesystem (so
publishing is a rename), hidden from the portal (the engine lists only ``snapshots/date=…`` folders)
and from the validator (it skips names starting with a dot). Its name says which process owns it, so
the next import removes the folders of processes that died (an import killed mid-way) without
touching one that another live import is using.
"""

from __future__ import annotations

import fcntl
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dataroot.leftovers import owner_alive

PREFIX = ".staging-"
# A staging folder of another machine (shared data root), or one kept by a live process that never
# published it (a page left open), is removed after this long.
STALE_AFTER_SECONDS = 24 * 3600
_NAME = re.compile(rf"^{re.escape(PREFIX)}(?P<host>[A-Za-z0-9_-]+)-(?P<pid>\d+)-[0-9a-f]+$")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname())[:40] or "hote"


def create_staging(data_root: Path) -> Path:
    """A new empty staging folder owned by this process."""
    path = Path(data_root) / f"{PREFIX}{_host()}-{os.getpid()}-{secrets.token_hex(6)}"
    path.mkdir()
    return path


def remove_staging(path: Path | None) -> None:
    if path is not None:
        shutil.rmtree(path, ignore_errors=True)


def clean_stale_staging(data_root: Path) -> list[Path]:
    """Remove the staging folders left by dead processes (or too old); return them."""
    removed = []
    root = Path(data_root)
    if not root.is_dir():
        return removed
    for entry in root.iterdir():
        if entry.name.startswith(PREFIX) and entry.is_dir() and _stale(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _stale(path: Path) -> bool:
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return False
    match = _NAME.match(path.name)
    if match is None or age > STALE_AFTER_SECONDS:
        return True
    if match.group("host") != _host():
        return False
    return not owner_alive(int(match.group("pid")))


@contextmanager
def publish_lock(data_root: Path) -> Iterator[None]:
    """One publication at a time per data root (threads of the portal, CLI runs): an exclusive
    lock on the data root folder itself, so no lock file is left behind."""
    fd = os.open(data_root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def fsync_tree(path: Path) -> None:
    """Flush every file under `path`, then the folders: a rename published after a power cut must
    not point at empty files."""
    for folder, _, files in os.walk(path):
        for name in files:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fsync_dir(Path(folder))


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
