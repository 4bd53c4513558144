"""Aide à l'attribution, for its page: cached calls to `queries.allocation` per scope, the tables
as the screen shows them (the commission sheet built from them is in `ui.commission_sheet`).

Everything shown is a fact of the data or an impact computed by the query layer: no score, no
ranking (rows keep the query's demand-number order; people sort). Demands are named by their number
only. The table builders are plain functions, testable without a running Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from queries.allocation import candidates, impacts, vacant_dwellings
from queries.profile import residence_profile
from semantic.scope import Scope
from ui import data
from ui.formats import change, number, percent, value

PAGE_ID = "aide_attribution"
DEFAULT_RENT_BURDEN_PERCENT = 35  # the usual ceiling of a rent burden, changed on the page
INTRO = (
    "Préparation de la commission d'attribution (CALEOL) : pour un logement vacant, les demandes "
    "actives qui lui conviennent et ce que chaque attribution changerait aux objectifs et à "
    "l'équilibre de la résidence. L'écran montre des faits et des effets ; il ne calcule aucun "
    "score, ne classe pas les candidatures et ne décide rien."
)
# (dimension, label, code column of vacant_dwellings, label column or None), in cascade order
FILTERS = (
    ("epci", "EPCI", "epci", "epci_libelle"),
    ("commune", "Commune", "commune", "commune_libelle"),
    ("residence", "Résidence", "residence", "residence_libelle"),
    ("nb_pieces", "Pièces", "nb_pieces", None),
    ("financement", "Financement", "financement", None),
    ("reservataire", "Réservataire", "reservataire", None),
)
RESERVATAIRES = {
    "etat": "État (contingent préfectoral)",
    "action_logement": "Action Logement",
    "collectivite": "Collectivité",
    "bailleur": "Bailleur (non réservé)",
    "autre": "Autre réservataire",
}
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


# --- widgets that own one session-state key ------------------------------------------------------


def multiselect(where, label: str, options: Mapping, key: str) -> list:
    """A filter whose chosen values stay within `options` (code -> label) when they change."""
    if key in st.session_state:
        st.session_state[key] = [v for v in st.session_state[key] if v in options]
    return where.multiselect(
        label, list(options), format_func=dict(options).get, key=key, placeholder="Tous"
    )


def forget_stale(key: str, options: Sequence) -> None:
    """Drop a selectbox's value that is no longer among its options (the widget then resets)."""
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]


def dwelling_filters(dwellings: pd.DataFrame) -> dict[str, list]:
    """The six filters in a row, each offering what the filters before it leave: {dim: values}."""
    where: dict[str, list] = {}
    for column, (dim, label, _, _) in zip(st.columns(len(FILTERS)), FILTERS, strict=True):
        where[dim] = multiselect(column, label, filter_options(dwellings, where, dim), f"aa_{dim}")
    return where


def show_dwelling(dwelling: Mapping, prof: pd.DataFrame) -> None:
    """The dwelling's facts, its residence's profile summary, and the whole profile folded."""
    facts = dwelling_facts(dwelling)
    left, middle, summary = st.columns([2, 2, 1.4])
    left.markdown("  \n".join(f"**{k}** : {v}" for k, v in facts[:6]))
    middle.markdown("  \n".join(f"**{k}** : {v}" for k, v in facts[6:12]))
    short = ("Ménages en place (résidence)", "Ménages en fragilité", "Ressources < 40 % PLUS")
    for label, (_, text) in zip(short, facts[12:], strict=True):
        summary.metric(label, text)
    with st.expander("Profil complet de la résidence, comparé à son EPCI"):
        st.dataframe(profile_table(prof), hide_index=True)


def show_situation(first: Mapping, dwelling: Mapping, year: int) -> None:
    """Before the allocation: each group's rate, where it is measured, k / n and its target."""
    st.subheader("Situation avant attribution")
    columns = st.columns(3)
    for i, g in enumerate(groups(first, dwelling, year)):
        columns[i % 3].metric(g.short, rate(first, g.key, "avant"), help=g.label, border=True)
        columns[i % 3].caption(situation_note(first, g))
    if first["note_batiment_etage"]:
        st.caption(first["note_batiment_etage"])


# --- dwellings ------------------------------------------------------------------------------------


def filter_options(dwellings: pd.DataFrame, chosen: Mapping[str, list], dimension: str) -> dict:
    """code -> label of a filter, from the vacant dwellings matching the filters before it."""
    rows = dwellings
    for dim, _, col, _ in FILTERS:
        if dim == dimension:
            break
        if chosen.get(dim):
            rows = rows[rows[col].isin(chosen[dim])]
    _, _, col, label_col = next(f for f in FILTERS if f[0] == dimension)
    names = dict(zip(rows[col], rows[label_col or col], strict=True))
    codes = sorted(names)
    if dimension == "reservataire":
        return {code: RESERVATAIRES.get(code, code) for code in codes}
    if dimension == "nb_pieces":
        return {int(code): f"{code} pièce{'s' if code > 1 else ''}" for code in codes}
    return {code: str(names[code]) for code in codes}


def dwelling_label(row: Mapping) -> str:
    return (
        f"{row['id_logement']} — {row['residence_libelle']} ({row['commune_libelle']}), "
        f"étage {row['etage']}, {row['nb_pieces']} pièces, {number(row['surface_habitable'])} m², "
        f"{row['financement']}, {number(row['loyer_mensuel'])} €/mois"
    )


def dwellings_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Logement": df["id_logement"],
            "Résidence": df["residence_libelle"],
            "Commune": df["commune_libelle"],
            "QPV": df["qpv_libelle"].where(df["en_qpv"], "hors QPV"),
            "Étage": df["etage"],
            "Pièces": df["nb_pieces"],
            "Surface (m²)": df["surface_habitable"],
            "Loyer (€/mois)": df["loyer_mensuel"],
            "Financement": df["financement"],
            "Réservataire": df["reservataire"].map(lambda r: RESERVATAIRES.get(r, r)),
            "Vacant depuis (jours)": df["jours_vacance"],
            "Ménages de la résidence": df["residence_nb_menages"],
            "Fragiles (résidence)": df["residence_part_fragiles"],
            "< 40 % PLUS (résidence)": df["residence_part_sous_40pc"],
            "Enjeu de mixité": df["enjeu_mixite"].map(_yes_no),
        }
    )


DWELLING_CONFIG = {
    "Surface (m²)": st.column_config.NumberColumn(format="localized", step=0.1),
    "Loyer (€/mois)": st.column_config.NumberColumn(format="euro", step=1),
    "Fragiles (résidence)": st.column_config.NumberColumn(format="percent", step=0.001),
    "< 40 % PLUS (résidence)": st.column_config.NumberColumn(format="percent", step=0.001),
}


def dwelling_facts(row: Mapping) -> list[tuple[str, str]]:
    qpv = f"{row['qpv_libelle']} ({row['qpv']})" if row["en_qpv"] else "hors QPV"
    since = pd.Timestamp(row["date_debut_vacance"])
    return [
        ("Logement", str(row["id_logement"])),
        ("Résidence", f"{row['residence_libelle']} ({row['residence']})"),
        ("Bâtiment et étage", f"{row['batiment_libelle']}, étage {row['etage']}"),
        ("Commune", f"{row['commune_libelle']} ({row['commune']})"),
        ("EPCI", f"{row['epci_libelle']} ({row['epci']})"),
        ("Quartier prioritaire", qpv),
        ("Résidence à enjeu de mixité (CIA)", _yes_no(row["enjeu_mixite"])),
        ("Typologie", f"{row['nb_pieces']} pièces, {number(row['surface_habitable'], 1)} m²"),
        ("Loyer", f"{number(row['loyer_mensuel'])} € par mois"),
        ("Financement", str(row["financement"])),
        ("Réservataire", RESERVATAIRES.get(row["reservataire"], row["reservataire"])),
        ("Vacant depuis", f"{since:%d/%m/%Y} ({number(row['jours_vacance'])} jours)"),
        ("Ménages en place dans la résidence", number(row["residence_nb_menages"])),
        ("Ménages en fragilité (résidence)", percent(row["residence_part_fragiles"])),
        ("Ressources < 40 % du plafond PLUS (résidence)", percent(row["residence_part_sous_40pc"])),
    ]


def profile_table(df: pd.DataFrame) -> pd.DataFrame:
    """The residence profile next to its EPCI's, values in words."""
    units = df["unite"]
    return pd.DataFrame(
        {
            "Thème": df["groupe"],
            "Indicateur": df["libelle"],
            "Résidence": [value(v, u) for v, u in zip(df["valeur_residence"], units, strict=True)],
            "EPCI": [value(v, u) for v, u in zip(df["valeur_epci"], units, strict=True)],
            "Écart": [change(g, u) for g, u in zip(df["ecart"], units, strict=True)],
        }
    )


# --- candidates and impacts ----------------------------------------------------------------------


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
            "1er quartile": imps["premier_quartile"].map(_yes_no),
            "DALO": c["dalo"].map(_yes_no),
            "Prioritaire": c["prioritaire"].map(_yes_no),
            "Mutation": c["mutation"].map(_yes_no),
            f"{goal} après": imps["objectif_apres"],
            f"{goal} : réduit l'écart": imps["objectif_reduit_ecart"].map(closes_gap),
            "T3 après": imps["t3_apres"],
            "T3 : réduit l'écart": imps["t3_reduit_ecart"].map(closes_gap),
            "Ménage fragile": imps["menage_fragile"].map(_yes_no),
            "Fragiles résidence après": imps["residence_fragiles_apres"],
            "< 40 % PLUS résidence après": imps["residence_sous_40pc_apres"],
            "Fragiles bâtiment après": imps["batiment_fragiles_apres"],
            "Fragiles étage après": imps["etage_fragiles_apres"],
            "Alerte mixité": imps["alerte_mixite"].map(_yes_no),
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


def _yes_no(flag) -> str:
    return "inconnu" if pd.isna(flag) else ("oui" if flag else "non")
