"""The ceiling sanity rules of `peuplement validate`: warnings, never errors.

The contract fixture's ceilings are one year (2025, zone autres): PLAI categories 1..6 on rows 1-6,
PLUS on rows 7-12, PLS on rows 13-18; PLAI / PLUS for one person = 13 378 / 24 316 = 0.550.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from cli.main import main
from ingest import reference_data
from ingest.validate import check_root, validate_root
from tests.contract_fixture import FILES, ROWS, read_table, set_value, write_root, write_table

PLA = "reference/plafonds.parquet"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write_root(tmp_path / "donnees")


def _add_year(root: Path, year: int, factor: float) -> None:
    """Append a copy of the 2025 ceilings as `year`, every amount times `factor`."""
    table = read_table(root, PLA)
    earlier = table.to_pydict()
    earlier["annee"] = [year] * table.num_rows
    earlier["plafond"] = [round(v * factor) * 1.0 for v in earlier["plafond"]]
    both = pa.concat_tables([table, pa.table(earlier, schema=table.schema)])
    write_table(root / PLA, both)


def found(report) -> list[tuple]:
    return [(p.rule, p.severity, p.examples, p.count, p.rows) for p in report.warnings]


def test_published_looking_ceilings_raise_no_warning(root: Path) -> None:
    _add_year(root, 2024, 1 / 1.0349)  # a year earlier, one revaluation lower: as published
    report = check_root(root)
    assert report.problems == () and report.warnings == ()


def test_a_ceiling_lower_than_the_year_before_is_a_warning(root: Path) -> None:
    _add_year(root, 2026, 1.01)
    # 2026 PLUS cat. 2 (row 18 + 8 = 26) set below its 2025 value, 32 472
    set_value(root, PLA, "plafond", 26, 32000.0)
    report = check_root(root)
    assert report.problems == ()
    assert found(report) == [
        (
            "ceiling_decrease",
            "warning",
            ("ligne 26 (autres PLUS cat. 2: 2026 = 32000.0 < 2025 = 32472.0)",),
            1,
            (26,),
        )
    ]


def test_the_previous_year_is_the_latest_earlier_one_present(root: Path) -> None:
    # 2023 and 2025 only: 2025 is compared with 2023, the year before it in the table
    _add_year(root, 2023, 1.05)
    report = check_root(root)
    assert {p.rule for p in report.warnings} == {"ceiling_decrease"}
    assert report.warnings[0].count == 18  # every 2025 row is below its 2023 value


def test_a_plai_far_from_055_of_plus_is_a_warning(root: Path) -> None:
    # 11 626 (the 2022 PLAI) over the 2025 PLUS 24 316: 0.478, outside 0.55 ± 0.03
    set_value(root, PLA, "plafond", 1, 11626.0)
    report = check_root(root)
    assert report.problems == ()
    assert found(report) == [
        (
            "plai_plus_ratio",
            "warning",
            ("ligne 1 (2025 autres: PLAI 11626.0 / PLUS 24316.0 = 0.478)",),
            1,
            (1,),
        )
    ]
    assert validate_root(root) == []  # a warning never makes the root invalid


def test_the_band_edges(root: Path) -> None:
    # 0.58 x 24 316 = 14 103.3: 14 103 is inside the band, 14 104 outside
    set_value(root, PLA, "plafond", 1, 14103.0)
    assert check_root(root).warnings == ()
    set_value(root, PLA, "plafond", 1, 14104.0)
    assert [p.rule for p in check_root(root).warnings] == ["plai_plus_ratio"]


def test_cli_prints_warnings_and_still_exits_0(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    set_value(root, PLA, "plafond", 1, 11626.0)
    assert main(["validate", str(root)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Avertissements (les données restent utilisables; vérifiez-les):\n")
    assert f"{PLA}\n  - [plai_plus_ratio · colonne plafond · 1 ligne]\n" in out
    assert out.endswith(
        f"Aucun problème, 1 avertissement: {FILES} fichiers et {ROWS} lignes vérifiés.\n"
    )


def test_the_2022_plai_used_as_2024_would_have_been_caught(tmp_path: Path) -> None:
    """The bug of issue 15, replayed on the demo's own reference table."""
    root = write_root(tmp_path / "donnees")
    table = reference_data.plafonds_table()
    assert validate_root(root) == []
    write_table(root / PLA, pa.Table.from_pandas(table, preserve_index=False))
    assert check_root(root).warnings == ()  # the corrected table passes both rules
    old = table.copy()
    wrong_2024 = (11626, 16939, 20370, 22665, 26519, 29886)  # 2022 official PLAI, autres
    for categorie, value in enumerate(wrong_2024, start=1):
        at = (
            (old["annee"] == 2024)
            & (old["zone_plafonds"] == "autres")
            & (old["financement"] == "PLAI")
            & (old["categorie"] == categorie)
        )
        old.loc[at, "plafond"] = float(value)
    write_table(root / PLA, pa.Table.from_pandas(old, preserve_index=False))
    # 2023 (derived from the right 2024) now sits above 2024 in all six categories, and 2024
    # PLAI for one person is 0.513 of PLUS
    decrease, ratio = check_root(root).warnings
    assert (decrease.rule, decrease.count) == ("ceiling_decrease", 6)
    assert "(autres PLAI cat. 1: 2024 = 11626.0 < 2023 = 12033.0)" in decrease.examples[0]
    assert (ratio.rule, ratio.count) == ("plai_plus_ratio", 1)
    assert "2024 autres: PLAI 11626.0 / PLUS 22642.0 = 0.513" in ratio.examples[0]
