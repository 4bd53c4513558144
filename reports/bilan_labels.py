"""Words of the bilan: how statuses, periods, breakdown values and targets read in French."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from reports.formats import MASK_LABEL, value
from semantic.catalogue import load_catalogue
from semantic.scope import ROLE_LABELS, Scope

STATUS_LABELS = {
    "atteint": "Atteint",
    "a_surveiller": "À surveiller",
    "non_atteint": "Non atteint",
    "non_mesurable": "Non mesurable",
    "secret": "Secret statistique",
}
TARGET_TITLES = {
    "T1": "T1 · 1er quartile hors QPV",
    "T2": "T2 · Hors 1er quartile en QPV",
    "T3": "T3 · Publics prioritaires",
}
# Breakdown values as readers name them (the codes stay in the data).
# Réservataires: semantic/definitions/dimensions.yaml, two in the plural of the bilan's totals.
VALUE_LABELS = {
    "reservataire": {
        **load_catalogue().dimensions["reservataire"].values,
        "collectivite": "Collectivités",
        "autre": "Autres réservataires",
    },
    "en_qpv": {"True": "En QPV", "False": "Hors QPV"},
    "financement": {"AUTRE": "Autres financements"},
}
PRODUCER = "Portail peuplement"


def period_label(periode: str, snapshot: dt.date) -> str:
    if periode == "annee_en_cours":
        return f"Année {snapshot.year}"
    if periode == "glissant_12_mois":
        return "12 mois"
    return "Photographie"


def value_label(dim: str | None, code, fallback=None) -> str:
    key = str(bool(code)) if dim == "en_qpv" else str(code)
    return VALUE_LABELS.get(dim or "", {}).get(key) or str(fallback or code)


def target_title(row: dict) -> str:
    """« T3 · Publics prioritaires · Action Logement », or the indicator's label for a local one."""
    legal = row["objectif_id"].split("-")[0]
    if row["nature"] == "légal" and legal in TARGET_TITLES:
        title = TARGET_TITLES[legal]
    else:
        title = f"Local · {row['libelle']}"
    if row["filtres"]:
        values = [
            value_label(part.split(" = ")[0], part.split(" = ")[1])
            for part in row["filtres"].split(", ")
            if " = " in part
        ]
        title += " · " + ", ".join(values)
    return title


def cell(val, unit: str, masked: bool) -> str:
    """A value as shown: the mask label when secret."""
    return MASK_LABEL if masked else value(val, unit)


def reader_label(scope: Scope, territory_name: str) -> str:
    role = ROLE_LABELS.get(scope.role, scope.role)
    if scope.national:
        return f"{role} — tout le patrimoine"
    return f"{role} — périmètre limité à {territory_name}"


def ordered(targets: pd.DataFrame) -> pd.DataFrame:
    """T1, T2, T3 then local targets, territory by territory (the whole stock has several)."""
    if targets.empty:
        return targets
    rank = targets["objectif_id"].str.split("-").str[0].map({"T1": 0, "T2": 1, "T3": 2}).fillna(3)
    keys = ["territoire", "_r", "objectif_id", "periode"]
    return targets.assign(_r=rank).sort_values(keys).drop(columns="_r")
