"""The tiny data root of tests/tiny_data.py at its latest snapshot (2025-12-31), plus what the
allocation aid needs: a fourth residence with a floor of eleven households, two more vacant
dwellings, six demands built to pass or fail one fit test each, and a local T1 target.

Added on top of tiny_data (which stays untouched):
- R4 "Les Cèdres" in Saint-Martin-d'Hères (E1), outside QPV, on the CIA mixité list; one
  building B5. Floor 1: L20–L30 let to H01–H11, and L31 vacant (3 rooms, 62 m², PLUS, 460 €,
  contingent collectivite). Floor 2: L32 let to H12, and L33 vacant (3 rooms, 60 m², PLI, 700 €).
- H01, H02: single parent + child, RFR 16 000 (0.429 of PLUS cat. 3), APL -> fragile (2 criteria).
  H03–H11: single persons in work, RFR 20 000, no APL -> 0 criteria. H12: single, unemployed, APL ->
  fragile. So R4 = B5: 3 fragile of 12 households, none under 40 %; floor 1: 2 fragile of 11.
- Demands wishing Saint-Martin-d'Hères (2025 ceilings, zone autres; E1 Q1 threshold 9 000 €/UC):
  DA1 couple + 2 children under 14, 1 400 €/month: 16 800 / 2.1 UC = 8 000 -> first quartile;
      prioritaire. 16 800 / 44 982 (PLUS cat. 4) = 0.373 < 0.40 but APL and job unknown: not fragile.
  DA2 couple, 2 200 €/month: 26 400 / 1.5 UC = 17 600 -> not first quartile; mutation.
  DA3 couple + 6 children under 14 (8 persons), 2 500 €/month: s(8) = 70 m²; DALO.
  DA4 couple, 2 700 €/month: 32 400 > 30 984 (PLUS cat. 2).
  DA5 couple, 1 000 €/month, DALO: naive rent burden on L08 450 / 1 000 = 45 %.
  DA6 single parent + 1 child under 14, 1 200 €/month: category n = 3, 14 400 / 37 259 = 0.386
      < 0.40 + single parent -> fragile; 14 400 / 1.3 UC = 11 077 -> not first quartile.
- Cotation (optional column): DA1 42, DA2 18.5, DA3 61, DA4 12, DA5 55, DA6 30; none for DM1–DM4.
- reference/delais_anormaux.parquet: département 38, 24 months. At 2025-12-31 only DA3 (filed
  2023-09-01: 852 days = 28.0 months) and DM2 (2023-11-20: 772 days = 25.4 months) are past it.
- objectifs.yaml: T1 of E1 raised by the CIA to 60 % for 2025.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from tests.tiny_data import C2, E1, PLAFONDS, QPV, S3, SEUILS_Q1, TERRITOIRES, snapshot_tables

D = dt.date
E1_LOCAL_T1 = 0.60


def _extend(table: pa.Table, rows: list[tuple]) -> pa.Table:
    extra = pa.Table.from_pylist(
        [dict(zip(table.column_names, r, strict=True)) for r in rows], schema=table.schema
    )
    return pa.concat_tables([table, extra])


def _tables() -> dict[str, pa.Table]:
    tables = snapshot_tables(S3)
    tables["residences"] = _extend(
        tables["residences"], [("R4", "Les Cèdres", C2, None, 45.17, 5.76, 1975, True)]
    )
    tables["batiments"] = _extend(tables["batiments"], [("B5", "R4", "Bât. A", 3)])
    old = D(1976, 1, 1)
    let = [
        (f"L{20 + i}", "B5", "R4", 1, 2, 45.0, "PLUS", 400.0, "loue", None, old, "bailleur")
        for i in range(11)
    ]
    tables["logements"] = _extend(
        tables["logements"],
        [
            *let,
            (
                "L31",
                "B5",
                "R4",
                1,
                3,
                62.0,
                "PLUS",
                460.0,
                "vacant",
                D(2025, 11, 1),
                old,
                "collectivite",
            ),
            ("L32", "B5", "R4", 2, 2, 45.0, "PLUS", 400.0, "loue", None, old, "bailleur"),
            (
                "L33",
                "B5",
                "R4",
                2,
                3,
                60.0,
                "PLI",
                700.0,
                "vacant",
                D(2025, 12, 1),
                old,
                "bailleur",
            ),
        ],
    )
    entry = D(2010, 1, 1)
    households = [
        (f"H{i:02d}", f"L{19 + i}", entry, 2, 1, 1, "monoparentale", 38, 16000.0, "emploi", True)
        for i in (1, 2)
    ]
    households += [
        (f"H{i:02d}", f"L{19 + i}", entry, 1, 0, 0, "personne_seule", 50, 20000.0, "emploi", False)
        for i in range(3, 12)
    ]
    households.append(
        ("H12", "L32", entry, 1, 0, 0, "personne_seule", 55, 20000.0, "chomage", True)
    )
    tables["menages"] = _extend(tables["menages"], households)
    tables["demandes"] = _extend(
        tables["demandes"],
        [
            ("DA1", D(2025, 1, 10), C2, 3, 4, 2, "couple_avec_enfants", 1400.0, False, True, False),
            ("DA2", D(2024, 6, 1), C2, 3, 2, 0, "couple_sans_enfant", 2200.0, False, False, True),
            ("DA3", D(2023, 9, 1), C2, 4, 8, 6, "couple_avec_enfants", 2500.0, True, False, False),
            ("DA4", D(2025, 5, 1), C2, 2, 2, 0, "couple_sans_enfant", 2700.0, False, False, False),
            ("DA5", D(2025, 3, 15), C2, 2, 2, 0, "couple_sans_enfant", 1000.0, True, False, False),
            ("DA6", D(2024, 12, 1), C2, 2, 2, 1, "monoparentale", 1200.0, False, False, False),
        ],
    )
    points = {"DA1": 42.0, "DA2": 18.5, "DA3": 61.0, "DA4": 12.0, "DA5": 55.0, "DA6": 30.0}
    ids = tables["demandes"].column("id_demande").to_pylist()
    tables["demandes"] = tables["demandes"].append_column(
        "cotation", pa.array([points.get(i) for i in ids], type=pa.float64())
    )
    return tables


DELAIS_ANORMAUX = pa.table(
    {"code_departement": ["38"], "delai_mois": pa.array([24], type=pa.int32())}
)

OBJECTIFS = f"""
objectifs:
  - id: cia-t1-{E1}
    indicateur: part_attributions_q1_hors_qpv
    territoire: {{echelle: epci, code: "{E1}"}}
    annee: 2025
    sens: ">="
    cible: {E1_LOCAL_T1}
    tolerance: 0.02
    source: CIA de démonstration
"""


def write_allocation_root(root: Path) -> Path:
    (root / "reference").mkdir(parents=True, exist_ok=True)
    for name, table in (
        ("territoires", TERRITOIRES),
        ("qpv", QPV),
        ("plafonds", PLAFONDS),
        ("seuils_q1", SEUILS_Q1),
        ("delais_anormaux", DELAIS_ANORMAUX),
    ):
        pq.write_table(table, root / "reference" / f"{name}.parquet")
    folder = root / "snapshots" / f"date={S3.isoformat()}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in _tables().items():
        pq.write_table(table, folder / f"{name}.parquet")
    (root / "objectifs.yaml").write_text(textwrap.dedent(OBJECTIFS), encoding="utf-8")
    return root
