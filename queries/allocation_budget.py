"""What a dwelling would cost a candidate household, as information for the commission — never a
filter: the regulatory rent burden (arrêté du 10 mars 2011: rent + charges − housing benefit, over
monthly resources) and the income left per consumption unit once housing is paid ("reste à vivre").

Charges and housing benefit are estimates, with parameters in parametres.yaml (aide_attribution)
and said on screen: the dwellings carry no charges, and the benefit follows the shape of the rental
scale with orders of magnitude, not the CAF's computation. An unknown or zero income leaves every
figure unknown (NaN), never zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from semantic.parameters import AllocationAidDef, HousingBenefitDef

BUDGET_COLUMNS = [
    "charges_estimees",
    "aide_logement_estimee",
    "depense_logement",
    "taux_effort",
    "reste_a_vivre_uc",
]


def hypothesis(aid: AllocationAidDef) -> str:
    """The estimates, in words, for the page and the commission sheet."""
    scale = aid.aide_logement
    return (
        "Taux d'effort réglementaire (arrêté du 10 mars 2011) = (loyer + charges − aide au logement "
        "estimée) / ressources mensuelles déclarées ; reste à vivre = ressources − cette dépense, "
        "par unité de consommation et par mois. Charges estimées à "
        f"{aid.charges_m2_mois:g} € par m² et par mois. Aide au logement estimée selon la forme du "
        "barème locatif (loyer retenu dans la limite d'un plafond + forfait charges − participation "
        f"personnelle, dont {scale.taux_participation * 100:g} % des ressources au-delà d'un "
        "abattement), "
        "avec des ordres de grandeur du barème 2025 en zone 2 : ce n'est pas le calcul de la CAF. "
        "Un taux d'effort élevé est signalé, il n'écarte aucune demande."
    )


def _by_size(values: tuple[float, ...], extra: float, persons: np.ndarray) -> np.ndarray:
    """The value for each household size: listed sizes, then `extra` per further person."""
    listed = np.asarray(values, dtype="float64")
    index = np.clip(persons, 1, len(listed)) - 1
    return listed[index] + np.maximum(persons - len(listed), 0) * extra


def housing_benefit(
    rent: np.ndarray, persons: np.ndarray, monthly_income: np.ndarray, scale: HousingBenefitDef
) -> np.ndarray:
    """Estimated monthly housing benefit; NaN when the income is unknown."""
    persons = np.maximum(np.asarray(persons, dtype="int64"), 1)
    rent = np.asarray(rent, dtype="float64")
    income = np.asarray(monthly_income, dtype="float64")
    taken = np.minimum(
        rent, _by_size(scale.loyers_plafonds, scale.loyer_plafond_personne_sup, persons)
    )
    charges = scale.forfait_charges + (persons - 1) * scale.forfait_charges_personne_sup
    allowance = _by_size(scale.abattements_annuels, scale.abattement_personne_sup, persons)
    minimum = np.maximum(
        scale.participation_minimale, scale.taux_participation_minimale * (taken + charges)
    )
    contribution = minimum + scale.taux_participation * np.maximum(income * 12 - allowance, 0) / 12
    return np.where(np.isnan(income), np.nan, np.maximum(taken + charges - contribution, 0.0))


def budget(
    rent: float,
    surface: float,
    persons: pd.Series,
    under_14: pd.Series,
    monthly_income: pd.Series,
    aid: AllocationAidDef,
) -> pd.DataFrame:
    """BUDGET_COLUMNS for each candidate of one dwelling (rent without charges, € per month)."""
    persons_ = persons.to_numpy(dtype="int64")
    income = monthly_income.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    known = ~np.isnan(income) & (income > 0)
    charges = np.full(len(persons_), aid.charges_m2_mois * float(surface))
    benefit = housing_benefit(
        np.full(len(persons_), float(rent)), persons_, income, aid.aide_logement
    )
    spent = rent + charges - benefit
    uc = (
        1
        + 0.5 * (persons_ - 1 - under_14.to_numpy(dtype="int64"))
        + 0.3 * under_14.to_numpy(dtype="int64")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        burden = np.where(known, spent / income, np.nan)
        left = np.where(known, (income - spent) / uc, np.nan)
    return pd.DataFrame(
        {
            "charges_estimees": charges,
            "aide_logement_estimee": np.where(known, benefit, np.nan),
            "depense_logement": np.where(known, spent, np.nan),
            "taux_effort": burden,
            "reste_a_vivre_uc": left,
        },
        index=persons.index,
    )
