"""Buildings of a residence (1 to 8, floors by building type) and dwellings on their floors."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ingest.demo import calibration as cal
from ingest.demo.households import pick
from ingest.demo.names import format_ids, id_width

BUILDING_LETTERS = np.array(list("ABCDEFGH"))


def allocate_in_groups(group_totals: np.ndarray, groups: np.ndarray, weights: np.ndarray):
    """Split each group's total among its members (at least 1 each), proportional to weights."""
    members = np.bincount(groups, minlength=len(group_totals))
    spare = group_totals - members
    exact = weights / np.bincount(groups, weights)[groups] * spare[groups]
    counts = np.floor(exact).astype(np.int64)
    short = spare - np.bincount(groups, counts, minlength=len(group_totals)).astype(np.int64)
    order = np.lexsort((counts - exact, groups))  # by group, largest fractional part first
    rank = np.arange(len(groups)) - np.repeat(np.cumsum(members) - members, members)
    counts[order[rank < short[groups[order]]]] += 1
    return counts + 1


def draw_buildings(rng: np.random.Generator, residences: pd.DataFrame) -> pd.DataFrame:
    """1 to 8 buildings per residence, about one per 12-45 dwellings, named "Bât. A", "Bât. B"…"""
    size = residences["size"].to_numpy()
    per_building = rng.uniform(*cal.DWELLINGS_PER_BUILDING, len(size))
    count = np.clip(np.round(size / per_building), 1, np.minimum(cal.MAX_BUILDINGS, size))
    count = count.astype(np.int64)
    residence = np.repeat(np.arange(len(size)), count)
    rank = np.arange(len(residence)) - np.repeat(np.cumsum(count) - count, count)
    dwellings = allocate_in_groups(size, residence, rng.gamma(4.0, 1.0, len(residence)))
    floors = draw_floors(rng, dwellings, residences["era"].to_numpy()[residence], size[residence])
    residence_ids = residences["id_residence"].take(residence).reset_index(drop=True)
    jitter = rng.normal(0, 0.0003, (2, len(residence)))  # about 30 m around the residence point
    return pd.DataFrame(
        {
            "id_batiment": residence_ids + "-" + pd.Series(BUILDING_LETTERS[rank], dtype="str"),
            "id_residence": residence_ids,
            "nom_batiment": "Bât. " + BUILDING_LETTERS[rank],
            "nb_etages": floors,
            "lat": (residences["lat"].to_numpy()[residence] + jitter[0]).round(6),
            "lon": (residences["lon"].to_numpy()[residence] + jitter[1]).round(6),
            "residence_index": residence,
            "dwellings": dwellings,
        }
    )


def draw_floors(rng, dwellings: np.ndarray, era: np.ndarray, residence_size: np.ndarray):
    """Floors above ground by building type: houses, small blocks, grands ensembles' towers."""
    per_floor = rng.choice([3, 4, 5, 6], len(dwellings))
    floors = np.ceil(dwellings / per_floor).astype(np.int64) - 1
    tower = (era == 0) & (residence_size >= 60) & (dwellings >= 40)
    floors = np.where(tower, np.ceil(dwellings / rng.choice([4, 5, 6], len(dwellings))) - 1, floors)
    floors = np.where(era == 2, np.minimum(floors, 6), floors)  # recent programmes stay low
    house = dwellings <= 4
    floors = np.where(house, (dwellings > 2) & (rng.random(len(dwellings)) < 0.5), floors)
    return np.clip(floors, 0, cal.MAX_FLOORS).astype(np.int64)


def draw_dwellings(rng, residences: pd.DataFrame, batiments: pd.DataFrame) -> pd.DataFrame:
    """Dwellings spread evenly over their building's floors; rooms, surface, financing and rent."""
    per_building = batiments["dwellings"].to_numpy()
    building = np.repeat(np.arange(len(batiments)), per_building)
    rank = np.arange(len(building)) - np.repeat(
        np.cumsum(per_building) - per_building, per_building
    )
    floors = batiments["nb_etages"].to_numpy()[building]
    etage = rank * (floors + 1) // per_building[building]
    residence = batiments["residence_index"].to_numpy()[building]
    era = residences["era"].to_numpy()[residence]
    n = len(building)

    pieces = np.asarray(cal.PIECES)[pick(rng, np.tile(cal.PIECES_PROBS, (n, 1)))]
    pieces = np.where(per_building[building] <= 4, np.minimum(pieces + 1, 6), pieces)  # houses
    surface = np.asarray(cal.SURFACE_BY_PIECES)[pieces - 1] * rng.normal(1, 0.08, n)
    financement = pick(rng, np.asarray(cal.FINANCEMENT_PROBS_BY_ERA)[era])
    rent = (
        surface
        * np.asarray(cal.RENT_PER_M2)[financement]
        * np.asarray(cal.RENT_ERA_FACTOR)[era]
        * rng.normal(1, 0.05, n)
    )
    fixed_mode = draw_fixed_modes(rng, batiments, building, era)
    return pd.DataFrame(
        {
            "id_logement": format_ids("L", np.arange(1, n + 1), id_width(n, 7)),
            "id_batiment": batiments["id_batiment"].take(building).reset_index(drop=True),
            "id_residence": residences["id_residence"].take(residence).reset_index(drop=True),
            "etage": etage.astype(np.int64),
            "nb_pieces": pieces.astype(np.int64),
            "surface_habitable": np.maximum(surface, 14.0).round(1),
            "financement": np.asarray(cal.FINANCEMENTS)[financement],
            "loyer_mensuel": rent.round(2),
            "date_mise_en_location": residences["first_letting_day"].to_numpy()[residence],
            "reservataire": np.asarray(cal.RESERVATAIRES)[
                pick(rng, np.tile(cal.RESERVATAIRE_PROBS, (n, 1)))
            ],
            # internal
            "residence_index": residence,
            "financement_code": financement,
            "fixed_mode": fixed_mode,
        }
    )


def draw_fixed_modes(rng, batiments: pd.DataFrame, building: np.ndarray, era: np.ndarray):
    """'vide' (old buildings under works, a few single dwellings), 'autre'; '' = rentable."""
    n = len(building)
    per_building = batiments["dwellings"].to_numpy()
    old = np.flatnonzero(np.bincount(building, era == 0, minlength=len(batiments)) > 0)
    old = rng.permutation(old)
    emptied = old[np.cumsum(per_building[old]) <= cal.SHARE_VIDE_BUILDINGS * n]
    mode = np.full(n, "", dtype=object)
    mode[np.isin(building, emptied)] = "vide"
    u = rng.random(n)
    free = mode == ""
    mode[free & (u < cal.SHARE_VIDE_SCATTERED)] = "vide"
    mode[
        free & (u >= cal.SHARE_VIDE_SCATTERED) & (u < cal.SHARE_VIDE_SCATTERED + cal.SHARE_AUTRE)
    ] = "autre"
    return mode
