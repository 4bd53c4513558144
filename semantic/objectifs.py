"""Local targets (CIA, PSA, conventions de réservation) as data, read from objectifs.yaml.

The file stays a plain, diffable YAML list. Loading checks every entry against the catalogue and
reports every problem with its line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from semantic.catalogue import Catalogue
from semantic.errors import DefinitionError, PeuplementError, closest
from semantic.models import Frozen, NonEmpty
from semantic.yaml_lines import line_of, load_with_lines

SCALES = ("epci", "commune", "residence")


class TerritoryRef(Frozen):
    echelle: Literal["epci", "commune", "residence"]
    code: NonEmpty


class LocalTargetDef(Frozen):
    id: NonEmpty
    indicateur: NonEmpty
    territoire: TerritoryRef
    filtres: dict[str, tuple[str | int | bool, ...]] = Field(default_factory=dict)
    annee: Annotated[int, Field(ge=2000, le=2100)]
    sens: Literal[">=", "<="]
    cible: Annotated[float, Field(ge=0)]
    tolerance: Annotated[float, Field(ge=0)] = 0.0
    source: NonEmpty
    commentaire: str = ""
    clos_le: dt.date | None = None  # a closed target is kept for the record but no longer applies


def parse_targets(
    data: Any,
    catalogue: Catalogue,
    where: str = "objectifs.yaml",
    lines: dict[tuple[Any, ...], int] | None = None,
) -> list[LocalTargetDef]:
    """Check a loaded objectifs document; raise DefinitionError listing every problem."""
    lines = lines or {}
    problems: list[str] = []
    if data is None:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("objectifs", []), list):
        raise DefinitionError([f"{where}:1: le fichier doit contenir une liste « objectifs: »"])
    targets: list[LocalTargetDef] = []
    seen: dict[str, int | None] = {}
    for i, raw in enumerate(data.get("objectifs") or []):
        at = f"{where}:{line_of(lines, ('objectifs', i))}"
        try:
            target = LocalTargetDef.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                line = line_of(lines, ("objectifs", i, *err["loc"]))
                msg = "clé inconnue" if err["type"] == "extra_forbidden" else err["msg"]
                if err["type"] == "extra_forbidden":
                    guess = closest(str(err["loc"][-1]), LocalTargetDef.model_fields)
                    msg += f" (vouliez-vous dire « {guess} » ?)" if guess else ""
                problems.append(f"{where}:{line}: objectifs[{i}].{loc}: {msg}")
            continue
        if target.id in seen:
            problems.append(
                f"{at}: identifiant « {target.id} » déjà utilisé (ligne {seen[target.id]})"
            )
        seen[target.id] = line_of(lines, ("objectifs", i))
        problems += [f"{at}: objectif {target.id}: {p}" for p in _check(target, catalogue)]
        targets.append(target)
    if problems:
        raise DefinitionError(problems)
    return targets


def _check(target: LocalTargetDef, catalogue: Catalogue) -> list[str]:
    if target.indicateur not in catalogue.indicators:
        guess = closest(target.indicateur, catalogue.indicators)
        return [
            f"indicateur inconnu « {target.indicateur} »"
            + (f" (vouliez-vous dire « {guess} » ?)" if guess else "")
        ]
    problems = []
    supported = catalogue.supported_dimensions(target.indicateur)
    if target.territoire.echelle not in supported:
        problems.append(
            f"l'indicateur {target.indicateur} ne se calcule pas à l'échelle « {target.territoire.echelle} » (échelles possibles : {', '.join(s for s in SCALES if s in supported)})"
        )
    for dim in target.filtres:
        if dim not in supported:
            guess = closest(dim, supported)
            problems.append(
                f"filtre « {dim} » non disponible pour {target.indicateur}"
                + (f" (vouliez-vous dire « {guess} » ?)" if guess else "")
                + f" ; dimensions possibles : {', '.join(supported)}"
            )
    ratio = catalogue.indicator(target.indicateur).unit == "ratio"
    if ratio and target.cible > 1:
        problems.append(f"cible {target.cible} supérieure à 1 pour un taux (écrire 0.30 pour 30 %)")
    # A target no value can miss measures nothing: « au moins 0 », « au plus 100 % ».
    if target.sens == ">=" and target.cible <= 0:
        problems.append("cible « au moins 0 » : toujours atteinte, elle ne mesure rien")
    elif target.sens == "<=" and ratio and target.cible >= 1:
        problems.append("cible « au plus 100 % » : toujours atteinte, elle ne mesure rien")
    return problems


def load_targets(path: Path, catalogue: Catalogue) -> list[LocalTargetDef]:
    path = Path(path)
    if not path.exists():
        return []
    try:
        data, lines = load_with_lines(path)
    except ValueError as exc:
        raise PeuplementError(str(exc)) from None
    return parse_targets(data, catalogue, where=path.name, lines=lines)
