"""Fiche résidence, « Projection » section: the departures expected in the next quarters and the
trajectory of the share of households under 40 % of the PLUS ceiling under two allocation
scenarios, with the method, its hypotheses and its back-test written on screen.

Figures come from `queries.forecast.outlook` (cached per scope and data version); builders are
plain functions, testable without Streamlit.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from queries.forecast.departures import HIGH, LOW, poisson_quantile
from queries.forecast.outlook import Outlooks
from queries.forecast.trajectory import trajectory
from semantic.safe_text import markdown_text
from semantic.scope import Scope
from ui.screens.residence.residence_sections import Card
from ui.shared import data
from ui.shared.charts import french
from ui.shared.formats import number, percent

YEARS = (0, 1, 3, 5)
SCENARIO_KEY = "proj_scenario_b"  # the scenario B share (percent), one widget per session
A_COLOR, B_COLOR = "#1f77b4", "#ff7f0e"
HYPOTHESES = (
    "le nombre de ménages de la résidence reste celui d'aujourd'hui : chaque logement libéré est "
    "reloué dans l'année ;",
    "les départs suivent le taux de la résidence, rapproché de celui de son EPCI quand son "
    "historique est court (ci-dessus) ;",
    "les ménages qui partent ressemblent aux ménages en place (autant de ménages sous 40 % du "
    "plafond PLUS parmi eux que dans la résidence) ;",
    "les entrants ont le profil du scénario : une part fixe de ménages sous 40 % du plafond "
    "PLUS, chaque année ;",
    "calcul sur les effectifs, année par année : ménages concernés l'an prochain = ménages "
    "concernés − départs × part actuelle + départs × part des entrants.",
)
CHART_HEIGHT = 320  # pixels, given to Streamlit: 1.67 ignores a spec's fixed height


def outlooks(scope: Scope) -> Outlooks:
    return data.outlooks(scope)


# --- builders ------------------------------------------------------------------------------------


def departures_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The residence's rows of the departures projection, worded."""
    return pd.DataFrame(
        {
            "Trimestre se terminant le": [f"{d:%d/%m/%Y}" for d in rows["trimestre"]],
            "Départs attendus": [number(v, 1) for v in rows["attendu"]],
            "Intervalle à 90 %": [
                "—" if pd.isna(lo) else f"{number(lo)} à {number(hi)}"
                for lo, hi in zip(rows["bas"], rows["haut"], strict=True)
            ],
        }
    )


def year_total(rows: pd.DataFrame) -> tuple[float, int | None, int | None]:
    """Departures expected over the quarters shown, with the Poisson interval of the sum."""
    total = float(rows["attendu"].sum())
    if rows["bas"].isna().any():
        return total, None, None
    return total, poisson_quantile(total, LOW), poisson_quantile(total, HIGH)


def scenarios(inputs: dict, share_a: float, share_b: float) -> pd.DataFrame:
    """One row per year of YEARS and scenario: share and households under 40 % of PLUS."""
    rows = []
    for name, share in (("A", share_a), ("B", share_b)):
        steps = trajectory(
            inputs["menages"], inputs["concernes"], inputs["departs_par_an"], share, max(YEARS)
        )
        for step in steps:
            if step.annee in YEARS:
                rows.append(
                    {
                        "scenario": name,
                        "annee": step.annee,
                        "part": step.part,
                        "concernes": step.concernes,
                    }
                )
    return pd.DataFrame(rows)


def scenario_table(df: pd.DataFrame) -> pd.DataFrame:
    when = {0: "Aujourd'hui", 1: "Dans 1 an", 3: "Dans 3 ans", 5: "Dans 5 ans"}
    wide = {"Horizon": [when[y] for y in YEARS]}
    for name in ("A", "B"):
        part = df[df["scenario"] == name].set_index("annee")
        wide[f"Scénario {name}"] = [
            f"{percent(part.loc[y, 'part'])} ({number(part.loc[y, 'concernes'], 1)} ménages)"
            for y in YEARS
        ]
    return pd.DataFrame(wide)


def scenario_chart(df: pd.DataFrame, labels: dict[str, str]) -> alt.Chart:
    shown = df.assign(Scénario=df["scenario"].map(labels), Année=df["annee"])
    colors = alt.Scale(domain=list(labels.values()), range=[A_COLOR, B_COLOR])
    chart = (
        alt.Chart(shown)
        .mark_line(point=True)
        .encode(
            x=alt.X("Année:Q", title="Années à partir d'aujourd'hui", axis=alt.Axis(values=YEARS)),
            y=alt.Y("part:Q", title="Part sous 40 % PLUS", axis=alt.Axis(format=".0%")),
            color=alt.Color(
                "Scénario:N",
                scale=colors,
                legend=alt.Legend(title=None, orient="top", direction="vertical", labelLimit=600),
            ),
            tooltip=[
                alt.Tooltip("Scénario:N"),
                alt.Tooltip("Année:Q"),
                alt.Tooltip("part:Q", format=".1%"),
            ],
        )
    )
    return french(chart)


AGEING_HYPOTHESES = (
    "chaque année, chacun vieillit d'un an : les âges sont supposés répartis également dans "
    "chaque tranche (1/10 des 65–74 ans passe chaque année à 75 ans et plus) ;",
    "les départs suivent le taux de la résidence (ci-dessus), répartis entre les tranches d'âge "
    "comme dans son EPCI : le fichier des départs ne donne pas l'âge, mais les ménages en place "
    "d'une année sur l'autre montrent quelles tranches restent ;",
    "chaque logement libéré est reloué à un ménage dont l'âge suit celui des ménages installés "
    "depuis moins d'un an dans l'EPCI ;",
    "sous-occupation : le taux d'aujourd'hui de la résidence, déplacé par le changement de sa "
    "pyramide des âges au taux de sous-occupation de chaque tranche dans l'EPCI.",
)


def ageing_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Years 0, 1, 3, 5 of a residence's ageing projection, worded."""
    when = {0: "Aujourd'hui", 1: "Dans 1 an", 3: "Dans 3 ans", 5: "Dans 5 ans"}
    by_year = rows.set_index("annee")
    shown = [y for y in YEARS if y in by_year.index]
    return pd.DataFrame(
        {
            "Horizon": [when[y] for y in shown],
            "Titulaires de 75 ans et plus": [
                percent(by_year.loc[y, "part_75_plus"]) for y in shown
            ],
            "Sous-occupation": [
                "—"
                if pd.isna(by_year.loc[y, "sous_occupation"])
                else percent(by_year.loc[y, "sous_occupation"])
                for y in shown
            ],
        }
    )


# --- the section ---------------------------------------------------------------------------------


def show_projection(scope: Scope, the_card: Card) -> None:
    st.subheader("Projection : départs attendus et trajectoire d'occupation")
    with st.spinner("Calcul des projections…"):
        found = outlooks(scope)
    deps = found.departures
    rows = deps[deps["residence"] == the_card.residence] if "residence" in deps else deps
    _show_departures(rows)
    inputs = found.trajectory[found.trajectory["residence"] == the_card.residence]
    if inputs.empty:
        st.info("Pas de trajectoire : revenus ou historique de départs insuffisants.")
    else:
        _show_trajectory(inputs.iloc[0].to_dict(), found, the_card)
    _show_ageing(found.ageing[found.ageing["residence"] == the_card.residence], found)
    _show_epci_ageing(found, the_card)


def _show_departures(rows: pd.DataFrame) -> None:
    st.markdown("**Départs attendus (logements libérés) sur les 4 prochains trimestres**")
    if rows.empty or rows["masque"].any() or rows["attendu"].isna().all():
        st.info("Pas de projection des départs pour cette résidence (historique insuffisant).")
        return
    total, low, high = year_total(rows)
    st.metric("Départs attendus sur un an", number(total, 1))
    if low is not None:
        st.caption(f"Intervalle à 90 % : de {number(low)} à {number(high)} départs sur un an.")
    st.dataframe(departures_table(rows), hide_index=True)
    first = rows.iloc[0]
    weight = first["poids_propre"]
    st.caption(
        f"Méthode : {first['methode']}. Taux de départ par logement et par trimestre de la "
        f"résidence ({number(first['departs_historique'])} départs sur "
        f"{number(first['exposition'])} logements-trimestres observés), rapproché du taux de son EPCI d'autant plus que son "
        f"historique est court : poids de son propre historique {percent(weight, 0)} "
        f"(bayésien empirique, poids = logements-trimestres / (logements-trimestres + k)). "
        f"Appliqué aux {number(first['logements'])} logements proposés à la location ; "
        "intervalle : quantiles 5 % et 95 % d'une loi de Poisson (l'incertitude sur le taux "
        "lui-même n'y est pas ajoutée)."
    )


def _show_trajectory(inputs: dict, found: Outlooks, the_card: Card) -> None:
    st.markdown("**Trajectoire : part des ménages sous 40 % du plafond PLUS dans 1, 3 et 5 ans**")
    if the_card.enjeu_mixite:
        st.caption("Résidence à enjeu de mixité (liste de la CIA) : comparez deux scénarios.")
    share_a = inputs["part_entrants"]
    where = "en QPV" if inputs["entrants_qpv"] else "hors QPV"
    if share_a is None or pd.isna(share_a):
        st.info("Profil des entrants récents de l'EPCI couvert par le secret ou inconnu.")
        return
    default_b = max(0, round(share_a * 100 / 5) * 5 - 10)
    share_b = st.slider(
        "Scénario B : part des entrants sous 40 % du plafond PLUS",
        min_value=0,
        max_value=100,
        value=int(st.session_state.get(SCENARIO_KEY, default_b)),
        step=5,
        format="%d %%",
        key=SCENARIO_KEY,
    )
    labels = {
        "A": f"A — tendance actuelle : entrants à {percent(share_a, 0)} sous 40 % (EPCI, {where})",
        "B": f"B — entrants à {share_b} % sous 40 %",
    }
    df = scenarios(inputs, float(share_a), share_b / 100)
    st.altair_chart(scenario_chart(df, labels), height=CHART_HEIGHT)
    st.dataframe(scenario_table(df), hide_index=True)
    if not found.trajectory_is_forecast:
        st.warning(
            "Ce sont des **scénarios**, pas des prévisions. La méthode des flux a été éprouvée "
            "sur chaque résidence (projection à un an faite il y a un an, comparée à ce qui "
            f"s'est passé) ; valeur retenue : {found.trajectory_method}. Prévision à un an : "
            f"la part actuelle, {percent(inputs['part'])}."
        )
    st.markdown(
        f"Méthode et hypothèses : {number(inputs['menages'])} ménages au revenu connu, dont "
        f"{number(inputs['concernes'])} sous 40 % du plafond PLUS ; "
        f"{number(inputs['departs_par_an'], 1)} départs par an attendus parmi eux (le taux de "
        "départ par logement ci-dessus, appliqué à ces ménages). Scénario A : les "
        f"entrants ressemblent aux ménages installés depuis moins d'un an dans l'EPCI "
        f"({where}) : {percent(share_a)} sous 40 % du plafond PLUS.\n"
        + "\n".join(f"- {h}" for h in HYPOTHESES)
    )


def _show_ageing(rows: pd.DataFrame, found: Outlooks) -> None:
    st.markdown("**Vieillissement : titulaires de 75 ans et plus et sous-occupation dans 5 ans**")
    if rows.empty:
        st.info(
            "Pas de projection du vieillissement (âges couverts par le secret ou historique insuffisant)."
        )
        return
    st.dataframe(ageing_table(rows), hide_index=True)
    if found.ageing_is_forecast:
        st.caption(
            f"Méthode éprouvée sur chaque résidence (projection à un an faite il y a un an) : "
            f"{found.ageing_method}. Au-delà d'un an, la projection n'a pas pu être éprouvée."
        )
    else:
        st.warning(
            "C'est un **scénario**, pas une prévision : éprouvée sur chaque résidence (projection "
            "à un an faite il y a un an), la méthode ne réduit pas d'au moins 1 % l'erreur de la "
            f"part inchangée ; valeur retenue : {found.ageing_method}. Prévision à un an : la "
            "part actuelle."
        )
    st.markdown("Hypothèses :\n" + "\n".join(f"- {h}" for h in AGEING_HYPOTHESES))


def epci_ageing_line(rows: pd.DataFrame, name: str, is_forecast: bool, method: str) -> str:
    """One sentence: the EPCI's share of heads of household aged 75+ today and in 5 years."""
    by_year = rows.set_index("annee")["part_75_plus"]
    what = "prévision" if is_forecast else "scénario"
    return (
        f"Dans l'EPCI ({name}) : {percent(by_year[0])} de titulaires de 75 ans et plus "
        f"aujourd'hui, {percent(by_year[1])} dans 1 an et {percent(by_year[5])} dans 5 ans "
        f"({what} ; back-test à un an par EPCI : {method})."
    )


def _show_epci_ageing(found: Outlooks, the_card: Card) -> None:
    rows = found.ageing_epci[found.ageing_epci["epci"] == the_card.epci]
    if rows.empty:
        return
    st.caption(
        markdown_text(
            epci_ageing_line(
                rows, the_card.epci_name, found.ageing_epci_is_forecast, found.ageing_epci_method
            )
        )
    )
