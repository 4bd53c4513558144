"""Every tunable figure of the demo, with what it is tuned for.

The outcomes aimed at are the usual orders of magnitude of French social housing (RPLS, OPS, SNE and
SDES publications): about 3 % of the dwellings offered for rent vacant and 6-10 % of them changing
tenant each year; among households in place about 37 % single persons, 20 % single parents,
2.3 persons on average, 11 % of lease holders under 30 and 25-30 % aged 65 or more, half receiving
housing benefit, poorer in QPV and in PLAI dwellings, older and longer-settled in old estates;
among attributions outside QPV only about 15 % to first-quartile applicants (legal target 25 %),
2-4 % DALO (Isère, not Île-de-France), about a third to priority publics (three quarters of the
État contingent), 25-35 % transfers, a median wait of 10-20 months;
among applicants 73 % under the PLAI ceiling, 43 % single persons, 27 % single parents, and by
definition a quarter of each EPCI's applicants under its first-quartile threshold.

Probabilities are tuples aligned with the label tuples named next to them. Changing a figure here
changes the demo everywhere; tests/test_demo_data.py pins the outcomes.
"""

from __future__ import annotations

from dataroot import contract

# Label orders the probability tuples below are aligned with.
RESERVATAIRES = contract.RESERVATAIRES  # etat, action_logement, collectivite, bailleur, autre
COMPOSITIONS = contract.COMPOSITIONS

# ---------------------------------------------------------------- territory
CENTRAL_EPCI = "200040715"  # Grenoble-Alpes-Métropole
VOIRONNAIS_EPCI = "243800984"
GRESIVAUDAN_EPCI = "200018166"
ZONE_PLAFONDS = "autres"  # Isère is outside Île-de-France

# Synthetic QPV per commune (INSEE code -> how many): the big communes of the area. All fictitious.
QPV_PER_COMMUNE = {
    "38185": 3,  # Grenoble
    "38151": 2,  # Échirolles
    "38421": 1,  # Saint-Martin-d'Hères
    "38169": 1,  # Fontaine
    "38317": 1,  # Le Pont-de-Claix
    "38563": 1,  # Voiron
}
QPV_NAMES = (
    "Les Glycines",
    "Le Belvédère",
    "Les Trois Fontaines",
    "Le Clos Vert",
    "Les Coteaux",
    "La Roseraie",
    "Le Grand Pré",
    "Les Hauts Tilleuls",
    "La Croisée",
    "Le Val Fleuri",
)
QPV_NAME_PREFIX = "QPV fictif — "
# QN + département + 2 digits + "X": the shape of real codes, numbers 90+ and the X mark them fake.
QPV_CODE_FORMAT = "QN038{number:02d}X"
QPV_FIRST_NUMBER = 90
QPV_RADIUS_M = (380.0, 650.0)
# National geography (peuplement demo --geographie france): fictitious QPV in the communes of at
# least 20 000 inhabitants, one per 60 000 (at least one, at most 10): about 600 QPV, in the order of
# the 1 300 real ones of metropolitan France, all in the large urban units.
NATIONAL_QPV_MIN_POPULATION = 20_000
NATIONAL_QPV_PER_INHABITANTS = 60_000
NATIONAL_QPV_MAX_PER_COMMUNE = 10
# Social-housing rate of a commune, floor and cap (territory.social_housing_rate).
NATIONAL_SOCIAL_RATE = (0.02, 0.30)

# ---------------------------------------------------------------- stock
MEAN_RESIDENCE_SIZE = 60  # 20,000 dwellings -> about 330 residences
RESIDENCE_SIZE_SIGMA = 0.75  # lognormal spread: from a dozen dwellings to a few hundred
MIN_RESIDENCE_SIZE = 4
COMMUNE_WEIGHT_EXPONENT = 1.2  # social housing concentrates in the big communes
# Share of the stock per EPCI: the bailleur is rooted in the metropolis.
STOCK_SHARE_BY_EPCI = {CENTRAL_EPCI: 0.64, VOIRONNAIS_EPCI: 0.20, GRESIVAUDAN_EPCI: 0.16}
SHARE_RESIDENCES_IN_QPV = 0.22  # 15-30 % of the residences
SHARE_FRAGILE_RESIDENCES = 0.018  # about 6 residences out of 330
MIN_FRAGILE_RESIDENCES = 4
SHARE_ENJEU_MIXITE = 0.045  # about 15 residences on the CIA list
DWELLINGS_PER_BUILDING = (12, 45)  # uniform range: number of buildings = size / this
MAX_BUILDINGS = 8
MAX_FLOORS = 15

PIECES = (1, 2, 3, 4, 5, 6)
PIECES_PROBS = (0.07, 0.21, 0.36, 0.26, 0.085, 0.015)  # RPLS: T3 and T4 dominate
SURFACE_BY_PIECES = (31.0, 47.0, 65.0, 79.0, 93.0, 108.0)  # m², mean per number of rooms
ERA_BOUNDS = (1977, 2000)  # before the 1977 reform / 1977-1999 / 2000 and after
FINANCEMENTS = contract.FINANCEMENTS_LOGEMENT  # PLAI, PLUS, PLS, PLI, AUTRE
FINANCEMENT_PROBS_BY_ERA = (
    (0.02, 0.92, 0.02, 0.01, 0.03),  # old HLM stock is classed with PLUS
    (0.06, 0.84, 0.06, 0.02, 0.02),
    (0.28, 0.55, 0.14, 0.02, 0.01),  # recent programmes: a quarter PLAI by rule
)
# € per m² per month, aligned with FINANCEMENTS: PLAI rent ceilings sit about 11 % under PLUS ones,
# so PLAI rents stay lower than PLUS rents although PLAI dwellings are more recent.
RENT_PER_M2 = (4.8, 6.2, 8.9, 10.5, 6.0)
RENT_ERA_FACTOR = (0.86, 0.95, 1.10)
RESERVATAIRE_PROBS = (0.27, 0.20, 0.15, 0.35, 0.03)
SHARE_VIDE_BUILDINGS = 0.012  # old buildings emptied for works or demolition
SHARE_VIDE_SCATTERED = 0.004  # single dwellings under works
SHARE_AUTRE = 0.008  # caretakers, associations

# ---------------------------------------------------------------- households in place
# P(nb_personnes = 1..7 | nb_pieces = 1..6): large families in large dwellings, some mismatch.
SIZE_PROBS_BY_PIECES = (
    (0.925, 0.07, 0.0, 0.005, 0.0, 0.0, 0.0),  # the last ones are over-occupied
    (0.64, 0.28, 0.065, 0.0, 0.01, 0.005, 0.0),
    (0.37, 0.31, 0.20, 0.09, 0.02, 0.0, 0.01),
    (0.17, 0.23, 0.22, 0.22, 0.11, 0.04, 0.01),
    (0.07, 0.15, 0.17, 0.25, 0.21, 0.10, 0.05),
    (0.05, 0.10, 0.15, 0.25, 0.22, 0.14, 0.09),
)
# Newcomers fit their dwelling better (the commission matches size to rooms).
ENTRANT_SIZE_PROBS_BY_PIECES = (
    (0.97, 0.03, 0.0, 0.0, 0.0, 0.0, 0.0),
    (0.70, 0.26, 0.04, 0.0, 0.0, 0.0, 0.0),
    (0.24, 0.38, 0.28, 0.08, 0.02, 0.0, 0.0),
    (0.06, 0.12, 0.34, 0.34, 0.11, 0.03, 0.0),
    (0.0, 0.03, 0.12, 0.35, 0.32, 0.13, 0.05),
    (0.0, 0.0, 0.07, 0.25, 0.33, 0.22, 0.13),
)
# P(composition | nb_personnes >= 2): couple_sans_enfant, couple_avec_enfants, monoparentale, autre
COMPOSITION_PROBS_BY_SIZE = {
    2: (0.52, 0.0, 0.31, 0.17),
    3: (0.0, 0.55, 0.33, 0.12),
    4: (0.0, 0.66, 0.27, 0.07),
    5: (0.0, 0.72, 0.24, 0.04),
}
FRAGILE_EXTRA_MONOPARENTALE = 0.6  # share of couples turned single-parent in a fragile residence
SHARE_CHILDREN_UNDER_14 = 0.68

# Age of the lease holder (years), per composition: list of (weight, low, high) uniform pieces.
AGE_PIECES = {
    "personne_seule": ((0.23, 20, 30), (0.33, 30, 65), (0.44, 65, 93)),
    "couple_sans_enfant": ((0.17, 22, 32), (0.31, 32, 65), (0.52, 65, 90)),
    "couple_avec_enfants": ((0.14, 24, 32), (0.76, 32, 52), (0.10, 52, 62)),
    "monoparentale": ((0.16, 20, 30), (0.74, 30, 52), (0.10, 52, 65)),
    "autre": ((0.10, 20, 30), (0.45, 30, 60), (0.45, 60, 88)),
}
ENTRANT_AGE_PIECES = {
    "personne_seule": ((0.48, 19, 30), (0.40, 30, 65), (0.12, 65, 88)),
    "couple_sans_enfant": ((0.40, 20, 30), (0.40, 30, 65), (0.20, 65, 85)),
    "couple_avec_enfants": ((0.28, 22, 30), (0.67, 30, 50), (0.05, 50, 60)),
    "monoparentale": ((0.30, 19, 30), (0.65, 30, 50), (0.05, 50, 62)),
    "autre": ((0.30, 19, 30), (0.50, 30, 60), (0.20, 60, 85)),
}
AGE_SHIFT_BY_ERA = (4.0, 0.0, -3.0)  # older estates house older tenants
AGE_SHIFT_FRAGILITY = -6.0  # times the fragility index: young families in fragile estates
RETIREMENT_AGE = 63

# Log of the RFR as a fraction of the PLUS ceiling: intercept + effects + noise.
LOG_RATIO_INTERCEPT = -0.45
LOG_RATIO_NOISE = 0.55
LOG_RATIO_RESIDENCE_NOISE = 0.15
LOG_RATIO_QPV = -0.20
LOG_RATIO_FRAGILITY = -1.5  # times the residence's fragility index (0..1)
LOG_RATIO_BY_SITUATION = {  # emploi, chomage, retraite, inactif, etudiant
    "emploi": 0.35,
    "chomage": -0.35,
    "retraite": 0.05,
    "inactif": -0.50,
    "etudiant": -0.60,
}
LOG_RATIO_BY_FINANCEMENT = (-0.5, 0.0, 0.40, 0.55, 0.0)  # aligned with FINANCEMENTS
LOG_RATIO_MONOPARENTALE = -0.25
SHARE_UNKNOWN_RFR = 0.03
# Share of taxable income in the declared monthly resources of a newcomer (benefits are untaxed).
TAXABLE_SHARE = (0.55, 0.95)
# APL: logistic in the log ratio to the PLUS ceiling, more likely for families.
APL_MIDPOINT_RATIO = 0.45
APL_SLOPE = 4.0
APL_FAMILY_BONUS = 0.6
APL_FRAGILITY_BONUS = 1.2  # times the fragility index: housing benefit concentrates there

# ---------------------------------------------------------------- moves
# Yearly departure hazard = base x age factor x QPV factor x (1 + fragility bonus x index).
DEPARTURE_BASE_RATE = 0.061
DEPARTURE_AGE_FACTORS = ((30, 2.2), (45, 1.3), (65, 0.8), (80, 0.55), (200, 0.9))
DEPARTURE_QPV_FACTOR = 1.6
DEPARTURE_FRAGILITY_BONUS = 0.3
SHARE_MUTATION_INTERNE = 0.18
# Vacancy before re-letting, days: short (frictional) or long (hard-to-let) component.
VACANCY_SHORT = (15.0, 40.0)  # minimum, mean of the exponential part
VACANCY_LONG = (30.0, 270.0)
SHARE_LONG_VACANCY = 0.28
SHARE_LONG_VACANCY_QPV = 0.45
# A dwelling offered for rent is re-let (rent cut, other applicants) within this many days at most;
# longer emptiness is for works, demolition or sale: mode "vide", with no vacancy date.
MAX_VACANCY_DAYS = 600
WARM_UP_MONTHS = 12  # simulated before the first period so that every period is full

# ---------------------------------------------------------------- attributions and demands
SHARE_MUTATION_ATTRIBUTIONS = 0.30
# DALO rehousing concentrates in Île-de-France and PACA: 2-4 % of attributions in Isère, mostly on
# the État contingent, which is meant for priority households (about 3 in 4 of its attributions).
DALO_BY_RESERVATAIRE = (0.09, 0.005, 0.01, 0.005, 0.005)  # aligned with RESERVATAIRES
PRIORITAIRE_BY_RESERVATAIRE = (0.75, 0.14, 0.20, 0.20, 0.15)  # among non-DALO households
GRANDE_PRECARITE_PRIORITY = 0.12  # among DALO or priority households
GRANDE_PRECARITE_OTHER = 0.01
RELOGEMENT_ANRU = {CENTRAL_EPCI: 0.04}  # ANRU programmes of the metropolis
SHARE_SAME_RESERVATAIRE = 0.88  # otherwise the flow went to the bailleur (returned rights)
# Target share of first-quartile households among attributions (exact per EPCI and year).
Q1_SHARE_OUTSIDE_QPV = {CENTRAL_EPCI: 0.14, VOIRONNAIS_EPCI: 0.32, GRESIVAUDAN_EPCI: 0.14}
Q1_SHARE_IN_QPV = 0.43  # T2: about 57 % of attributions in QPV outside Q1
LOG_Q_NOISE = 0.45
# Newcomers of PLAI dwellings are poorer, of PLS/PLI richer (aligned with FINANCEMENTS).
LOG_Q_BY_FINANCEMENT = (-0.3, 0.0, 0.35, 0.5, 0.0)
LOG_Q_FRAGILITY = -1.0  # times the residence's fragility index: poorer applicants go there
LOG_Q_SHIFTS = {"dalo": -0.35, "prioritaire": -0.2, "grande_precarite": -0.6, "mutation": 0.1}
# Months from the demand to the lease: lognormal median and spread; DALO faster, mutation slower.
WAIT_MEDIAN_MONTHS = 14.0
WAIT_SIGMA = 0.7
WAIT_FACTOR_DALO = 0.6
WAIT_FACTOR_MUTATION = 1.3
MAX_WAIT_YEARS = 5  # demands are at most 5 years old

# Active demands per attribution per year: higher demand pressure in the metropolis.
DEMAND_PRESSURE = {CENTRAL_EPCI: 4.5}
# SNE demand counts every landlord's applicants: well above the bailleur's own lettings even outside
# the metropolis (and large enough for the first quartile to be a quarter of them, see demand.py).
DEMAND_PRESSURE_OTHER = 3.3
DEMAND_MEAN_DURATION_YEARS = 1.8  # unsatisfied demands lapse or are housed elsewhere
DEMAND_MAX_AGE_YEARS = 5
UNSATISFIED_COMPOSITION_PROBS = (0.49, 0.07, 0.13, 0.27, 0.04)
# Mean and spread of log(resources per UC / Q1 threshold) of the demands no attribution ends; on
# each snapshot they are shifted per EPCI so that Q1_SHARE_DEMANDS of all active demands are under
# it. The narrow spread keeps about 70 % of applicants under the PLAI ceiling (about 1.25 x Q1).
UNSATISFIED_LOG_Q = (0.20, 0.14)
Q1_SHARE_DEMANDS = 0.25  # the threshold is by definition the first quartile of the applicants
UNSATISFIED_MUTATION = 0.31
UNSATISFIED_DALO = 0.04
UNSATISFIED_PRIORITAIRE = 0.15
