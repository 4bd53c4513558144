"""What the map draws, assembled from the query layer: the residences in scope with the value of
one indicator, the communes with a territory-level indicator, the QPV polygons, and why a residence
needs attention (off track on a target set on it, on the `enjeu_mixite` list with a fragility share
that rose since the previous snapshot, or above a threshold the user chose).

Values come from `evaluate`, so a partner's small cells are already masked: a masked row keeps no
value, and no attention reason is ever derived from a masked value.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from queries.alerts import FRAGILITY as FRAGILITY  # the map's default colouring
from queries.answers import keepable
from queries.comparisons import previous_snapshot
from queries.engine import Engine
from queries.evaluate import evaluate
from queries.forecast.projection import DEPARTURES, projection
from queries.map_attention import residence_targets, with_fragility_change, with_targets
from queries.map_geometry import epci_areas, epci_outlines
from queries.places import boundaries, residences
from semantic.catalogue import Catalogue, load_catalogue
from semantic.models import IndicatorDef
from semantic.scope import Scope

# A colouring that is not a catalogue indicator: the departures projected over the next four
# quarters (queries.forecast, the user's scope: a partner's come from protected counts).
EXPECTED_DEPARTURES = "departs_attendus_4_trimestres"
EXPECTED_DEPARTURES_HORIZON = 4  # quarters
# Filters that narrow the territory: they also narrow the boundaries drawn.
TERRITORY_DIMENSIONS = ("departement", "epci", "commune")
_VALUE_COLUMNS = ("valeur", "effectif", "masque")
# The typologies the communes can be coloured by, for an indicator split by nb_pieces (demand
# pressure by typology): label -> numbers of rooms (« T5 et plus » gathers the large dwellings).
TYPOLOGIES = {
    "T1": (1,),
    "T2": (2,),
    "T3": (3,),
    "T4": (4,),
    "T5 et plus": tuple(range(5, 13)),
}
# A map of France (35 000 communes, 100 000 residences) would weigh hundreds of megabytes in the
# browser. Beyond this many communes the areas drawn are the EPCIs (their communes merged), and
# beyond this many residences no point is drawn: the user chooses an EPCI to see them.
MAX_COMMUNES_DRAWN = 600
MAX_RESIDENCES_DRAWN = 3000


@dataclass(frozen=True)
class Colouring:
    """What a residence colouring shows: its label and unit (a catalogue indicator has both)."""

    label: str
    unit: str
    favorable: str | None = None  # "hausse" when a high value is good news (T1/T2/T3)
    # The flow base a value rests on, when a small count makes it unreliable (the denominator of
    # a ratio, the rows of a mean or median): `effectif` counts its rows. None otherwise.
    counted: str | None = None


def counted_base(indicator: IndicatorDef, catalogue: Catalogue) -> str | None:
    """The flow base (allocations, departures… over a period) whose rows make `effectif` for a
    ratio, mean or median; None for a count or a stock. A stock share is a census of the residence
    (1 vacant dwelling of 3 is 33 %); a flow share on 1 or 2 allocations is chance."""
    if indicator.aggregation == "count":
        return None
    if indicator.aggregation == "ratio":
        base = indicator.denominator.base if indicator.denominator else None
    else:
        base = indicator.base
    found = catalogue.bases.get(base) if base else None
    return base if found is not None and found.periode else None


def colouring(indicator: str, catalogue: Catalogue | None = None) -> Colouring:
    """Label and unit of a residence colouring: a catalogue indicator or the expected departures
    (unit `departs_attendus`: an expectation, printed with one decimal)."""
    if indicator == EXPECTED_DEPARTURES:
        return Colouring("Départs attendus (4 prochains trimestres)", "departs_attendus")
    catalogue = catalogue or load_catalogue()
    found = catalogue.indicator(indicator)
    return Colouring(found.label, found.unit, found.favorable, counted_base(found, catalogue))


@keepable  # kept per published state like the screens' frames (queries.answers)
@dataclass(frozen=True)
class MapData:
    snapshot: dt.date
    previous_snapshot: dt.date | None
    residences: pd.DataFrame  # places.residences() + valeur, effectif, masque, attention facts
    communes: pd.DataFrame  # commune, commune_libelle, epci, epci_libelle, geometry + values
    epci: pd.DataFrame  # epci, epci_libelle, geometry: whole outlines of the EPCIs shown
    qpv: pd.DataFrame  # qpv, qpv_libelle, commune, commune_libelle, geometry
    ignored_filters: tuple[str, ...]  # filters the commune indicator cannot take (left out)
    typology: str | None = None  # the typology the commune indicator is restricted to, if any
    area_level: str = "commune"  # "epci" beyond MAX_COMMUNES_DRAWN: `communes` holds EPCIs
    residences_hidden: int = 0  # residences not drawn (beyond MAX_RESIDENCES_DRAWN), 0 if all


def residence_indicators(catalogue: Catalogue | None = None) -> list[str]:
    """Indicators that can be computed residence by residence, in catalogue order, then the
    expected departures."""
    catalogue = catalogue or load_catalogue()
    found = [i for i in catalogue.indicators if "residence" in catalogue.supported_dimensions(i)]
    return [*found, EXPECTED_DEPARTURES]


def commune_indicators(catalogue: Catalogue | None = None) -> list[str]:
    """Indicators that can be computed commune by commune (demand pressure among them)."""
    catalogue = catalogue or load_catalogue()
    return [i for i in catalogue.indicators if "commune" in catalogue.supported_dimensions(i)]


def offers_typology(catalogue: Catalogue, indicator: str | None) -> bool:
    """Whether the communes can be coloured by `indicator` for one typology (TYPOLOGIES)."""
    return indicator is not None and "nb_pieces" in catalogue.supported_dimensions(indicator)


def map_data(
    engine: Engine,
    scope: Scope,
    *,
    residence_indicator: str,
    commune_indicator: str | None = None,
    snapshot: dt.date | str | None = None,
    where: Mapping[str, list] | None = None,
    catalogue: Catalogue | None = None,
    typology: str | None = None,
) -> MapData:
    """Everything the map shows for `scope` at `snapshot`, narrowed by `where`; the communes'
    indicator for one of TYPOLOGIES when `typology` is given (and the indicator takes it)."""
    catalogue = catalogue or load_catalogue()
    snap = engine.resolve_snapshot(snapshot)
    where = {d: list(v) for d, v in (where or {}).items() if v}
    territory = {d: v for d, v in where.items() if d in TERRITORY_DIMENSIONS}
    kwargs: dict[str, Any] = {"snapshot": snap, "catalogue": catalogue}

    places = residences(engine, scope, where=where or None, **kwargs)
    if scope.is_empty:  # deny by default: nothing to draw, not even the boundaries
        empty = pd.DataFrame()
        return MapData(snap, None, empty, empty, empty, empty, ())
    hidden = len(places) if len(places) > MAX_RESIDENCES_DRAWN else 0
    if hidden:  # too many to draw: no value, target or change is computed for them
        places = places.iloc[0:0]
        values = pd.DataFrame()
        targets = pd.DataFrame(columns=["code", "indicateur", "sens", "cible", "statut"])
    elif residence_indicator == EXPECTED_DEPARTURES:
        values = expected_departures(engine, scope, catalogue)
    else:
        values = evaluate(
            engine, residence_indicator, scope, by=["residence"], where=where or None, **kwargs
        )
    if not hidden:
        targets = residence_targets(engine, scope, snap, catalogue)
    places = _with_values(places, values, "residence", scope)
    places = with_targets(places, targets)
    places = with_fragility_change(places, engine, scope, territory, kwargs)

    in_scope = boundaries(engine, "communes", scope)
    communes = _in_territory(in_scope, territory)
    level = "commune" if len(communes) <= MAX_COMMUNES_DRAWN else "epci"
    if level == "epci":  # national or regional zoom: the EPCIs are the areas (their own border
        communes = epci_areas(communes)  # drawn by the area layer: no outline layer again)
        epci = communes.iloc[0:0][["epci", "epci_libelle", "geometry"]]
    else:
        epci = epci_outlines(in_scope[in_scope["epci"].isin(communes["epci"])])
    ignored: tuple[str, ...] = ()
    if commune_indicator:
        supported = catalogue.supported_dimensions(commune_indicator)
        kept = {d: v for d, v in where.items() if d in supported}
        ignored = tuple(d for d in where if d not in supported)
        if typology is not None and offers_typology(catalogue, commune_indicator):
            kept["nb_pieces"] = list(TYPOLOGIES[typology])
        else:
            typology = None
        by_area = evaluate(
            engine, commune_indicator, scope, by=[level], where=kept or None, **kwargs
        )
        communes = _with_values(communes, by_area, level, scope)
    else:
        communes = communes.assign(
            valeur=pd.Series(pd.NA, index=communes.index, dtype="Float64"),
            effectif=pd.Series(pd.NA, index=communes.index, dtype="Int64"),
            masque=False,
        )

    qpv = boundaries(engine, "qpv", scope) if level == "commune" else pd.DataFrame()
    names = communes.set_index("commune")["commune_libelle"] if len(communes) else {}
    qpv = qpv[qpv["commune"].isin(communes["commune"])] if len(qpv) else qpv
    qpv = qpv.assign(commune_libelle=qpv["commune"].map(names)) if len(qpv) else qpv
    return MapData(
        snap,
        previous_snapshot(engine, snap),
        places.reset_index(drop=True),
        communes.reset_index(drop=True),
        epci,
        qpv.reset_index(drop=True),
        ignored,
        typology if commune_indicator else None,
        level,
        hidden,
    )


def expected_departures(engine: Engine, scope: Scope, catalogue: Catalogue) -> pd.DataFrame:
    """Per residence: valeur = departures expected over the next 4 quarters (the sum of the
    projection's quarters), effectif = dwellings proposés à la location, masque. From the last
    quarter-end snapshot, whatever the map's snapshot, and for the whole residence (filters on
    financement do not narrow a projection). A partner's come from their perturbed, masked
    quarterly counts; a residence with a masked quarter stays masked."""
    found = projection(
        engine,
        DEPARTURES,
        scope,
        by=("residence",),
        horizon=EXPECTED_DEPARTURES_HORIZON,
        catalogue=catalogue,
    )
    if found.empty:
        return pd.DataFrame(columns=["residence", *_VALUE_COLUMNS])
    grouped = found.groupby("residence", sort=True)
    out = pd.DataFrame(
        {
            "valeur": grouped["attendu"].sum(min_count=EXPECTED_DEPARTURES_HORIZON),
            "effectif": grouped["logements"].first(),
            "masque": grouped["masque"].any(),
        }
    ).reset_index()
    out.loc[out["masque"], ["valeur", "effectif"]] = pd.NA
    return out


def _with_values(frame: pd.DataFrame, values: pd.DataFrame, key: str, scope: Scope) -> pd.DataFrame:
    """frame + valeur, effectif, masque. A place with no row has no measure: for a partner it is
    masked like any cell under the threshold (its count, zero, is one)."""
    found = values[[key, *_VALUE_COLUMNS]] if len(values) else None
    out = frame.drop(columns=[c for c in _VALUE_COLUMNS if c in frame], errors="ignore")
    if found is None:
        out = out.assign(valeur=pd.NA, effectif=pd.NA, masque=pd.NA)
    else:
        out = out.merge(found, on=key, how="left")
    out["valeur"] = out["valeur"].astype("Float64")
    out["effectif"] = out["effectif"].astype("Int64")
    missing = out["masque"].isna()
    out["masque"] = out["masque"].astype("boolean").fillna(scope.masks_small_cells).astype(bool)
    out.loc[out["masque"], ["valeur", "effectif"]] = pd.NA
    out.loc[missing & ~out["masque"], "effectif"] = 0
    return out


def _in_territory(frame: pd.DataFrame, territory: Mapping[str, list]) -> pd.DataFrame:
    for dim, codes in territory.items():
        if len(frame):
            frame = frame[frame[dim].astype(str).isin([str(c) for c in codes])]
    return frame
