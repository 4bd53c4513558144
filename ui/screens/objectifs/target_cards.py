"""Objectifs et alertes, the targets as the screen words them: one card per target (its periods,
what is missing, the share needed), the table of every target, the counts per worst status above
the cards and the filters that narrow them.

Everything worded comes from `queries.targets.evaluate_targets`; this module draws nothing, so its
builders are plain functions, testable without a running Streamlit. `ui.screens.objectifs.alerts_view` fetches the
targets and draws each card with `show_target`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from queries.alerts import trend_period_label
from semantic.catalogue import Catalogue
from ui.shared.formats import MASK_LABEL, MASK_TEXT, number, percent, shown_gap, target_text, value
from ui.shared.headline import STATUS_COLORS, STATUS_LABELS, status_counts
from ui.shared.labels import RESERVATAIRES

PERIOD_LABELS = {
    "annee_en_cours": "Année civile en cours",
    "glissant_12_mois": "12 derniers mois",
    "photographie": "À la date d'arrêté",
}
PERIOD_ORDER = tuple(PERIOD_LABELS)
NATURE_LABELS = {"légal": "Objectif légal", "local": "Objectif local"}
# What a numerator counts, to say "il manque 12 attributions" / "5 ménages en trop".
NOUNS = {
    "attributions": ("attribution", "attributions"),
    "menages": ("ménage", "ménages"),
    "logements": ("logement", "logements"),
    "departs": ("départ", "départs"),
    "demandes": ("demande", "demandes"),
}
# Filter values as readers name them (the codes stay in the data and the exports).
VALUE_LABELS = {
    **RESERVATAIRES,  # semantic/definitions/dimensions.yaml; the others as a sentence says them
    "collectivite": "collectivités",
    "bailleur": "bailleur (non réservé)",
    "autre": "autres réservataires",
}


# --- the cards and the table of every target ------------------------------------------------------


@dataclass(frozen=True)
class TargetCard:
    objectif_id: str
    title: str  # « T1 · 1er quartile hors QPV » or the indicator's label for a local target
    indicator: str
    unit: str
    noun: tuple[str, str]  # what the numerator counts, singular and plural
    territory: str
    filters: str
    nature: str
    source: str
    comment: str
    rule: str  # « ≥ 25 % »
    status: str  # the worst status over its periods
    rows: tuple[dict, ...]  # one per period, in PERIOD_ORDER
    trend_period: str  # the period of the sparkline's values ("glissant_12_mois"…)


def cards(df: pd.DataFrame, catalogue: Catalogue) -> list[TargetCard]:
    """One card per target, in the order of `evaluate_targets` (worst period first)."""
    legal_ids = {t.indicateur: t.id for t in catalogue.parameters.objectifs_legaux}
    out = []
    by_target: dict[str, list[dict]] = {}
    for record in df.to_dict("records"):  # one pass: a filter per target cost 5 ms each
        by_target.setdefault(record["objectif_id"], []).append(record)
    for target_id, rows in by_target.items():
        rows.sort(key=lambda r: PERIOD_ORDER.index(r["periode"]))
        first = rows[0]
        ind = catalogue.indicator(first["indicateur"])
        base = ind.numerator.base if ind.is_ratio else ind.base
        title = ind.label
        if first["nature"] == "légal":
            title = f"{legal_ids.get(ind.id, target_id)} · {ind.label}"
        statuses = [r["statut"] for r in rows]
        out.append(
            TargetCard(
                objectif_id=target_id,
                title=title,
                indicator=ind.id,
                unit=ind.unit,
                noun=NOUNS.get(base, ("cas", "cas")),
                territory=str(first["territoire"]),
                filters=filters_text(first["filtres"], catalogue),
                nature=str(first["nature"]),
                source=str(first["source"]),
                comment=str(first["commentaire"] or ""),
                rule=target_text(first["sens"], first["cible"], ind.unit),
                status=min(statuses, key=_severity),
                rows=tuple(rows),
                trend_period=trend_period_label(catalogue, ind.id),
            )
        )
    return out


def target_name(row: dict, legal: dict[str, str]) -> str:
    """« T3 · Action Logement », « Objectif local · Action Logement »: what a reader calls a target
    (its id, « T3-243800984-action_logement », stays in the exports and the card's tooltip)."""
    kind = legal.get(row["indicateur"], "")
    if row["nature"] != "légal":  # a local target, perhaps replacing T1 on its territory
        kind = f"{kind} (objectif local)" if kind else f"Objectif local · {row.get('libelle', '')}"
    values = [
        VALUE_LABELS.get(v, v)
        for item in filter(None, (f.strip() for f in str(row["filtres"] or "").split(", ")))
        for v in item.partition(" = ")[2].split("/")
    ]
    return " · ".join([kind or NATURE_LABELS.get(row["nature"], "Objectif"), *values])


def filters_text(filtres: str, catalogue: Catalogue) -> str:
    """« reservataire = action_logement » (as evaluate_targets writes it) → « Réservataire :
    Action Logement »."""
    parts = []
    for item in filter(None, (f.strip() for f in str(filtres or "").split(", "))):
        dim, _, values = item.partition(" = ")
        label = catalogue.dimensions[dim].label if dim in catalogue.dimensions else dim
        shown = " / ".join(VALUE_LABELS.get(v, v) for v in values.split("/"))
        parts.append(f"{label} : {shown}")
    return ", ".join(parts)


def _severity(status: str) -> int:
    order = ("non_atteint", "a_surveiller", "non_mesurable", "secret", "atteint")
    return order.index(status) if status in order else len(order)


def badge(status: str) -> str:
    return f":{STATUS_COLORS.get(status, 'gray')}-badge[{STATUS_LABELS.get(status, status)}]"


def _plural(count: int, noun: tuple[str, str]) -> str:
    return f"{number(count)} {noun[0] if count <= 1 else noun[1]}"


def period_lines(row: dict, card: TargetCard, snapshot: dt.date) -> list[str]:
    """The markdown lines of one period of a target: value against target, gap, what is missing,
    and, for the calendar year, the share needed among the allocations still expected."""
    masked = row["statut"] == "secret"
    if masked:
        return [f"**Valeur couverte par le {MASK_TEXT}** ; cible {card.rule}"]
    shown = value(row["valeur"], card.unit)
    lines = [f"**{shown}** pour une cible {card.rule}"]
    if row["statut"] == "non_mesurable":
        lines.append("Non mesurable : aucun cas sur la période.")
        return lines
    lines[0] += f" (écart {shown_gap(row['ecart'], card.unit)})"
    if card.unit == "ratio" and not pd.isna(row["numerateur"]):
        lines.append(f"{number(row['numerateur'])} sur {number(row['denominateur'])}")
    if isinstance(row.get("statut_hors_mutations"), str):  # T1, T2: the figure without mutations
        lines.append(without_mutations_line(row, card.unit))
    missing = row["manquants"]
    if not pd.isna(missing) and missing > 0:
        if row["sens"] == ">=":
            lines.append(
                f"Il manque **{_plural(int(missing), card.noun)}** pour atteindre la cible."
            )
        else:
            lines.append(f"**{_plural(int(missing), card.noun)} en trop** au regard de la cible.")
    elif row["statut"] == "atteint":
        lines.append("Cible atteinte.")
    needed, expected = row["part_necessaire"], row["attributions_attendues"]
    if row["periode"] == "annee_en_cours" and not pd.isna(needed):
        lines.append(
            f"Part nécessaire parmi les {card.noun[1]} à venir d'ici le 31/12/{snapshot.year} "
            f"({number(expected)}) : **{percent(needed)}**"
        )
    return lines


def year_end_lines(row: dict | None, card: TargetCard) -> list[str]:
    """The year-end projection of a ratio target (queries.forecast.projection.year_end), worded
    for the calendar-year column: value at 31/12 with its interval, qualifying allocations
    still needed and per remaining quarter, the method. Nothing for a target not projected."""
    if row is None or card.unit != "ratio":
        return []
    day = f"{row['date']:%d/%m/%Y}"
    year = f"31/12/{row['date']:%Y}"
    if bool(row["masque"]) or pd.isna(row["projection"]):
        return [f"Projection au {year} : {MASK_TEXT} ou non mesurable."]
    head = f"Projection au {year} : **{percent(row['projection'])}**"
    if bool(row.get("prevision")) and not pd.isna(row["bas"]):
        head += f" (intervalle à 90 % : {percent(row['bas'])} à {percent(row['haut'])})"
    else:
        head += " (valeur naïve : la méthode ne la bat pas au back-test)"
    lines = [head]
    needed, per_quarter, left = row["necessaires"], row["par_trimestre"], row["trimestres_restants"]
    if not pd.isna(needed) and card.rows[0].get("sens") == ">=" and left:
        noun = card.noun
        quarters = (
            "le dernier trimestre" if left == 1 else f"les {number(left)} trimestres restants"
        )
        lines.append(
            f"Qualifiantes nécessaires d'ici le {year} : **{_plural(int(needed), noun)}**, soit "
            f"**{number(per_quarter)} par trimestre** sur {quarters}"
        )
    lines.append(f"_Depuis la photographie du {day} ; méthode : {row['methode']}._")
    return lines


def without_mutations_line(row: dict, unit: str) -> str:
    """« Hors mutations : **0,0 %** (0 sur 1), non atteint », next to the figure with them."""
    status = row["statut_hors_mutations"]
    if status == "secret":
        return f"Hors mutations : {MASK_TEXT}"
    if status == "non_mesurable":
        return "Hors mutations : aucune attribution sur la période"
    shown = value(row["valeur_hors_mutations"], unit)
    count = f"{number(row['numerateur_hors_mutations'])} sur {number(row['denominateur_hors_mutations'])}"
    return f"Hors mutations : **{shown}** ({count}), {STATUS_LABELS.get(status, status)}"


def _without_mutations_cell(row: dict, unit: str) -> str:
    """The value without mutations in the table of every target; « — » for the targets not split."""
    status = row.get("statut_hors_mutations")
    if not isinstance(status, str):
        return "—"
    return value(row["valeur_hors_mutations"], unit, masked=status == "secret")


def overview_table(df: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Every target and period, as shown: French formats, the secrecy label, status in words."""
    units = {i: catalogue.indicator(i).unit for i in df["indicateur"].unique()}
    legal = {t.indicateur: t.id for t in catalogue.parameters.objectifs_legaux}
    rows = []
    for r in df.to_dict("records"):
        unit = units[r["indicateur"]]
        masked = r["statut"] == "secret"
        rows.append(
            {
                "Objectif": target_name(r, legal),
                "Nature": r["nature"],
                "Indicateur": r["libelle"],
                "Territoire": r["territoire"],
                "Filtres": filters_text(r["filtres"], catalogue),
                "Période": PERIOD_LABELS[r["periode"]],
                "Valeur": value(r["valeur"], unit, masked=masked),
                "Hors mutations": _without_mutations_cell(r, unit),
                "Cible": target_text(r["sens"], r["cible"], unit),
                "Écart": MASK_LABEL if masked else shown_gap(r["ecart"], unit),
                "Statut": STATUS_LABELS.get(r["statut"], r["statut"]),
                "Manquants": "—" if pd.isna(r["manquants"]) else number(r["manquants"]),
                "Part nécessaire": percent(r["part_necessaire"]),
                "Source": r["source"],
            }
        )
    return pd.DataFrame(rows)


def status_summary(df: pd.DataFrame) -> list[tuple[str, int]]:
    """The four figures above the cards, worst first."""
    counts = status_counts(df)
    return [
        ("Objectifs non atteints", counts["non_atteint"]),
        ("À surveiller", counts["a_surveiller"]),
        ("Atteints", counts["atteint"]),
        ("Non mesurables ou secrets", counts["non_mesurable"] + counts["secret"]),
    ]


def trend_caption(points_: pd.DataFrame, card: TargetCard) -> str:
    """The line under a card's sparkline: what period its values cover, and from when to when."""
    if points_.empty:
        return ""
    first, last = points_["date"].min(), points_["date"].max()
    what = (
        "sur 12 mois glissants" if card.trend_period == "glissant_12_mois" else "aux dates d'arrêté"
    )
    return f"Tendance {what}, du {first:%d/%m/%Y} au {last:%d/%m/%Y} ; pointillés : la cible."


# --- the filters above the cards ------------------------------------------------------------------


OTHER_KIND = "Autres objectifs locaux"


def kinds(df: pd.DataFrame, catalogue: Catalogue) -> list[str]:
    """The target filter's options: T1, T2, T3 (legal, or the local target that replaces one on
    the same indicator), then the local targets on other indicators."""
    found = set(_kind_of(df, catalogue))
    legal = [t.id for t in catalogue.parameters.objectifs_legaux if t.id in found]
    return legal + ([OTHER_KIND] if OTHER_KIND in found else [])


def _kind_of(df: pd.DataFrame, catalogue: Catalogue) -> pd.Series:
    legal = {t.indicateur: t.id for t in catalogue.parameters.objectifs_legaux}
    return df["indicateur"].map(legal).fillna(OTHER_KIND)


def filtered(
    df: pd.DataFrame,
    territories: list[str],
    statuses: list[str],
    chosen_kinds: list[str] = (),
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """The targets of the chosen kinds (T1…, local), on the chosen territories, whose worst
    status is among the chosen ones (an empty choice does not narrow)."""
    out = df
    if chosen_kinds and catalogue is not None:
        out = out[_kind_of(out, catalogue).isin(chosen_kinds)]
    if territories:
        out = out[out["territoire"].isin(territories)]
    if statuses:
        worst = out.groupby("objectif_id")["statut"].transform(lambda s: min(s, key=_severity))
        out = out[worst.isin(statuses)]
    return out
