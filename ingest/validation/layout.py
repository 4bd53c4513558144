"""The shape of a data root outside the tables: snapshot folders and objectifs.yaml."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from dataroot.layout import (
    OBJECTIFS_FILE,
    SNAPSHOTS_DIR,
    objectifs_path,
    scan_snapshots,
    snapshot_date,
    snapshot_dirname,
)
from ingest.validation.problem import Problem


def find_snapshots(root: Path) -> tuple[list[dt.date], list[Problem]]:
    """The snapshot dates of `root`, oldest first, and the folders that are not `date=YYYY-MM-DD`
    (the listing itself is dataroot.layout's, the same as the engine's)."""
    scan = scan_snapshots(root)
    if not scan.exists:
        folder = root / SNAPSHOTS_DIR
        state = "n'est pas un dossier" if folder.exists() else "est absent"
        return [], [
            Problem(
                SNAPSHOTS_DIR,
                None,
                "no_snapshot",
                f"Le dossier {SNAPSHOTS_DIR}/ {state}: il doit contenir au moins une photographie "
                f"{snapshot_dirname('AAAA-MM-JJ')}/.",
            )
        ]
    problems: list[Problem] = []
    for entry in scan.strays:
        why = (
            "n'est pas un dossier"
            if snapshot_date(entry.name) is not None
            else "n'est pas une date valide"
        )
        problems.append(
            Problem(
                f"{SNAPSHOTS_DIR}/{entry.name}",
                None,
                "bad_snapshot_folder",
                f"« {entry.name} » {why}: chaque entrée de {SNAPSHOTS_DIR}/ est un dossier nommé "
                f"{snapshot_dirname('AAAA-MM-JJ')} (date d'arrêté, ex. {snapshot_dirname('2025-12-31')})."
                " Renommez-le ou déplacez-le hors de ce dossier; il n'est pas vérifié.",
                examples=(entry.name,),
            )
        )
    if not scan.dates:
        problems.append(
            Problem(
                SNAPSHOTS_DIR,
                None,
                "no_snapshot",
                f"Aucune photographie valide dans {SNAPSHOTS_DIR}/: ajoutez un dossier "
                f"{snapshot_dirname('AAAA-MM-JJ')}/ avec ses sept fichiers.",
            )
        )
    return scan.dates, problems


def check_objectifs(root: Path) -> list[Problem]:
    """objectifs.yaml is optional; when present it must parse and hold a top-level `objectifs` list.

    What each target says is checked by the module that reads the targets, not here.
    """
    path = objectifs_path(root)
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        return [
            Problem(
                OBJECTIFS_FILE,
                None,
                "invalid_yaml",
                f"YAML invalide: {exc.problem or exc}. Corrigez la syntaxe (indentation, deux-points, "
                "guillemets).",
                line=line,
            )
        ]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [
            Problem(
                OBJECTIFS_FILE,
                None,
                "unreadable_file",
                f"Fichier illisible ({exc}). Enregistrez-le comme texte UTF-8.",
            )
        ]
    if not isinstance(data, dict) or not isinstance(data.get("objectifs"), list):
        return [
            Problem(
                OBJECTIFS_FILE,
                None,
                "bad_objectifs",
                "Le fichier doit commencer par la clé « objectifs: » suivie d'une liste de cibles "
                "(une par ligne commençant par « - »).",
            )
        ]
    return []
