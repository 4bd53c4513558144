"""Code labels the screens share: the contract's codes as readers name them (the codes stay in the
data and the exports). The labels are data, the `values` of each dimension in
semantic/definitions/dimensions.yaml: written there once, for the screens, the command and the
queries alike."""

from __future__ import annotations

from semantic.catalogue import load_catalogue

_DIMENSIONS = load_catalogue().dimensions
RESERVATAIRES = dict(_DIMENSIONS["reservataire"].values)
COMPOSITIONS = dict(_DIMENSIONS["composition"].values)
DEPARTEMENTS = dict(_DIMENSIONS["departement"].values)


def departement_label(code: str) -> str:
    """« 38 — Isère »: a département's code, then its name (the code alone if unnamed)."""
    return f"{code} — {DEPARTEMENTS[code]}" if code in DEPARTEMENTS else code
