"""Which server folder the Administration page may import from: only under the import root.

The page used to read any folder of the server (it listed /etc, and a symbolic link named like a
table was read). Now a folder is accepted only when it lies under `PEUPLEMENT_IMPORT_DIR` (the
folder where the bailleur's exports are dropped), is reached without `..` nor any symbolic link,
and exists. Without that variable, importing from a server folder is switched off (uploads still
work). The files inside are read by `ingest.importer`, which skips symbolic links too.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from semantic.errors import PeuplementError

IMPORT_DIR_ENV = "PEUPLEMENT_IMPORT_DIR"  # the only server folder imports are read from


class ImportFolderError(PeuplementError):
    """A server folder the page must not read; the message says which folders it may."""


def import_root(environ: Mapping[str, str] | None = None) -> Path | None:
    """The import root, resolved; None when imports from server folders are switched off."""
    value = (os.environ if environ is None else environ).get(IMPORT_DIR_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def server_folder(typed: str, root: Path) -> Path:
    """The folder `typed` (absolute, or relative to `root`) if it may be read; else raise."""
    root = root.resolve()
    candidate = Path(typed.strip()).expanduser()
    candidate = candidate if candidate.is_absolute() else root / candidate
    outside = ImportFolderError(
        f"Le dossier « {typed.strip()} » n'est pas dans le dossier d'import du serveur ({root}, "
        f"variable {IMPORT_DIR_ENV}) : déposez-y les fichiers, ou téléversez-les."
    )
    if ".." in candidate.parts or not candidate.is_relative_to(root):
        raise outside
    step = root
    for part in candidate.relative_to(root).parts:
        step = step / part
        if step.is_symlink():
            raise ImportFolderError(
                f"« {step} » est un lien symbolique : le portail ne suit pas les liens. Indiquez "
                f"le dossier lui-même, dans {root}."
            )
    if not candidate.is_dir():
        raise ImportFolderError(
            f"Le dossier « {candidate} » n'existe pas sur le serveur (ou n'est pas un dossier)."
        )
    return candidate
