"""Ageing of the households in place: share of heads of household aged 75 or more, and the
under-occupation that comes with it, year by year, per residence or EPCI.

Inputs are `evaluate` answers with the user's scope (a partner's counts are perturbed; a unit
with a masked age band gets no projection):
- households in place per age band of the head (`nb_menages` by tranche_age_titulaire);
- the unit's yearly departure probability: 4 × its pooled quarterly departure rate per dwelling
  (queries.forecast.departures), capped at 1;
- the age profile of entrants: households of the EPCI who moved in during the last 12 months
  (`nb_menages` by tranche_age_titulaire where emmenage_periode);
- under-occupation per age band in the EPCI (`taux_sous_occupation` by tranche_age_titulaire).

Hypotheses (stated on screen and in docs/anticipation.md):
- the number of households N stays the same: each departure is re-let within the year;
- departures by age band: the departures table carries no age, but the EPCI's stocks a year
  apart do. Households still in place in band b a year later (in place minus the year's
  entrants) must come from the same band or the one below: S_b = s_b n_b (1 − 1/w_b)
  + s_{b−1} n_{b−1} / w_{b−1}, solved band by band from the youngest for the yearly stay
  probability s_b (band_departures). A unit leaves at its own yearly rate d (4 × its pooled
  quarterly rate), spread over the bands like its EPCI's: d_b = d × (1 − s_b) / d̄, with d̄ the
  EPCI's departures per household (relative_risks); without a snapshot a year earlier, every
  band leaves at d;
- ages are spread evenly within a band, so each year 1/width of a band moves to the next one
  (widths: under 30 taken as 18–29 → 12 years; 30–49 → 20; 50–64 → 15; 65–74 → 10);
- entrants have the age profile of the EPCI's entrants of the last 12 months (for a partner, an
  age band of entrants masked by the secrecy counts for 0);
- under-occupation: today's rate of the unit, moved by the change of its age structure at the
  EPCI's rate of each band: so(t) = so(0) + Σ_b (n_b(t) − n_b(0)) / N × r_b.

One year: stay_b = n_b (1 − d_b); n' = ageing(stay) + (Σ n_b d_b) p, with p the entrants'
shares by band (each leaver replaced by one entrant).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

BANDS = ("moins_30", "30_49", "50_64", "65_74", "75_plus")
WIDTHS = {"moins_30": 12, "30_49": 20, "50_64": 15, "65_74": 10}  # years; 75_plus absorbs
OLD = "75_plus"


@dataclass(frozen=True)
class AgeStep:
    annee: int
    effectifs: dict[str, float]  # households per age band (expected, not rounded)
    sous_occupation: float | None  # share of households under-occupying, if rates are known

    @property
    def menages(self) -> float:
        return sum(self.effectifs.values())

    @property
    def part_75_plus(self) -> float | None:
        total = self.menages
        return self.effectifs[OLD] / total if total else None


def age_one_year(counts: Mapping[str, float]) -> dict[str, float]:
    """Everyone one year older: 1/width of each band moves up to the next one."""
    out = {b: float(counts.get(b, 0.0)) for b in BANDS}
    moved = {b: out[b] / WIDTHS[b] for b in WIDTHS}
    for lower, upper in zip(BANDS, BANDS[1:], strict=False):
        out[lower] -= moved[lower]
        out[upper] += moved[lower]
    return out


def band_departures(
    before: Mapping[str, float], after: Mapping[str, float], entrants: Mapping[str, float]
) -> dict[str, float]:
    """Yearly departure probability per band from a territory's households per band a year
    apart and the entrants of that year (see module doc), each clipped to [0, 1]."""
    stay: dict[str, float] = {}
    inflow = 0.0  # stayers of the band below who moved up into this band
    for b in BANDS:
        n = float(before.get(b, 0.0))
        kept = n * (1 - 1 / WIDTHS[b]) if b in WIDTHS else n
        stayers = float(after.get(b, 0.0)) - float(entrants.get(b, 0.0)) - inflow
        stay[b] = min(1.0, max(0.0, stayers / kept)) if kept > 0 else 1.0
        inflow = stay[b] * n / WIDTHS[b] if b in WIDTHS else 0.0
    return {b: 1 - stay[b] for b in BANDS}


def relative_risks(
    departures: Mapping[str, float], counts: Mapping[str, float]
) -> dict[str, float]:
    """Each band's departure probability over the average departure probability per household
    (weights: `counts`); all 1 when nobody leaves."""
    total = sum(float(counts.get(b, 0.0)) for b in BANDS)
    mean = sum(departures[b] * float(counts.get(b, 0.0)) for b in BANDS) / total if total else 0
    return {b: departures[b] / mean if mean > 0 else 1.0 for b in BANDS}


def entrant_shares(entrants: Mapping[str, float]) -> dict[str, float] | None:
    """Entrants' counts by band -> shares (None without any entrant)."""
    total = sum(max(0.0, float(entrants.get(b, 0.0))) for b in BANDS)
    if total <= 0:
        return None
    return {b: max(0.0, float(entrants.get(b, 0.0))) / total for b in BANDS}


def ageing(
    counts: Mapping[str, float],
    departure_probability: float,
    entrants: Mapping[str, float],
    years: int = 5,
    under_occupation: float | None = None,
    band_under_occupation: Mapping[str, float] | None = None,
    risks: Mapping[str, float] | None = None,
) -> list[AgeStep]:
    """The expected households per age band after 0, 1, …, `years` years (see module doc).
    `departure_probability` is the unit's yearly rate, spread over the bands by `risks` (each
    band's rate relative to the average; None: the same for all), each band capped at 1;
    `entrants` are shares by band (summing to 1); `under_occupation` today's rate of the unit,
    `band_under_occupation` the EPCI's rate per band. Leavers are replaced one for one."""
    if departure_probability < 0:
        raise ValueError(f"probabilité de départ négative : {departure_probability}")
    if any(v < 0 for v in counts.values()):
        raise ValueError(f"effectif négatif : {dict(counts)}")
    if abs(sum(entrants.get(b, 0.0) for b in BANDS) - 1) > 1e-9:
        raise ValueError(f"parts des entrants dont la somme n'est pas 1 : {dict(entrants)}")
    d = {b: min(1.0, departure_probability * (risks or {}).get(b, 1.0)) for b in BANDS}
    start = {b: float(counts.get(b, 0.0)) for b in BANDS}
    total = sum(start.values())

    def under(n: dict[str, float]) -> float | None:
        if under_occupation is None or band_under_occupation is None or not total:
            return None
        shift = sum((n[b] - start[b]) * band_under_occupation.get(b, 0.0) for b in BANDS) / total
        return min(1.0, max(0.0, under_occupation + shift))

    n = dict(start)
    steps = [AgeStep(0, dict(n), under(n))]
    for year in range(1, years + 1):
        leaving = sum(n[b] * d[b] for b in BANDS)
        aged = age_one_year({b: n[b] * (1 - d[b]) for b in BANDS})
        n = {b: aged[b] + leaving * entrants.get(b, 0.0) for b in BANDS}
        steps.append(AgeStep(year, dict(n), under(n)))
    return steps
