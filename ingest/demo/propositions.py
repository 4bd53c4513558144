"""Optional inputs of the demo: CALEOL propositions, cotation scores and all landlords' allocations.

Each is drawn once for the whole world, so that consecutive snapshots share identical rows:
- propositions: every lease signed was preceded by a CALEOL session that examined its dwelling,
  usually with three candidates (CCH R441-3), fewer for many DALO and urban-renewal rehousings;
  the tenant's candidacy is « acceptée », the others were refused by their applicant (with a
  reason), ranked behind (« attribution »), allocated on a condition, not allocated or rejected;
- cotation: an EPCI-style grid (seniority, DALO, other priority) plus a fixed scatter per id;
- attributions_territoire: this landlord's allocations of each commune and year over its share of
  the commune's social housing allocations (about a third, varying by commune).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from dataroot import contract
from ingest.demo.dates import years_of
from ingest.demo.names import format_ids, id_width
from ingest.demo.writer import to_arrow

# Days between the CALEOL session and the lease signature.
COMMISSION_LEAD_DAYS = (8, 45)
# Probability that a session examined fewer than three candidates: DALO and urban-renewal
# rehousings are often proposed alone; otherwise too few applicants is rare in the Isère demo.
FEWER_THAN_3 = {"rehousing": 0.6, "other": 0.07}
SHARE_FOUR_CANDIDATES = 0.1
# Outcome of a candidacy other than the tenant's (order of OTHER_ISSUES); calibrated for a refusal
# rate of about a third of the propositions answered.
OTHER_ISSUES = (
    "refusee_demandeur",
    "attribution",
    "attribution_sous_condition",
    "non_attribution",
    "rejet_irrecevabilite",
)
OTHER_ISSUE_PROBS = (0.26, 0.34, 0.06, 0.30, 0.04)
REFUSAL_REASON_PROBS = {
    "localisation": 0.30,
    "environnement": 0.15,
    "typologie_surface": 0.12,
    "loyer_charges": 0.12,
    "sans_reponse": 0.10,
    "etat_logement": 0.08,
    "situation_changee": 0.08,
    "autre": 0.05,
}
# Cotation grid (illustrative): one point per month of seniority (capped), DALO and priority bonuses,
# and up to 20 points of the grid's other criteria, fixed per demand.
COTATION_MONTHS_CAP, COTATION_DALO, COTATION_PRIORITY, COTATION_OTHER = 60, 80, 40, 20
# This landlord's share of the allocations of a commune: between these bounds, fixed per commune.
LANDLORD_SHARE = (0.25, 0.45)


def scatter(ids: pd.Series, modulo: int) -> np.ndarray:
    """A fixed pseudo-random integer in [0, modulo) per id (same id, same value, any run)."""
    hashed = pd.util.hash_array(np.asarray(ids, dtype=object))
    return (hashed % np.uint64(modulo)).astype(np.int64)


def cotation(ids: pd.Series, months: np.ndarray, dalo, prioritaire) -> np.ndarray:
    seniority = np.minimum(np.floor(np.asarray(months, dtype=float)), COTATION_MONTHS_CAP)
    return (
        seniority
        + COTATION_DALO * np.asarray(dalo, dtype=bool)
        + COTATION_PRIORITY * (np.asarray(prioritaire, dtype=bool) & ~np.asarray(dalo, dtype=bool))
        + scatter(ids, COTATION_OTHER + 1)
    ).astype(float)


def build_propositions(
    rng: np.random.Generator, entrants: pd.DataFrame, attribution_ids: pd.Series, n_demands: int
) -> pd.DataFrame:
    """One row per candidacy: commission (day number), dwelling, id_demande, issue, motif_refus."""
    n = len(entrants)
    commission = entrants["entry"].to_numpy() - rng.integers(*COMMISSION_LEAD_DAYS, n)
    rehousing = (entrants["dalo"] | entrants["relogement_anru"]).to_numpy()
    few = rng.random(n) < np.where(rehousing, FEWER_THAN_3["rehousing"], FEWER_THAN_3["other"])
    candidates = np.where(
        few, rng.integers(1, 3, n), np.where(rng.random(n) < SHARE_FOUR_CANDIDATES, 4, 3)
    )
    session = np.repeat(np.arange(n), candidates)
    rank = np.arange(len(session)) - np.repeat(np.cumsum(candidates) - candidates, candidates)
    tenant = rank == 0
    others = int((~tenant).sum())
    issue = np.empty(len(session), dtype=object)
    issue[tenant] = "acceptee"
    issue[~tenant] = np.asarray(OTHER_ISSUES, dtype=object)[
        rng.choice(len(OTHER_ISSUES), others, p=OTHER_ISSUE_PROBS)
    ]
    refused = issue == "refusee_demandeur"
    reasons = np.asarray(list(REFUSAL_REASON_PROBS), dtype=object)
    motif = np.full(len(session), None, dtype=object)
    motif[refused] = reasons[
        rng.choice(len(reasons), int(refused.sum()), p=list(REFUSAL_REASON_PROBS.values()))
    ]
    # the tenant's demand is named after the lease; the others are distinct active demands
    first_other = rng.integers(0, max(n_demands - 4, 1), n)
    other_ids = format_ids("D", 1 + first_other[session] + rank, id_width(n_demands, 8))
    tenant_ids = "DA" + attribution_ids.to_numpy()[session].astype(str)
    frame = pd.DataFrame(
        {
            "commission": commission[session],
            "dwelling": entrants["dwelling"].to_numpy()[session],
            "id_demande": np.where(tenant, tenant_ids, other_ids.to_numpy()),
            "issue": issue,
            "motif_refus": motif,
        }
    )
    frame = frame.sort_values(["commission", "dwelling", "id_demande"], kind="stable")
    frame = frame.reset_index(drop=True)
    frame["id_proposition"] = format_ids("P", np.arange(1, len(frame) + 1), id_width(len(frame), 8))
    return frame


def propositions_in(
    propositions: pd.DataFrame, dwelling_ids: pd.Series, after: int, until: int
) -> pa.Table:
    """Candidacies examined by a session with ``after < date <= until``."""
    day = propositions["commission"].to_numpy()
    p = propositions[(day > after) & (day <= until)]
    return to_arrow(
        contract.PROPOSITIONS,
        {
            "id_proposition": p["id_proposition"].to_numpy(),
            "id_demande": p["id_demande"].to_numpy(),
            "id_logement": dwelling_ids.take(p["dwelling"].to_numpy()),
            "date_commission": p["commission"].to_numpy(),
            "issue": p["issue"].to_numpy(),
            "motif_refus": p["motif_refus"].to_numpy(),
        },
    )


def territory_allocations(entrants: pd.DataFrame, communes: pd.Series, years) -> pd.DataFrame:
    """annee, code_commune, nb_attributions of all landlords for each complete year in `years`."""
    frame = pd.DataFrame(
        {"annee": years_of(entrants["entry"].to_numpy()), "code_commune": communes.to_numpy()}
    )
    frame = frame[frame["annee"].isin(list(years))]
    counts = frame.groupby(["annee", "code_commune"]).size().rename("own").reset_index()
    low, high = LANDLORD_SHARE
    share = low + (high - low) * scatter(counts["code_commune"], 101) / 100
    counts["nb_attributions"] = np.ceil(counts["own"] / share).astype(np.int64)
    return counts[["annee", "code_commune", "nb_attributions"]]
