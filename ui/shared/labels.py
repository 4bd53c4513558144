"""Code labels the screens share: the contract's codes as readers name them (the codes stay in the
data and the exports)."""

from __future__ import annotations

RESERVATAIRES = {
    "etat": "État (contingent préfectoral)",
    "action_logement": "Action Logement",
    "collectivite": "Collectivité",
    "bailleur": "Bailleur (non réservé)",
    "autre": "Autre réservataire",
}
COMPOSITIONS = {
    "personne_seule": "Personne seule",
    "couple_sans_enfant": "Couple sans enfant",
    "couple_avec_enfants": "Couple avec enfant(s)",
    "monoparentale": "Famille monoparentale",
    "autre": "Autre",
}
