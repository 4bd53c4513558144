"""The data-contract validator on a tiny hand-written root: clean, then one change at a time."""

from __future__ import annotations

import datetime as dt
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from cli.main import main
from dataroot.contract import TABLES
from dataroot.layout import table_path
from ingest.validate import Problem, check_root, format_problems, validate_root
from ingest.validation.rules import RULES
from tests.contract_fixture import (
    EARLIER_SNAPSHOT,
    FILES,
    ROWS,
    SNAPSHOT,
    SNAPSHOT_DIR,
    replace_column,
    set_value,
    write_root,
)

TER = "reference/territoires.parquet"
PLA = "reference/plafonds.parquet"
RES = f"{SNAPSHOT_DIR}/residences.parquet"
BAT = f"{SNAPSHOT_DIR}/batiments.parquet"
LOG = f"{SNAPSHOT_DIR}/logements.parquet"
MEN = f"{SNAPSHOT_DIR}/menages.parquet"
ATT = f"{SNAPSHOT_DIR}/attributions.parquet"
DEM = f"{SNAPSHOT_DIR}/demandes.parquet"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_root(tmp_path / "donnees")


def found(problems: list[Problem]) -> list[tuple]:
    return [(p.file, p.column, p.rule, p.examples, p.count, p.rows) for p in problems]


def test_valid_root_has_no_problem(root: Path) -> None:
    report = check_root(root)
    assert report.problems == ()
    assert (report.files_checked, report.rows_checked) == (FILES, ROWS)


def test_indicator_test_root_follows_the_contract(tiny_root: Path) -> None:
    # the hand-written root of the indicator tests (tests/tiny_data.py) is valid data too
    assert validate_root(tiny_root) == []


# --- one change, one problem -------------------------------------------------------------------


def _truncate(root: Path, relpath: str) -> None:
    path = root / relpath
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _corrupt_pages(root: Path, relpath: str) -> None:
    """Overwrite the data pages, keeping the header and footer: the schema still reads."""
    path = root / relpath
    data = bytearray(path.read_bytes())
    footer_length = int.from_bytes(data[-8:-4], "little")
    for i in range(4, len(data) - 8 - footer_length):
        data[i] = 0xAB
    path.write_bytes(bytes(data))


def _append_column(root: Path, relpath: str, name: str, array: pa.Array) -> None:
    table = pq.read_table(root / relpath)
    pq.write_table(table.append_column(name, array), root / relpath)


def _replace_by_folder(root: Path, relpath: str) -> None:
    (root / relpath).unlink()
    (root / relpath).mkdir()


CHANGES = [
    pytest.param(
        lambda r: (r / SNAPSHOT_DIR / "departs.parquet").unlink(),
        (f"{SNAPSHOT_DIR}/departs.parquet", None, "missing_file", (), 0, ()),
        id="missing-snapshot-file",
    ),
    pytest.param(
        # residences.code_qpv -> qpv is skipped, not reported as orphans
        lambda r: (r / "reference/qpv.parquet").unlink(),
        ("reference/qpv.parquet", None, "missing_file", (), 0, ()),
        id="missing-reference-file",
    ),
    pytest.param(
        lambda r: shutil.rmtree(r / "snapshots"),
        ("snapshots", None, "no_snapshot", (), 0, ()),
        id="no-snapshot-folder",
    ),
    pytest.param(
        lambda r: replace_column(r, LOG, "financement", None),
        (LOG, "financement", "missing_column", (), 8, ()),
        id="missing-column",
    ),
    pytest.param(
        # the household-size rules that read nb_personnes are skipped, not run on text
        lambda r: replace_column(r, MEN, "nb_personnes", pa.array(["4", "1", "2", "2", "3"])),
        (MEN, "nb_personnes", "wrong_type", ("4", "1", "2", "3"), 5, ()),
        id="text-in-int-column",
    ),
    pytest.param(
        lambda r: replace_column(r, MEN, "date_entree", pa.array(["2015-03-01"] * 5)),
        (MEN, "date_entree", "wrong_type", ("2015-03-01",), 5, ()),
        id="text-in-date-column",
    ),
    pytest.param(
        lambda r: replace_column(
            r, LOG, "etage", pa.array([0.0, 4.0, 2.0, 1.0, 2.0, 0.0, 1.0, 1.0])
        ),
        (LOG, "etage", "wrong_type", ("0.0", "4.0", "2.0", "1.0"), 8, ()),
        id="decimal-in-int-column",
    ),
    pytest.param(
        # pyarrow writes both; no rule reads an ambiguous column (household_size is skipped)
        lambda r: _append_column(r, MEN, "nb_personnes", pa.array([1, 1, 1, 1, 1])),
        (MEN, "nb_personnes", "duplicate_column", (), 5, ()),
        id="column-written-twice",
    ),
    pytest.param(
        # extra columns are allowed, but not this name: DuckDB gives it to its row numbers
        lambda r: _append_column(r, MEN, "file_row_number", pa.array([0, 1, 2, 3, 4])),
        (MEN, "file_row_number", "reserved_column", (), 0, ()),
        id="reserved-column-name",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "financement", 5, None),
        (LOG, "financement", "null_value", ("L05",), 1, (5,)),
        id="null-value",
    ),
    pytest.param(
        # an empty identifier cannot name its row: the line number does
        lambda r: set_value(r, LOG, "id_logement", 8, None),
        (LOG, "id_logement", "null_value", ("ligne 8",), 1, (8,)),
        id="null-identifier",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "loyer_mensuel", 1, math.nan),
        (LOG, "loyer_mensuel", "null_value", ("L01",), 1, (1,)),
        id="nan-in-decimal-column",
    ),
    pytest.param(
        lambda r: replace_column(r, BAT, "nom_batiment", pa.nulls(3)),
        (BAT, "nom_batiment", "null_value", ("B1", "B2", "B3"), 3, (1, 2, 3)),
        id="column-of-nulls",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "financement", 2, "PLAII"),
        (LOG, "financement", "not_allowed", ("PLAII",), 1, (2,)),
        id="unknown-financement",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "id_logement", 8, "L03"),
        (LOG, "id_logement", "duplicate", ("L03",), 2, (3, 8)),
        id="duplicate-id",
    ),
    pytest.param(
        lambda r: set_value(r, PLA, "categorie", 12, 5),
        (
            PLA,
            "annee, zone_plafonds, financement, categorie",
            "duplicate",
            ("annee=2025, zone_plafonds=autres, financement=PLUS, categorie=5",),
            2,
            (11, 12),
        ),
        id="duplicate-ceiling",
    ),
    pytest.param(
        lambda r: set_value(r, MEN, "id_logement", 2, "L99"),
        (MEN, "id_logement", "orphan_reference", ("L99",), 1, (2,)),
        id="household-in-unknown-dwelling",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "id_batiment", 6, "B9"),
        (LOG, "id_batiment", "orphan_reference", ("B9",), 1, (6,)),
        id="dwelling-in-unknown-building",
    ),
    pytest.param(
        lambda r: set_value(r, RES, "code_qpv", 2, "QN03199Z"),
        (RES, "code_qpv", "orphan_reference", ("QN03199Z",), 1, (2,)),
        id="residence-in-unknown-qpv",
    ),
    pytest.param(
        lambda r: set_value(r, DEM, "code_commune_souhaitee", 1, "31000"),
        (DEM, "code_commune_souhaitee", "orphan_reference", ("31000",), 1, (1,)),
        id="demand-for-unknown-commune",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "id_residence", 4, "R2"),
        (
            LOG,
            "id_residence",
            "residence_mismatch",
            ("L04 (id_residence=R2, bâtiment B2 en R1)",),
            1,
            (4,),
        ),
        id="dwelling-and-building-residences-differ",
    ),
    pytest.param(
        lambda r: set_value(r, MEN, "id_logement", 3, "L03"),
        (MEN, "id_logement", "household_in_non_let_dwelling", ("M3 -> L03 (vacant)",), 1, (3,)),
        id="household-in-vacant-dwelling",
    ),
    pytest.param(
        lambda r: set_value(r, MEN, "id_logement", 3, "L02"),
        (MEN, "id_logement", "duplicate", ("L02",), 2, (2, 3)),
        id="two-households-in-one-dwelling",
    ),
    pytest.param(
        lambda r: set_value(r, MEN, "nb_moins_14", 1, 3),
        (MEN, "nb_moins_14", "children_count", ("M1 (nb_moins_14=3, nb_enfants=2)",), 1, (1,)),
        id="more-under-14-than-children",
    ),
    pytest.param(
        lambda r: set_value(r, MEN, "nb_enfants", 5, 3),
        (MEN, "nb_enfants", "children_count", ("M5 (nb_enfants=3, nb_personnes=3)",), 1, (5,)),
        id="no-adult-in-household",
    ),
    pytest.param(
        lambda r: set_value(r, MEN, "nb_personnes", 2, 0),
        (MEN, "nb_personnes", "household_size", ("M2 (nb_personnes=0)",), 1, (2,)),
        id="empty-household",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "etage", 4, 3),
        (LOG, "etage", "etage_out_of_range", ("L04 (etage=3, bâtiment B2: nb_etages=2)",), 1, (4,)),
        id="floor-above-building",
    ),
    # issue 21, item 11: range and date rules of the contract, reported line by line
    pytest.param(
        lambda r: set_value(r, LOG, "surface_habitable", 2, -12.0),
        (LOG, "surface_habitable", "out_of_range", ("L02 (surface_habitable=-12.0)",), 1, (2,)),
        id="negative-surface",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "loyer_mensuel", 5, 45000.0),
        (LOG, "loyer_mensuel", "out_of_range", ("L05 (loyer_mensuel=45000.0)",), 1, (5,)),
        id="rent-out-of-range",
    ),
    pytest.param(
        lambda r: set_value(r, MEN, "age_titulaire", 3, 7),
        (MEN, "age_titulaire", "out_of_range", ("M3 (age_titulaire=7)",), 1, (3,)),
        id="tenant-aged-7",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "date_mise_en_location", 6, dt.date(2030, 1, 1)),
        (
            LOG,
            "date_mise_en_location",
            "date_out_of_period",
            ("L06 (date_mise_en_location=2030-01-01, mode_occupation=loue)",),
            1,
            (6,),
        ),
        id="lease-date-in-the-future",
    ),
    pytest.param(
        lambda r: set_value(r, LOG, "date_debut_vacance", 3, None),
        (
            LOG,
            "date_debut_vacance",
            "vacancy_date",
            ("L03 (date_debut_vacance=vide, mode_occupation=vacant)",),
            1,
            (3,),
        ),
        id="vacant-without-vacancy-date",
    ),
    pytest.param(
        lambda r: set_value(r, ATT, "date_attribution", 2, dt.date(2026, 1, 15)),
        (
            ATT,
            "date_attribution",
            "date_out_of_period",
            ("A2 (date_attribution=2026-01-15)",),
            1,
            (2,),
        ),
        id="attribution-after-snapshot",
    ),
    pytest.param(
        lambda r: set_value(r, ATT, "date_depot_demande", 1, dt.date(2025, 1, 1)),
        (
            ATT,
            "date_depot_demande",
            "date_order",
            ("A1 (date_depot_demande=2025-01-01, date_attribution=2024-10-20)",),
            1,
            (1,),
        ),
        id="demand-after-attribution",
    ),
    pytest.param(
        lambda r: set_value(r, TER, "code_epci", 1, "24310051"),
        (TER, "code_epci", "bad_format", ("31555 (code_epci=24310051)",), 1, (1,)),
        id="epci-code-of-8-digits",
    ),
    pytest.param(
        lambda r: set_value(r, TER, "lat", 2, 143.46),
        (TER, "lat", "coordinate_out_of_range", ("31395 (lat=143.46)",), 1, (2,)),
        id="latitude-out-of-range",
    ),
    pytest.param(
        lambda r: set_value(r, PLA, "categorie", 18, 7),
        (PLA, "categorie", "out_of_range", ("ligne 18 (categorie=7)",), 1, (18,)),
        id="ceiling-category-7",
    ),
    pytest.param(
        lambda r: (r / "snapshots" / f"date={EARLIER_SNAPSHOT}").rename(
            r / "snapshots" / "date=2025-09-31"
        ),
        ("snapshots/date=2025-09-31", None, "bad_snapshot_folder", ("date=2025-09-31",), 0, ()),
        id="snapshot-folder-not-a-date",
    ),
    pytest.param(
        # batiments.id_residence -> residences is skipped, not reported as orphans
        lambda r: (r / RES).write_bytes(b""),
        (RES, None, "unreadable_file", (), 0, ()),
        id="empty-parquet",
    ),
    pytest.param(
        lambda r: _truncate(r, LOG),
        (LOG, None, "unreadable_file", (), 0, ()),
        id="truncated-parquet",
    ),
    pytest.param(
        lambda r: _corrupt_pages(r, MEN),
        (MEN, None, "unreadable_file", (), 0, ()),
        id="corrupt-data-pages",
    ),
    pytest.param(
        lambda r: _replace_by_folder(r, DEM),
        (DEM, None, "unreadable_file", (), 0, ()),
        id="folder-instead-of-file",
    ),
    pytest.param(
        lambda r: (r / "objectifs.yaml").write_text("cibles: []\n", encoding="utf-8"),
        ("objectifs.yaml", None, "bad_objectifs", (), 0, ()),
        id="objectifs-without-list",
    ),
]


@pytest.mark.parametrize(("change", "expected"), CHANGES)
def test_one_change_gives_one_problem(root: Path, change, expected: tuple) -> None:
    change(root)
    assert found(validate_root(root)) == [expected]


ACCEPTED_VARIANTS = [
    pytest.param(LOG, "etage", pa.array([0, 4, 2, 1, 2, 0, 1, 1], pa.int8()), id="int8-for-int"),
    pytest.param(
        LOG, "nb_pieces", pa.array([3, 2, 4, 1, 3, 2, 4, 3], pa.uint32()), id="uint-for-int"
    ),
    pytest.param(
        LOG,
        "loyer_mensuel",
        pa.array([420, 350, 510, 280, 600, 430, 750, 500]),
        id="int-for-double",
    ),
    pytest.param(
        LOG,
        "surface_habitable",
        pa.array([65.0, 48, 80.5, 30, 66, 50, 85, 70], pa.float32()),
        id="float32",
    ),
    pytest.param(MEN, "date_entree", "timestamp", id="timestamp-for-date"),
    pytest.param(MEN, "date_entree", "date64", id="date64-for-date"),
    pytest.param(MEN, "date_entree", "timestamptz", id="timestamp-with-zone-for-date"),
    pytest.param(
        MEN,
        "id_menage",
        pa.array(["M1", "M2", "M3", "M4", "M5"], pa.large_string()),
        id="large-string",
    ),
    pytest.param(
        MEN,
        "composition",
        pa.array(
            [
                "couple_avec_enfants",
                "personne_seule",
                "monoparentale",
                "couple_sans_enfant",
                "autre",
            ]
        ).dictionary_encode(),
        id="dictionary-string",
    ),
    # a nullable column may be entirely empty: no residence in a QPV
    pytest.param(RES, "code_qpv", pa.nulls(2), id="all-null-nullable-column"),
    pytest.param(TER, "geometry", None, id="optional-column-absent"),
]


@pytest.mark.parametrize(("relpath", "column", "array"), ACCEPTED_VARIANTS)
def test_accepted_type_variants(root: Path, relpath: str, column: str, array) -> None:
    if isinstance(array, str):
        target = {
            "timestamp": pa.timestamp("ms"),
            "timestamptz": pa.timestamp("us", tz="Europe/Paris"),
            "date64": pa.date64(),
        }[array]
        array = pq.read_table(root / relpath).column(column).combine_chunks().cast(target)
    replace_column(root, relpath, column, array)
    assert validate_root(root) == []


# Every contract column a hand-written rule reads (found by name in its SQL, not in its `needs`);
# the optional tables, absent from this root, have their own tests below.
RULE_COLUMNS = sorted(
    (table.name, column.name)
    for table in TABLES.values()
    if not table.optional
    for column in table.required_columns
    if any(table.name in rule.sql and column.name in rule.sql for rule in RULES)
)


@pytest.mark.parametrize(("table", "column"), RULE_COLUMNS)
def test_a_missing_column_only_skips_the_rules_that_read_it(
    root: Path, table: str, column: str
) -> None:
    shutil.rmtree(root / "snapshots" / f"date={EARLIER_SNAPSHOT}")  # one snapshot is enough here
    relpath = table_path(root, TABLES[table], SNAPSHOT).relative_to(root).as_posix()
    replace_column(root, relpath, column, None)
    assert [(p.file, p.column, p.rule) for p in validate_root(root)] == [
        (relpath, column, "missing_column")
    ]


# --- several problems, skipped checks, messages --------------------------------------------------


def test_every_problem_is_reported_at_once(root: Path) -> None:
    replace_column(root, LOG, "financement", None)
    set_value(root, MEN, "id_logement", 2, "L99")
    set_value(root, TER, "code_epci", 1, "24310051")
    (root / "snapshots" / f"date={EARLIER_SNAPSHOT}" / "batiments.parquet").write_bytes(b"")
    (root / "snapshots" / "notes.txt").write_text("brouillon", encoding="utf-8")
    earlier = f"snapshots/date={EARLIER_SNAPSHOT}"
    assert sorted(found(validate_root(root))) == sorted(
        [
            (TER, "code_epci", "bad_format", ("31555 (code_epci=24310051)",), 1, (1,)),
            ("snapshots/notes.txt", None, "bad_snapshot_folder", ("notes.txt",), 0, ()),
            (f"{earlier}/batiments.parquet", None, "unreadable_file", (), 0, ()),
            (LOG, "financement", "missing_column", (), 8, ()),
            (MEN, "id_logement", "orphan_reference", ("L99",), 1, (2,)),
        ]
    )


def test_examples_and_rows_stop_at_five(root: Path) -> None:
    replace_column(root, LOG, "reservataire", pa.array([f"r{i}" for i in range(1, 9)]))
    assert found(validate_root(root)) == [
        (LOG, "reservataire", "not_allowed", ("r1", "r2", "r3", "r4", "r5"), 8, (1, 2, 3, 4, 5))
    ]


def test_empty_folder_reports_every_missing_file(tmp_path: Path) -> None:
    assert found(validate_root(tmp_path)) == [
        (f"reference/{name}.parquet", None, "missing_file", (), 0, ())
        for name in ("territoires", "qpv", "plafonds", "seuils_q1")
    ] + [("snapshots", None, "no_snapshot", (), 0, ())]


def test_event_rows_before_the_period_are_allowed(root: Path) -> None:
    # the contract lets event tables hold rows older than the 12 months of the snapshot
    set_value(root, ATT, "date_attribution", 1, dt.date(2011, 1, 27))
    set_value(root, ATT, "date_depot_demande", 1, dt.date(2008, 5, 2))
    assert validate_root(root) == []


def test_messages_say_what_is_valid_and_suggest_the_closest(root: Path) -> None:
    set_value(root, LOG, "financement", 2, "PLAII")
    table = pq.read_table(root / MEN).rename_columns(
        [
            "id_menage",
            "id_logement",
            "date_entre",
            *pq.read_table(root / MEN).column_names[3:],
        ]
    )
    pq.write_table(table, root / MEN)
    replace_column(root, ATT, "nb_personnes", pa.array(["2", "3"]))
    messages = {p.rule: p.message for p in validate_root(root)}
    assert "PLAI, PLUS, PLS, PLI, AUTRE" in messages["not_allowed"]
    assert "« PLAII » → « PLAI »" in messages["not_allowed"]
    assert "« date_entre » existe: faute de frappe ?" in messages["missing_column"]
    assert "Type attendu: entier (int), trouvé: string" in messages["wrong_type"]


def test_invalid_yaml_names_its_line(root: Path) -> None:
    (root / "objectifs.yaml").write_text(
        "objectifs:\n  - cible: 0.25\n   sens: '>='\n", encoding="utf-8"
    )
    (problem,) = validate_root(root)
    assert (problem.file, problem.rule, problem.line) == ("objectifs.yaml", "invalid_yaml", 3)


def test_problems_print_grouped_by_file() -> None:
    problems = [
        Problem("a.parquet", "x", "null_value", "Valeur vide.", ("K1", "K2"), 2, (1, 4)),
        Problem("b.parquet", None, "missing_file", "Fichier absent."),
        Problem("a.parquet", "y", "not_allowed", "Hors liste.", ("z",), 12345, (2, 3, 5, 6, 8)),
    ]
    assert format_problems(problems).splitlines() == [
        "a.parquet",
        "  - [null_value · colonne x · 2 lignes]",
        "    Valeur vide.",
        "    exemples: K1, K2",
        "    lignes: 1, 4",
        "  - [not_allowed · colonne y · 12 345 lignes]",
        "    Hors liste.",
        "    exemples: z",
        "    lignes: 2, 3, 5, 6, 8, …",
        "",
        "b.parquet",
        "  - [missing_file]",
        "    Fichier absent.",
    ]


# --- the command line ----------------------------------------------------------------------------


def test_cli_clean_root_exits_0(root: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(root)]) == 0
    assert (
        capsys.readouterr().out == f"Aucun problème: {FILES} fichiers et {ROWS} lignes vérifiés.\n"
    )


def test_cli_prints_each_problem_and_exits_1(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_value(root, LOG, "financement", 5, None)
    (root / RES).write_bytes(b"")
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    assert f"{LOG}\n  - [null_value · colonne financement · 1 ligne]\n" in out
    assert "    exemples: L05\n    lignes: 5\n" in out
    assert f"{RES}\n  - [unreadable_file]\n" in out
    # residences.parquet still counts as read in the earlier snapshot
    assert out.endswith(
        f"2 problèmes dans 2 fichiers ({FILES - 1} fichiers et {ROWS - 2} lignes vérifiés).\n"
    )


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_cli_bad_data_root_exits_2(
    tmp_path: Path, kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "absent"
    if kind == "file":
        target.write_text("pas un dossier", encoding="utf-8")
    assert main(["validate", str(target)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("peuplement: erreur: ")


def test_cli_default_root_comes_from_the_environment(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(root))
    assert main(["validate"]) == 0
    assert capsys.readouterr().out.startswith("Aucun problème")


def _console_script() -> list[str]:
    script = Path(sys.executable).parent / "peuplement"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cli.main"]


@pytest.mark.slow
@pytest.mark.parametrize(("damage", "code"), [("truncate", 1), ("root-missing", 2)])
def test_console_script_never_shows_a_traceback(root: Path, damage: str, code: int) -> None:
    target = root
    if damage == "truncate":
        _truncate(root, LOG)
        (root / "reference" / "qpv.parquet").write_bytes(b"PAR1")
    else:
        target = root / "absent"
    env = {k: v for k, v in os.environ.items() if k != "PEUPLEMENT_DATA_DIR"}
    result = subprocess.run(
        [*_console_script(), "validate", str(target)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == code
    assert "Traceback" not in result.stdout + result.stderr
    if code == 1:
        assert "unreadable_file" in result.stdout
        assert "2 problèmes dans 2 fichiers" in result.stdout


# --- optional reference table and column ----------------------------------------------------------
DEL = "reference/delais_anormaux.parquet"


def test_optional_reference_table_is_checked_only_when_present(root: Path) -> None:
    assert not (root / DEL).exists() and validate_root(root) == []  # absent: fine
    pq.write_table(
        pa.table({"code_departement": ["38", "38"], "delai_mois": pa.array([24, 30], pa.int32())}),
        root / DEL,
    )
    assert found(validate_root(root)) == [
        (DEL, "code_departement", "duplicate", ("38",), 2, (1, 2))
    ]
    pq.write_table(pa.table({"code_departement": ["38"]}), root / DEL)
    assert [(p.file, p.column, p.rule) for p in validate_root(root)] == [
        (DEL, "delai_mois", "missing_column")
    ]


def test_optional_cotation_column_is_typed_when_present(root: Path) -> None:
    table = pq.read_table(root / DEM)
    pq.write_table(table.append_column("cotation", pa.array(["a"] * len(table))), root / DEM)
    assert [(p.file, p.column, p.rule) for p in validate_root(root)] == [
        (DEM, "cotation", "wrong_type")
    ]


# --- optional snapshot table: propositions; optional reference: attributions_territoire -----------
PRO = f"{SNAPSHOT_DIR}/propositions.parquet"
ATR = "reference/attributions_territoire.parquet"


def _propositions(**changes) -> pa.Table:
    columns = {
        "id_proposition": ["P1", "P2", "P3"],
        "id_demande": ["D1", "D2", "D3"],
        "id_logement": ["L01", "L01", "L02"],
        "date_commission": pa.array([dt.date(2025, 11, 4)] * 3, pa.date32()),
        "issue": ["acceptee", "refusee_demandeur", "non_attribution"],
        "motif_refus": [None, "loyer_charges", None],
    }
    columns.update(changes)
    return pa.table(columns)


def test_optional_propositions_are_checked_line_by_line_when_present(root: Path) -> None:
    assert validate_root(root) == []  # absent from every snapshot: fine
    pq.write_table(_propositions(), root / PRO)
    assert validate_root(root) == []
    pq.write_table(
        _propositions(
            id_logement=["L01", "L99", "L02"],
            issue=["acceptee", "refusee_demandeur", "refus"],
            motif_refus=["loyer_charges", None, None],
        ),
        root / PRO,
    )
    assert sorted(found(validate_root(root))) == sorted(
        [
            (PRO, "id_logement", "orphan_reference", ("L99",), 1, (2,)),
            (PRO, "issue", "not_allowed", ("refus",), 1, (3,)),
            (
                PRO,
                "motif_refus",
                "inconsistent_value",
                (
                    "P1 (motif_refus=loyer_charges, issue=acceptee)",
                    "P2 (motif_refus=vide, issue=refusee_demandeur)",
                ),
                2,
                (1, 2),
            ),
        ]
    )


def test_optional_territory_allocations_are_checked_when_present(root: Path) -> None:
    table = pa.table(
        {
            "annee": pa.array([2025, 2025], pa.int32()),
            "code_commune": ["31555", "99999"],
            "nb_attributions": pa.array([120, -1], pa.int32()),
        }
    )
    pq.write_table(table, root / ATR)
    assert sorted((p.file, p.column, p.rule, p.count) for p in validate_root(root)) == [
        (ATR, "code_commune", "orphan_reference", 1),
        (ATR, "nb_attributions", "out_of_range", 1),
    ]


def test_range_messages_say_the_bounds_and_the_unit(root: Path) -> None:
    set_value(root, LOG, "surface_habitable", 2, -12.0)
    (problem,) = validate_root(root)
    assert "« surface_habitable » doit être entre 9 et 500 m²" in problem.message
