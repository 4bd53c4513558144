"""The evaluate / objectifs / catalogue commands as the independent suite calls them."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from cli.main import main
from tests.tiny_data import E1, E2


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_csv(capsys, tiny_root):
    code, out, err = _run(
        capsys,
        "evaluate",
        "part_attributions_q1_hors_qpv",
        "--by",
        "epci",
        "--data-dir",
        str(tiny_root),
        "--format",
        "csv",
    )
    assert (code, err) == (0, "")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == [
        "epci",
        "epci_libelle",
        "valeur",
        "numerateur",
        "denominateur",
        "effectif",
        "masque",
    ]
    assert [
        (r["epci"], r["valeur"], r["numerateur"], r["denominateur"], r["masque"]) for r in rows
    ] == [
        (E1, "0.5", "1", "2", "false"),
        (E2, "0.5", "1", "2", "false"),
    ]


def test_evaluate_json_with_where_period_and_partner_scope(capsys, tiny_root):
    code, out, _ = _run(
        capsys,
        "evaluate",
        "nb_attributions",
        "--data-dir",
        str(tiny_root),
        "--snapshot",
        "2025-09-30",
        "--period",
        "ytd",
        "--where",
        "en_qpv=false",
        "--by",
        "epci",
        "--format",
        "json",
    )
    assert code == 0
    assert [(r["epci"], r["valeur"], r["numerateur"], r["masque"]) for r in json.loads(out)] == [
        (E1, 1.0, None, False),
        (E2, 2.0, None, False),
    ]  # A5; A2, A3
    code, out, _ = _run(
        capsys,
        "evaluate",
        "nb_attributions",
        "--data-dir",
        str(tiny_root),
        "--by",
        "epci",
        "--role",
        "partenaire",
        "--territoires",
        E2,
        "--format",
        "json",
    )
    assert json.loads(out) == [
        {
            "epci": E2,
            "epci_libelle": "CA du Pays Voironnais",
            "valeur": None,
            "numerateur": None,
            "denominateur": None,
            "effectif": None,
            "masque": True,
        }
    ]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["evaluate", "taux_vacanse"], "Vouliez-vous dire « taux_vacance » ?"),
        (["evaluate", "taux_vacance", "--by", "epcy"], "Vouliez-vous dire « epci » ?"),
        (
            ["evaluate", "pression_demande", "--by", "residence"],
            "ne se décline pas par « residence ». Valeurs valides : commune, epci.",
        ),
        (
            ["evaluate", "taux_vacance", "--snapshot", "31/12/2025"],
            "date de photographie invalide : « 31/12/2025 »",
        ),
        (
            ["evaluate", "taux_vacance", "--snapshot", "2023-01-01"],
            "aucune photographie au 2023-01-01",
        ),
        (["evaluate", "taux_vacance", "--where", "epci"], "forme attendue DIM=VALEUR"),
        (["evaluate", "taux_vacance", "--where", "etage=haut"], "« haut » n'est pas un entier"),
        (
            ["evaluate", "taux_vacance", "--role", "partenaire", "--territoires", "Grenoble"],
            "ni un code EPCI",
        ),
        (
            ["evaluate", "taux_vacance", "--period", "ytdd"],
            "période inconnue : « ytdd ». Vouliez-vous dire « ytd » ?",
        ),
    ],
)
def test_user_errors_exit_2_with_one_line(capsys, tiny_root, argv, expected):
    code, out, err = _run_safe(capsys, [*argv, "--data-dir", str(tiny_root)])
    assert code == 2
    assert out == ""
    assert expected in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def _run_safe(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_objectifs_lists_t1_t2_t3_per_epci(capsys, tiny_root):
    code, out, _ = _run(capsys, "objectifs", "--data-dir", str(tiny_root), "--format", "json")
    rows = json.loads(out)
    assert code == 0
    ids = {r["objectif_id"] for r in rows}
    assert {f"T1-{E1}", f"T1-{E2}", f"T2-{E1}", f"T2-{E2}", f"T3-{E1}-etat"} <= ids
    assert {r["statut"] for r in rows} <= {
        "atteint",
        "a_surveiller",
        "non_atteint",
        "non_mesurable",
    }


def test_catalogue_markdown(capsys):
    code, out, _ = _run(capsys, "catalogue", "--format", "markdown")
    assert code == 0
    assert "| `part_attributions_q1_hors_qpv` | 1er quartile hors QPV | ratio |" in out


@pytest.mark.slow
def test_console_script_runs_as_a_real_process(tiny_root):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "cli.main",
            "evaluate",
            "nb_logements",
            "--data-dir",
            str(tiny_root),
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[1] == "12.0,,,12,false"


def test_csv_quotes_formula_like_texts_and_keeps_numbers(capsys):
    import pandas as pd

    from cli.output import write

    frame = pd.DataFrame(
        {"territoire": ['=HYPERLINK("http://h","x")', "Voiron"], "v": [-1e-05, 2.5]}
    )
    write(frame, "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["territoire,v", '"\'=HYPERLINK(""http://h"",""x"")",-1e-05', "Voiron,2.5"]


def test_a_reader_that_stops_early_gets_no_traceback(demo_root):
    """`peuplement evaluate … | head -1`: the rows past the pipe's buffer meet a closed pipe; the
    command stops quietly, as Unix tools do, instead of printing a BrokenPipeError traceback."""
    command = [sys.executable, "-m", "cli.main", "evaluate", "taux_vacance", "--by", "residence"]
    command += ["--data-dir", str(demo_root), "--format", "csv"]
    done = subprocess.run(
        ["bash", "-c", 'set -o pipefail; "$@" | head -1', "_", *command],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.startswith("residence,residence_libelle,")
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
    assert done.returncode == 0
