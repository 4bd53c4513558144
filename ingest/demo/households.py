"""Household profiles, drawn column by column for whole arrays of dwellings at once.

Codes are indexes into the contract's label tuples (COMPOSITIONS, SITUATIONS_TITULAIRE).
"""

from __future__ import annotations

import numpy as np

from dataroot import contract
from ingest import reference_data
from ingest.demo import calibration as cal

SEULE, COUPLE_SANS, COUPLE_AVEC, MONO, AUTRE = range(5)  # order of contract.COMPOSITIONS
EMPLOI, CHOMAGE, RETRAITE, INACTIF, ETUDIANT = range(5)
SITUATION_EFFECTS = np.array([cal.LOG_RATIO_BY_SITUATION[s] for s in contract.SITUATIONS_TITULAIRE])
CEILING_YEARS = reference_data.YEARS


def pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row of a (rows, categories) probability matrix (inverse CDF)."""
    cumulative = np.cumsum(probs, axis=1)
    cumulative /= cumulative[:, -1:]
    u = rng.random(len(probs))[:, None]
    return (u > cumulative).sum(axis=1)


def draw_sizes(rng: np.random.Generator, pieces: np.ndarray, table: tuple) -> np.ndarray:
    """nb_personnes given the dwelling's rooms, from a P(size | rooms) table."""
    probs = np.asarray(table)[np.clip(pieces, 1, len(table)) - 1]
    return pick(rng, probs) + 1


def draw_compositions(
    rng: np.random.Generator, size: np.ndarray, fragility: np.ndarray
) -> np.ndarray:
    """Composition given the size; fragile residences turn some couples into single parents."""
    keys = sorted(cal.COMPOSITION_PROBS_BY_SIZE)
    table = np.asarray([cal.COMPOSITION_PROBS_BY_SIZE[k] for k in keys])
    probs = table[np.clip(size, keys[0], keys[-1]) - keys[0]]
    composition = np.array([COUPLE_SANS, COUPLE_AVEC, MONO, AUTRE])[pick(rng, probs)]
    composition[size == 1] = SEULE
    to_mono = rng.random(len(size)) < cal.FRAGILE_EXTRA_MONOPARENTALE * fragility
    composition[(composition == COUPLE_AVEC) & to_mono] = MONO
    return composition


def draw_children(rng: np.random.Generator, size: np.ndarray, composition: np.ndarray):
    """nb_enfants: every non-adult of a family; in 'autre' households, some of the extra members."""
    children = np.zeros(len(size), dtype=np.int64)
    children = np.where(composition == COUPLE_AVEC, size - 2, children)
    children = np.where(composition == MONO, size - 1, children)
    extra = np.maximum(size - 2, 0)
    children = np.where(composition == AUTRE, rng.binomial(extra, 0.5), children)
    return children


def draw_under_14(rng: np.random.Generator, children: np.ndarray, age: np.ndarray) -> np.ndarray:
    """Children under 14: most of them when the parent is young, few after fifty."""
    p = np.where(age < 38, 0.85, np.where(age < 50, cal.SHARE_CHILDREN_UNDER_14, 0.25))
    return rng.binomial(children, p)


def draw_ages(
    rng: np.random.Generator, composition: np.ndarray, pieces_by_composition: dict
) -> np.ndarray:
    """Age of the lease holder (float years) from piecewise-uniform tables per composition."""
    tables = [pieces_by_composition[c] for c in cal.COMPOSITIONS]
    weights = np.array([[w for w, _, _ in t] for t in tables])
    lows = np.array([[lo for _, lo, _ in t] for t in tables], dtype=float)
    highs = np.array([[hi for _, _, hi in t] for t in tables], dtype=float)
    piece = pick(rng, weights[composition])
    low, high = lows[composition, piece], highs[composition, piece]
    return low + (high - low) * rng.random(len(composition))


def draw_situations(rng: np.random.Generator, age: np.ndarray, fragility: np.ndarray) -> np.ndarray:
    """Employment situation of the lease holder; fragility (0..1) means more unemployment."""
    n = len(age)
    probs = np.zeros((n, 5))
    probs[:, EMPLOI] = 0.66 - 0.36 * fragility
    probs[:, CHOMAGE] = 0.12 + 0.14 * fragility
    probs[:, INACTIF] = 0.22 + 0.22 * fragility
    young = age < 26
    probs[young] = [0.55, 0.17, 0.0, 0.18, 0.10]
    old = age >= cal.RETIREMENT_AGE
    probs[old] = [0.03, 0.0, 0.90, 0.07, 0.0]
    return pick(rng, probs)


def draw_log_ratios(
    rng: np.random.Generator,
    situation: np.ndarray,
    financement: np.ndarray,
    composition: np.ndarray,
    in_qpv: np.ndarray,
    fragility: np.ndarray,
    residence_effect: np.ndarray,
) -> np.ndarray:
    """log(RFR / PLUS ceiling) of households in place: poorer in QPV, PLAI and fragile estates."""
    return (
        cal.LOG_RATIO_INTERCEPT
        + SITUATION_EFFECTS[situation]
        + np.asarray(cal.LOG_RATIO_BY_FINANCEMENT)[financement]
        + cal.LOG_RATIO_MONOPARENTALE * (composition == MONO)
        + cal.LOG_RATIO_QPV * in_qpv
        + cal.LOG_RATIO_FRAGILITY * fragility
        + residence_effect
        + rng.normal(0.0, cal.LOG_RATIO_NOISE, len(situation))
    )


def draw_apl(
    rng: np.random.Generator, log_ratio: np.ndarray, size: np.ndarray, fragility: np.ndarray
) -> np.ndarray:
    """APL/AL: likely under about half the PLUS ceiling, more so for families."""
    score = cal.APL_SLOPE * (np.log(cal.APL_MIDPOINT_RATIO) - log_ratio)
    score += cal.APL_FAMILY_BONUS * (size >= 3) + cal.APL_FRAGILITY_BONUS * fragility
    return rng.random(len(size)) < 1.0 / (1.0 + np.exp(-score))


def ceiling_persons(size: np.ndarray, composition: np.ndarray) -> np.ndarray:
    """Persons counted for the ceilings: a single parent counts one more (contract rule)."""
    return size + (composition == MONO)


def plus_ceilings(persons: np.ndarray, years: np.ndarray) -> np.ndarray:
    """PLUS ceiling (zone of the demo) for each household, year clamped to the known years."""
    table = np.array(
        [reference_data.ceilings("PLUS", y, cal.ZONE_PLAFONDS) for y in CEILING_YEARS],
        dtype=np.float64,
    )
    year_index = np.clip(years, CEILING_YEARS[0], CEILING_YEARS[-1]) - CEILING_YEARS[0]
    rows = table[year_index]
    category = np.minimum(persons, 6)
    base = np.take_along_axis(rows, (category - 1)[:, None], axis=1)[:, 0]
    return base + np.maximum(persons - 6, 0) * rows[:, 6]


def consumption_units(size: np.ndarray, under_14: np.ndarray) -> np.ndarray:
    """OECD scale, as the contract computes it."""
    return 1.0 + 0.5 * (size - 1 - under_14) + 0.3 * under_14
