"""Typed, frozen models of the definitions: units, themes, bases, dimensions and indicators
(the parameters of parametres.yaml are semantic/parameters.py). Unknown keys are errors, so a
typo never becomes a silent default."""

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
    "propositions",
    "demandes_par_attribution",
    "euros_par_an",
    "personnes",
    "ans",
    "mois",
    "points",
]
Theme = Literal[
    "occupation",
    "ressources",
    "composition",
    "age",
    "anciennete",
    "attributions",
    "demande",
    "propositions",
]
NonEmpty = Annotated[str, Field(min_length=1)]
# Optional inputs of the data contract (ingest.contract.OPTIONAL_INPUTS: "table" or
# "table.column") an indicator may need; a test checks that both lists agree.
OptionalInput = Literal[
    "propositions",
    "delais_anormaux",
    "attributions_territoire",
    "demandes.cotation",
    "attributions.cotation",
]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class UnitDef(Frozen):
    """How a value in one unit reads (semantic/definitions/unites.yaml)."""

    label: NonEmpty  # the unit in words, for the catalogue
    suffixe: str = ""  # after the number on screen and in the PDF (" €", " ans")
    decimales: Annotated[int, Field(ge=0, le=4)]
    pourcentage: bool = False  # a fraction shown x100 with « % », its changes in points
    format_excel: NonEmpty
    format_excel_evolution: str | None = None  # a change's format, when not format_excel
    mot: NonEmpty  # what a number in this unit counts, in an export's unit column (« ménages »)
    mot_evolution: str | None = None  # the same for a change, when not `mot` (rates: « points »)

    @property
    def excel_change_format(self) -> str:
        return self.format_excel_evolution or self.format_excel

    @property
    def change_decimals(self) -> int:
        """Decimals of a change as shown: the value's; a percentage's change is in points of
        the fraction, two decimals more (0,1 pt is 0.001)."""
        return self.decimales + 2 if self.pourcentage else self.decimales

    @property
    def change_word(self) -> str:
        return self.mot_evolution or self.mot


class ThemeDef(Frozen):
    """One theme of indicators (semantic/definitions/themes.yaml)."""

    label: NonEmpty  # in the catalogue
    label_court: NonEmpty  # in the dashboard's theme picker


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
    # what a reader calls each coded value (« action_logement » → « Action Logement »)
    values: dict[str, NonEmpty] = Field(default_factory=dict)


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
    # optional inputs the indicator reads: without them in a snapshot it is "non disponible pour
    # ces données" there, never 0
    requires: tuple[OptionalInput, ...] = ()
    # which way is good news (maps colour the bad end red): "hausse" for T1/T2/T3, None when
    # neither (a count) or when a high value is the concern (fragility, vacancy: the default)
    favorable: Literal["hausse", "baisse"] | None = None

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
    def parts(self) -> tuple[Measure, Measure]:
        """Numerator and denominator of a ratio (ValueError for another aggregation)."""
        if self.numerator is None or self.denominator is None:
            raise ValueError(f"{self.id} n'est pas un ratio")
        return self.numerator, self.denominator

    @property
    def own_base(self) -> str:
        """The base of a count, mean or median (ValueError for a ratio)."""
        if self.base is None:
            raise ValueError(f"{self.id} est un ratio : il a deux bases")
        return self.base

    @property
    def bases(self) -> tuple[str, ...]:
        if self.numerator is not None and self.denominator is not None:  # a ratio (validated)
            return (self.numerator.base, self.denominator.base)
        assert self.base is not None  # every other aggregation has a base (validated)
        return (self.base,)
