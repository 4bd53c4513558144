"""The project's one exception family. Pages and the CLI catch these and show their message;
anything else is a bug and must surface."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class PeuplementError(Exception):
    """Base of every error the portal reports to a user as a readable message."""


def closest(value: str, valid: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(str(value), list(valid), n=1, cutoff=0.5)
    return matches[0] if matches else None


def _hint(value: str, valid: Iterable[str]) -> str:
    valid = sorted(valid)
    guess = closest(value, valid)
    listed = ", ".join(valid) if len(valid) <= 30 else ", ".join(valid[:30]) + ", …"
    return (f" Vouliez-vous dire « {guess} » ?" if guess else "") + f" Valeurs valides : {listed}."


class UnknownNameError(PeuplementError):
    """An indicator, dimension or other name that the catalogue does not define."""

    def __init__(self, kind: str, value: str, valid: Iterable[str]):
        self.kind, self.value, self.valid = kind, value, sorted(valid)
        agreement = "e" if kind in ("dimension", "période", "base") else ""
        super().__init__(
            f"{kind.capitalize()} inconnu{agreement} : « {value} ».{_hint(value, self.valid)}"
        )


class UnsupportedDimensionError(PeuplementError):
    def __init__(self, indicator: str, dimension: str, supported: Iterable[str]):
        self.indicator, self.dimension, self.supported = indicator, dimension, sorted(supported)
        super().__init__(
            f"L'indicateur « {indicator} » ne se décline pas par « {dimension} ».{_hint(dimension, self.supported)}"
        )


class UnsupportedPeriodError(PeuplementError):
    """A period an indicator is not offered on (the calendar year to date of a rate over a stock)."""

    def __init__(self, indicator: str, period: str, offered: Iterable[str]):
        self.indicator, self.period, self.offered = indicator, period, tuple(offered)
        super().__init__(
            f"L'indicateur « {indicator} » ne se calcule pas sur la période « {period} » : il "
            "rapporte les événements de la période à un stock (ou un stock à ces événements), et "
            "une année civile incomplète le fausserait. Périodes valides : "
            f"{', '.join(self.offered)}."
        )


UNAVAILABLE = "non disponible pour ces données"


class UnavailableIndicatorError(PeuplementError):
    """An indicator whose optional input (propositions, cotation…) the data has not."""

    def __init__(self, indicator: str, missing: Iterable[str], snapshot: str):
        self.indicator, self.missing, self.snapshot = indicator, tuple(missing), snapshot
        super().__init__(
            f"L'indicateur « {indicator} » est {UNAVAILABLE} (photographie du {snapshot}) : "
            f"entrée facultative absente ({', '.join(self.missing)}). Ce n'est pas une valeur "
            "nulle : ajoutez cette entrée aux données pour le calculer."
        )


class InvalidValueError(PeuplementError):
    """A malformed argument value (date, filter, period…)."""


class DefinitionError(PeuplementError):
    """Definitions (YAML) that break the rules; carries every problem found, each with file:line."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            f"{len(problems)} problème(s) dans les définitions :\n"
            + "\n".join(f"- {p}" for p in problems)
        )
