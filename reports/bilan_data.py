"""The figures of the annual bilan of one EPCI (or of the whole stock) for one reader.

Every figure comes from `queries` called with the reader's Scope — `evaluate_targets`,
`evaluate`, `series`, `mixite_alerts`, `residences`, `boundaries` — so a partner's bilan holds
the perturbed and masked values the screens show, and nothing outside the partner's territory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from queries.alerts import FRAGILITY, mixite_alerts
from queries.comparisons import year_earlier_snapshot
from queries.engine import Engine
from queries.errors import InvalidValueError
from queries.evaluate import evaluate
from queries.members import members
from queries.places import boundaries, residences
from queries.series import series
from queries.targets import evaluate_targets
from semantic.catalogue import Catalogue, load_catalogue
from semantic.scope import Scope

# The allocations of the year: (indicator, column title), one table per breakdown below.
ALLOCATION_INDICATORS = (
    ("nb_attributions", "Attributions"),
    ("part_attributions_prioritaires", "Publics prioritaires"),
    ("part_attributions_dalo", "DALO"),
    ("part_attributions_mutations", "Mutations"),
    ("delai_attente_median_mois", "Délai médian"),
)
ALLOCATION_BREAKDOWNS = (
    (None, "Ensemble"),
    ("reservataire", "Par réservataire"),
    ("financement", "Par financement"),
    ("en_qpv", "En QPV / hors QPV"),
)
# The whole stock's bilan adds a row per EPCI.
WHOLE_STOCK_BREAKDOWNS = (
    *ALLOCATION_BREAKDOWNS[:1],
    ("epci", "Par EPCI"),
    *ALLOCATION_BREAKDOWNS[1:],
)
# The occupancy profile: the main indicators of the stock and of the households in place.
PROFILE_INDICATORS = (
    "nb_logements",
    "taux_vacance",
    "taux_rotation",
    "nb_menages",
    "part_menages_sous_60pc",
    "revenu_median_uc",
    "part_beneficiaires_apl",
    "part_titulaires_sans_emploi",
    "part_personnes_seules",
    "part_familles_monoparentales",
    "part_titulaires_65_plus",
    "part_emmenages_recents",
    "part_menages_fragiles",
    "taux_sur_occupation",
    "taux_sous_occupation",
)
# The quarterly series charted, flows over the rolling 12 months (as on the Évolution page).
SERIES_INDICATORS = (
    "part_attributions_q1_hors_qpv",
    "part_attributions_non_q1_en_qpv",
    "part_attributions_prioritaires",
    "nb_attributions",
)
WHOLE_STOCK = "Ensemble du patrimoine"


@dataclass
class Bilan:
    """What the PDF shows, as data: one DataFrame per section."""

    scope: Scope
    territory: str | None  # EPCI code; None = the whole stock (internal roles)
    territory_name: str
    year: int
    snapshot: dt.date
    year_earlier: dt.date | None
    targets: pd.DataFrame
    allocations: list[tuple[str, str | None, pd.DataFrame]]  # (title, dimension, wide table)
    profile: pd.DataFrame
    mixite: pd.DataFrame
    communes: pd.DataFrame
    qpv: pd.DataFrame
    places: pd.DataFrame  # residences with lat, lon and their fragility share
    series: dict[str, pd.DataFrame]
    catalogue: Catalogue
    # the action plans of the territory (store.plans.Plan), read by the caller in the reader's
    # scope: reports/ formats them and never opens the state store itself
    plans: tuple = ()
    generated_at: dt.datetime = field(default_factory=lambda: dt.datetime.now().astimezone())

    @property
    def where(self) -> dict[str, list[str]]:
        return {"epci": [self.territory]} if self.territory else {}


def resolve_snapshot(engine: Engine, year: int | None, snapshot: dt.date | str | None) -> dt.date:
    """The snapshot the bilan reads: the one asked for, else the latest of `year`, else the latest."""
    if snapshot is not None:
        snap = engine.resolve_snapshot(snapshot)
        if year is not None and snap.year != year:
            raise InvalidValueError(
                f"la photographie du {snap:%d/%m/%Y} n'est pas de l'année {year} : "
                "retirez --snapshot ou --annee"
            )
        return snap
    if year is None:
        return engine.resolve_snapshot(None)
    in_year = [d for d in engine.snapshots if d.year == year]
    if not in_year:
        years = sorted({d.year for d in engine.snapshots})
        raise InvalidValueError(
            f"aucune photographie en {year} ; années disponibles : {', '.join(map(str, years))}"
        )
    return in_year[-1]


def resolve_territory(
    engine: Engine, scope: Scope, territory: str | None, snap: dt.date, catalogue: Catalogue
) -> tuple[str | None, str]:
    """(code, name) of the EPCI reported on, checked against the reader's scope."""
    found = members(engine, "epci", scope, snapshot=snap, catalogue=catalogue)
    names = dict(zip(found["code"], found["libelle"], strict=True))
    if territory is None:
        if scope.national:
            return None, WHOLE_STOCK
        if len(names) == 1:
            return next(iter(names.items()))
        raise InvalidValueError(
            "précisez l'EPCI du bilan (--territoire) parmi : "
            + (", ".join(f"{c} ({n})" for c, n in names.items()) or "aucun")
        )
    if territory not in names:
        raise InvalidValueError(
            f"l'EPCI « {territory} » n'est pas dans votre périmètre à cette date ; EPCI possibles : "
            + (", ".join(f"{c} ({n})" for c, n in names.items()) or "aucun")
        )
    return territory, names[territory]


def build_bilan(
    engine: Engine,
    scope: Scope,
    territory: str | None = None,
    *,
    year: int | None = None,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
    plans: Sequence = (),
) -> Bilan:
    catalogue = catalogue or load_catalogue()
    snap = resolve_snapshot(engine, year, snapshot)
    code, name = resolve_territory(engine, scope, territory, snap, catalogue)
    where = {"epci": [code]} if code else {}
    earlier = year_earlier_snapshot(engine, snap)
    kwargs = dict(snapshot=snap, where=where, catalogue=catalogue)
    places = residences(engine, scope, **kwargs)
    return Bilan(
        scope=scope,
        territory=code,
        territory_name=name,
        year=snap.year,
        snapshot=snap,
        year_earlier=earlier,
        targets=_targets(engine, scope, code, snap, earlier, catalogue),
        allocations=[
            (title, dim, allocation_table(engine, scope, dim, **kwargs))
            for dim, title in (ALLOCATION_BREAKDOWNS if code else WHOLE_STOCK_BREAKDOWNS)
        ],
        profile=_profile(engine, scope, **kwargs),
        mixite=_mixite(engine, scope, places, snap, catalogue),
        communes=_in_epci(boundaries(engine, "communes", scope), code),
        qpv=boundaries(engine, "qpv", scope),
        places=_with_fragility(engine, scope, places, **kwargs),
        series={
            ind: series(engine, ind, scope, where=where, catalogue=catalogue)
            .loc[lambda df, s=snap: df["date"] <= pd.Timestamp(s)]
            .reset_index(drop=True)
            for ind in SERIES_INDICATORS
        },
        catalogue=catalogue,
        plans=tuple(p for p in plans if not code or p.obj.epci == code),
    )


def _targets(engine, scope, code, snap, earlier, catalogue) -> pd.DataFrame:
    """The EPCI's targets as `peuplement objectifs` rates them, with the value a year earlier
    (same target, territory, filters and period; the year-earlier snapshot's own evaluation)."""
    now = _epci_targets(evaluate_targets(engine, scope, snap, catalogue, scales=("epci",)), code)
    now["valeur_un_an"] = pd.Series([pd.NA] * len(now), dtype="Float64")
    if earlier is None or now.empty:
        return now
    before = _epci_targets(
        evaluate_targets(engine, scope, earlier, catalogue, scales=("epci",)), code
    )
    keys = ["indicateur", "code", "filtres", "periode"]
    before = before[[*keys, "valeur"]].rename(columns={"valeur": "_avant"})
    out = now.merge(before, on=keys, how="left")
    out["valeur_un_an"] = out.pop("_avant").astype("Float64")
    return out


def _epci_targets(df: pd.DataFrame, code: str | None) -> pd.DataFrame:
    return (df if code is None else df[df["code"] == code]).reset_index(drop=True)


def allocation_table(
    engine: Engine, scope: Scope, dim: str | None, *, snapshot, where, catalogue
) -> pd.DataFrame:
    """One row per value of `dim` (one row without), one column pair (value, masked) per
    allocation indicator, over the calendar year to date."""
    by = [dim] if dim else []
    keys = [*by, f"{dim}_libelle"] if dim else []
    columns = []
    for ind_id, _ in ALLOCATION_INDICATORS:
        df = evaluate(
            engine,
            ind_id,
            scope,
            snapshot=snapshot,
            by=by,
            where=where,
            period="ytd",
            catalogue=catalogue,
        )
        if dim and f"{dim}_libelle" not in df:
            df[f"{dim}_libelle"] = df[dim].astype(str)
        part = df[[*keys, "valeur", "masque"]].rename(
            columns={"valeur": ind_id, "masque": f"{ind_id}_masque"}
        )
        columns.append(part.set_index(keys) if keys else part)
    if not keys:
        return pd.concat(columns, axis=1)
    table = pd.concat(columns, axis=1, join="outer").reset_index()
    for ind_id, _ in ALLOCATION_INDICATORS:
        table[f"{ind_id}_masque"] = table[f"{ind_id}_masque"].astype("boolean").fillna(True)
    return table.reset_index(drop=True)


def _profile(engine, scope, *, snapshot, where, catalogue) -> pd.DataFrame:
    """Each profile indicator on the territory and, for internal roles, on the whole stock."""
    overall = scope.national and bool(where)  # a partner never sees beyond its scope
    rows = []
    for ind_id in PROFILE_INDICATORS:
        here = evaluate(engine, ind_id, scope, snapshot=snapshot, where=where, catalogue=catalogue)
        row = {
            "indicateur": ind_id,
            "valeur": _first(here, "valeur"),
            "masque": bool(_first(here, "masque", True)),
            "valeur_ensemble": pd.NA,
        }
        if overall:
            total = evaluate(engine, ind_id, scope, snapshot=snapshot, catalogue=catalogue)
            row["valeur_ensemble"] = _first(total, "valeur")
        rows.append(row)
    return pd.DataFrame(rows)


def _first(df: pd.DataFrame, column: str, empty=pd.NA):
    return df[column].iloc[0] if len(df) else empty


def _mixite(engine, scope, places, snap, catalogue) -> pd.DataFrame:
    alerts = mixite_alerts(engine, scope, snapshot=snap, catalogue=catalogue)
    if places.empty:
        return alerts.iloc[0:0]
    return alerts[alerts["residence"].isin(places["residence"])].reset_index(drop=True)


def _in_epci(df: pd.DataFrame, code: str | None) -> pd.DataFrame:
    if code is None or df.empty:
        return df
    return df[df["epci"] == code].reset_index(drop=True)


def _with_fragility(engine, scope, places, *, snapshot, where, catalogue) -> pd.DataFrame:
    if places.empty:
        return places
    shares = evaluate(
        engine,
        FRAGILITY,
        scope,
        snapshot=snapshot,
        by=["residence"],
        where=where,
        catalogue=catalogue,
    )[["residence", "valeur", "masque"]]
    out = places.merge(shares, on="residence", how="left")
    out["masque"] = out["masque"].astype("boolean").fillna(scope.masks_small_cells).astype(bool)
    return out
