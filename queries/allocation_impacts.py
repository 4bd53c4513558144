"""Aide à l'attribution, second half: what allocating a vacant dwelling to each candidate would
change — computed from the same definitions as the indicators, on a hypothetical row. It informs
the commission (CALEOL) and decides nothing: no score, no ranking. Internal roles only, like the
candidates (`queries.allocation_candidates`, whose access rule and dwelling check apply here).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import partial

import numpy as np
import pandas as pd

from queries.allocation_candidates import (
    RESOURCES_HYPOTHESIS,
    check_role,
    fetch_vacant_dwelling,
)
from queries.engine import Engine
from queries.errors import InvalidValueError
from queries.evaluate import evaluate
from queries.profile import FLOOR_MIN_HOUSEHOLDS, floor_figures_shown
from queries.sql.candidates import build_hypothetical, unknown_columns
from queries.targets import applicable_targets
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope

# The groups whose before/after an impact shows; T1/T2 and T3 come from parametres.yaml. The
# effect of one candidate on the residence rests only on what is lawful to weigh for one person:
# resources (share of households under 40 % of the PLUS ceiling), besides priority status (T3) and
# household size against the dwelling (the fit). The composite fragility indicator counts single
# parenthood, a situation de famille (Code pénal 225-1): it stays a statistic on the residence,
# never a candidate's effect.
_GROUPS = ("objectif", "t3", "residence_sous_40pc", "batiment_sous_40pc", "etage_sous_40pc")
_FIGURES = ("num_avant", "den_avant", "avant", "num_apres", "den_apres", "apres")
_FLAGS = ["objectif_reduit_ecart", "t3_reduit_ecart", "ressources_sous_40pc", "alerte_mixite"]
LAWFUL_EFFECTS = (
    "Effets d'une candidature sur la résidence : seulement sur les ressources (part des ménages "
    "sous 40 % du plafond PLUS), avec la priorité (T3) et la taille du ménage au regard du "
    "logement. L'indicateur composite de fragilité compte la monoparentalité, une situation de "
    "famille qu'il est interdit de retenir contre une personne (Code pénal, art. 225-1) : il reste "
    "une statistique de la résidence et n'est calculé pour aucun candidat."
)
IMPACT_COLUMNS = [
    *("id_demande", "premier_quartile", "objectif", "objectif_indicateur", "objectif_cible"),
    *("objectif_sens", "objectif_ecart_avant", "objectif_ecart_apres", "t3_reservataire"),
    *("t3_cible", "t3_sens"),
    *("enjeu_mixite", *_FLAGS, *(f"{g}_{f}" for g in _GROUPS for f in _FIGURES)),
    *("batiment_menages", "etage_menages", "note_batiment_etage", "hypotheses"),
]
_NO_Q1 = " Seuil du 1er quartile inconnu pour l'EPCI : le ménage n'est pas compté au 1er quartile."


def withhold(df: pd.DataFrame, group: str) -> None:
    """Empty, in place, the figures of one group of effects ("batiment", "etage")."""
    for col in (f"{group}_sous_40pc_{figure}" for figure in _FIGURES):
        df[col] = pd.Series(pd.NA, index=df.index, dtype=df[col].dtype)


def impacts(
    engine: Engine,
    scope: Scope,
    id_logement: str,
    ids_demande: Iterable[str],
    *,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
    contingent: str | None = None,
) -> pd.DataFrame:
    """What allocating this vacant dwelling to each demand would change, in the order given.

    A hypothetical attributions row and menages row are built in SQL from the demand and the
    dwelling, and the definitions' numerator and denominator filters are evaluated on them, so a
    group's (k, n) becomes (k + in_num, n + in_den); the dwelling is vacant: the household replaces
    nobody. Groups, each with _num_avant, _den_avant, _avant, _num_apres, _den_apres, _apres:
    `objectif` (T1 of the dwelling's EPCI outside QPV, T2 in QPV) and `t3` (the `contingent`
    the allocation would be made on — by default the dwelling's — in the EPCI), calendar year to
    date; `residence_sous_40pc`, `batiment_sous_40pc`, `etage_sous_40pc` (empty, see
    note_batiment_etage, when the building or floor has fewer households than the Fiche
    résidence's rule, queries.profile.FLOOR_MIN_HOUSEHOLDS; `batiment_menages`, `etage_menages`
    give their households) — see LAWFUL_EFFECTS. `*_reduit_ecart`: the allocation closes part of the gap to
    the applicable target (local CIA target, else the legal one), null while the rate is not
    measurable or the candidate's first-quartile status is unknown. `ressources_sous_40pc`: the
    candidate would count among households under 40 % of the PLUS ceiling (null when its
    resources are unknown). `alerte_mixite`: enjeu_mixite residence whose share of households
    under 40 % rises. Everything is computed within the user's scope; `hypotheses` states what is
    estimated."""
    check_role(scope)
    catalogue = catalogue or load_catalogue()
    snap = engine.resolve_snapshot(snapshot)
    lg = fetch_vacant_dwelling(engine, scope, snap, id_logement)
    ids = list(dict.fromkeys(str(i) for i in ids_demande))
    if not ids:
        return pd.DataFrame(columns=IMPACT_COLUMNS)
    legal = {t.id: t for t in catalogue.parameters.objectifs_legaux}
    goal, t3 = legal["T2" if lg["en_qpv"] else "T1"], legal["T3"]
    contingent = str(contingent or lg["reservataire"])
    t3_filter = {t3.par or "reservataire": [contingent]}
    building = {"batiment": [lg["id_batiment"]]}
    floor = {**building, "etage": [int(lg["etage"])]}
    residence, epci = {"residence": [lg["id_residence"]]}, {"epci": [lg["code_epci"]]}
    under_40 = "part_menages_sous_40pc"
    groups = {
        "objectif": (goal.indicateur, epci),
        "t3": (t3.indicateur, {**epci, **t3_filter}),
        "residence_sous_40pc": (under_40, residence),
        "batiment_sous_40pc": (under_40, building),
        "etage_sous_40pc": (under_40, floor),
    }
    evaluate_in = partial(_evaluate_in, engine, scope, snap, catalogue)
    hyp, unknown = _hypothetical(
        engine, catalogue, scope, snap, str(id_logement), ids, groups, contingent
    )
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
    hidden = []  # the Fiche résidence's rule (queries.profile.floor_figures_shown)
    for name, label, where in (("batiment", "bâtiment", building), ("etage", "étage", floor)):
        households = evaluate_in("nb_menages", where)["valeur"]
        df[f"{name}_menages"] = pd.array([households] * len(df), dtype="Float64").astype("Int64")
        if not floor_figures_shown(households):
            hidden.append(label)
            withhold(df, name)
    note = (
        f"{' et '.join(hidden).capitalize()} : moins de {FLOOR_MIN_HOUSEHOLDS} ménages, "
        "évolution non affichée."
    )
    df["note_batiment_etage"] = note if hidden else ""
    targets = applicable_targets(engine, scope, snap, catalogue)
    for name, legal_target, filtres in (("objectif", goal, {}), ("t3", t3, t3_filter)):
        cible, sens = _target(targets, legal_target, lg["code_epci"], filtres)
        gap_before, gap_after = (_gap(df[f"{name}_{w}"], cible, sens) for w in ("avant", "apres"))
        closes = (gap_before > _EPS) & (gap_after < gap_before - _EPS)
        known = gap_before.notna()
        if name == "objectif":  # whether a candidate counts in T1/T2 needs its quartile
            known &= df["premier_quartile"].notna().to_numpy()
        df[f"{name}_reduit_ecart"] = closes.where(known).astype("boolean")
        df[f"{name}_cible"], df[f"{name}_sens"] = cible, sens
    df["objectif"], df["objectif_indicateur"] = goal.id, goal.indicateur
    df["objectif_ecart_avant"] = df["objectif_avant"] - df["objectif_cible"]
    df["objectif_ecart_apres"] = df["objectif_apres"] - df["objectif_cible"]
    df["t3_reservataire"], df["enjeu_mixite"] = contingent, bool(lg["enjeu_mixite"])
    known = (df["residence_sous_40pc_den_apres"] > df["residence_sous_40pc_den_avant"]).to_numpy()
    counted = df["residence_sous_40pc_num_apres"] > df["residence_sous_40pc_num_avant"]
    df["ressources_sous_40pc"] = counted.astype("boolean").where(known)
    rises = df["residence_sous_40pc_apres"] > df["residence_sous_40pc_avant"].fillna(0.0)
    df["alerte_mixite"] = rises.fillna(False).astype(bool) & df["enjeu_mixite"]
    whose = "du logement" if contingent == lg["reservataire"] else "choisi"
    text = (
        f"Attribution hypothétique au {snap:%d/%m/%Y} sur le contingent {whose} "
        f"({catalogue.dimensions['reservataire'].values.get(contingent, contingent)}), "
        "hors relogement ANRU ; le logement est vacant : le ménage ne remplace personne. "
        f"{RESOURCES_HYPOTHESIS} {LAWFUL_EFFECTS}"
    )
    if unknown:
        listed = " ; ".join(u[0].lower() + u[1:] for u in unknown)
        text += f" Inconnus pour un demandeur, comptés comme critères non remplis : {listed}."
    df["premier_quartile"] = df["premier_quartile"].astype("boolean")
    df["hypotheses"] = [text + (_NO_Q1 if pd.isna(q) else "") for q in df["premier_quartile"]]
    return df[IMPACT_COLUMNS]


def _evaluate_in(engine, scope, snap, catalogue, indicator: str, where: dict) -> pd.Series:
    """The indicator's one row for a group: calendar year to date for a flow (12 months for a
    rate over a stock, which has no year to date), else the stock."""
    flow = any(catalogue.bases[b].periode for b in catalogue.indicator(indicator).bases)
    period = "ytd" if flow and catalogue.offers_ytd(indicator) else "rolling12"
    return evaluate(
        engine, indicator, scope, snapshot=snap, where=where, period=period, catalogue=catalogue
    ).iloc[0]


def _hypothetical(engine, catalogue, scope, snap, id_logement, ids, groups, contingent):
    """Per demand (in the order given): premier_quartile and, per group, <group>_num/_den = 1 when
    the hypothetical row passes the definition's numerator/denominator filter; plus the
    descriptions of the columns those filters read that a demand leaves unknown."""
    measures, unknown = {}, []
    for name, (indicator, _) in groups.items():
        ind = catalogue.indicator(indicator)
        for part, measure in (("num", ind.numerator), ("den", ind.denominator)):
            measures[f"{name}_{part}"] = (measure.base, measure.filter)
            unknown += unknown_columns(catalogue, measure.base, measure.filter)
    statement = build_hypothetical(catalogue, scope, snap, id_logement, ids, measures, contingent)
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
    """(cible, sens) of the target that applies to the EPCI: a local one if any, else the legal
    one (with its own value for a contingent such as the État's)."""
    for t in targets:
        same = t.indicateur == legal.indicateur and t.echelle == "epci" and t.code == epci
        if same and {k: list(v) for k, v in t.filtres.items()} == filtres:
            return t.cible, t.sens
    special = legal.particuliers.get(str(filtres[legal.par][0])) if legal.par in filtres else None
    return (special or legal).cible, legal.sens
