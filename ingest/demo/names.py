"""Identifiers and names of the demo: vectorised with Arrow, so that millions of ids stay cheap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

TREES = (
    "Tilleuls", "Érables", "Marronniers", "Peupliers", "Cèdres", "Platanes", "Acacias",
    "Bouleaux", "Charmes", "Saules", "Lilas", "Iris", "Mimosas", "Noisetiers", "Glycines",
    "Pervenches", "Cerisiers", "Sorbiers", "Mélèzes", "Aubépines",
)  # fmt: skip
PLACES = (
    "Balcons de Belledonne", "Terrasses du Drac", "Jardins de l'Isère", "Coteaux de Chartreuse",
    "Rives du Vercors", "Hauts de la Bastille", "Prés du Grésivaudan", "Berges de la Romanche",
    "Vergers du Lac", "Allées du Moucherotte",
)  # fmt: skip
PEOPLE = (
    "Jean Moulin", "Marie Curie", "Lucie Aubrac", "Simone Veil", "Victor Hugo", "Jean Jaurès",
    "Louise Michel", "Stendhal", "Champollion", "Hector Berlioz", "Pablo Neruda", "Aimé Césaire",
    "Olympe de Gouges", "George Sand", "Germaine Tillion", "Joséphine Baker", "Paul Éluard",
    "Gisèle Halimi", "Missak Manouchian", "Rosa Parks",
)  # fmt: skip
# (prefix, list of what follows)
TEMPLATES = (
    ("Les ", TREES),
    ("Le Clos des ", TREES),
    ("Résidence ", PEOPLE),
    ("Les ", PLACES),
    ("Square ", PEOPLE),
    ("Le Parc des ", TREES),
)


def format_ids(prefix: str, numbers: np.ndarray, width: int) -> pd.Series:
    """``prefix`` followed by each number zero-padded to ``width`` digits, as a string Series."""
    digits = pc.utf8_lpad(
        pa.array(np.asarray(numbers, dtype=np.int64)).cast(pa.string()), width, "0"
    )
    return pd.Series(pc.binary_join_element_wise(prefix, digits, "").to_pandas(), dtype="str")


def id_width(count: int, minimum: int) -> int:
    """Digits needed so that ids keep a fixed width whatever the scale."""
    return max(minimum, len(str(count)))


def residence_names(rng: np.random.Generator, count: int) -> pd.Series:
    """Plausible residence names ("Les Tilleuls", "Résidence Lucie Aubrac"); repeats allowed."""
    template = rng.integers(0, len(TEMPLATES), count)
    item = rng.random(count)
    names = np.empty(count, dtype=object)
    for index, (prefix, choices) in enumerate(TEMPLATES):
        here = template == index
        picked = np.asarray(choices, dtype=object)[(item[here] * len(choices)).astype(np.int64)]
        names[here] = prefix + picked
    return pd.Series(names, dtype="str")
