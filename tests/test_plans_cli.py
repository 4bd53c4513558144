"""`peuplement plans export`: the plans of the simulated user's scope, as CSV or XLSX, with texts
that would start a spreadsheet formula quoted."""

from __future__ import annotations

import csv
import datetime as dt
import io

from openpyxl import load_workbook

from cli.main import main
from semantic.scope import Scope
from store import open_store
from store.concertation import LANDLORD, Actor, ObjectRef
from store.plans import create_plan

VOIRONNAIS, GRENOBLE = "243800984", "200040715"
MANAGER = Actor("direction.demo", "manager", LANDLORD, Scope.internal("manager"))


def seeded(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'etat.sqlite3'}"
    store = open_store(url)
    inside = ObjectRef("objectif", "T1-243800984:2026", "T1 · Pays Voironnais", VOIRONNAIS)
    outside = ObjectRef("objectif", "T1-200040715:2026", "T1 · Grenoble", GRENOBLE)
    create_plan(store, MANAGER, inside, title='=HYPERLINK("http://x")', due=dt.date(2020, 1, 1))
    create_plan(store, MANAGER, outside, title="Plan grenoblois", status="realisee")
    return url


def test_a_partner_export_holds_its_territory_only_with_formulas_quoted(tmp_path, capsys):
    url = seeded(tmp_path)
    args = ["plans", "export", "--database-url", url, "--role", "partenaire"]
    assert main([*args, "--territoires", VOIRONNAIS]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["plan"] for r in rows] == ['\'=HYPERLINK("http://x")']
    assert rows[0]["en_retard"] == "true" and rows[0]["statut"] == "Engagée"
    assert main(args) == 0  # a partner without territories sees nothing (deny by default)
    assert list(csv.DictReader(io.StringIO(capsys.readouterr().out))) == []


def test_xlsx_for_the_internal_scope_filtered_by_status(tmp_path):
    url = seeded(tmp_path)
    out = tmp_path / "plans.xlsx"
    assert main(["plans", "export", "--database-url", url, "--format", "xlsx", "--out", str(out),
                 "--statut", "realisee"]) == 0  # fmt: skip
    sheet = load_workbook(out).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:5] == ("objet", "sur", "epci", "commune", "plan")
    assert [row[4] for row in values[1:]] == ["Plan grenoblois"]


def test_xlsx_needs_a_file(tmp_path, capsys):
    assert main(["plans", "export", "--database-url", seeded(tmp_path), "--format", "xlsx"]) == 2
    assert "--out" in capsys.readouterr().err
