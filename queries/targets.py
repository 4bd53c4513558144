"""Targets ("objectifs"): the legal T1/T2/T3 on every EPCI in scope, replaced by local targets of
objectifs.yaml for the same indicator, territory, filters and year, each evaluated on the calendar
year to date and on the rolling 12 months."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field, replace

import pandas as pd

from dataroot.layout import OBJECTIFS_FILE
from queries.engine import Engine
from queries.members import members
from queries.mutations import COLUMNS as MUTATION_COLUMNS
from queries.mutations import add_without_mutations, splits_mutations, without_mutations_cell
from queries.sql.builder import REST_OF_LAST_YEAR, period_bounds
from queries.target_cells import Cell, CellRow, evaluate_cells
from queries.target_rules import missing_cases, needed_share, status
from semantic.catalogue import Catalogue, load_catalogue
from semantic.models import IndicatorDef
from semantic.objectifs import load_targets
from semantic.scope import Scope

__all__ = ["evaluate_targets", "missing_cases", "needed_share", "status"]

PERIOD_LABELS = {"ytd": "annee_en_cours", "rolling12": "glissant_12_mois", None: "photographie"}
# Statuses that put a target, and what it is set on, on an attention list: worst first.
OFF_TRACK = ("non_atteint", "a_surveiller")
STATUS_ORDER = {"non_atteint": 0, "a_surveiller": 1, "non_mesurable": 2, "secret": 3, "atteint": 4}


@dataclass(frozen=True)
class Target:
    id: str
    indicateur: str
    echelle: str
    code: str
    territoire: str
    sens: str
    cible: float
    tolerance: float
    annee: int
    source: str
    nature: str  # "légal" or "local"
    filtres: dict = field(default_factory=dict)
    commentaire: str = ""


def applicable_targets(
    engine: Engine, scope: Scope, snapshot: dt.date, catalogue: Catalogue
) -> list[Target]:
    epcis = members(engine, "epci", scope, snapshot=snapshot, catalogue=catalogue)
    local = [
        t
        for t in load_targets(engine.data_root / OBJECTIFS_FILE, catalogue)
        if t.annee == snapshot.year and (t.clos_le is None or t.clos_le > snapshot)
    ]
    targets: list[Target] = []
    names = {}
    for scale in ("epci", "commune", "residence"):
        if any(t.territoire.echelle == scale for t in local):
            found = members(engine, scale, scope, snapshot=snapshot, catalogue=catalogue)
            names[scale] = dict(zip(found["code"], found["libelle"], strict=True))
    for t in local:
        label = names.get(t.territoire.echelle, {}).get(t.territoire.code)
        if label is None:  # outside the user's scope, or absent from this snapshot
            continue
        targets.append(
            Target(
                t.id,
                t.indicateur,
                t.territoire.echelle,
                t.territoire.code,
                label,
                t.sens,
                t.cible,
                t.tolerance,
                t.annee,
                t.source,
                "local",
                {k: list(v) for k, v in t.filtres.items()},
                t.commentaire,
            )
        )
    replaced = {
        (
            t.indicateur,
            t.echelle,
            t.code,
            tuple(sorted((k, tuple(v)) for k, v in t.filtres.items())),
        )
        for t in targets
    }
    for legal in catalogue.parameters.objectifs_legaux:
        per_epci: dict[str, list[object]] = {}
        if legal.par:  # the values found in the indicator's own base (T3: the contingents the
            # allocations were made on, not the dwellings' stock labels), for every EPCI at once
            found = members(
                engine,
                legal.par,
                scope,
                snapshot=snapshot,
                base=catalogue.indicator(legal.indicateur).bases[0],
                per="epci",
                catalogue=catalogue,
            )
            for epci, value in zip(found["per"], found["code"], strict=True):
                per_epci.setdefault(str(epci), []).append(value)
        for code, label in zip(epcis["code"], epcis["libelle"], strict=True):
            splits: list[dict[str, list[object]]] = [{}]
            if legal.par:
                splits = [{legal.par: [v]} for v in per_epci.get(str(code), [])]
            for filtres in splits:
                key = (
                    legal.indicateur,
                    "epci",
                    code,
                    tuple(sorted((k, tuple(v)) for k, v in filtres.items())),
                )
                if key in replaced:
                    continue
                suffix = "-" + "-".join(str(v[0]) for v in filtres.values()) if filtres else ""
                special = legal.particuliers.get(str(filtres[legal.par][0])) if filtres else None
                rule = special or legal
                targets.append(
                    Target(
                        f"{legal.id}-{code}{suffix}",
                        legal.indicateur,
                        "epci",
                        code,
                        label,
                        legal.sens,
                        rule.cible,
                        rule.tolerance,
                        snapshot.year,
                        rule.source,
                        "légal",
                        filtres,
                    )
                )
    return targets


def evaluate_targets(
    engine: Engine,
    scope: Scope,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
    *,
    scales: Collection[str] | None = None,
    flow_periods: tuple[str, ...] = ("ytd", "rolling12"),
) -> pd.DataFrame:
    """Every target applying to `scope` (only those set at `scales` when given), rated on the
    snapshot — flows over each of `flow_periods`."""
    catalogue = catalogue or load_catalogue()
    snap = engine.resolve_snapshot(snapshot)
    plan: list[tuple[Target, IndicatorDef, str | None, Cell]] = []
    periods_of: dict[
        str, tuple[str | None, ...]
    ] = {}  # per indicator (a national root: 17 000 targets)
    for target in applicable_targets(engine, scope, snap, catalogue):
        if scales is not None and target.echelle not in scales:
            continue
        ind = catalogue.indicator(target.indicateur)
        if ind.id not in periods_of:
            is_flow = any(catalogue.bases[b].periode for b in ind.bases)
            offered = [p for p in flow_periods if p != "ytd" or catalogue.offers_ytd(ind.id)]
            periods_of[ind.id] = tuple(offered) if is_flow else (None,)
        for period in periods_of[ind.id]:
            cell = Cell.of(
                ind.id, period or "rolling12", target.echelle, target.code, target.filtres
            )
            plan.append((target, ind, period, cell))
    cells = [cell for _, _, _, cell in plan]
    cells += [  # the same allocations a year earlier, for the year-end projection
        replace(cell, period=REST_OF_LAST_YEAR)
        for _, ind, period, cell in plan
        if period == "ytd" and ind.is_ratio
    ]
    cells += [
        without_mutations_cell(cell)
        for target, ind, _, cell in plan
        if splits_mutations(catalogue, ind.id, target.filtres)
    ]
    found = evaluate_cells(engine, catalogue, scope, snap, cells)
    rows = []
    for target, ind, period, cell in plan:
        res = found[cell]
        masked = bool(res["masque"])
        value = None if masked or pd.isna(res["valeur"]) else float(res["valeur"])
        num = None if masked or pd.isna(res["numerateur"]) else int(res["numerateur"])
        den = None if masked or pd.isna(res["denominateur"]) else int(res["denominateur"])
        row = {
            "objectif_id": target.id,
            "nature": target.nature,
            "indicateur": ind.id,
            "libelle": ind.label,
            "echelle": target.echelle,
            "code": target.code,
            "territoire": target.territoire,
            "filtres": ", ".join(
                f"{k} = {'/'.join(map(str, v))}" for k, v in target.filtres.items()
            ),
            "annee": target.annee,
            "periode": PERIOD_LABELS[period],
            "valeur": value,
            "cible": target.cible,
            "sens": target.sens,
            "tolerance": target.tolerance,
            "ecart": None if value is None else value - target.cible,
            "statut": "secret"
            if masked
            else status(value, target.cible, target.sens, target.tolerance),
            "manquants": missing_cases(num, den, target.cible, target.sens)
            if ind.is_ratio
            else None,
            "numerateur": num,
            "denominateur": den,
            "part_necessaire": None,
            "attributions_attendues": None,
            "hypothese": "",
            "source": target.source,
            "commentaire": target.commentaire,
        }
        if period == "ytd" and ind.is_ratio and not masked:
            rest = found[replace(cell, period=REST_OF_LAST_YEAR)]
            _add_year_end_projection(row, rest, snap, target)
        if splits_mutations(catalogue, ind.id, target.filtres):
            add_without_mutations(row, found[without_mutations_cell(cell)], target)
        rows.append(row)
    df = pd.DataFrame(rows, columns=_COLUMNS)
    for col in ("manquants", "numerateur", "denominateur", "attributions_attendues") + tuple(
        c for c in MUTATION_COLUMNS if c.startswith(("manquants", "numerateur", "denominateur"))
    ):
        df[col] = df[col].astype("Int64")
    if df.empty:
        return df
    df["_ordre"] = df["statut"].map(STATUS_ORDER)
    return (
        df.sort_values(["_ordre", "ecart", "objectif_id", "periode"], na_position="last")
        .drop(columns="_ordre")
        .reset_index(drop=True)
    )


def _add_year_end_projection(row: dict, result: CellRow, snap: dt.date, target: Target) -> None:
    """The allocations expected by 31/12 (as many as over the same weeks last year, `result`)
    and the share of them the target needs."""
    if bool(result["masque"]):  # fewer expected allocations than the secrecy threshold
        row["hypothese"] = (
            "Volume d'attributions attendu d'ici la fin de l'année couvert par le secret statistique."
        )
        return
    remaining = 0 if pd.isna(result["denominateur"]) else int(result["denominateur"])
    start, end = period_bounds(snap, REST_OF_LAST_YEAR)  # the same weeks, a year earlier
    row["attributions_attendues"] = remaining
    if (snap.month, snap.day) == (12, 31):
        row["hypothese"] = f"Année {snap.year} complète : plus aucune attribution attendue."
        return
    if remaining == 0:
        row["hypothese"] = (
            f"Aucune attribution attendue d'ici la fin de {snap.year} : même volume qu'entre le "
            f"{start:%d/%m/%Y} et le {end:%d/%m/%Y} (0)."
        )
        return
    share = needed_share(row["numerateur"], row["denominateur"], remaining, target.cible)
    row["part_necessaire"] = share
    row["hypothese"] = (
        f"Hypothèse : {remaining} attribution(s) d'ici le 31/12/{snap.year}, autant qu'entre le "
        f"{start:%d/%m/%Y} (exclu) et le {end:%d/%m/%Y}."
    )
    if share is not None and share > 1:
        row["hypothese"] += " L'objectif n'est plus atteignable sur l'année à ce volume."


_COLUMNS = [
    "objectif_id",
    "nature",
    "indicateur",
    "libelle",
    "echelle",
    "code",
    "territoire",
    "filtres",
    "annee",
    "periode",
    "valeur",
    "cible",
    "sens",
    "tolerance",
    "ecart",
    "statut",
    "manquants",
    "numerateur",
    "denominateur",
    "part_necessaire",
    "attributions_attendues",
    "hypothese",
    "source",
    "commentaire",
    *MUTATION_COLUMNS,
]
