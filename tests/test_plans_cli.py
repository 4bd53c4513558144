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


def follow_vacancy(tmp_path) -> str:
    """R1 of the tiny root: 1 vacant dwelling of 5 proposed for rent at its latest snapshot
    (taux_vacance 20 %, effectif 5; test_map_layers pins the same figure). A plan set when the
    rate was 40 % (2 of 5) shows 20 % now, −20 points since creation."""
    url = f"sqlite:///{tmp_path / 'etat.sqlite3'}"
    store = open_store(url)
    r1 = ObjectRef("residence", "R1", "Les Tilleuls", GRENOBLE, "38185")
    create_plan(
        store, MANAGER, r1, title="Relouer", indicator="taux_vacance", value_at_creation=0.4
    )
    create_plan(store, MANAGER, r1, title="Sans indicateur")
    return url


def test_export_gives_the_followed_value_now_beside_the_value_at_creation(
    tmp_path, capsys, tiny_root
):
    url = follow_vacancy(tmp_path)
    args = ["plans", "export", "--database-url", url, "--data-dir", str(tiny_root)]
    assert main(args) == 0
    rows = {r["plan"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    followed, alone = rows["Relouer"], rows["Sans indicateur"]
    assert followed["indicateur"] == "taux_vacance"
    assert followed["valeur_a_la_creation"] == "0.4"
    assert followed["valeur_aujourd_hui"] == "0.2"
    assert followed["evolution_depuis_creation"] == "-0.2"
    assert followed["valeur_aujourd_hui_au"] == "2025-12-31"  # the tiny root's latest snapshot
    assert alone["valeur_aujourd_hui"] == alone["evolution_depuis_creation"] == ""
    # the columns of the first version keep their place; the new ones come last
    header = list(followed)
    assert header[:15] == [
        "objet", "sur", "epci", "commune", "plan", "description", "statut", "echeance",
        "en_retard", "organisation", "cree_par", "indicateur", "valeur_a_la_creation",
        "cree_le", "modifie_le",
    ]  # fmt: skip
    assert header[15:] == [
        "valeur_aujourd_hui",
        "evolution_depuis_creation",
        "valeur_aujourd_hui_au",
    ]


def test_export_value_now_is_masked_for_a_partner(tmp_path, capsys, tiny_root):
    url = follow_vacancy(tmp_path)
    base = ["plans", "export", "--database-url", url, "--data-dir", str(tiny_root)]
    # a partner of Grenoble-Alpes-Métropole: R1's rate rests on 5 dwellings, under 11: secret
    assert main([*base, "--role", "partenaire", "--territoires", GRENOBLE]) == 0
    rows = {r["plan"]: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert rows["Relouer"]["valeur_a_la_creation"] == "0.4"
    assert rows["Relouer"]["valeur_aujourd_hui"] == ""
    assert rows["Relouer"]["evolution_depuis_creation"] == ""


def test_xlsx_export_carries_the_value_now_as_a_number(tmp_path, tiny_root):
    url = follow_vacancy(tmp_path)
    out = tmp_path / "plans.xlsx"
    assert main(["plans", "export", "--database-url", url, "--data-dir", str(tiny_root),
                 "--format", "xlsx", "--out", str(out)]) == 0  # fmt: skip
    values = list(load_workbook(out).active.iter_rows(values_only=True))
    header = values[0]
    row = next(r for r in values[1:] if r[4] == "Relouer")
    assert row[header.index("valeur_aujourd_hui")] == 0.2
    assert row[header.index("evolution_depuis_creation")] == -0.2
