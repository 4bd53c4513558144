"""Code labels the screens share: the contract's codes as readers name them (the codes stay in the
data and the exports). The labels are data, the `values` of each dimension in
semantic/definitions/dimensions.yaml: written there once, for the screens, the command and the
queries alike."""

from __future__ import annotations

from semantic.catalogue import load_catalogue

_CATALOGUE = load_catalogue()
_DIMENSIONS = _CATALOGUE.dimensions
RESERVATAIRES = dict(_DIMENSIONS["reservataire"].values)
COMPOSITIONS = dict(_DIMENSIONS["composition"].values)

# « 38 — Isère »: written once, beside the catalogue (the screens and the load deck use it)
departement_label = _CATALOGUE.departement_label
