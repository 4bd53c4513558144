"""Reference tables kept as data in code: income ceilings and first-quartile thresholds.

Income ceilings (``plafonds``) are annual amounts of revenu fiscal de référence (year N-2), per
zone, financing and household category (1..6) plus an amount per person beyond category 6.

Provenance of each figure (also stated in ``ingest/sources/README.md``):

- PLUS 2024, 2025, 2026: official values (arrêtés of the ministry in charge of housing, as carried
  by the openfisca-france parameters).
- PLAI 2025, 2026: *derived* — the official PLAI 2022 values scaled by the PLUS index of the year
  (PLUS year / PLUS 2022); within a couple of euros of the published single-person values.
- PLAI 2024: *derived* — PLAI 2025 × PLUS 2024 / PLUS 2025, per zone and category (the single-person
  value outside Île-de-France, 12 453 €, is the published one). The 2022 official figures
  (11 626 € for one person outside Île-de-France) were used here as 2024 until issue 15: that made
  PLAI 6.6 % too low in 2023 and 2024 and the share of PLAI households jump at the 2025 change.
- PLS: *derived* by rule — PLUS × 1.30, rounded to the euro.
- 2023 (PLUS and PLAI): *derived* — 2024 divided by the revaluation applied on 1 January 2024
  (+3.49 %, the IRL of the third quarter of 2023), rounded to the euro. Check: it gives the official
  2023 PLUS amount per extra person outside Île-de-France (6 492 / 1.0349 = 6 273 €).

Sanity rules every ceiling table must follow (checked by ``peuplement validate`` as warnings, see
ingest.validation.ceilings): a year's ceiling is never below the previous year's, and PLAI / PLUS for
a single person stays about 0.55.

Replace a derived figure by the official one when a user supplies it.

First-quartile thresholds (``seuils_q1``) are *illustrative*: plausible values for the three demo
EPCIs (national median of EPCI thresholds about 8 671 €/UC in 2022 and 9 243 € in 2023, observed
range about 6 900 – 10 500 €), rising every year. They are not the figures of the arrêtés. The
national demo geography gives every other EPCI illustrative values too (illustrative_seuils_q1).
"""

from __future__ import annotations

import itertools
import math
import zlib

import pandas as pd

from dataroot import contract

ZONES = contract.ZONES_PLAFONDS  # ("paris_limitrophes", "idf", "autres")
YEARS = (2023, 2024, 2025, 2026)
CATEGORIES = (1, 2, 3, 4, 5, 6)
PLS_FACTOR = 1.30
REVALUATION_2024 = 1.0349  # IRL T3 2023, applied to the ceilings on 1 January 2024

# year -> zone -> (category 1 .. 6, amount per extra person). Official PLUS values.
PLUS = {
    2024: {
        "paris_limitrophes": (26044, 38925, 51025, 60921, 72482, 81562, 9089),
        "idf": (26044, 38925, 46789, 56046, 66347, 74662, 8319),
        "autres": (22642, 30238, 36362, 43899, 51641, 58200, 6492),
    },
    2025: {
        "paris_limitrophes": (26687, 39885, 52284, 62424, 74271, 83575, 9313),
        "idf": (26687, 39885, 47944, 57429, 67984, 76504, 8524),
        "autres": (23201, 30984, 37259, 44982, 52915, 59636, 6652),
    },
    2026: {
        "paris_limitrophes": (26920, 40233, 52740, 62968, 74919, 84304, 9394),
        "idf": (26920, 40233, 48362, 57930, 68577, 77171, 8598),
        "autres": (23403, 31254, 37584, 45374, 53376, 60156, 6710),
    },
}

# Derived PLAI values, every year (see the module docstring): none is an official figure.
PLAI = {
    2024: {  # derived from 2025 by the PLUS 2024 / 2025 ratio, not the 2022 official values
        "paris_limitrophes": (14328, 23355, 30614, 33511, 39863, 44861, 4998),
        "idf": (14328, 23355, 28073, 30825, 36493, 41064, 4573),
        "autres": (12453, 18143, 21818, 24276, 28404, 32010, 3570),
    },
    2025: {
        "paris_limitrophes": (14682, 23931, 31369, 34338, 40847, 45968, 5121),
        "idf": (14682, 23931, 28766, 31586, 37393, 42077, 4686),
        "autres": (12760, 18591, 22356, 24875, 29105, 32800, 3658),
    },
    2026: {
        "paris_limitrophes": (14811, 24140, 31642, 34637, 41204, 46369, 5165),
        "idf": (14811, 24140, 29017, 31861, 37719, 42444, 4727),
        "autres": (12871, 18753, 22551, 25092, 29358, 33086, 3690),
    },
}

# Illustrative first-quartile thresholds, € per consumption unit per year (see docstring).
# The Grésivaudan (wealthier, commuter valley) sits high in the range, the metropolis lower.
SEUILS_Q1_UC = {
    "200040715": {2022: 8410, 2023: 8960, 2024: 9350, 2025: 9610, 2026: 9800},  # Grenoble-Alpes
    "243800984": {2022: 8890, 2023: 9470, 2024: 9880, 2025: 10150, 2026: 10350},  # Voironnais
    "200018166": {2022: 9650, 2023: 10020, 2024: 10230, 2025: 10380, 2026: 10490},  # Grésivaudan
}


def round_euro(value: float) -> int:
    """Round half up to the euro (Python's round() would round half to even)."""
    return math.floor(value + 0.5)


def ceilings(financement: str, year: int, zone: str) -> tuple[int, ...]:
    """Categories 1..6 then the amount per extra person, for one financing, year and zone."""
    if financement == "PLS":
        return tuple(round_euro(v * PLS_FACTOR) for v in ceilings("PLUS", year, zone))
    table = {"PLUS": PLUS, "PLAI": PLAI}[financement]
    if year == 2023:
        return tuple(round_euro(v / REVALUATION_2024) for v in table[2024][zone])
    return table[year][zone]


def plafonds_table() -> pd.DataFrame:
    """Every ceiling as rows of the contract's ``plafonds`` table."""
    rows = []
    for year in YEARS:
        for zone in ZONES:
            for financement in contract.FINANCEMENTS_PLAFOND:
                *by_category, extra = ceilings(financement, year, zone)
                for categorie, plafond in zip(CATEGORIES, by_category, strict=True):
                    rows.append((year, zone, financement, categorie, float(plafond), float(extra)))
    columns = [c.name for c in contract.PLAFONDS.columns]
    return pd.DataFrame(rows, columns=columns)


# Other EPCIs (the national demo geography): a 2022 value spread over the observed range by the
# EPCI's code (stable, not random), then the yearly rises of the metropolis' values above.
ILLUSTRATIVE_SEUIL_2022_RANGE = (6900, 10500)


def illustrative_seuils_q1(code_epci: str) -> dict[int, int]:
    """Thresholds of an EPCI outside the demo's three: illustrative, derived from its code."""
    low, high = ILLUSTRATIVE_SEUIL_2022_RANGE
    value = float(low + zlib.crc32(code_epci.encode()) % (high - low + 1))
    reference = SEUILS_Q1_UC["200040715"]
    years = sorted(reference)
    out = {years[0]: round_euro(value)}
    for previous, year in itertools.pairwise(years):
        value *= reference[year] / reference[previous]
        out[year] = round_euro(value)
    return out


def seuils_q1_uc(code_epci: str) -> dict[int, int]:
    """Thresholds of one EPCI by year: the table's, else the illustrative ones."""
    known = SEUILS_Q1_UC.get(code_epci)
    return dict(known) if known is not None else illustrative_seuils_q1(code_epci)


def seuils_q1_table(
    codes_epci: list[str] | None = None, illustrative_unknown: bool = False
) -> pd.DataFrame:
    """First-quartile thresholds of the given EPCIs (all known ones by default); an EPCI outside
    the table is an error unless ``illustrative_unknown`` (then see illustrative_seuils_q1)."""
    codes = sorted(SEUILS_Q1_UC) if codes_epci is None else list(codes_epci)
    unknown = [c for c in codes if c not in SEUILS_Q1_UC]
    if unknown and not illustrative_unknown:
        raise KeyError(f"pas de seuil de premier quartile pour les EPCI {unknown}")
    rows = [
        (year, code, float(seuil))
        for code in codes
        for year, seuil in sorted(seuils_q1_uc(code).items())
    ]
    columns = [c.name for c in contract.SEUILS_Q1.columns]
    return pd.DataFrame(rows, columns=columns)
