"""Aide à l'attribution: pick a vacant dwelling, see the active demands that fit it and what each
allocation would change to the targets and to the residence's balance, export the commission
sheet. Facts and impacts only: no score, no ranking; the commission decides."""

import datetime as dt

import streamlit as st

from queries.errors import PeuplementError
from ui import allocation_view as av
from ui.commission_sheet import NO_DECISION, commission_sheet, export_buttons
from ui.formats import number
from ui.guard import require_page

user = require_page("aide_attribution")
st.title("Aide à l'attribution")
st.caption(av.INTRO)

# 1. The dwelling -----------------------------------------------------------------------------
try:
    snapshot = av.snapshot_date()
    st.caption(f"Photographie du {snapshot:%d/%m/%Y}.")
    st.header("1. Logement vacant")
    listing = av.vacant(user.scope, av.dwelling_filters(av.vacant(user.scope)))
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()
if listing.empty:
    st.info("Aucun logement vacant dans votre périmètre pour ces filtres.")
    st.stop()
st.caption(f"{number(len(listing))} logement(s) vacant(s). Cliquez sur un en-tête pour trier.")
st.dataframe(
    av.dwellings_table(listing), hide_index=True, height=250, column_config=av.DWELLING_CONFIG
)
rows = {r["id_logement"]: r for r in listing.to_dict("records")}
av.forget_stale("aa_logement", list(rows))
id_logement = st.selectbox(
    "Logement à étudier",
    list(rows),
    index=None,
    format_func={i: av.dwelling_label(r) for i, r in rows.items()}.get,
    placeholder="Choisissez un logement (tapez son numéro, sa résidence ou sa commune)",
    key="aa_logement",
)
if id_logement is None:
    st.info("Choisissez un logement vacant pour voir les demandes qui lui conviennent.")
    st.stop()
dwelling = rows[id_logement]
try:
    profile = av.profile(user.scope, dwelling["residence"])
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()
av.show_dwelling(dwelling, profile)

# 2. Candidates -------------------------------------------------------------------------------
st.header("2. Demandes qui conviennent")
left, middle, right = st.columns(3)
burden = left.number_input(
    "Taux d'effort maximal (%)",
    min_value=1,
    max_value=100,
    value=av.DEFAULT_RENT_BURDEN_PERCENT,
    step=1,
    key="aa_taux_effort",
    help="Loyer du logement / ressources mensuelles déclarées de la demande.",
)
same_epci = middle.checkbox("Élargir aux autres communes de l'EPCI", key="aa_epci_elargi")
others = right.checkbox(
    "Afficher aussi les demandes qui ne conviennent pas", key="aa_non_conformes"
)
try:
    demands = av.demands(user.scope, id_logement, burden / 100, others=others, epci=same_epci)
    fit = demands[demands["convient"]]
    imps = av.effects(user.scope, id_logement, list(fit["id_demande"]))
except PeuplementError as exc:
    st.error(str(exc))
    st.stop()
place = "une commune de l'EPCI" if same_epci else f"la commune ({dwelling['commune_libelle']})"
st.caption(
    f"Demande active dont le premier choix est {place}, sans sur- ni sous-occupation, ressources "
    f"sous le plafond {dwelling['financement']} et taux d'effort ≤ {burden} %."
)
not_fitting = demands[~demands["convient"]]
if others and not not_fitting.empty:
    with st.expander(f"Demandes qui ne conviennent pas ({len(not_fitting)})", expanded=True):
        table = av.others_table(not_fitting)
        st.dataframe(table, hide_index=True, column_config=av.column_config(table))
if fit.empty:
    st.info("Aucune demande active ne convient à ce logement avec ces critères.")
    st.stop()
st.markdown(f"**{len(fit)} demande(s) active(s)** conviennent à ce logement.")

# 3. What each allocation would change --------------------------------------------------------
st.header("3. Effets des candidatures")
av.show_situation(imps.iloc[0], dwelling, snapshot.year)
for text in av.mixite_warnings(imps):
    st.warning(text, icon=":material/warning:")
st.caption("Hypothèses : " + " ".join(av.hypotheses(demands, imps)))

st.subheader("Comparaison des candidatures")
st.caption(
    "Dans l'ordre des numéros de demande, sans score ni classement : cliquez sur un en-tête "
    "de colonne pour trier. Survolez un en-tête de taux pour sa valeur avant attribution."
)
comparison = av.comparison_table(fit, imps)
config = av.column_config(comparison, av.before_help(imps))
st.dataframe(comparison, hide_index=True, column_config=config)

st.subheader("Détail d'une candidature")
by_id = {r["id_demande"]: r for r in imps.to_dict("records")}
av.forget_stale("aa_candidat", list(by_id))
chosen = st.selectbox("Demande", list(by_id), key="aa_candidat")
st.table(av.effect_table(by_id[chosen], dwelling, snapshot.year).set_index("Indicateur"))

# 4. Export -----------------------------------------------------------------------------------
st.header("4. Fiche de commission")
sheet = commission_sheet(
    dwelling,
    profile,
    fit,
    imps,
    snapshot=snapshot,
    rent_burden_max=burden / 100,
    same_epci=same_epci,
    edited_by=f"{user.name} ({user.username})",
    edited_at=dt.datetime.now(),
)
export_buttons(sheet, len(fit))
st.caption(NO_DECISION)
