"""The Concertation page's pieces: the filtered list of plans, the latest comments, the urban
projects register (read by every role in its territory, edited by admins and managers)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from semantic.safe_text import markdown_text
from store import concertation as cc
from store import plans as pl
from store import threads as th
from store import urban_projects as up
from ui.shared.concertation_view import actor, apply_change, state, when_text
from ui.shared.data import epci_names
from ui.shared.urban_projects_view import rehoused
from ui.shell.auth import CurrentUser

INTRO = (
    "Plans d'action et échanges entre le bailleur et ses partenaires sur les objectifs, les "
    "alertes, les résidences et les projets urbains de votre périmètre. Les plans se créent et se "
    "commentent en place, sur les cartes de la page Objectifs et sur la Fiche résidence ; un "
    "partenaire propose, le bailleur engage."
)


def filters(user: CurrentUser) -> dict:
    names = epci_names(user.scope)
    left, middle, right, last = st.columns(4)
    return {
        "epci": tuple(
            left.multiselect(
                "Territoire",
                list(names),
                format_func=names.get,
                placeholder="Tous",
                key="cc_terr",
                select_all=False,
            )
        ),
        "kinds": tuple(
            middle.multiselect(
                "Objet",
                list(cc.KINDS),
                format_func=cc.KINDS.get,
                placeholder="Tous",
                key="cc_obj",
                select_all=False,
            )
        ),
        "statuses": tuple(
            right.multiselect(
                "Statut",
                list(cc.STATUSES),
                format_func=cc.STATUSES.get,
                placeholder="Tous",
                key="cc_statut",
                select_all=False,
            )
        ),
        "due_before": last.date_input(
            "Échéance au plus tard le", value=None, format="DD/MM/YYYY", key="cc_echeance"
        ),
    }


def plans_table(user: CurrentUser, chosen: dict) -> pd.DataFrame:
    """The plans in scope, filtered; plain text cells (never Markdown)."""
    today = dt.date.today()
    plans = pl.list_plans(state(), actor(user), **chosen)
    return pd.DataFrame(
        [
            {
                "Objet": cc.KINDS[p.obj.kind],
                "Sur": p.obj.label,
                "Plan": p.title,
                "Statut": cc.STATUSES[p.status],
                "Échéance": f"{p.due:%d/%m/%Y}" if p.due else "",
                "En retard": "oui" if p.late(today) else "",
                "Organisation": p.organisation,
                "Créé par": p.created_by,
            }
            for p in plans
        ],
        columns=[
            "Objet",
            "Sur",
            "Plan",
            "Statut",
            "Échéance",
            "En retard",
            "Organisation",
            "Créé par",
        ],
    )


def show_latest_comments(user: CurrentUser, chosen: dict, limit: int = 10) -> None:
    comments = th.list_comments(state(), actor(user), kinds=chosen["kinds"], epci=chosen["epci"])[
        -limit:
    ]
    if not comments:
        st.caption("Aucun commentaire sur ces objets.")
    for comment in reversed(comments):
        st.markdown(
            f"**{markdown_text(comment.organisation)}** sur « {markdown_text(comment.obj.label)} » "
            f"· {when_text(comment.created_at)}"
        )
        st.text(cc.HIDDEN_TEXT if comment.hidden and user.role != "admin" else comment.body)


def projects_table(user: CurrentUser) -> pd.DataFrame:
    names = epci_names(user.scope)
    return pd.DataFrame(
        [
            {
                "Projet": p.name,
                "EPCI": names.get(p.epci, p.epci),
                "Communes": ", ".join(p.communes),
                "QPV": ", ".join(p.qpv),
                "Résidences": ", ".join(p.residences),
                "Démolitions prévues": p.demolitions,
                "Relogements prévus": p.rehousing,
                "Relogements ANRU (12 mois, territoire)": rehoused(user, p),
                "Début": f"{p.start:%d/%m/%Y}" if p.start else "",
                "Fin": f"{p.end:%d/%m/%Y}" if p.end else "",
            }
            for p in up.list_projects(state(), actor(user))
        ]
    )


def project_form(user: CurrentUser) -> None:
    """A new urban project (admins and managers; the store refuses anyone else)."""
    if user.role not in up.EDITORS:
        return
    names = epci_names(user.scope)
    with (
        st.expander("Ajouter un projet urbain", icon=":material/add_business:"),
        st.form("cc_projet", clear_on_submit=True),
    ):
        name = st.text_input("Nom du projet", max_chars=200)
        epci = st.selectbox("EPCI", list(names), format_func=names.get)
        communes = st.text_input("Communes (codes INSEE, séparés par des virgules)")
        qpv = st.text_input("QPV concernés (codes, séparés par des virgules)")
        residences = st.text_input("Résidences concernées (identifiants)")
        left, right = st.columns(2)
        demolitions = left.number_input("Démolitions prévues", min_value=0, step=1)
        rehousing = right.number_input("Relogements prévus", min_value=0, step=1)
        start = left.date_input("Début", value=None, format="DD/MM/YYYY")
        end = right.date_input("Fin", value=None, format="DD/MM/YYYY")
        if st.form_submit_button("Enregistrer le projet"):
            apply_change(
                lambda: up.save_project(
                    state(),
                    actor(user),
                    name=name,
                    epci=epci,
                    communes=_codes(communes),
                    qpv=_codes(qpv),
                    residences=_codes(residences),
                    demolitions=int(demolitions),
                    rehousing=int(rehousing),
                    start=start,
                    end=end,
                )
            )


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in (text or "").split(",") if c.strip())
