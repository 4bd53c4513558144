"""Aide à l'attribution, steps 2 and 3: the candidates of a dwelling and what allocating it to each
would change, as the screen and the commission sheet (`ui.screens.aide_attribution.commission_sheet`) show them.

Everything shown is a fact of the data or an impact computed by the query layer: no score, no
ranking (rows keep the query's demand-number order; people sort). Demands are named by their number
only. The table builders are plain functions, testable without a running Streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from semantic.safe_text import markdown_text
from ui.screens.aide_attribution.allocation_dwellings import yes_no
from ui.shared.formats import number, percent
from ui.shared.labels import COMPOSITIONS, RESERVATAIRES

GOALS = {
    "T1": "attributions hors QPV au 1er quartile",
    "T2": "attributions en QPV hors 1er quartile",
}


def show_situation(first: Mapping, dwelling: Mapping, year: int) -> None:
    """Before the allocation: each group's rate, where it is measured, k / n and its target."""
    st.subheader("Situation avant attribution")
    columns = st.columns(3)
    for i, g in enumerate(groups(first, dwelling, year)):
        columns[i % 3].metric(g.short, rate(first, g.key, "avant"), help=g.label, border=True)
        columns[i % 3].caption(markdown_text(situation_note(first, g)))
    if first["note_batiment_etage"]:
        st.caption(markdown_text(first["note_batiment_etage"]))  # names the building


def others_table(df: pd.DataFrame) -> pd.DataFrame:
    """Demands that do not fit, with every reason."""
    return pd.DataFrame(
        {
            "N° de demande": df["id_demande"],
            "Commune souhaitée": df["commune_souhaitee_libelle"],
            "Personnes": df["nb_personnes"],
            "Composition": df["composition"].map(lambda c: COMPOSITIONS.get(c, c)),
            "DALO": df["dalo"].map(yes_no),
            "Prioritaire": df["prioritaire"].map(yes_no),
            "Ressources mensuelles (€)": df["revenu_mensuel"],
            "Taux d'effort": df["taux_effort"],
            "Motifs": df["motifs"],
        }
    )


@dataclass(frozen=True)
class Group:
    key: str  # prefix of the impacts columns
    label: str
    short: str  # for a metric's narrow label
    perimeter: str
    target: str | None = None  # prefix of <target>_cible and <target>_reduit_ecart


def groups(imp: Mapping, dwelling: Mapping, year: int) -> list[Group]:
    """What an impact shows, in reading order, named for this dwelling."""
    goal, res = imp["objectif"], RESERVATAIRES.get(imp["t3_reservataire"], imp["t3_reservataire"])
    ytd = f"{dwelling['epci_libelle']}, année {year} à date"
    residence, building = dwelling["residence_libelle"], dwelling["batiment_libelle"]
    under = "Ressources < 40 % du plafond PLUS"
    return [
        Group("objectif", f"{goal} · {GOALS.get(goal, goal)}", f"{goal} · EPCI", ytd, "objectif"),
        Group(
            "t3",
            "T3 · attributions DALO et publics prioritaires",
            f"T3 · {res}",
            f"{res}, {ytd}",
            "t3",
        ),
        Group("residence_sous_40pc", f"{under} (résidence)", "< 40 % PLUS · résidence", residence),
        Group("batiment_sous_40pc", f"{under} (bâtiment)", "< 40 % PLUS · bâtiment", building),
        Group(
            "etage_sous_40pc",
            f"{under} (étage)",
            "< 40 % PLUS · étage",
            f"étage {dwelling['etage']}, {building}",
        ),
    ]


def rate(imp: Mapping, key: str, when: str) -> str:
    """« 14,2 % », or « — » for a building or floor too small to show."""
    return "—" if pd.isna(imp[f"{key}_den_{when}"]) else percent(imp[f"{key}_{when}"])


def share(imp: Mapping, key: str, when: str) -> str:
    """« 14,2 % (25 / 176) », or « non affiché » for a building or floor too small to show."""
    den = imp[f"{key}_den_{when}"]
    if pd.isna(den):
        return "non affiché"
    of = f"{number(imp[f'{key}_num_{when}'])}\u00a0/\u00a0{number(den)}"
    return f"{percent(imp[f'{key}_{when}'])} ({of})"


def situation_note(imp: Mapping, g: Group) -> str:
    """Under a before-metric: where it is measured, k / n, and the target if any."""
    counts = share(imp, g.key, "avant").partition(" (")[2].rstrip(")") or "non affiché"
    target = f" · cible {percent(imp[f'{g.target}_cible'])}" if g.target else ""
    return f"{g.perimeter} · {counts}{target}"


def closes_gap(flag, already_met: bool = False, unknown: str = "non mesurable") -> str:
    """Whether the allocation closes part of the gap: « cible déjà atteinte » rather than « non »
    when there is no gap; `unknown` when it cannot be said."""
    if already_met:
        return "cible déjà atteinte"
    return unknown if pd.isna(flag) else ("oui" if flag else "non")


def met_before(imp: Mapping, target: str) -> bool:
    """The rate before the allocation is already on the right side of its target."""
    before, cible = imp[f"{target}_avant"], imp[f"{target}_cible"]
    if pd.isna(before):
        return False
    return before >= cible if imp.get(f"{target}_sens", ">=") == ">=" else before <= cible


def _closes(imp: Mapping, target: str) -> str:
    unknown = "inconnu (1er quartile inconnu)" if target == "objectif" else "non mesurable"
    return closes_gap(imp[f"{target}_reduit_ecart"], met_before(imp, target), unknown)


def effect_table(imp: Mapping, dwelling: Mapping, year: int) -> pd.DataFrame:
    """One candidate: each group before and after the allocation."""
    rows = []
    for g in groups(imp, dwelling, year):
        target = g.target and imp[f"{g.target}_cible"]
        rows.append(
            {
                "Indicateur": g.label,
                "Périmètre": g.perimeter,
                "Avant": share(imp, g.key, "avant"),
                "Après": share(imp, g.key, "apres"),
                "Cible": percent(target) if g.target else "—",
                "Réduit l'écart à la cible": _closes(imp, g.target) if g.target else "—",
            }
        )
    return pd.DataFrame(rows)


def mixite_warnings(imps: pd.DataFrame, min_points: float = 0.0) -> list[str]:
    """On an enjeu_mixite residence, the candidates who would raise the share of households under
    40 % of the PLUS ceiling by at least `min_points` points (resources only: see
    queries.allocation_impacts.LAWFUL_EFFECTS). One sentence per move, at most five numbers."""
    if imps.empty or not bool(imps["enjeu_mixite"].iloc[0]):
        return []
    key = "residence_sous_40pc"
    rise = (imps[f"{key}_apres"] - imps[f"{key}_avant"].fillna(0.0)).astype("Float64")
    flagged = imps["alerte_mixite"].astype(bool) & (rise >= min_points / 100 - 1e-12).fillna(False)
    moves: dict[str, list[str]] = {}
    for r in imps[flagged.astype(bool)].to_dict("records"):
        move = f"de {percent(r[f'{key}_avant'])} à {percent(r[f'{key}_apres'])}"
        moves.setdefault(move, []).append(r["id_demande"])
    out = []
    for move, ids in moves.items():
        shown = ", ".join(ids[:5]) + (f" et {len(ids) - 5} autre(s)" if len(ids) > 5 else "")
        who = f"aux demandes {shown}" if len(ids) > 1 else f"à la demande {ids[0]}"
        out.append(
            "Résidence à enjeu prioritaire de mixité sociale (liste de la CIA) : attribuer ce "
            f"logement {who} ferait passer la part de ménages sous 40 % du plafond PLUS de la "
            f"résidence {move}."
        )
    return out


def hypotheses(cands: pd.DataFrame, imps: pd.DataFrame) -> list[str]:
    """What is estimated: the impacts' hypotheses (resources, contingent, lawful effects) and the
    rent burden's, or the candidates' alone when there is no impact."""
    found = list(dict.fromkeys(imps["hypotheses"])) if not imps.empty else []
    if not found:
        return [cands.attrs.get("hypotheses", "")]
    return [*found, cands.attrs.get("budget", "")]


def comparison_table(cands: pd.DataFrame, imps: pd.DataFrame) -> pd.DataFrame:
    """The candidates' facts and impacts, one row each, in the query's order (the examination
    order, not a ranking): the reader sorts. Before-values are the same for every row; they are
    shown once, next to this table. Unknown stays « inconnu », never « non »."""
    c = cands.set_index("id_demande").loc[imps["id_demande"]].reset_index()
    goal = imps["objectif"].iloc[0] if not imps.empty else "T1"
    records = imps.to_dict("records")
    table = pd.DataFrame(
        {
            "N° de demande": c["id_demande"],
            "DALO": c["dalo"].map(yes_no),
            "Prioritaire": c["prioritaire"].map(yes_no),
            "Délai anormal dépassé": c["delai_depasse"].map(yes_no),
            "Cotation": c["cotation"],
            "Dépôt": pd.to_datetime(c["date_depot"]).dt.date,
            "Ancienneté (mois)": c["anciennete_demande_mois"],
            "Personnes": c["nb_personnes"],
            "Composition": c["composition"].map(lambda v: COMPOSITIONS.get(v, v)),
            "Ressources mensuelles (€)": c["revenu_mensuel"],
            "Aide au logement estimée (€)": c["aide_logement_estimee"],
            "Taux d'effort": c["taux_effort"],
            "Reste à vivre par UC (€)": c["reste_a_vivre_uc"],
            "Taux d'effort signalé": c["effort_signale"].map(yes_no),
            "1er quartile": imps["premier_quartile"].map(yes_no),
            "Mutation": c["mutation"].map(yes_no),
            f"{goal} après": imps["objectif_apres"],
            f"{goal} : réduit l'écart": [_closes(r, "objectif") for r in records],
            "T3 après": imps["t3_apres"],
            "T3 : réduit l'écart": [_closes(r, "t3") for r in records],
            "Ressources < 40 % PLUS": imps["ressources_sous_40pc"].map(yes_no),
            "< 40 % PLUS résidence après": imps["residence_sous_40pc_apres"],
            "< 40 % PLUS bâtiment après": imps["batiment_sous_40pc_apres"],
            "< 40 % PLUS étage après": imps["etage_sous_40pc_apres"],
            "Alerte mixité": imps["alerte_mixite"].map(yes_no),
        }
    )
    # hidden below 11 households; the cotation when the data carries none
    small = ("< 40 % PLUS bâtiment après", "< 40 % PLUS étage après", "Cotation")
    return table.drop(columns=[col for col in small if table[col].isna().all()])


def candidate_facts(c: Mapping) -> pd.DataFrame:
    """One candidate's facts for the commission: priority, waiting, budget, what is unknown."""
    delay = c["delai_anormal_mois"]
    rows = [
        ("DALO", yes_no(c["dalo"])),
        ("Autre public prioritaire (CCH L441-1)", yes_no(c["prioritaire"])),
        (
            "Délai anormalement long dépassé",
            yes_no(c["delai_depasse"])
            + ("" if pd.isna(delay) else f" (délai du département : {int(delay)} mois)"),
        ),
        ("Ancienneté de la demande", f"{int(c['anciennete_demande_mois'])} mois"),
        ("Cotation", "non renseignée" if pd.isna(c["cotation"]) else number(c["cotation"], 1)),
        ("Ressources mensuelles déclarées", _euros(c["revenu_mensuel"])),
        ("Charges estimées", _euros(c["charges_estimees"])),
        ("Aide au logement estimée", _euros(c["aide_logement_estimee"])),
        ("Taux d'effort (loyer + charges − aide, sur ressources)", percent(c["taux_effort"])),
        ("Reste à vivre par unité de consommation", _euros(c["reste_a_vivre_uc"])),
        ("Situation d'emploi", str(c["situation_emploi"])),
        ("À vérifier", c["a_verifier"] or "—"),
    ]
    return pd.DataFrame(rows, columns=["Élément", "Valeur"])


def _euros(amount) -> str:
    return "inconnu" if pd.isna(amount) else f"{number(amount)} € par mois"


def is_rate(column: str) -> bool:
    """The rates of comparison_table: the rent burden and every « … après »."""
    return column == "Taux d'effort" or column.endswith(" après")


def column_config(table: pd.DataFrame, before: Mapping[str, str] | None = None) -> dict:
    """st.dataframe formats of a table of this module (rates, euros, dates)."""
    config = {}
    for col in table.columns:
        if is_rate(col):
            help_text = (before or {}).get(col)
            config[col] = st.column_config.NumberColumn(
                format="percent", step=0.001, help=help_text
            )
        elif col.endswith("(€)"):
            config[col] = st.column_config.NumberColumn(format="euro", step=1)
        elif col == "Cotation":
            config[col] = st.column_config.NumberColumn(format="%.1f")
        elif col == "Dépôt":
            config[col] = st.column_config.DateColumn(format="DD/MM/YYYY")
    config["N° de demande"] = st.column_config.TextColumn(pinned=True)
    return config


def before_help(imps: pd.DataFrame) -> dict[str, str]:
    """Column help of the comparison table: each rate's value before the allocation."""
    if imps.empty:
        return {}
    first = imps.iloc[0]
    goal = first["objectif"]
    pairs = {
        f"{goal} après": "objectif",
        "T3 après": "t3",
        "< 40 % PLUS résidence après": "residence_sous_40pc",
        "< 40 % PLUS bâtiment après": "batiment_sous_40pc",
        "< 40 % PLUS étage après": "etage_sous_40pc",
    }
    return {col: f"Avant attribution : {share(first, key, 'avant')}" for col, key in pairs.items()}
