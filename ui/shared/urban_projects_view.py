"""Urban projects (ANRU) on screen: the projects of the user's territory (store.urban_projects
checks the scope), the ANRU rehousing allocations of their territory through the queries layer,
and a residence's projects with their concertation."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from semantic.errors import PeuplementError
from semantic.safe_text import markdown_text
from ui.shared import data
from ui.shared.concertation_view import actor, object_panel, state
from ui.shell.auth import CurrentUser


def urban_projects(user: CurrentUser) -> list:
    """The urban projects of the user's territory (store.urban_projects: scope checked there)."""
    from store.urban_projects import list_projects

    return list_projects(state(), actor(user))


def rehoused(user: CurrentUser, project) -> float | None:
    """ANRU rehousing allocations of the last 12 months on the project's communes (its EPCI when
    it names none), through the queries layer in the user's scope; None when masked. The data
    do not link an allocation to a project: this counts every ANRU rehousing of that territory."""
    level, codes = (
        ("commune", list(project.communes)) if project.communes else ("epci", [project.epci])
    )
    try:
        found = data.indicator("nb_attributions_anru", user.scope, where={level: codes})
    except PeuplementError:
        return None
    if found.empty or bool(found.iloc[0]["masque"]) or pd.isna(found.iloc[0]["valeur"]):
        return None
    return float(found.iloc[0]["valeur"])


def show_projects(user: CurrentUser, residence: str) -> None:
    """The urban projects that concern a residence, with their plans and thread."""
    from store.urban_projects import projects_of_residence

    for project in projects_of_residence(state(), actor(user), residence):
        dates = " → ".join(f"{d:%m/%Y}" for d in (project.start, project.end) if d)
        st.info(
            f"Projet urbain **{markdown_text(project.name)}** {dates} : "
            f"{project.demolitions} démolition(s), {project.rehousing} relogement(s) prévus ; "
            f"relogements ANRU sur 12 mois dans son territoire : {_count(rehoused(user, project))}.",
            icon=":material/construction:",
        )
        object_panel(user, project.object_ref(), key=f"projet_{project.id}")


def _count(number: float | None) -> str:
    return "non communiqué (secret statistique)" if number is None else f"{number:.0f}"
