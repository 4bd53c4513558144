"""Aide à l'attribution, the entry point of its page: cached calls to `queries.allocation` per
scope, and the sections of the page after the dwelling is chosen — the criteria, the demands that
do not fit, the effects of each candidacy and the commission sheet. The builders they show are in
`ui.screens.aide_attribution.allocation_dwellings` (step 1), `ui.screens.aide_attribution.allocation_effects` (steps 2 and 3) and
`ui.screens.aide_attribution.commission_sheet` and `commission_files` (step 4); the page reads everything through this module.

No score, no ranking: rows keep the query's demand-number order and people sort.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries.allocation import (
    EXAMINATION_ORDER,
    LAWFUL_EFFECTS,
    candidates,
    impacts,
    vacant_dwellings,
)
from queries.profile import residence_profile
from semantic.catalogue import load_catalogue
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.screens.aide_attribution import allocation_effects as ae
from ui.screens.aide_attribution.allocation_dwellings import choose_dwelling as choose_dwelling
from ui.screens.aide_attribution.allocation_dwellings import dwelling_filters as dwelling_filters

# Step 1 is drawn by ui.screens.aide_attribution.allocation_dwellings; named here too so the page has one entry point.
from ui.screens.aide_attribution.allocation_dwellings import forget_stale
from ui.screens.aide_attribution.allocation_dwellings import show_dwelling as show_dwelling
from ui.screens.aide_attribution.commission_files import export_buttons
from ui.screens.aide_attribution.commission_sheet import (
    EXCEPTIONS,
    NO_DECISION,
    commission_sheet,
    presented_text,
)
from ui.shared import data
from ui.shared.labels import RESERVATAIRES
from ui.shell.auth import CurrentUser

DEFAULT_RENT_BURDEN_PERCENT = 35  # rent burdens above it are flagged (never excluded)
DEFAULT_MIN_EFFECT_POINTS = 1.0  # mixité warnings from this rise on (points)
INTRO = (
    "Préparation de la commission d'attribution (CALEOL) : pour un logement vacant, les demandes "
    "actives qui lui conviennent et ce que chaque attribution changerait aux objectifs et à "
    "l'équilibre de la résidence. L'écran montre des faits et des effets ; il ne calcule aucun "
    "score, ne classe pas les candidatures et ne décide rien."
)

# --- cached calls (ui.shared.data.scoped: per scope and data version), at the latest snapshot ---------


def _latest() -> str:
    return data.engine().resolve_snapshot(None).isoformat()


def snapshot_date() -> dt.date:
    return data.engine().resolve_snapshot(None)


def vacant(scope: Scope, where: Mapping[str, Sequence] | None = None) -> pd.DataFrame:
    """The vacant dwellings, with the departures expected in their residence over the next four
    quarters (`residence_departs_attendus`, from the projection of the Fiche résidence)."""
    frozen = tuple((d, tuple(v)) for d, v in sorted((where or {}).items()) if v)
    listing = _vacant(scope, _latest(), frozen)
    if listing.empty:
        return listing
    departures = data.outlooks(scope).departures
    expected = (
        departures.groupby("residence")["attendu"].sum(min_count=1) if len(departures) else {}
    )
    return listing.assign(residence_departs_attendus=listing["residence"].map(expected))


@data.scoped
def _vacant(scope: Scope, snapshot: str, where: tuple) -> pd.DataFrame:
    filters = {d: list(v) for d, v in where} or None
    return vacant_dwellings(data.engine(), scope, snapshot=snapshot, where=filters)


def demands(scope: Scope, id_logement: str, effort_flag: float | None, *, others: bool, epci: bool):
    """`candidates` for the dwelling: those that fit, and the others with their reasons."""
    return _demands(scope, _latest(), id_logement, effort_flag, others, epci)


@data.scoped
def _demands(scope: Scope, snapshot: str, id_logement: str, flag, others: bool, epci: bool):
    return candidates(
        data.engine(),
        scope,
        id_logement,
        snapshot=snapshot,
        effort_flag=flag,
        include_non_fitting=others,
        same_epci=epci,
    )


def effects(scope: Scope, id_logement: str, ids: Sequence[str], contingent: str) -> pd.DataFrame:
    return _effects(scope, _latest(), id_logement, tuple(ids), contingent)


@data.scoped
def _effects(scope: Scope, snapshot: str, id_logement: str, ids: tuple, contingent: str):
    return impacts(
        data.engine(), scope, id_logement, list(ids), snapshot=snapshot, contingent=contingent
    )


def profile(scope: Scope, residence: str) -> pd.DataFrame:
    return _profile(scope, _latest(), residence)


@data.scoped
def _profile(scope: Scope, snapshot: str, residence: str) -> pd.DataFrame:
    return residence_profile(data.engine(), residence, scope, snapshot=snapshot)


# --- the sections of the page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """What the page asks of the demands and of their effects, as set on the page."""

    burden: int  # rent burdens above this percentage are flagged (0: none); never a filter
    same_epci: bool  # any commune of the dwelling's EPCI as first wish, not only its own
    others: bool  # also list the demands that do not fit, with their reasons
    contingent: str  # the contingent the allocation would be made on (flux management)
    min_points: float  # mixité warnings from this rise on, in points

    @property
    def effort_flag(self) -> float | None:
        return self.burden / 100 if self.burden else None


@dataclass(frozen=True)
class Study:
    """One dwelling's demands (with the non-fitting ones when asked), those that fit, and the
    impacts of allocating the dwelling to each of them."""

    demands: pd.DataFrame
    fit: pd.DataFrame
    imps: pd.DataFrame


def choose_criteria(dwelling: Mapping) -> Criteria:
    """The criteria in two rows; each widget owns one session-state key."""
    left, middle, right = st.columns(3)
    burden = left.number_input(
        "Signaler un taux d'effort au-delà de (%)",
        min_value=0,
        max_value=100,
        value=DEFAULT_RENT_BURDEN_PERCENT,
        step=1,
        key="aa_taux_effort",
        help="Information seulement : aucune demande n'est écartée pour son taux d'effort. "
        "0 : ne rien signaler.",
    )
    codes = list(RESERVATAIRES)
    own = dwelling["reservataire"] if dwelling["reservataire"] in codes else codes[0]
    contingent = middle.selectbox(
        "Contingent de l'attribution",
        codes,
        index=codes.index(own),
        format_func=RESERVATAIRES.__getitem__,
        key=f"aa_contingent_{dwelling['id_logement']}",
        help="En gestion en flux, l'attribution compte pour le contingent sur lequel elle est "
        f"faite (T3) ; par défaut celui du logement ({RESERVATAIRES[own]}).",
    )
    min_points = right.number_input(
        "Alerte mixité à partir de (points)",
        min_value=0.0,
        max_value=20.0,
        value=DEFAULT_MIN_EFFECT_POINTS,
        step=0.5,
        format="%g",  # « 0.5 », « 2 »: the least decimals that fit
        key="aa_effet_minimal",
    )
    left, right = st.columns(2)
    same_epci = left.checkbox("Élargir aux autres communes de l'EPCI", key="aa_epci_elargi")
    others = right.checkbox(
        "Afficher aussi les demandes qui ne conviennent pas", key="aa_non_conformes"
    )
    return Criteria(int(burden), same_epci, others, contingent, float(min_points))


def study_dwelling(scope: Scope, id_logement: str, criteria: Criteria) -> Study:
    """The demands for the dwelling under these criteria, and the impacts of those that fit."""
    found = demands(
        scope, id_logement, criteria.effort_flag, others=criteria.others, epci=criteria.same_epci
    )
    fit = found[found["convient"]]
    imps = effects(scope, id_logement, list(fit["id_demande"]), criteria.contingent)
    return Study(found, fit, imps)


def show_demands(study: Study, dwelling: Mapping, criteria: Criteria) -> None:
    """The criteria in words, the order of examination, then the demands that do not fit when
    they are asked for."""
    commune = markdown_text(dwelling["commune_libelle"])
    place = "une commune de l'EPCI" if criteria.same_epci else f"la commune ({commune})"
    flag = (
        f" Un taux d'effort au-delà de {criteria.burden} % est signalé, sans écarter la demande."
        if criteria.burden
        else ""
    )
    st.caption(
        f"Demande active dont le premier choix est {place}, sans sur- ni sous-occupation, "
        f"ressources non supérieures au plafond {dwelling['financement']}.{flag}"
    )
    st.caption(f":material/format_list_numbered: {EXAMINATION_ORDER}")
    not_fitting = study.demands[~study.demands["convient"]]
    if criteria.others and not not_fitting.empty:
        with st.expander(f"Demandes qui ne conviennent pas ({len(not_fitting)})", expanded=True):
            table = ae.others_table(not_fitting)
            st.dataframe(table, hide_index=True, column_config=ae.column_config(table))


def show_effects(study: Study, dwelling: Mapping, year: int, criteria: Criteria) -> None:
    """The situation before, the mixité warnings, the candidacies side by side, then one of them
    in detail: facts and computed effects, never a ranking."""
    imps = study.imps
    ae.show_situation(imps.iloc[0], dwelling, year)
    for text in ae.mixite_warnings(imps, criteria.min_points):
        st.warning(markdown_text(text), icon=":material/warning:")  # may name a residence
    st.caption("Hypothèses : " + " ".join(ae.hypotheses(study.demands, imps)))

    st.subheader("Comparaison des candidatures")
    st.caption(
        "Dans l'ordre d'examen (DALO, prioritaires, délai anormalement long, ancienneté), sans "
        "score ni classement : cliquez sur un en-tête de colonne pour trier. Survolez un en-tête "
        "de taux pour sa valeur avant attribution."
    )
    comparison = ae.comparison_table(study.fit, imps)
    config = ae.column_config(comparison, ae.before_help(imps))
    st.dataframe(comparison, hide_index=True, column_config=config)

    st.subheader("Détail d'une candidature")
    by_id = {r["id_demande"]: r for r in imps.to_dict("records")}
    forget_stale("aa_candidat", list(by_id))
    chosen = st.selectbox("Demande", list(by_id), key="aa_candidat")
    facts = study.fit.set_index("id_demande").loc[chosen]
    st.table(ae.candidate_facts(facts).set_index("Élément"))
    st.table(ae.effect_table(by_id[chosen], dwelling, year).set_index("Indicateur"))
    st.caption(LAWFUL_EFFECTS)


def show_commission_sheet(
    study: Study,
    dwelling: Mapping,
    prof: pd.DataFrame,
    criteria: Criteria,
    snapshot: dt.date,
    user: CurrentUser,
) -> None:
    """The candidates the officer presents (three by default, in the examination order), the
    exception when fewer, the sheet's two downloads (each audited) and the reminder that it
    decides nothing."""
    needed = load_catalogue().parameters.aide_attribution.candidats_par_logement
    ids = list(study.imps["id_demande"])
    key = f"aa_presentes_{dwelling['id_logement']}"
    remember_choices(key, ids, ids[:needed])
    chosen = st.multiselect(
        "Candidatures présentées à la commission",
        ids,
        key=key,
        help=f"Par défaut les {needed} premières dans l'ordre d'examen ; ce n'est pas un classement.",
        select_all=False,
    )
    exception = None
    if len(chosen) < needed:
        exception = st.selectbox(
            f"Moins de {needed} candidatures : motif de l'exception (CCH R441-3)",
            EXCEPTIONS,
            key=f"aa_exception_{dwelling['id_logement']}",
        )
    if not chosen:
        st.info("Choisissez au moins une candidature pour éditer la fiche.")
        return
    picked = study.imps["id_demande"].isin(chosen)
    sheet = commission_sheet(
        dwelling,
        prof,
        study.fit[study.fit["id_demande"].isin(chosen)],
        study.imps[picked].reset_index(drop=True),
        snapshot=snapshot,
        effort_flag=criteria.effort_flag,
        same_epci=criteria.same_epci,
        contingent=criteria.contingent,
        needed=needed,
        exception=exception,
        edited_by=f"{user.name} ({user.username})",
        edited_at=dt.datetime.now(),
        secrecy_threshold=load_catalogue().secrecy_threshold,
    )
    st.caption(presented_text(len(chosen), needed, exception))
    export_buttons(sheet, len(chosen))
    st.caption(NO_DECISION)


def remember_choices(key: str, known: Sequence[str], default: Sequence[str]) -> None:
    """The widget's choice: `default` the first time, then what the officer chose, less what the
    current list no longer offers (the widget gets its value from session state only)."""
    chosen = st.session_state.get(key)
    if isinstance(chosen, list):
        st.session_state[key] = [c for c in chosen if c in known]
    else:
        st.session_state[key] = list(default)
