"""Concertation on screen: the plans and thread of one object (in place on the Objectifs cards and
the Fiche résidence). The home page's « Quoi de neuf » is ui.shared.concertation_news; urban
projects are ui.shared.urban_projects_view.

Rights are checked by `store.concertation` (scope, role, organisation); this module only hides
the forms the user could not submit. Every text typed by a user is shown as plain text
(`st.text`) or escaped Markdown: it never builds a link, an image or HTML.
"""

from __future__ import annotations

import datetime as dt
import functools
from enum import Enum

import pandas as pd
import streamlit as st

from queries.plan_progress import object_territory
from semantic.catalogue import load_catalogue
from semantic.errors import PeuplementError
from semantic.safe_text import markdown_text
from store import Store
from store import concertation as cc
from store import plans as pl
from store import threads as th
from ui.shared import data
from ui.shared.formats import value as format_value
from ui.shell.auth import CurrentUser, startup_settings

STATUS_ICONS = {
    "proposee": ":material/lightbulb:",
    "engagee": ":material/play_circle:",
    "realisee": ":material/check_circle:",
    "abandonnee": ":material/cancel:",
}


def state() -> Store:
    return startup_settings().store


def actor(user: CurrentUser) -> cc.Actor:
    return cc.Actor(user.username, user.role, user.organisation, user.scope)


# --- object references, built from rows the queries returned in the user's scope -----------------


def target_ref(card) -> cc.ObjectRef:
    """A target card of `ui.screens.objectifs.target_cards` (its rows carry the territory's level, code, year)."""
    row = card.rows[0]
    code, level, year = str(row["code"]), row["echelle"], int(row["annee"])
    return cc.ObjectRef(
        "objectif",
        f"{card.objectif_id}:{year}",
        f"{card.title} · {card.territory} · {year}",
        epci=code if level == "epci" else None,
        commune=code if level == "commune" else None,
    )


def residence_ref(card, commune: str | None) -> cc.ObjectRef:
    return residence_object(card.residence, card.name, card.epci, commune, card.enjeu_mixite)


def residence_object(
    residence: str, name: str, epci: str | None, commune: str | None, enjeu_mixite: bool = False
) -> cc.ObjectRef:
    """A residence as an object of concertation, from a row the queries returned in the user's
    scope (Fiche résidence, the map's attention list, a mixité card: one thread per residence)."""
    label = f"{name}" + (" (enjeu de mixité)" if enjeu_mixite else "")
    return cc.ObjectRef("residence", str(residence), label, epci, commune)


class Ask(Enum):
    """`object_panel`'s default for the value now: ask the queries layer."""

    QUERY = "query"


def value_now(user: CurrentUser, indicator: str | None, obj: cc.ObjectRef) -> float | None:
    """The indicator on the object's territory now, through the queries layer in the user's scope
    (masked for a partner under the secrecy threshold: None)."""
    territory = object_territory(obj.kind, obj.key, obj.epci, obj.commune)
    if not indicator or territory is None:
        return None
    level, code = territory
    try:
        found = data.indicator(indicator, user.scope, where={level: [code]})
    except PeuplementError:
        return None
    if found.empty or bool(found.iloc[0]["masque"]) or pd.isna(found.iloc[0]["valeur"]):
        return None
    return float(found.iloc[0]["valeur"])


# --- one object's plans and thread ------------------------------------------------------------


def object_panel(
    user: CurrentUser,
    obj: cc.ObjectRef,
    *,
    indicator: str | None = None,
    unit: str = "",
    key: str,
    now: float | None | Ask = Ask.QUERY,
    counts: PanelCounts | None = None,
) -> None:
    """The plans and thread of `obj` in an expander, with the forms the user may submit; open at
    first when there are plans or comments, and its content drawn only while open (on Objectifs,
    drawing every card's forms was 30 % of the browser's work and of the server's run). `now` is
    the indicator's value on the object today when the caller already holds it from the same
    query in the same scope (a list of residences drawn from one grouped query need not ask again
    per residence); by default it is asked. `counts` are a page's `PanelCounts`: a closed panel
    then reads nothing more."""
    who = actor(user)
    listed = None  # (plans, comments), read once needed
    if counts is None:  # no page-wide counts: the title needs the lists themselves
        listed = _read_lists(who, obj, st)
        if listed is None:
            return
        shown = (len(listed[0]), len(listed[1]))
    else:
        shown = counts.of(obj)
    title = f"Concertation : {shown[0]} plan(s) d'action, {shown[1]} commentaire(s)"
    panel = st.expander(
        title,
        expanded=any(shown),
        icon=":material/forum:",
        key=f"{key}_volet",
        on_change="rerun",
    )
    if not panel.open:  # drawn once opened (a rerun): a page of cards sends no unopened forms
        return
    listed = listed or _read_lists(who, obj, panel)
    if listed is None:
        return
    plans, comments = listed
    with panel:
        if now is Ask.QUERY:
            now = value_now(user, indicator, obj)
        for plan in plans:
            # each plan follows its own indicator (a residence's plans may come from its card,
            # the map or a mixité alert, each with another one)
            same = plan.indicator == indicator
            plan_now = now if same else value_now(user, plan.indicator, obj)
            plan_unit = unit if same else unit_of(plan.indicator)
            _show_plan(user, plan, plan_now, plan_unit, key)
        _show_thread(user, comments, key)
        _forms(user, obj, indicator, now, key)


def _read_lists(
    who: cc.Actor, obj: cc.ObjectRef, where
) -> tuple[list[pl.Plan], list[th.CommentView]] | None:
    """The object's plans and comments; None, the store's refusal shown in `where`, on error."""
    try:
        return pl.list_plans(state(), who, obj=obj), th.thread(state(), who, obj)
    except PeuplementError as exc:
        where.error(str(exc))
        return None


class PanelCounts:
    """Object key -> plans (every status, or the open ones) and -> comments, on the objects of
    `kind` in the user's scope: the titles of a page of panels, the badges of the map's attention
    list. Read in one grouped query each at the first look; a page that draws no panel reads
    nothing."""

    def __init__(self, user: CurrentUser, kind: str, *, open_only: bool = False) -> None:
        self._who = actor(user)
        self._kind = kind
        self._open_only = open_only

    @functools.cached_property
    def plans(self) -> dict[str, int]:
        return pl.plan_counts(state(), self._who, self._kind, open_only=self._open_only)

    @functools.cached_property
    def comments(self) -> dict[str, int]:
        return th.comment_counts(state(), self._who, self._kind)

    def of(self, obj: cc.ObjectRef) -> tuple[int, int]:
        """(plans, comments) of `obj`."""
        return self.plans.get(obj.key, 0), self.comments.get(obj.key, 0)


def unit_of(indicator: str | None) -> str:
    """The catalogue unit of an indicator ('' for none or a colouring outside the catalogue)."""
    if not indicator:
        return ""
    try:
        return load_catalogue().indicator(indicator).unit
    except PeuplementError:
        return ""


def _show_plan(user: CurrentUser, plan: pl.Plan, now: float | None, unit: str, key: str) -> None:
    today = dt.date.today()
    due = f" · échéance {plan.due:%d/%m/%Y}" if plan.due else ""
    late = " · **en retard**" if plan.late(today) else ""
    st.markdown(
        f"{STATUS_ICONS[plan.status]} **{markdown_text(plan.title)}** — "
        f"{cc.STATUSES[plan.status]}{due}{late}  \n"
        f"Porté par {markdown_text(plan.organisation)} ({markdown_text(plan.created_by)})"
    )
    if plan.description:
        st.text(plan.description)
    if plan.indicator:
        at_start = _shown(plan.value_at_creation, unit)
        st.caption(
            f"Indicateur suivi : à la création {at_start} ; aujourd'hui {_shown(now, unit)}."
        )
    _edit_form(user, plan, f"{key}_p{plan.id}")


def _shown(number: float | None, unit: str) -> str:
    return "non communiqué (secret statistique)" if number is None else format_value(number, unit)


def _edit_form(user: CurrentUser, plan: pl.Plan, key: str) -> None:
    who = actor(user)
    own = who.organisation == plan.organisation
    statuses = (
        list(cc.STATUSES)
        if own and who.internal
        else [plan.status, *cc.DECISIONS]
        if who.internal and plan.status == "proposee"
        else []
    )
    if not statuses:
        return
    with st.popover("Changer le statut", icon=":material/edit:"), st.form(f"{key}_edit"):
        status = st.selectbox(
            "Statut",
            statuses,
            index=statuses.index(plan.status),
            format_func=cc.STATUSES.get,
        )
        due = st.date_input("Échéance", value=plan.due, format="DD/MM/YYYY", disabled=not own)
        if st.form_submit_button("Enregistrer"):
            changes = {"status": status} | ({"due": due} if own else {})
            apply_change(lambda: pl.update_plan(state(), who, plan.id, **changes))


def _show_thread(user: CurrentUser, comments: list[th.CommentView], key: str) -> None:
    for comment in comments:
        landlord = comment.organisation == cc.LANDLORD
        avatar = ":material/apartment:" if landlord else ":material/account_balance:"
        with st.chat_message("bailleur" if landlord else "partenaire", avatar=avatar):
            st.caption(
                f"{markdown_text(comment.author)} · {markdown_text(comment.organisation)} · "
                f"{when_text(comment.created_at)}" + (" · masqué" if comment.hidden else "")
            )
            if comment.hidden and user.role != "admin":
                st.caption(cc.HIDDEN_TEXT)
            else:
                st.text(comment.body)
            if (
                user.role == "admin"
                and not comment.hidden
                and st.button(
                    "Masquer", key=f"{key}_hide_{comment.id}", icon=":material/visibility_off:"
                )
            ):
                apply_change(lambda c=comment: th.hide_comment(state(), actor(user), c.id))


def _forms(user: CurrentUser, obj: cc.ObjectRef, indicator, now, key: str) -> None:
    st.caption(f":material/privacy_tip: {cc.PERSONAL_DATA_NOTICE}")
    with st.form(f"{key}_comment", clear_on_submit=True):
        body = st.text_area("Commentaire", max_chars=cc.MAX_TEXT, height=80, key=f"{key}_texte")
        if st.form_submit_button(
            "Publier le commentaire", icon=":material/send:", key=f"{key}_publier"
        ):
            apply_change(lambda: th.add_comment(state(), actor(user), obj, body))
    label = "Nouveau plan d'action" if actor(user).internal else "Proposer un plan d'action"
    with (
        st.popover(label, icon=":material/add_task:"),
        st.form(f"{key}_plan", clear_on_submit=True),
    ):
        title = st.text_input("Titre", max_chars=cc.MAX_TITLE, key=f"{key}_titre")
        description = st.text_area("Description", max_chars=cc.MAX_TEXT, height=80)
        due = st.date_input("Échéance", value=None, format="DD/MM/YYYY")
        if st.form_submit_button("Enregistrer le plan", key=f"{key}_enregistrer"):
            apply_change(
                lambda: pl.create_plan(
                    state(),
                    actor(user),
                    obj,
                    title=title,
                    description=description,
                    due=due,
                    indicator=indicator,
                    value_at_creation=now,
                )
            )


def apply_change(change) -> None:
    """Run a change; the project's own refusals are shown, anything else is a bug and surfaces."""
    try:
        change()
    except PeuplementError as exc:
        st.error(str(exc))
        return
    st.rerun()


def when_text(iso: str) -> str:
    return dt.datetime.fromisoformat(iso).astimezone().strftime("%d/%m/%Y %H:%M")
