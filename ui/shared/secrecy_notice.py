"""The one sentence a partner reads on every page that shows figures: what the secrecy rule
does to them (queries/secrecy.py, docs/secret-statistique.md)."""

from __future__ import annotations

import streamlit as st

from semantic.catalogue import load_catalogue
from semantic.scope import Scope


def notice_text() -> str:
    secrecy = load_catalogue().parameters.secret_statistique
    return (
        f"Secret statistique : les effectifs affichés pour votre compte sont légèrement modifiés "
        f"(± {secrecy.perturbation.amplitude} au plus, toujours de la même façon pour les mêmes "
        "ménages ou attributions) et les taux sont calculés sur ces effectifs ; toute valeur "
        f"calculée sur moins de {secrecy.seuil} ménages ou attributions est masquée. Soustraire "
        "des chiffres publiés ne redonne donc pas un chiffre masqué."
    )


def partner_notice(scope: Scope) -> None:
    """Say it once, under the page title, to partner accounts only (internal roles see exact
    figures and their effectifs)."""
    if scope.masks_small_cells:
        st.caption(f":material/lock: {notice_text()}")
