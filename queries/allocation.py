"""Aide à l'attribution: the vacant dwellings of a scope, the active demands that fit one of them,
and what allocating it to each candidate would change — computed from the same definitions as the
indicators. It informs the commission (CALEOL) and decides nothing: no score, no ranking (rows come
in demand-number order; the page sorts). Internal roles only: nothing here reaches a partner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from functools import partial

import numpy as np
import pandas as pd

from queries.engine import Engine
from queries.errors import InvalidValueError, PeuplementError
from queries.evaluate import evaluate, make_request
from queries.sql.candidates import (
    build_candidates,
    build_dwelling,
    build_hypothetical,
    build_vacant_dwellings,
    unknown_columns,
)
from queries.targets import applicable_targets
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope

RESIDENCE_PROFILE = {  # column of vacant_dwellings -> indicator, evaluated by residence
    "residence_nb_menages": "nb_menages",
    "residence_part_fragiles": "part_menages_fragiles",
    "residence_part_sous_40pc": "part_menages_sous_40pc",
}
RESOURCES_HYPOTHESIS = (
    "Ressources annuelles estimées à revenu_mensuel × 12 (ressources mensuelles déclarées au SNE), "
    "comparées aux plafonds (revenu fiscal de référence N-2) de la catégorie du ménage "
    "(une personne de plus pour une famille monoparentale), zone de la commune du logement, "
    "année de la photographie ou à défaut la dernière année antérieure."
)
CANDIDATE_COLUMNS = [
    *("id_demande", "date_depot", "anciennete_demande_mois", "nb_personnes", "composition"),
    *("revenu_mensuel", "premier_quartile", "dalo", "prioritaire", "mutation", "taux_effort"),
    *("convient", "motifs", "commune_souhaitee", "commune_souhaitee_libelle"),
    *("nb_pieces_souhaitees", "revenu_annuel_estime", "plafond_ressources", "controle_plafond"),
    *("surface_minimum", "taux_effort_max"),
]


class AllocationAccessError(PeuplementError):
    """The allocation aid is refused: a partner account, or a dwelling outside the user's scope."""


def _check_role(scope: Scope) -> None:
    if scope.role == "partenaire":
        raise AllocationAccessError(
            "Aide à l'attribution : écran réservé aux équipes du bailleur, fermé aux comptes "
            "partenaires."
        )


def _dwelling(engine: Engine, scope: Scope, snap: dt.date, id_logement: str) -> dict:
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
    _check_role(scope)
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
    rent_burden_max: float = 0.35,
    include_non_fitting: bool = False,
    same_epci: bool = False,
) -> pd.DataFrame:
    """The active demands (demandes base, in scope) that fit a vacant dwelling, in demand-number
    order. A demand fits when:
    - its first wished commune is the dwelling's commune (the SNE's first wish is the only place
      the data carries; `same_epci=True` widens to every commune of the dwelling's EPCI);
    - the dwelling is neither over-occupied (surface ≥ s(nb_personnes) of the data contract) nor
      under-occupied (nb_pieces ≤ nb_personnes + 1);
    - its resources are within the ceiling of the dwelling's financement (PLAI, PLUS, PLS; PLI and
      AUTRE: no ceiling is checked) — see RESOURCES_HYPOTHESIS: revenu_mensuel × 12 is compared
      with the ceiling of the household's category;
    - its rent burden loyer_mensuel / revenu_mensuel is at most `rent_burden_max`.
    With `include_non_fitting`, the other demands of the dwelling's EPCI come too, `motifs` listing
    every reason they do not fit. Columns: CANDIDATE_COLUMNS (taux_effort a fraction;
    `controle_plafond` says which ceiling was checked; attrs["hypotheses"] the resources rule)."""
    _check_role(scope)
    if not 0 < rent_burden_max <= 1:
        raise InvalidValueError(
            f"taux d'effort maximal invalide : {rent_burden_max} (une fraction, par exemple 0.35)"
        )
    snap = engine.resolve_snapshot(snapshot)
    _dwelling(engine, scope, snap, id_logement)
    statement = build_candidates(
        scope, snap, str(id_logement), same_epci=same_epci, rent_burden_max=rent_burden_max
    )
    df = engine.fetch(statement.sql, statement.params)
    df["motifs"] = [_motifs(row, rent_burden_max) for row in df.to_dict("records")]
    df["convient"] = df["motifs"] == ""
    df["controle_plafond"] = [_ceiling_checked(row) for row in df.to_dict("records")]
    df["taux_effort_max"] = rent_burden_max
    df["premier_quartile"] = df["premier_quartile"].astype("boolean")
    if not include_non_fitting:
        df = df[df["convient"]]
    out = df[CANDIDATE_COLUMNS].reset_index(drop=True)
    out.attrs["hypotheses"] = RESOURCES_HYPOTHESIS
    return out


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
        "plafond_inconnu",
        "plafond {financement} introuvable (zone {zone}) : ressources non vérifiées",
    ),
    (
        "au_dessus_plafond",
        "revenus au-dessus du plafond {financement} ({annuel} €/an estimés = {mensuel} €/mois × 12 ;"
        " plafond {plafond} €, catégorie {categorie}, {annee})",
    ),
    ("taux_effort_inconnu", "ressources nulles ou inconnues : taux d'effort non calculable"),
    ("taux_effort_excessif", "taux d'effort {taux} % > {taux_max} %"),
)


def _eur(value) -> str:
    return "" if pd.isna(value) else f"{value:,.0f}".replace(",", " ")


def _num(value) -> str:
    return "" if pd.isna(value) else f"{value:g}".replace(".", ",")


def _motifs(row: dict, rent_burden_max: float) -> str:
    """Every reason a demand does not fit the dwelling, in French; empty when it fits."""
    n, taux = int(row["nb_personnes"]), row["taux_effort"]
    shown = f"{taux * 100:.0f}" if not pd.isna(taux) else ""
    if shown and float(shown) <= rent_burden_max * 100:  # 35.4 % must not read "35 % > 35 %"
        shown = f"{taux * 100:.1f}"
    words = {
        **row,
        "commune": row["nom_commune_logement"],
        "surface": _num(row["surface_habitable"]),
        "minimum": _num(row["surface_minimum"]),
        "personnes": f"{n} personne{'s' if n > 1 else ''}",
        "pieces": row["pieces_logement"],
        "max_pieces": n + 1,
        "zone": row["zone_plafonds"],
        "annuel": _eur(row["revenu_annuel_estime"]),
        "mensuel": _eur(row["revenu_mensuel"]),
        "plafond": _eur(row["plafond_ressources"]),
        "annee": row["annee_plafonds"],
        "categorie": _category(row),
        "taux": shown.replace(".", ","),
        "taux_max": _num(round(rent_burden_max * 100, 1)),
    }
    return " ; ".join(text.format(**words) for flag, text in _MOTIFS if row[flag])


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


# The groups whose before/after an impact shows; T1/T2 and T3 come from parametres.yaml.
_GROUPS = ("objectif", "t3", "residence_fragiles", "residence_sous_40pc")
_GROUPS += ("batiment_fragiles", "etage_fragiles")
_FIGURES = ("num_avant", "den_avant", "avant", "num_apres", "den_apres", "apres")
_FLAGS = ["objectif_reduit_ecart", "t3_reduit_ecart", "menage_fragile", "alerte_mixite"]
IMPACT_COLUMNS = [
    *("id_demande", "premier_quartile", "objectif", "objectif_indicateur", "objectif_cible"),
    *("objectif_ecart_avant", "objectif_ecart_apres", "t3_reservataire", "t3_cible"),
    *("enjeu_mixite", *_FLAGS, *(f"{g}_{f}" for g in _GROUPS for f in _FIGURES)),
    *("note_batiment_etage", "hypotheses"),
]
_NO_Q1 = " Seuil du 1er quartile inconnu pour l'EPCI : le ménage n'est pas compté au 1er quartile."


def impacts(
    engine: Engine,
    scope: Scope,
    id_logement: str,
    ids_demande: Iterable[str],
    *,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
) -> pd.DataFrame:
    """What allocating this vacant dwelling to each demand would change, in the order given.

    A hypothetical attributions row and menages row are built in SQL from the demand and the
    dwelling, and the definitions' numerator and denominator filters are evaluated on them, so a
    group's (k, n) becomes (k + in_num, n + in_den); the dwelling is vacant: the household replaces
    nobody. Groups, each with _num_avant, _den_avant, _avant, _num_apres, _den_apres, _apres:
    `objectif` (T1 of the dwelling's EPCI outside QPV, T2 in QPV) and `t3` (the dwelling's
    réservataire in the EPCI), calendar year to date; `residence_fragiles`, `residence_sous_40pc`,
    `batiment_fragiles`, `etage_fragiles` (empty, see note_batiment_etage, when the building or
    floor has fewer households than the secrecy threshold). `*_reduit_ecart`: the allocation closes
    part of the gap to the applicable target (local CIA target, else the legal one), null while the
    rate is not measurable. `alerte_mixite`: enjeu_mixite residence whose fragility share rises.
    Everything is computed within the user's scope; `hypotheses` states what is estimated."""
    _check_role(scope)
    catalogue = catalogue or load_catalogue()
    snap = engine.resolve_snapshot(snapshot)
    lg = _dwelling(engine, scope, snap, id_logement)
    ids = list(dict.fromkeys(str(i) for i in ids_demande))
    if not ids:
        return pd.DataFrame(columns=IMPACT_COLUMNS)
    legal = {t.id: t for t in catalogue.parameters.objectifs_legaux}
    goal, t3 = legal["T2" if lg["en_qpv"] else "T1"], legal["T3"]
    t3_filter = {t3.par or "reservataire": [lg["reservataire"]]}
    building = {"batiment": [lg["id_batiment"]]}
    floor = {**building, "etage": [int(lg["etage"])]}
    residence, epci = {"residence": [lg["id_residence"]]}, {"epci": [lg["code_epci"]]}
    fragiles = "part_menages_fragiles"
    groups = {
        "objectif": (goal.indicateur, epci),
        "t3": (t3.indicateur, {**epci, **t3_filter}),
        "residence_fragiles": (fragiles, residence),
        "residence_sous_40pc": ("part_menages_sous_40pc", residence),
        "batiment_fragiles": (fragiles, building),
        "etage_fragiles": (fragiles, floor),
    }
    evaluate_in = partial(_evaluate_in, engine, scope, snap, catalogue)
    hyp, unknown = _hypothetical(engine, catalogue, scope, snap, str(id_logement), ids, groups)
    df = pd.DataFrame({"id_demande": ids})
    df["premier_quartile"] = hyp["premier_quartile"].to_numpy()
    for name, (indicator, where) in groups.items():
        before = evaluate_in(indicator, where)
        k, n = int(before["numerateur"]), int(before["denominateur"])
        ins = {part: hyp[f"{name}_{part}"].to_numpy() for part in ("num", "den")}
        for when, num, den in (("avant", k, n), ("apres", k + ins["num"], n + ins["den"])):
            df[f"{name}_num_{when}"] = pd.array(np.broadcast_to(num, len(ids)), dtype="Int64")
            df[f"{name}_den_{when}"] = pd.array(np.broadcast_to(den, len(ids)), dtype="Int64")
            df[f"{name}_{when}"] = df[f"{name}_num_{when}"] / df[f"{name}_den_{when}"].where(
                df[f"{name}_den_{when}"] > 0
            )
    seuil, hidden = catalogue.secrecy_threshold, []
    for name, label, where in (("batiment", "bâtiment", building), ("etage", "étage", floor)):
        if evaluate_in("nb_menages", where)["valeur"] < seuil:
            hidden.append(label)
            for col in (f"{name}_fragiles_{figure}" for figure in _FIGURES):
                df[col] = pd.Series(pd.NA, index=df.index, dtype=df[col].dtype)
    note = f"{' et '.join(hidden).capitalize()} : moins de {seuil} ménages, évolution non affichée."
    df["note_batiment_etage"] = note if hidden else ""
    targets = applicable_targets(engine, scope, snap, catalogue)
    for name, legal_target, filtres in (("objectif", goal, {}), ("t3", t3, t3_filter)):
        cible, sens = _target(targets, legal_target, lg["code_epci"], filtres)
        gap_before, gap_after = (_gap(df[f"{name}_{w}"], cible, sens) for w in ("avant", "apres"))
        closes = (gap_before > _EPS) & (gap_after < gap_before - _EPS)
        df[f"{name}_reduit_ecart"] = closes.where(gap_before.notna()).astype("boolean")
        df[f"{name}_cible"] = cible
    df["objectif"], df["objectif_indicateur"] = goal.id, goal.indicateur
    df["objectif_ecart_avant"] = df["objectif_avant"] - df["objectif_cible"]
    df["objectif_ecart_apres"] = df["objectif_apres"] - df["objectif_cible"]
    df["t3_reservataire"], df["enjeu_mixite"] = lg["reservataire"], bool(lg["enjeu_mixite"])
    df["menage_fragile"] = df["residence_fragiles_num_apres"] > df["residence_fragiles_num_avant"]
    rises = df["residence_fragiles_apres"] > df["residence_fragiles_avant"].fillna(0.0)
    df["alerte_mixite"] = rises.fillna(False).astype(bool) & df["enjeu_mixite"]
    text = (
        f"Attribution hypothétique au {snap:%d/%m/%Y} sur le contingent du logement "
        f"({lg['reservataire']}), hors relogement ANRU ; le logement est vacant : le ménage ne "
        f"remplace personne. {RESOURCES_HYPOTHESIS}"
    )
    if unknown:
        listed = " ; ".join(u[0].lower() + u[1:] for u in unknown)
        text += f" Inconnus pour un demandeur, comptés comme critères non remplis : {listed}."
    df["premier_quartile"] = df["premier_quartile"].astype("boolean")
    df["hypotheses"] = [text + (_NO_Q1 if pd.isna(q) else "") for q in df["premier_quartile"]]
    return df[IMPACT_COLUMNS]


def _evaluate_in(engine, scope, snap, catalogue, indicator: str, where: dict) -> pd.Series:
    """The indicator's one row for a group: calendar year to date for a flow, else the stock."""
    flow = any(catalogue.bases[b].periode for b in catalogue.indicator(indicator).bases)
    period = "ytd" if flow else "rolling12"
    return evaluate(
        engine, indicator, scope, snapshot=snap, where=where, period=period, catalogue=catalogue
    ).iloc[0]


def _hypothetical(engine, catalogue, scope, snap, id_logement, ids, groups):
    """Per demand (in the order given): premier_quartile and, per group, <group>_num/_den = 1 when
    the hypothetical row passes the definition's numerator/denominator filter; plus the
    descriptions of the columns those filters read that a demand leaves unknown."""
    measures, unknown = {}, []
    for name, (indicator, _) in groups.items():
        ind = catalogue.indicator(indicator)
        for part, measure in (("num", ind.numerator), ("den", ind.denominator)):
            measures[f"{name}_{part}"] = (measure.base, measure.filter)
            unknown += unknown_columns(catalogue, measure.base, measure.filter)
    statement = build_hypothetical(catalogue, scope, snap, id_logement, ids, measures)
    hyp = engine.fetch(statement.sql, statement.params).set_index("id_demande")
    if missing := [i for i in ids if i not in hyp.index]:
        raise InvalidValueError(
            f"Demande(s) introuvable(s) dans votre périmètre au {snap:%d/%m/%Y} : "
            f"{', '.join(missing)}."
        )
    return hyp.loc[ids], list(dict.fromkeys(unknown))


_EPS = 1e-12  # guards comparisons of rates against binary rounding


def _gap(values: pd.Series, cible: float, sens: str) -> pd.Series:
    """Distance to the target from its wrong side (0 when the target is met)."""
    return ((cible - values) if sens == ">=" else (values - cible)).clip(lower=0.0)


def _target(targets, legal, epci: str, filtres: dict) -> tuple[float, str]:
    """(cible, sens) of the target that applies to the EPCI: a local one if any, else the legal."""
    for t in targets:
        same = t.indicateur == legal.indicateur and t.echelle == "epci" and t.code == epci
        if same and {k: list(v) for k, v in t.filtres.items()} == filtres:
            return t.cible, t.sens
    return legal.cible, legal.sens
