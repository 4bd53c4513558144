"""Typed, frozen models of the definitions. Unknown keys are errors, so a typo never becomes a
silent default."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ColumnType = Literal["string", "int", "double", "bool", "date"]
Operator = Literal["=", "!=", "<", "<=", ">", ">=", "in", "not_in", "is_null", "not_null"]
Aggregation = Literal["count", "ratio", "mean", "median"]
Unit = Literal[
    "ratio",
    "logements",
    "menages",
    "attributions",
    "departs",
    "demandes",
    "demandes_par_attribution",
    "euros_par_an",
    "personnes",
    "ans",
    "mois",
]
Theme = Literal[
    "occupation", "ressources", "composition", "age", "anciennete", "attributions", "demande"
]
NonEmpty = Annotated[str, Field(min_length=1)]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ColumnDef(Frozen):
    type: ColumnType
    description: NonEmpty


class BaseDef(Frozen):
    label: NonEmpty
    columns: dict[str, ColumnDef]
    dimensions: tuple[str, ...]
    periode: str | None = None  # event date the period filters on; None for stock bases


class DimensionDef(Frozen):
    label: NonEmpty
    type: ColumnType
    column: NonEmpty
    label_column: str | None = None
    description: NonEmpty


class Condition(Frozen):
    column: NonEmpty
    op: Operator
    value: Any = None

    @model_validator(mode="after")
    def _value_fits_operator(self) -> Condition:
        if self.op in ("in", "not_in") and not isinstance(self.value, list | tuple):
            raise ValueError(f"l'opérateur {self.op} attend une liste de valeurs")
        if self.op in ("is_null", "not_null") and self.value is not None:
            raise ValueError(f"l'opérateur {self.op} ne prend pas de valeur")
        if self.op not in ("in", "not_in", "is_null", "not_null") and self.value is None:
            raise ValueError(f"l'opérateur {self.op} attend une valeur")
        return self


class AtLeast(Frozen):
    """True when at least `at_least` of the conditions hold (an unknown value does not hold)."""

    at_least: Annotated[int, Field(ge=1)]
    of: tuple[Condition, ...]

    @model_validator(mode="after")
    def _reachable(self) -> AtLeast:
        if self.at_least > len(self.of):
            raise ValueError(
                f"at_least={self.at_least} dépasse le nombre de critères ({len(self.of)})"
            )
        return self


Filter = tuple[Condition | AtLeast, ...]


class Measure(Frozen):
    base: NonEmpty
    filter: Filter = ()


class IndicatorDef(Frozen):
    id: NonEmpty
    label: NonEmpty
    theme: Theme
    unit: Unit
    description: NonEmpty
    formula: NonEmpty
    source: NonEmpty
    aggregation: Aggregation
    # count / mean / median
    base: str | None = None
    column: str | None = None
    filter: Filter = ()
    divide_by: float | None = None
    # ratio
    numerator: Measure | None = None
    denominator: Measure | None = None
    # optional restriction of the dimensions the bases would allow
    dimensions: tuple[str, ...] | None = None

    @model_validator(mode="after")
    def _shape_matches_aggregation(self) -> IndicatorDef:
        if self.aggregation == "ratio":
            if self.numerator is None or self.denominator is None:
                raise ValueError("un ratio demande numerator et denominator")
            if self.base or self.column or self.filter:
                raise ValueError(
                    "un ratio se définit par numerator/denominator, pas base/column/filter"
                )
        else:
            if not self.base:
                raise ValueError(f"l'agrégation {self.aggregation} demande une base")
            if self.numerator or self.denominator:
                raise ValueError(
                    f"l'agrégation {self.aggregation} ne prend pas numerator/denominator"
                )
            if self.aggregation in ("mean", "median") and not self.column:
                raise ValueError(f"l'agrégation {self.aggregation} demande une colonne (column)")
            if self.aggregation == "count" and self.column:
                raise ValueError("un comptage ne prend pas de colonne")
        return self

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == "ratio"

    @property
    def bases(self) -> tuple[str, ...]:
        if self.is_ratio:
            return (self.numerator.base, self.denominator.base)
        return (self.base,)


class LegalTargetDef(Frozen):
    id: NonEmpty
    indicateur: NonEmpty
    sens: Literal[">=", "<="]
    cible: Annotated[float, Field(ge=0)]
    tolerance: Annotated[float, Field(ge=0)] = 0.0
    source: NonEmpty
    par: str | None = None  # a dimension the target applies to value by value (T3: réservataire)


class SecrecyDef(Frozen):
    seuil: Annotated[int, Field(ge=11)]
    libelle_masque: NonEmpty


class ParametersDef(Frozen):
    secret_statistique: SecrecyDef
    objectifs_legaux: tuple[LegalTargetDef, ...]
    # indicators whose targets are also rated without mutations, shown side by side
    avec_et_sans_mutations: tuple[str, ...] = ()
