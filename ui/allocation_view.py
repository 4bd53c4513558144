"""Aide à l'attribution, the entry point of its page: cached calls to `queries.allocation` per
scope, and the sections of the page after the dwelling is chosen — the criteria, the demands that
do not fit, the effects of each candidacy and the commission sheet. The builders they show are in
`ui.allocation_dwellings` (step 1), `ui.allocation_effects` (steps 2 and 3) and
`ui.commission_sheet` (step 4); the page reads everything through this module.

No score, no ranking: rows keep the query's demand-number order and people sort.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries.allocation import candidates, impacts, vacant_dwellings
from queries.profile import residence_profile
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui import allocation_effects as ae
from ui import data

# Step 1 is drawn by ui.allocation_dwellings; named here too so the page has one entry point.
from ui.allocation_dwellings import choose_dwelling as choose_dwelling
from ui.allocation_dwellings import dwelling_filters as dwelling_filters
from ui.allocation_dwellings import forget_stale
from ui.allocation_dwellings import show_dwelling as show_dwelling
from ui.auth import CurrentUser
from ui.commission_sheet import NO_DECISION, commission_sheet, export_buttons

DEFAULT_RENT_BURDEN_PERCENT = 35  # the usual ceiling of a rent burden, changed on the page
INTRO = (
    "Préparation de la commission d'attribution (CALEOL) : pour un logement vacant, les demandes "
    "actives qui lui conviennent et ce que chaque attribution changerait aux objectifs et à "
    "l'équilibre de la résidence. L'écran montre des faits et des effets ; il ne calcule aucun "
    "score, ne classe pas les candidatures et ne décide rien."
)

# --- cached calls, keyed on the scope, the snapshot and the data version -------------------------


def _key(scope: Scope) -> tuple[str, str, str]:
    eng = data.engine()
    return scope.cache_key(), eng.resolve_snapshot(None).isoformat(), data.data_version(eng)


def snapshot_date() -> dt.date:
    return data.engine().resolve_snapshot(None)


def vacant(scope: Scope, where: Mapping[str, Sequence] | None = None) -> pd.DataFrame:
    frozen = tuple((d, tuple(v)) for d, v in sorted((where or {}).items()) if v)
    return _vacant(*_key(scope), frozen, _scope=scope)


@st.cache_data(show_spinner=False, max_entries=data.MAX_CACHED_RESULTS, ttl=data.RESULT_TTL_SECONDS)
def _vacant(scope_key, snapshot, version, where, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    filters = {d: list(v) for d, v in where} or None
    return vacant_dwellings(data.engine(), _scope, snapshot=snapshot, where=filters)


def demands(scope: Scope, id_logement: str, rent_burden_max: float, *, others: bool, epci: bool):
    """`candidates` for the dwelling: those that fit, and the others with their reasons."""
    return _demands(*_key(scope), id_logement, rent_burden_max, others, epci, _scope=scope)


@st.cache_data(show_spinner=False, max_entries=data.MAX_CACHED_RESULTS, ttl=data.RESULT_TTL_SECONDS)
def _demands(scope_key, snapshot, version, id_logement, burden, others, epci, *, _scope):
    _same(scope_key, _scope)
    return candidates(
        data.engine(),
        _scope,
        id_logement,
        snapshot=snapshot,
        rent_burden_max=burden,
        include_non_fitting=others,
        same_epci=epci,
    )


def effects(scope: Scope, id_logement: str, ids: Sequence[str]) -> pd.DataFrame:
    return _effects(*_key(scope), id_logement, tuple(ids), _scope=scope)


@st.cache_data(show_spinner=False, max_entries=data.MAX_CACHED_RESULTS, ttl=data.RESULT_TTL_SECONDS)
def _effects(scope_key, snapshot, version, id_logement, ids, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    return impacts(data.engine(), _scope, id_logement, list(ids), snapshot=snapshot)


def profile(scope: Scope, residence: str) -> pd.DataFrame:
    return _profile(*_key(scope), residence, _scope=scope)


@st.cache_data(show_spinner=False, max_entries=data.MAX_CACHED_RESULTS, ttl=data.RESULT_TTL_SECONDS)
def _profile(scope_key, snapshot, version, residence, *, _scope: Scope) -> pd.DataFrame:
    _same(scope_key, _scope)
    return residence_profile(data.engine(), residence, _scope, snapshot=snapshot)


def _same(scope_key: str, scope: Scope) -> None:
    if scope_key != scope.cache_key():  # the key and the scope must describe the same user
        raise RuntimeError("cache key and scope disagree")


# --- the sections of the page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """What a demand must meet, as set on the page."""

    burden: int  # the rent burden ceiling, in percent as typed
    same_epci: bool  # any commune of the dwelling's EPCI as first wish, not only its own
    others: bool  # also list the demands that do not fit, with their reasons


@dataclass(frozen=True)
class Study:
    """One dwelling's demands (with the non-fitting ones when asked), those that fit, and the
    impacts of allocating the dwelling to each of them."""

    demands: pd.DataFrame
    fit: pd.DataFrame
    imps: pd.DataFrame


def choose_criteria() -> Criteria:
    """The three criteria in a row; each widget owns one session-state key."""
    left, middle, right = st.columns(3)
    burden = left.number_input(
        "Taux d'effort maximal (%)",
        min_value=1,
        max_value=100,
        value=DEFAULT_RENT_BURDEN_PERCENT,
        step=1,
        key="aa_taux_effort",
        help="Loyer du logement / ressources mensuelles déclarées de la demande.",
    )
    same_epci = middle.checkbox("Élargir aux autres communes de l'EPCI", key="aa_epci_elargi")
    others = right.checkbox(
        "Afficher aussi les demandes qui ne conviennent pas", key="aa_non_conformes"
    )
    return Criteria(burden, same_epci, others)


def study_dwelling(scope: Scope, id_logement: str, criteria: Criteria) -> Study:
    """The demands for the dwelling under these criteria, and the impacts of those that fit."""
    found = demands(
        scope,
        id_logement,
        criteria.burden / 100,
        others=criteria.others,
        epci=criteria.same_epci,
    )
    fit = found[found["convient"]]
    return Study(found, fit, effects(scope, id_logement, list(fit["id_demande"])))


def show_demands(study: Study, dwelling: Mapping, criteria: Criteria) -> None:
    """The criteria in words, then the demands that do not fit when they are asked for."""
    same_epci, burden = criteria.same_epci, criteria.burden
    commune = markdown_text(dwelling["commune_libelle"])
    place = "une commune de l'EPCI" if same_epci else f"la commune ({commune})"
    st.caption(
        f"Demande active dont le premier choix est {place}, sans sur- ni sous-occupation, "
        f"ressources sous le plafond {dwelling['financement']} et taux d'effort ≤ {burden} %."
    )
    not_fitting = study.demands[~study.demands["convient"]]
    if criteria.others and not not_fitting.empty:
        with st.expander(f"Demandes qui ne conviennent pas ({len(not_fitting)})", expanded=True):
            table = ae.others_table(not_fitting)
            st.dataframe(table, hide_index=True, column_config=ae.column_config(table))


def show_effects(study: Study, dwelling: Mapping, year: int) -> None:
    """The situation before, the mixité warnings, the candidacies side by side, then one of them
    in detail: facts and computed effects, never a ranking."""
    imps = study.imps
    ae.show_situation(imps.iloc[0], dwelling, year)
    for text in ae.mixite_warnings(imps):
        st.warning(markdown_text(text), icon=":material/warning:")  # may name a residence
    st.caption("Hypothèses : " + " ".join(ae.hypotheses(study.demands, imps)))

    st.subheader("Comparaison des candidatures")
    st.caption(
        "Dans l'ordre des numéros de demande, sans score ni classement : cliquez sur un en-tête "
        "de colonne pour trier. Survolez un en-tête de taux pour sa valeur avant attribution."
    )
    comparison = ae.comparison_table(study.fit, imps)
    config = ae.column_config(comparison, ae.before_help(imps))
    st.dataframe(comparison, hide_index=True, column_config=config)

    st.subheader("Détail d'une candidature")
    by_id = {r["id_demande"]: r for r in imps.to_dict("records")}
    forget_stale("aa_candidat", list(by_id))
    chosen = st.selectbox("Demande", list(by_id), key="aa_candidat")
    st.table(ae.effect_table(by_id[chosen], dwelling, year).set_index("Indicateur"))


def show_commission_sheet(
    study: Study,
    dwelling: Mapping,
    prof: pd.DataFrame,
    criteria: Criteria,
    snapshot: dt.date,
    user: CurrentUser,
) -> None:
    """The sheet's two downloads (each audited), and the reminder that it decides nothing."""
    sheet = commission_sheet(
        dwelling,
        prof,
        study.fit,
        study.imps,
        snapshot=snapshot,
        rent_burden_max=criteria.burden / 100,
        same_epci=criteria.same_epci,
        edited_by=f"{user.name} ({user.username})",
        edited_at=dt.datetime.now(),
    )
    export_buttons(sheet, len(study.fit))
    st.caption(NO_DECISION)
