"""Aide à l'attribution, first half: the vacant dwellings of a scope and the active demands that fit
one of them, with every reason another demand does not. The access rule and the dwelling check are
here too, since `queries.allocation_impacts` applies the same ones. No score, no ranking (rows come
in demand-number order; the page sorts). Internal roles only: nothing here reaches a partner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import pandas as pd

from queries.allocation_budget import BUDGET_COLUMNS, budget
from queries.allocation_budget import hypothesis as budget_hypothesis
from queries.engine import Engine
from queries.errors import InvalidValueError, PeuplementError
from queries.evaluate import evaluate, make_request
from queries.sql import rules
from queries.sql.candidates import (
    build_candidates,
    build_dwelling,
    build_vacant_dwellings,
)
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope

RESIDENCE_PROFILE = {  # column of vacant_dwellings -> indicator, evaluated by residence
    "residence_nb_menages": "nb_menages",
    "residence_part_fragiles": "part_menages_fragiles",
    "residence_part_sous_40pc": "part_menages_sous_40pc",
}
RESOURCES_HYPOTHESIS = (
    "Ressources annuelles estimées à 12 fois les ressources mensuelles déclarées au SNE, "
    "comparées aux plafonds (revenu fiscal de référence N-2) de la catégorie du ménage "
    "(une personne de plus pour une famille monoparentale), zone de la commune du logement, "
    "année de la photographie ou à défaut la dernière année antérieure."
)
CANDIDATE_COLUMNS = [
    *("id_demande", "date_depot", "anciennete_demande_mois", "dalo", "prioritaire"),
    *("delai_depasse", "delai_anormal_mois", "cotation", "nb_personnes", "composition"),
    *("revenu_mensuel", "premier_quartile", "mutation", *BUDGET_COLUMNS, "effort_signale"),
    *("situation_emploi", "convient", "motifs", "a_verifier", "commune_souhaitee"),
    *("commune_souhaitee_libelle", "nb_pieces_souhaitees", "revenu_annuel_estime"),
    *("plafond_ressources", "controle_plafond", "surface_minimum", "taux_effort_signale"),
]
# The order in which demands are listed: DALO, other priority, past the délai anormalement long,
# then the oldest demand first. It is the order in which the law asks the commission to look at
# them, not a ranking: the page says so and sorts on any column.
EXAMINATION_ORDER = (
    "Ordre d'examen : ménages DALO, puis autres publics prioritaires (CCH L441-1), puis demandes "
    "au-delà du délai anormalement long, puis ancienneté de la demande. Ce n'est pas un classement : "
    "la commission décide."
)
UNKNOWN_JOB = "inconnue (la demande ne la renseigne pas)"


class AllocationAccessError(PeuplementError):
    """The allocation aid is refused: a partner account, or a dwelling outside the user's scope."""


def check_role(scope: Scope) -> None:
    """Refuse a partner account, before any query runs."""
    if scope.role == "partenaire":
        raise AllocationAccessError(
            "Aide à l'attribution : écran réservé aux équipes du bailleur, fermé aux comptes "
            "partenaires."
        )


def fetch_vacant_dwelling(engine: Engine, scope: Scope, snap: dt.date, id_logement: str) -> dict:
    """The dwelling's row, refused when it is outside the scope or not vacant at the snapshot."""
    statement = build_dwelling(scope, snap, str(id_logement))
    found = (
        [] if scope.is_empty else engine.fetch(statement.sql, statement.params).to_dict("records")
    )
    if not found:
        raise AllocationAccessError(
            f"Logement « {id_logement} » introuvable dans votre périmètre au {snap:%d/%m/%Y}."
        )
    dwelling = found[0]
    if dwelling["mode_occupation"] != "vacant":
        raise InvalidValueError(
            f"Le logement « {id_logement} » n'est pas vacant au {snap:%d/%m/%Y} (mode d'occupation : "
            f"{dwelling['mode_occupation']}) : l'aide à l'attribution porte sur les logements vacants."
        )
    return dwelling


def vacant_dwellings(
    engine: Engine,
    scope: Scope,
    *,
    snapshot: dt.date | str | None = None,
    where: Mapping[str, Iterable] | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """The vacant dwellings in scope (where: epci, commune, residence, nb_pieces, financement,
    reservataire…, checked like an indicator's filters): id_logement, residence[_libelle],
    batiment[_libelle], commune[_libelle], epci[_libelle], en_qpv, qpv[_libelle], enjeu_mixite,
    etage, nb_pieces, surface_habitable, loyer_mensuel, financement, reservataire,
    date_debut_vacance, jours_vacance, and their residence's profile: residence_nb_menages,
    residence_part_fragiles, residence_part_sous_40pc (the indicators, evaluated by residence)."""
    check_role(scope)
    catalogue = catalogue or load_catalogue()
    request = make_request(catalogue, engine, "nb_logements", scope, snapshot=snapshot, where=where)
    statement = build_vacant_dwellings(catalogue, scope, request.snapshot, request.where)
    df = engine.fetch(statement.sql, statement.params)
    if scope.is_empty:
        df = df.iloc[0:0]
    residences = sorted(set(df["residence"]))
    for column, indicator in RESIDENCE_PROFILE.items():
        values = {}
        if residences:
            res = evaluate(
                engine,
                indicator,
                scope,
                snapshot=request.snapshot,
                by=["residence"],
                where={"residence": residences},
                catalogue=catalogue,
            )
            values = dict(zip(res["residence"], res["valeur"], strict=True))
        df[column] = pd.array([values.get(r) for r in df["residence"]], dtype="Float64")
    df["residence_nb_menages"] = df["residence_nb_menages"].fillna(0).astype("Int64")
    return df


def candidates(
    engine: Engine,
    scope: Scope,
    id_logement: str,
    *,
    snapshot: dt.date | str | None = None,
    effort_flag: float | None = None,
    include_non_fitting: bool = False,
    same_epci: bool = False,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """The active demands (demandes base, in scope) that fit a vacant dwelling, in the order of
    EXAMINATION_ORDER. A demand fits when:
    - its first wished commune is the dwelling's commune (the SNE's first wish is the only place
      the data carries; `same_epci=True` widens to every commune of the dwelling's EPCI);
    - the dwelling is neither over-occupied (surface ≥ s(nb_personnes)) nor under-occupied
      (nb_pieces ≤ nb_personnes + 1), the rule of parametres.yaml (occupation);
    - its resources are not above the ceiling of the dwelling's financement (PLAI, PLUS, PLS; PLI
      and AUTRE: no ceiling is checked) — see RESOURCES_HYPOTHESIS. Unknown resources, or a
      ceiling missing from the reference table, do not exclude a demand: `a_verifier` says what
      the commission must check.
    The rent burden never excludes a demand: it is computed as information (queries.
    allocation_budget) and `effort_signale` marks those above `effort_flag` (a fraction) when one
    is given. With `include_non_fitting`, the other demands of the dwelling's EPCI come too,
    `motifs` listing every reason they do not fit. attrs["hypotheses"] and attrs["ordre"] say
    what is estimated and how rows are ordered."""
    check_role(scope)
    if effort_flag is not None and not 0 < effort_flag <= 1:
        raise InvalidValueError(
            f"taux d'effort signalé invalide : {effort_flag} (une fraction, par exemple 0.35)"
        )
    catalogue = catalogue or load_catalogue()
    aid = catalogue.parameters.aide_attribution
    snap = engine.resolve_snapshot(snapshot)
    dwelling = fetch_vacant_dwelling(engine, scope, snap, id_logement)
    statement = build_candidates(scope, snap, str(id_logement), same_epci=same_epci)
    df = engine.fetch(statement.sql, statement.params)
    money = budget(
        dwelling["loyer_mensuel"],
        dwelling["surface_habitable"],
        df["nb_personnes"],
        df["nb_moins_14"],
        df["revenu_mensuel"],
        aid,
    )
    df = pd.concat([df, money], axis=1)
    rows = df.to_dict("records")
    df["motifs"] = [_motifs(row) for row in rows]
    df["a_verifier"] = [_to_check(row) for row in rows]
    df["convient"] = df["motifs"] == ""
    df["controle_plafond"] = [_ceiling_checked(row) for row in rows]
    burden = df["taux_effort"].astype("Float64")
    df["effort_signale"] = (
        (burden > effort_flag) if effort_flag is not None else pd.array([False] * len(df))
    )
    df["effort_signale"] = df["effort_signale"].astype("boolean")
    df["taux_effort_signale"] = effort_flag
    df["situation_emploi"] = UNKNOWN_JOB
    for column in ("premier_quartile", "delai_depasse"):
        df[column] = df[column].astype("boolean")
    df["cotation"] = df["cotation"].astype("Float64")
    if not include_non_fitting:
        df = df[df["convient"]]
    df = _in_examination_order(df)
    out = df[CANDIDATE_COLUMNS].reset_index(drop=True)
    out.attrs["hypotheses"] = f"{RESOURCES_HYPOTHESIS} {budget_hypothesis(aid)}"
    out.attrs["budget"] = budget_hypothesis(aid)
    out.attrs["ordre"] = EXAMINATION_ORDER
    return out


def _in_examination_order(df: pd.DataFrame) -> pd.DataFrame:
    keys = pd.DataFrame(
        {
            "dalo": ~df["dalo"].astype(bool),
            "prioritaire": ~df["prioritaire"].astype(bool),
            "delai": ~df["delai_depasse"].fillna(False).astype(bool),
            "depot": df["date_depot"],
            "id": df["id_demande"],
        },
        index=df.index,
    )
    order = keys.sort_values(["dalo", "prioritaire", "delai", "depot", "id"]).index
    return df.loc[order]


# Reasons a demand does not fit, worded from its row (flags computed in SQL, mutually exclusive
# where they share a subject: an unknown ceiling or rent burden is never also "above").
_MOTIFS = (
    ("hors_commune", "commune souhaitée : {commune_souhaitee_libelle} (logement à {commune})"),
    ("sur_occupation", "sur-occupation : {surface} m² pour {personnes} (minimum {minimum} m²)"),
    (
        "sous_occupation",
        "sous-occupation : {pieces} pièces pour {personnes} (maximum {max_pieces})",
    ),
    (
        "au_dessus_plafond",
        "revenus au-dessus du plafond {financement} ({annuel} €/an estimés = {mensuel} €/mois × 12 ;"
        " plafond {plafond} €, catégorie {categorie}, {annee})",
    ),
)
# What the commission must check because the data leaves it unknown (never a reason to exclude).
_TO_CHECK = (
    (
        "plafond_inconnu",
        "plafond {financement} introuvable (zone {zone}) : ressources à vérifier",
    ),
    (
        "ressources_inconnues",
        "ressources nulles ou inconnues : plafond et taux d'effort à vérifier",
    ),
)


def _eur(value) -> str:
    return "" if pd.isna(value) else f"{value:,.0f}".replace(",", " ")


def _num(value) -> str:
    return "" if pd.isna(value) else f"{value:g}".replace(".", ",")


def _words(row: dict) -> dict:
    n = int(row["nb_personnes"])
    return {
        **row,
        "commune": row["nom_commune_logement"],
        "surface": _num(row["surface_habitable"]),
        "minimum": _num(row["surface_minimum"]),
        "personnes": f"{n} personne{'s' if n > 1 else ''}",
        "pieces": row["pieces_logement"],
        "max_pieces": n + rules.occupancy_parameters()["pieces_en_plus"],
        "zone": row["zone_plafonds"],
        "annuel": _eur(row["revenu_annuel_estime"]),
        "mensuel": _eur(row["revenu_mensuel"]),
        "plafond": _eur(row["plafond_ressources"]),
        "annee": row["annee_plafonds"],
        "categorie": _category(row),
    }


def _motifs(row: dict) -> str:
    """Every reason a demand does not fit the dwelling, in French; empty when it fits."""
    words = _words(row)
    return " ; ".join(text.format(**words) for flag, text in _MOTIFS if row[flag])


def _to_check(row: dict) -> str:
    """What the data leaves unknown about the fit, in French; empty when nothing is."""
    words = _words(row)
    return " ; ".join(text.format(**words) for flag, text in _TO_CHECK if row[flag])


def _category(row: dict) -> str:
    extra = int(row["n_plafond"]) - int(row["categorie"])
    return f"{row['categorie']}" + (
        f" + {extra} personne{'s' if extra > 1 else ''}" if extra else ""
    )


def _ceiling_checked(row: dict) -> str:
    if row["financement"] not in ("PLAI", "PLUS", "PLS"):
        return f"aucun : pas de plafond de ressources vérifié pour un logement {row['financement']}"
    if pd.isna(row["plafond_ressources"]):
        return f"{row['financement']} : plafond introuvable"
    return (
        f"{row['financement']} {row['annee_plafonds']}, catégorie {_category(row)}, zone "
        f"{row['zone_plafonds']} : {_eur(row['plafond_ressources'])} €"
    )
