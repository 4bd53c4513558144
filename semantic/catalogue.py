"""Load the definitions, check them as a whole and answer questions about them.

`load_catalogue()` reports every problem at once (file:line, what is wrong, closest valid name)
instead of stopping at the first one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from semantic.errors import (
    DefinitionError,
    UnknownNameError,
    UnsupportedDimensionError,
    UnsupportedPeriodError,
    closest,
)
from semantic.models import (
    AtLeast,
    BaseDef,
    Condition,
    DimensionDef,
    Filter,
    IndicatorDef,
    ThemeDef,
    UnitDef,
)
from semantic.parameters import ParametersDef
from semantic.yaml_lines import line_of, load_with_lines

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
# The periods of flow indicators (queries.sql.builder.PERIODS holds the same two names).
ROLLING_12_MONTHS, YEAR_TO_DATE = "rolling12", "ytd"
_PY_TYPES = {
    "string": (str,),
    "int": (int,),
    "double": (int, float),
    "bool": (bool,),
    "date": (str,),
}


@dataclass(frozen=True)
class Catalogue:
    bases: dict[str, BaseDef]
    dimensions: dict[str, DimensionDef]
    indicators: dict[str, IndicatorDef]
    parameters: ParametersDef
    # how values in each unit read, and the themes' labels, in screen order (semantic/definitions)
    units: dict[str, UnitDef] = field(default_factory=dict)
    themes: dict[str, ThemeDef] = field(default_factory=dict)

    def unit(self, unit_id: str) -> UnitDef:
        try:
            return self.units[unit_id]
        except KeyError:
            raise UnknownNameError("unité", unit_id, self.units) from None

    def indicator(self, indicator_id: str) -> IndicatorDef:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise UnknownNameError("indicateur", indicator_id, self.indicators) from None

    def dimension(self, dimension_id: str) -> DimensionDef:
        try:
            return self.dimensions[dimension_id]
        except KeyError:
            raise UnknownNameError("dimension", dimension_id, self.dimensions) from None

    def supported_dimensions(self, indicator_id: str) -> tuple[str, ...]:
        ind = self.indicator(indicator_id)
        allowed = [d for d in self.bases[ind.bases[0]].dimensions]
        for base in ind.bases[1:]:
            allowed = [d for d in allowed if d in self.bases[base].dimensions]
        if ind.dimensions is not None:
            allowed = [d for d in allowed if d in ind.dimensions]
        return tuple(allowed)

    def check_dimension(self, indicator_id: str, dimension_id: str) -> DimensionDef:
        dim = self.dimension(dimension_id)
        supported = self.supported_dimensions(indicator_id)
        if dimension_id not in supported:
            raise UnsupportedDimensionError(indicator_id, dimension_id, supported)
        return dim

    def offers_ytd(self, indicator_id: str) -> bool:
        """Whether the calendar year to date ("ytd") is offered for the indicator.

        Not for a ratio of the period's events over a stock (taux_rotation, taux_mobilite) or of a
        stock over the period's events (pression_demande): nine months of departures over a whole
        stock read as a low rotation. Counts and ratios of events over events (T1, T2, T3) are
        offered; stock indicators ignore the period."""
        bases = self.indicator(indicator_id).bases
        with_period = {bool(self.bases[b].periode) for b in bases}
        return len(with_period) == 1

    def check_period(self, indicator_id: str, period: str) -> None:
        """UnsupportedPeriodError when the indicator is not offered on the (valid) `period`."""
        if period == YEAR_TO_DATE and not self.offers_ytd(indicator_id):
            raise UnsupportedPeriodError(indicator_id, period, (ROLLING_12_MONTHS,))

    def check_named_indicators(self, where: str, ids: Iterable[str]) -> None:
        """DefinitionError naming every id of `ids` (a screen's list of indicators, written in
        code at `where`) that the catalogue does not define, with the closest valid id."""
        unknown = [i for i in ids if i not in self.indicators]
        if unknown:
            raise DefinitionError(
                [
                    f"{where}: indicateur inconnu « {i} »{_guess(i, self.indicators)}"
                    for i in unknown
                ]
            )

    def departement_label(self, code: str) -> str:
        """« 38 — Isère »: a département's code, then its name from the dimension's `values` (the
        code alone if unnamed). One place for the screens, the map's filters and the deck."""
        names = self.dimensions["departement"].values if "departement" in self.dimensions else {}
        return f"{code} — {names[code]}" if code in names else code

    @property
    def secrecy_threshold(self) -> int:
        return self.parameters.secret_statistique.seuil


@lru_cache(maxsize=4)
def load_catalogue(definitions_dir: Path = DEFINITIONS_DIR) -> Catalogue:
    problems: list[str] = []
    root = Path(definitions_dir)
    bases = _load_map(root / "bases.yaml", "bases", BaseDef, problems)
    dimensions = _load_map(root / "dimensions.yaml", "dimensions", DimensionDef, problems)
    units = _load_map(root / "unites.yaml", "unites", UnitDef, problems)
    themes = _load_map(root / "themes.yaml", "themes", ThemeDef, problems)
    indicators: dict[str, IndicatorDef] = {}
    where: dict[str, str] = {}
    for path in sorted((root / "indicators").glob("*.yaml")):
        data, lines = load_with_lines(path)
        for i, raw in enumerate((data or {}).get("indicators") or []):
            at = f"{path.name}:{line_of(lines, ('indicators', i))}"
            ind = _build(IndicatorDef, raw, path, lines, ("indicators", i), problems)
            if ind is None:
                continue
            if ind.id in indicators:
                problems.append(f"{at}: identifiant « {ind.id} » déjà défini ({where[ind.id]})")
                continue
            indicators[ind.id], where[ind.id] = ind, at
    params_data, params_lines = load_with_lines(root / "parametres.yaml")
    params = _build(
        ParametersDef, params_data, root / "parametres.yaml", params_lines, (), problems
    )
    if not problems:
        _check_references(bases, dimensions, indicators, where, params, problems)
        for ind_id, ind in indicators.items():
            if ind.unit not in units:
                problems.append(
                    f"{where[ind_id]}: {ind_id}: unité « {ind.unit} » absente de unites.yaml"
                )
            if ind.theme not in themes:
                problems.append(
                    f"{where[ind_id]}: {ind_id}: thème « {ind.theme} » absent de themes.yaml"
                )
    if problems:
        raise DefinitionError(problems)
    return Catalogue(bases, dimensions, indicators, params, units, themes)


def _load_map(path: Path, key: str, model: type[BaseModel], problems: list[str]) -> dict[str, Any]:
    data, lines = load_with_lines(path)
    out = {}
    for name, raw in ((data or {}).get(key) or {}).items():
        built = _build(model, raw, path, lines, (key, name), problems)
        if built is not None:
            out[name] = built
    return out


def _build(
    model: type[BaseModel],
    raw: Any,
    path: Path,
    lines: dict[tuple[Any, ...], int],
    prefix: tuple[Any, ...],
    problems: list[str],
) -> Any:
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p[0].isupper()))
            line = line_of(lines, prefix + loc)
            dotted = ".".join(str(p) for p in prefix + loc)
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                valid = list(model.model_fields) if len(loc) == 1 else []
                guess = closest(str(loc[-1]), valid)
                msg = "clé inconnue" + (f" (vouliez-vous dire « {guess} » ?)" if guess else "")
            elif err["type"] == "missing":
                msg = "champ obligatoire manquant"
            problems.append(f"{path.name}:{line}: {dotted}: {msg}")
        return None


def _check_references(
    bases: dict[str, BaseDef],
    dimensions: dict[str, DimensionDef],
    indicators: dict[str, IndicatorDef],
    where: dict[str, str],
    params: ParametersDef | None,
    problems: list[str],
) -> None:
    for name, base in bases.items():
        for dim in base.dimensions:
            if dim not in dimensions:
                problems.append(
                    f"bases.yaml: base {name}: dimension inconnue « {dim} »{_guess(dim, dimensions)}"
                )
            elif dimensions[dim].column not in base.columns:
                problems.append(
                    f"bases.yaml: base {name}: la dimension « {dim} » lit la colonne "
                    f"« {dimensions[dim].column} », absente de la base"
                )
    for ind_id, ind in indicators.items():
        at = where[ind_id]
        measures: list[tuple[str | None, Filter]] = (
            [
                (ind.numerator.base, ind.numerator.filter),
                (ind.denominator.base, ind.denominator.filter),
            ]
            if ind.numerator is not None and ind.denominator is not None  # a ratio
            else [(ind.base, ind.filter)]
        )
        for base_name, flt in measures:
            if base_name is None or base_name not in bases:
                problems.append(
                    f"{at}: {ind_id}: base inconnue « {base_name} »{_guess(str(base_name), bases)}"
                )
                continue
            for cond in _conditions(flt):
                _check_condition(at, ind_id, cond, bases[base_name], base_name, problems)
        if ind.column and ind.base in bases:
            if ind.column not in bases[ind.base].columns:
                problems.append(
                    f"{at}: {ind_id}: colonne inconnue « {ind.column} » dans la base {ind.base}{_guess(ind.column, bases[ind.base].columns)}"
                )
            elif bases[ind.base].columns[ind.column].type not in ("int", "double"):
                problems.append(f"{at}: {ind_id}: la colonne « {ind.column} » n'est pas numérique")
        for dim in ind.dimensions or ():
            if dim not in dimensions:
                problems.append(
                    f"{at}: {ind_id}: dimension inconnue « {dim} »{_guess(dim, dimensions)}"
                )
    for target in params.objectifs_legaux if params else ():
        if target.indicateur not in indicators:
            problems.append(
                f"parametres.yaml: objectif {target.id}: indicateur inconnu « {target.indicateur} »{_guess(target.indicateur, indicators)}"
            )
        elif target.par and target.par not in dimensions:
            problems.append(
                f"parametres.yaml: objectif {target.id}: dimension inconnue « {target.par} »"
            )
    for ind_id in params.avec_et_sans_mutations if params else ():
        found = indicators.get(ind_id)
        if found is None:
            problems.append(
                f"parametres.yaml: avec_et_sans_mutations: indicateur inconnu « {ind_id} »{_guess(ind_id, indicators)}"
            )
        elif not all("mutation" in bases[b].dimensions for b in found.bases if b in bases) or (
            found.dimensions is not None and "mutation" not in found.dimensions
        ):
            problems.append(
                f"parametres.yaml: avec_et_sans_mutations: {ind_id} ne se découpe pas par mutation"
            )


def _conditions(flt: Iterable[Condition | AtLeast]) -> Iterator[Condition]:
    for item in flt:
        if isinstance(item, AtLeast):
            yield from item.of
        else:
            yield item


def _check_condition(
    at: str, ind_id: str, cond: Condition, base: BaseDef, base_name: str, problems: list[str]
) -> None:
    if cond.column not in base.columns:
        problems.append(
            f"{at}: {ind_id}: colonne inconnue « {cond.column} » dans la base {base_name}{_guess(cond.column, base.columns)}"
        )
        return
    col_type = base.columns[cond.column].type
    values = (
        cond.value
        if isinstance(cond.value, list | tuple)
        else []
        if cond.value is None
        else [cond.value]
    )
    for value in values:
        ok = isinstance(value, _PY_TYPES[col_type]) and not (
            col_type != "bool" and isinstance(value, bool)
        )
        if not ok:
            problems.append(
                f"{at}: {ind_id}: valeur {value!r} incompatible avec la colonne {cond.column} ({col_type})"
            )


def _guess(value: str, valid: Iterable[str]) -> str:
    guess = closest(value, valid)
    return f" (vouliez-vous dire « {guess} » ?)" if guess else ""
