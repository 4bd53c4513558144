"""A tiny data root written by hand, small enough to compute every indicator on paper.

Three communes in two EPCIs, one QPV, three residences, twelve dwellings, three snapshots
(2024-12-31, 2025-09-30, 2025-12-31). The expected values in the tests are worked out from the
rows below; the comments give the facts those computations rest on.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

D = dt.date
E1, E2 = "200040715", "243800984"  # Grenoble-Alpes-Métropole, Pays Voironnais
C1, C2, C3 = "38185", "38421", "38563"  # Grenoble, Saint-Martin-d'Hères (E1), Voiron (E2)
Q1 = "QN03801T"
S1, S2, S3 = D(2024, 12, 31), D(2025, 9, 30), D(2025, 12, 31)
SNAPSHOTS = (S1, S2, S3)

T = {"s": pa.string(), "i": pa.int64(), "f": pa.float64(), "b": pa.bool_(), "d": pa.date32()}


def _table(columns: str, rows: list[tuple]) -> pa.Table:
    """columns: 'name:type name:type …' with type s/i/f/b/d."""
    names, types = zip(*(c.split(":") for c in columns.split()), strict=True)
    arrays = [pa.array([r[i] for r in rows], type=T[t]) for i, t in enumerate(types)]
    return pa.table(dict(zip(names, arrays, strict=True)))


TERRITOIRES = _table(
    "code_commune:s nom_commune:s code_epci:s nom_epci:s code_departement:s zone_plafonds:s lat:f lon:f",
    [
        (C1, "Grenoble", E1, "Grenoble-Alpes-Métropole", "38", "autres", 45.1885, 5.7245),
        (
            C2,
            "Saint-Martin-d'Hères",
            E1,
            "Grenoble-Alpes-Métropole",
            "38",
            "autres",
            45.1672,
            5.7653,
        ),
        (C3, "Voiron", E2, "CA du Pays Voironnais", "38", "autres", 45.3640, 5.5890),
    ],
)
QPV = _table(
    "code_qpv:s nom_qpv:s code_commune:s geometry:s",
    [
        (
            Q1,
            "QPV fictif Mistral",
            C1,
            '{"type":"Polygon","coordinates":[[[5.70,45.17],[5.71,45.17],[5.71,45.18],[5.70,45.17]]]}',
        )
    ],
)

# Ceilings, zone "autres": PLUS 2024 and 2025 as published, PLAI derived, PLS = PLUS x 1.3.
_PLUS = {
    2024: (22642, 30238, 36362, 43899, 51641, 58200, 6492),
    2025: (23201, 30984, 37259, 44982, 52915, 59636, 6652),
}
_PLAI = {
    2024: (11626, 16939, 20370, 22665, 26519, 29886, 3333),
    2025: (12760, 18591, 22356, 24875, 29105, 32800, 3658),
}


def _plafond_rows(years=(2024, 2025)):
    rows = []
    for year in years:
        for fin, values in (
            ("PLAI", _PLAI[year]),
            ("PLUS", _PLUS[year]),
            ("PLS", tuple(round(v * 1.3) for v in _PLUS[year])),
        ):
            for cat in range(1, 7):
                rows.append((year, "autres", fin, cat, float(values[cat - 1]), float(values[6])))
    return rows


PLAFONDS_COLUMNS = (
    "annee:i zone_plafonds:s financement:s categorie:i plafond:f plafond_personne_sup:f"
)
PLAFONDS = _table(PLAFONDS_COLUMNS, _plafond_rows())
# E1 has thresholds for 2024 and 2025; E2 only for 2026, so its 2025 allocations are "unknown".
SEUILS_Q1 = _table(
    "annee:i code_epci:s seuil_q1_uc:f",
    [(2024, E1, 8800.0), (2025, E1, 9000.0), (2026, E2, 9500.0)],
)

RESIDENCES = _table(
    "id_residence:s nom_residence:s code_commune:s code_qpv:s lat:f lon:f annee_construction:i enjeu_mixite:b",
    [
        ("R1", "Les Tilleuls", C1, Q1, 45.175, 5.705, 1965, True),
        ("R2", "Le Parc", C2, None, 45.168, 5.765, 1990, False),
        ("R3", "Les Vignes", C3, None, 45.364, 5.589, 2010, False),
    ],
)
BATIMENTS = _table(
    "id_batiment:s id_residence:s nom_batiment:s nb_etages:i",
    [
        ("B1", "R1", "Bât. A", 4),
        ("B2", "R1", "Bât. B", 2),
        ("B3", "R2", "Bât. A", 3),
        ("B4", "R3", "Bât. A", 1),
    ],
)

_LOG_COLS = (
    "id_logement:s id_batiment:s id_residence:s etage:i nb_pieces:i surface_habitable:f financement:s "
    "loyer_mensuel:f mode_occupation:s date_debut_vacance:d date_mise_en_location:d reservataire:s"
)
_OLD, _NEW = D(1966, 1, 1), D(2025, 6, 1)


def _logements(modes: dict[str, tuple[str, dt.date | None]]) -> pa.Table:
    base = [
        ("L01", "B1", "R1", 0, 2, 45.0, "PLAI", 320.0, _OLD, "etat"),
        ("L02", "B1", "R1", 1, 3, 60.0, "PLUS", 410.0, _OLD, "action_logement"),
        ("L03", "B1", "R1", 1, 4, 75.0, "PLUS", 480.0, _OLD, "bailleur"),
        ("L04", "B1", "R1", 2, 1, 30.0, "PLAI", 250.0, _OLD, "etat"),
        ("L05", "B2", "R1", 0, 3, 62.0, "PLUS", 420.0, _OLD, "collectivite"),
        ("L06", "B2", "R1", 1, 5, 90.0, "PLUS", 560.0, _OLD, "bailleur"),
        ("L07", "B3", "R2", 0, 2, 48.0, "PLS", 520.0, D(1991, 1, 1), "bailleur"),
        ("L08", "B3", "R2", 3, 3, 65.0, "PLUS", 450.0, D(1991, 1, 1), "action_logement"),
        ("L09", "B3", "R2", 2, 1, 20.0, "PLI", 380.0, D(1991, 1, 1), "etat"),
        ("L10", "B4", "R3", 0, 4, 80.0, "PLAI", 470.0, _NEW, "etat"),
        ("L11", "B4", "R3", 1, 2, 50.0, "PLUS", 390.0, _NEW, "bailleur"),
        ("L12", "B4", "R3", 1, 3, 66.0, "AUTRE", 600.0, D(2010, 1, 1), "autre"),
    ]
    rows = []
    for r in base:
        mode, since = modes.get(r[0], ("loue", None))
        rows.append((*r[:8], mode, since, r[8], r[9]))
    return _table(_LOG_COLS, rows)


# Latest snapshot S3 and S2: L04 vacant since 2025-09-30 (exactly 3 months before S3), L08 since
# 2025-10-01 in S3 (less than 3 months), L06 emptied for works, L12 other use.
LOGEMENTS_S3 = _logements(
    {
        "L04": ("vacant", D(2025, 9, 30)),
        "L06": ("vide", None),
        "L08": ("vacant", D(2025, 10, 1)),
        "L12": ("autre", None),
    }
)
LOGEMENTS_S2 = _logements(
    {
        "L04": ("vacant", D(2025, 9, 30)),
        "L06": ("vide", None),
        "L08": ("vacant", D(2025, 9, 30)),
        "L12": ("autre", None),
    }
)
LOGEMENTS_S1 = _logements(
    {
        "L04": ("vacant", D(2024, 11, 1)),
        "L05": ("vacant", D(2024, 12, 31)),
        "L06": ("vide", None),
        "L08": ("vacant", D(2024, 8, 1)),
        "L10": ("vide", None),
        "L11": ("vide", None),
        "L12": ("autre", None),
    }
)

_MEN_COLS = (
    "id_menage:s id_logement:s date_entree:d nb_personnes:i nb_enfants:i nb_moins_14:i composition:s "
    "age_titulaire:i revenu_fiscal_reference:f situation_titulaire:s beneficiaire_apl:b"
)
_MENAGES = [
    ("M01", "L01", D(2000, 6, 15), 1, 0, 0, "personne_seule", 72, 9000.0, "retraite", True),
    ("M02", "L02", D(2023, 3, 1), 3, 2, 1, "monoparentale", 35, 14000.0, "chomage", True),
    ("M03", "L03", D(2015, 1, 1), 5, 3, 2, "couple_avec_enfants", 45, 40000.0, "emploi", False),
    ("M04", "L05", D(2025, 1, 1), 2, 0, 0, "couple_sans_enfant", 29, None, "emploi", False),
    ("M05", "L07", D(1995, 1, 1), 1, 0, 0, "personne_seule", 80, 25000.0, "retraite", False),
    ("M06", "L09", D(2020, 1, 1), 3, 1, 1, "couple_avec_enfants", 31, 20000.0, "inactif", True),
    ("M07", "L10", D(2025, 7, 1), 2, 1, 1, "monoparentale", 40, 12000.0, "emploi", True),
    ("M08", "L11", D(2025, 7, 1), 1, 0, 0, "personne_seule", 65, 30000.0, "retraite", False),
]
MENAGES_S3 = _table(_MEN_COLS, _MENAGES)
MENAGES_S2 = MENAGES_S3
MENAGES_S1 = _table(_MEN_COLS, [m for m in _MENAGES if m[0] in ("M01", "M02", "M03", "M05", "M06")])

_DEP_COLS = "id_menage:s id_logement:s date_entree:d date_depart:d motif:s"
_DEPARTS = [
    ("X01", "L04", D(2010, 1, 1), D(2025, 9, 30), "autre"),
    ("X02", "L08", D(2025, 3, 1), D(2025, 9, 30), "mutation_interne"),
    ("X03", "L05", D(2012, 5, 1), D(2024, 12, 31), "autre"),  # on S1 itself: out of S3's period
    ("X04", "L02", D(2001, 1, 1), D(2023, 2, 1), "autre"),  # an older row, outside every period
]

_ATT_COLS = (
    "id_attribution:s id_logement:s date_attribution:d date_depot_demande:d nb_personnes:i nb_moins_14:i "
    "composition:s revenu_mensuel:f dalo:b prioritaire:b grande_precarite:b mutation:b relogement_anru:b reservataire:s"
)
_ATTRIBUTIONS = [
    # L05 in QPV, E1: 1500 x 12 / 1.5 UC = 12000 > 9000 -> not first quartile
    (
        "A1",
        "L05",
        D(2025, 1, 1),
        D(2023, 7, 1),
        2,
        0,
        "couple_sans_enfant",
        1500.0,
        False,
        False,
        False,
        True,
        False,
        "collectivite",
    ),
    # L10 outside QPV, E2: no threshold for 2025 -> quartile unknown
    (
        "A2",
        "L10",
        D(2025, 7, 1),
        D(2024, 1, 15),
        2,
        1,
        "monoparentale",
        700.0,
        True,
        False,
        True,
        False,
        False,
        "etat",
    ),
    # L11 outside QPV, E2: unknown quartile but rehoused by urban renewal
    (
        "A3",
        "L11",
        D(2025, 7, 1),
        D(2025, 1, 1),
        1,
        0,
        "personne_seule",
        2000.0,
        False,
        True,
        False,
        False,
        True,
        "bailleur",
    ),
    (
        "A4",
        "L02",
        D(2023, 2, 20),
        D(2022, 3, 1),
        3,
        1,
        "monoparentale",
        1100.0,
        False,
        False,
        False,
        False,
        False,
        "action_logement",
    ),
    # L08 outside QPV, E1: 600 x 12 = 7200 <= 9000 -> first quartile
    (
        "A5",
        "L08",
        D(2025, 3, 1),
        D(2024, 3, 1),
        1,
        0,
        "personne_seule",
        600.0,
        False,
        True,
        False,
        False,
        False,
        "action_logement",
    ),
    # L07 outside QPV, E1: 2500 x 12 / 2.1 UC = 14285.7 -> not first quartile
    (
        "A6",
        "L07",
        D(2025, 12, 31),
        D(2025, 6, 30),
        4,
        2,
        "couple_avec_enfants",
        2500.0,
        False,
        False,
        False,
        True,
        False,
        "bailleur",
    ),
    # L01 in QPV, E1: 750 x 12 = 9000 = threshold -> first quartile (<=)
    (
        "A7",
        "L01",
        D(2025, 6, 15),
        D(2022, 6, 15),
        1,
        0,
        "personne_seule",
        750.0,
        True,
        True,
        False,
        False,
        False,
        "etat",
    ),
    # L03 in QPV, E1, during 2024: 600 x 12 = 7200 <= 8800 (2024 threshold) -> first quartile
    (
        "A8",
        "L03",
        D(2024, 10, 10),
        D(2024, 1, 1),
        1,
        0,
        "personne_seule",
        600.0,
        False,
        False,
        False,
        False,
        False,
        "bailleur",
    ),
]

_DEM_COLS = (
    "id_demande:s date_depot:d code_commune_souhaitee:s nb_pieces_souhaite:i nb_personnes:i nb_moins_14:i "
    "composition:s revenu_mensuel:f dalo:b prioritaire:b mutation:b"
)
_DEMANDES = [
    ("DM1", D(2024, 5, 1), C1, 2, 1, 0, "personne_seule", 700.0, False, False, False),
    ("DM2", D(2023, 11, 20), C1, 3, 3, 1, "monoparentale", 1200.0, False, True, True),
    ("DM3", D(2025, 2, 1), C2, 2, 2, 0, "couple_sans_enfant", 2000.0, False, False, False),
    ("DM4", D(2025, 10, 15), C3, 4, 4, 2, "couple_avec_enfants", 1800.0, True, False, False),
]


def _until(rows, date_index: int, snapshot: dt.date):
    return [r for r in rows if r[date_index] <= snapshot]


def snapshot_tables(snapshot: dt.date) -> dict[str, pa.Table]:
    logements = {S1: LOGEMENTS_S1, S2: LOGEMENTS_S2, S3: LOGEMENTS_S3}[snapshot]
    menages = {S1: MENAGES_S1, S2: MENAGES_S2, S3: MENAGES_S3}[snapshot]
    return {
        "residences": RESIDENCES,
        "batiments": BATIMENTS,
        "logements": logements,
        "menages": menages,
        "departs": _table(_DEP_COLS, _until(_DEPARTS, 3, snapshot)),
        "attributions": _table(_ATT_COLS, _until(_ATTRIBUTIONS, 2, snapshot)),
        "demandes": _table(_DEM_COLS, _until(_DEMANDES, 1, snapshot)),
    }


def write_tiny_root(
    root: Path, *, plafonds: pa.Table | None = None, seuils: pa.Table | None = None
) -> Path:
    (root / "reference").mkdir(parents=True, exist_ok=True)
    pq.write_table(TERRITOIRES, root / "reference" / "territoires.parquet")
    pq.write_table(QPV, root / "reference" / "qpv.parquet")
    pq.write_table(
        plafonds if plafonds is not None else PLAFONDS, root / "reference" / "plafonds.parquet"
    )
    pq.write_table(
        seuils if seuils is not None else SEUILS_Q1, root / "reference" / "seuils_q1.parquet"
    )
    for snapshot in SNAPSHOTS:
        folder = root / "snapshots" / f"date={snapshot.isoformat()}"
        folder.mkdir(parents=True, exist_ok=True)
        for name, table in snapshot_tables(snapshot).items():
            pq.write_table(table, folder / f"{name}.parquet")
    return root
