"""A tiny data root that follows the data contract, written by hand for the validator tests.

Two communes of two EPCIs, one QPV, two residences, three buildings, eight dwellings, five
households, two departures, two attributions, two demands, the 2025 "autres" ceilings and the two
EPCI thresholds. The same snapshot tables are written in two folders (2025-09-30 and 2025-12-31),
so every date in them is on or before 2025-09-30. Row numbers in the tests are 1-based positions
in these lists.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

SNAPSHOT = "2025-12-31"
EARLIER_SNAPSHOT = "2025-09-30"
SNAPSHOT_DIR = f"snapshots/date={SNAPSHOT}"

D = dt.date.fromisoformat
STR, INT, FLT, BOOL, DAY = pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.date32()

TOULOUSE_GEOMETRY = (
    '{"type":"Polygon","coordinates":[[[1.35,43.53],[1.51,43.53],[1.51,43.67],[1.35,43.53]]]}'
)
QPV_GEOMETRY = (
    '{"type":"Polygon","coordinates":[[[1.40,43.57],[1.42,43.57],[1.42,43.58],[1.40,43.57]]]}'
)


def _table(columns: dict[str, tuple[pa.DataType, list]]) -> pa.Table:
    return pa.table({name: pa.array(values, type_) for name, (type_, values) in columns.items()})


def reference_tables() -> dict[str, pa.Table]:
    # 2025 ceilings for zone "autres" (€/year by household category), and the amount per extra person
    ceilings = {
        "PLAI": ([13378, 19492, 23440, 26080, 30513, 34387], 3835),
        "PLUS": ([24316, 32472, 39050, 47145, 55460, 62504], 6971),
        "PLS": ([31611, 42214, 50765, 61289, 72098, 81255], 9062),
    }
    rows = [
        (financement, categorie, float(plafond), float(sup))
        for financement, (plafonds, sup) in ceilings.items()
        for categorie, plafond in enumerate(plafonds, start=1)
    ]
    return {
        "territoires": _table(
            {
                "code_commune": (STR, ["31555", "31395"]),
                "nom_commune": (STR, ["Toulouse", "Muret"]),
                "code_epci": (STR, ["243100518", "200068641"]),
                "nom_epci": (STR, ["Toulouse Métropole", "Le Muretain Agglo"]),
                "code_departement": (STR, ["31", "31"]),
                "zone_plafonds": (STR, ["autres", "autres"]),
                "lat": (FLT, [43.6045, 43.4617]),
                "lon": (FLT, [1.4440, 1.3267]),
                "geometry": (STR, [TOULOUSE_GEOMETRY, None]),
            }
        ),
        "qpv": _table(
            {
                "code_qpv": (STR, ["QN03101M"]),
                "nom_qpv": (STR, ["Bagatelle, La Faourette"]),
                "code_commune": (STR, ["31555"]),
                "geometry": (STR, [QPV_GEOMETRY]),
            }
        ),
        "plafonds": _table(
            {
                "annee": (INT, [2025] * len(rows)),
                "zone_plafonds": (STR, ["autres"] * len(rows)),
                "financement": (STR, [r[0] for r in rows]),
                "categorie": (INT, [r[1] for r in rows]),
                "plafond": (FLT, [r[2] for r in rows]),
                "plafond_personne_sup": (FLT, [r[3] for r in rows]),
            }
        ),
        "seuils_q1": _table(
            {
                "annee": (INT, [2025, 2025]),
                "code_epci": (STR, ["243100518", "200068641"]),
                "seuil_q1_uc": (FLT, [10800.0, 11400.0]),
            }
        ),
    }


def snapshot_tables() -> dict[str, pa.Table]:
    return {
        "residences": _table(
            {
                "id_residence": (STR, ["R1", "R2"]),
                "nom_residence": (STR, ["Les Tilleuls", "Le Parc"]),
                "code_commune": (STR, ["31555", "31395"]),
                "code_qpv": (STR, ["QN03101M", None]),
                "lat": (FLT, [43.5752, 43.4601]),
                "lon": (FLT, [1.4101, 1.3302]),
                "annee_construction": (INT, [1972, 2005]),
                "enjeu_mixite": (BOOL, [True, False]),
            }
        ),
        "batiments": _table(
            {
                "id_batiment": (STR, ["B1", "B2", "B3"]),
                "id_residence": (STR, ["R1", "R1", "R2"]),
                "nom_batiment": (STR, ["Bât. A", "Bât. B", "Bât. unique"]),
                "nb_etages": (INT, [4, 2, 1]),
            }
        ),
        "logements": _table(
            {
                "id_logement": (STR, ["L01", "L02", "L03", "L04", "L05", "L06", "L07", "L08"]),
                "id_batiment": (STR, ["B1", "B1", "B1", "B2", "B2", "B3", "B3", "B3"]),
                "id_residence": (STR, ["R1", "R1", "R1", "R1", "R1", "R2", "R2", "R2"]),
                "etage": (INT, [0, 4, 2, 1, 2, 0, 1, 1]),
                "nb_pieces": (INT, [3, 2, 4, 1, 3, 2, 4, 3]),
                "surface_habitable": (FLT, [65.0, 48.0, 80.5, 30.0, 66.0, 50.0, 85.0, 70.0]),
                "financement": (
                    STR,
                    ["PLUS", "PLAI", "PLUS", "PLAI", "PLS", "PLUS", "PLI", "AUTRE"],
                ),
                "loyer_mensuel": (FLT, [420.5, 350.0, 510.0, 280.0, 600.0, 430.0, 750.0, 500.0]),
                "mode_occupation": (
                    STR,
                    ["loue", "loue", "vacant", "loue", "vide", "loue", "loue", "autre"],
                ),
                "date_debut_vacance": (
                    DAY,
                    [None, None, D("2025-08-01"), None, None, None, None, None],
                ),
                "date_mise_en_location": (DAY, [D("1972-06-01")] * 5 + [D("2005-09-01")] * 3),
                "reservataire": (
                    STR,
                    ["etat", "collectivite", "bailleur", "action_logement", "bailleur"]
                    + ["collectivite", "bailleur", "autre"],
                ),
            }
        ),
        "menages": _table(
            {
                "id_menage": (STR, ["M1", "M2", "M3", "M4", "M5"]),
                "id_logement": (STR, ["L01", "L02", "L04", "L06", "L07"]),
                "date_entree": (
                    DAY,
                    [
                        D("2015-03-01"),
                        D("2020-09-15"),
                        D("2024-11-01"),
                        D("2010-01-10"),
                        D("2025-05-20"),
                    ],
                ),
                "nb_personnes": (INT, [4, 1, 2, 2, 3]),
                "nb_enfants": (INT, [2, 0, 1, 0, 1]),
                "nb_moins_14": (INT, [1, 0, 1, 0, 0]),
                "composition": (
                    STR,
                    ["couple_avec_enfants", "personne_seule", "monoparentale"]
                    + ["couple_sans_enfant", "autre"],
                ),
                "age_titulaire": (INT, [42, 67, 29, 55, 48]),
                "revenu_fiscal_reference": (FLT, [28000.0, 14500.0, None, 31000.0, 19800.0]),
                "situation_titulaire": (
                    STR,
                    ["emploi", "retraite", "chomage", "emploi", "inactif"],
                ),
                "beneficiaire_apl": (BOOL, [True, False, True, False, True]),
            }
        ),
        "departs": _table(
            {
                "id_menage": (STR, ["M9", "M8"]),
                "id_logement": (STR, ["L03", "L05"]),
                "date_entree": (DAY, [D("2018-04-01"), D("2012-02-01")]),
                "date_depart": (DAY, [D("2025-07-31"), D("2025-03-15")]),
                "motif": (STR, ["autre", "mutation_interne"]),
            }
        ),
        "attributions": _table(
            {
                "id_attribution": (STR, ["A1", "A2"]),
                "id_logement": (STR, ["L04", "L07"]),
                "date_attribution": (DAY, [D("2024-10-20"), D("2025-05-12")]),
                "date_depot_demande": (DAY, [D("2023-06-10"), D("2024-01-05")]),
                "nb_personnes": (INT, [2, 3]),
                "nb_moins_14": (INT, [1, 0]),
                "composition": (STR, ["monoparentale", "autre"]),
                "revenu_mensuel": (FLT, [1150.0, 1650.0]),
                "dalo": (BOOL, [False, False]),
                "prioritaire": (BOOL, [True, False]),
                "grande_precarite": (BOOL, [False, False]),
                "mutation": (BOOL, [False, True]),
                "relogement_anru": (BOOL, [False, False]),
                "reservataire": (STR, ["action_logement", "bailleur"]),
            }
        ),
        "demandes": _table(
            {
                "id_demande": (STR, ["DEM1", "DEM2"]),
                "date_depot": (DAY, [D("2025-02-01"), D("2024-09-12")]),
                "code_commune_souhaitee": (STR, ["31555", "31395"]),
                "nb_pieces_souhaite": (INT, [3, 2]),
                "nb_personnes": (INT, [3, 1]),
                "nb_moins_14": (INT, [1, 0]),
                "composition": (STR, ["monoparentale", "personne_seule"]),
                "revenu_mensuel": (FLT, [1400.0, 900.0]),
                "dalo": (BOOL, [True, False]),
                "prioritaire": (BOOL, [False, True]),
                "mutation": (BOOL, [False, True]),
            }
        ),
    }


OBJECTIFS_YAML = """\
objectifs:
  - indicateur: part_attributions_q1_hors_qpv
    territoire: {echelle: epci, code: "243100518"}
    annee: 2025
    sens: ">="
    cible: 0.25
    tolerance: 0.02
    source: CIA de Toulouse Métropole
"""

# Rows of the valid root (for the all-clear count): 2 + 1 + 18 + 2 reference rows, 28 per snapshot.
REFERENCE_ROWS = 23
SNAPSHOT_ROWS = 2 + 3 + 8 + 5 + 2 + 2 + 2
FILES = 4 + 2 * 7
ROWS = REFERENCE_ROWS + 2 * SNAPSHOT_ROWS


def write_root(root: Path) -> Path:
    """Write the valid data root at `root` and return it."""
    for name, table in reference_tables().items():
        write_table(root / "reference" / f"{name}.parquet", table)
    for date in (EARLIER_SNAPSHOT, SNAPSHOT):
        for name, table in snapshot_tables().items():
            write_table(root / "snapshots" / f"date={date}" / f"{name}.parquet", table)
    (root / "objectifs.yaml").write_text(OBJECTIFS_YAML, encoding="utf-8")
    return root


def write_table(path: Path, table: pa.Table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)


def read_table(root: Path, relpath: str) -> pa.Table:
    return pq.read_table(root / relpath)


def set_value(root: Path, relpath: str, column: str, row: int, value: object) -> None:
    """Rewrite the file at `relpath` with `column` set to `value` on 1-based `row`."""
    table = read_table(root, relpath)
    values = table.column(column).to_pylist()
    values[row - 1] = value
    index = table.schema.get_field_index(column)
    field = table.schema.field(index)
    write_table(root / relpath, table.set_column(index, field, pa.array(values, field.type)))


def replace_column(root: Path, relpath: str, column: str, array: pa.Array | None) -> None:
    """Rewrite the file with `column` replaced by `array`, or dropped when `array` is None."""
    table = read_table(root, relpath)
    index = table.schema.get_field_index(column)
    table = table.remove_column(index) if array is None else table.set_column(index, column, array)
    write_table(root / relpath, table)
