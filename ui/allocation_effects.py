"""Aide à l'attribution, steps 2 and 3: the candidates of a dwelling and what allocating it to each
would change, as the screen and the commission sheet (`ui.commission_sheet`) show them.

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
from ui.allocation_dwellings import RESERVATAIRES, yes_no
from ui.formats import number, percent

COMPOSITIONS = {
    "personne_seule": "Personne seule",
    "couple_sans_enfant": "Couple sans enfant",
    "couple_avec_enfants": "Couple avec enfant(s)",
    "monoparentale": "Famille monoparentale",
    "autre": "Autre",
}
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
    fragile = "Ménages en fragilité"
    return [
        Group("objectif", f"{goal} · {GOALS.get(goal, goal)}", f"{goal} · EPCI", ytd, "objectif"),
        Group(
            "t3",
            "T3 · attributions DALO et publics prioritaires",
            f"T3 · {res}",
            f"{res}, {ytd}",
            "t3",
        ),
        Group("residence_fragiles", f"{fragile} (résidence)", "Fragiles · résidence", residence),
        Group(
            "residence_sous_40pc",
            "Ressources < 40 % du plafond PLUS (résidence)",
            "< 40 % PLUS · résidence",
            residence,
        ),
        Group("batiment_fragiles", f"{fragile} (bâtiment)", "Fragiles · bâtiment", building),
        Group(
            "etage_fragiles",
            f"{fragile} (étage)",
            "Fragiles · étage",
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


def closes_gap(flag) -> str:
    return "non mesurable" if pd.isna(flag) else ("oui" if flag else "non")


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
                "Réduit l'écart à la cible": closes_gap(imp[f"{g.target}_reduit_ecart"])
                if g.target
                else "—",
            }
        )
    return pd.DataFrame(rows)


def mixite_warnings(imps: pd.DataFrame) -> list[str]:
    """On an enjeu_mixite residence, the candidates who would raise the fragility share (the
    query's alerte_mixite) or the share of households under 40 % of the PLUS ceiling."""
    if imps.empty or not bool(imps["enjeu_mixite"].iloc[0]):
        return []
    out = []
    under_40_rises = imps["residence_sous_40pc_apres"] > imps["residence_sous_40pc_avant"]
    for key, label, rises in (
        ("residence_fragiles", "la part de ménages en fragilité", imps["alerte_mixite"]),
        ("residence_sous_40pc", "la part de ménages sous 40 % du plafond PLUS", under_40_rises),
    ):
        moves: dict[str, list[str]] = {}
        for r in imps[rises.fillna(False).astype(bool)].to_dict("records"):
            move = f"de {percent(r[f'{key}_avant'])} à {percent(r[f'{key}_apres'])}"
            moves.setdefault(move, []).append(r["id_demande"])
        for move, ids in moves.items():
            who = f"aux demandes {', '.join(ids)}" if len(ids) > 1 else f"à la demande {ids[0]}"
            out.append(
                "Résidence à enjeu prioritaire de mixité sociale (liste de la CIA) : attribuer ce "
                f"logement {who} ferait passer {label} de la résidence {move}."
            )
    return out


def hypotheses(cands: pd.DataFrame, imps: pd.DataFrame) -> list[str]:
    found = list(dict.fromkeys(imps["hypotheses"])) if not imps.empty else []
    return found or [cands.attrs.get("hypotheses", "")]


def comparison_table(cands: pd.DataFrame, imps: pd.DataFrame) -> pd.DataFrame:
    """The candidates' facts and impacts, one row each, in the query's order: the reader sorts.
    Before-values are the same for every row; they are shown once, next to this table."""
    c = cands.set_index("id_demande").loc[imps["id_demande"]].reset_index()
    goal = imps["objectif"].iloc[0] if not imps.empty else "T1"
    table = pd.DataFrame(
        {
            "N° de demande": c["id_demande"],
            "Dépôt": pd.to_datetime(c["date_depot"]).dt.date,
            "Ancienneté (mois)": c["anciennete_demande_mois"],
            "Personnes": c["nb_personnes"],
            "Composition": c["composition"].map(lambda v: COMPOSITIONS.get(v, v)),
            "Ressources mensuelles (€)": c["revenu_mensuel"],
            "Taux d'effort": c["taux_effort"],
            "1er quartile": imps["premier_quartile"].map(yes_no),
            "DALO": c["dalo"].map(yes_no),
            "Prioritaire": c["prioritaire"].map(yes_no),
            "Mutation": c["mutation"].map(yes_no),
            f"{goal} après": imps["objectif_apres"],
            f"{goal} : réduit l'écart": imps["objectif_reduit_ecart"].map(closes_gap),
            "T3 après": imps["t3_apres"],
            "T3 : réduit l'écart": imps["t3_reduit_ecart"].map(closes_gap),
            "Ménage fragile": imps["menage_fragile"].map(yes_no),
            "Fragiles résidence après": imps["residence_fragiles_apres"],
            "< 40 % PLUS résidence après": imps["residence_sous_40pc_apres"],
            "Fragiles bâtiment après": imps["batiment_fragiles_apres"],
            "Fragiles étage après": imps["etage_fragiles_apres"],
            "Alerte mixité": imps["alerte_mixite"].map(yes_no),
        }
    )
    small = ("Fragiles bâtiment après", "Fragiles étage après")  # hidden below 11 households
    return table.drop(columns=[col for col in small if table[col].isna().all()])


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
        "Fragiles résidence après": "residence_fragiles",
        "< 40 % PLUS résidence après": "residence_sous_40pc",
        "Fragiles bâtiment après": "batiment_fragiles",
        "Fragiles étage après": "etage_fragiles",
    }
    return {col: f"Avant attribution : {share(first, key, 'avant')}" for col, key in pairs.items()}
