"""Exports as plain functions: CSV for French Excel and XLSX with its metadata sheet, from a table
written by hand (no Streamlit run, no data root)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from semantic.catalogue import load_catalogue
from ui.shared.exports import (
    METADATA_SHEET,
    Metadata,
    csv_bytes,
    excel_format,
    metadata_rows,
    secrecy_text,
    xlsx_bytes,
)

NNBSP = "\u202f"
SHOWN = pd.DataFrame(
    {
        "Territoire": ["Voiron", "Coublevie", "Moirans"],
        "Indicateur": ["Taux de vacance", "Taux de vacance", "Nombre de logements"],
        "Valeur": [f"4,0{NNBSP}%", "< 11", f"12{NNBSP}345"],
        "Évolution": [f"+0,2{NNBSP}pt", "—", "−3"],
    }
)
NUMBERS = pd.DataFrame(
    {
        "Territoire": ["Voiron", "Coublevie", "Moirans"],
        "Indicateur": ["Taux de vacance", "Taux de vacance", "Nombre de logements"],
        "Valeur": pd.array([0.0395, None, 12345.0], dtype="Float64"),
        "Évolution": pd.array([0.2, None, -3.0], dtype="Float64"),
    }
)
FORMATS = pd.DataFrame(
    {
        "Territoire": [None] * 3,
        "Indicateur": [None] * 3,
        "Valeur": [excel_format("ratio"), excel_format("ratio"), excel_format("logements")],
        "Évolution": [excel_format("ratio", change=True)] * 2 + [excel_format("logements", True)],
    }
)


@pytest.fixture(scope="module")
def metadata():
    catalogue = load_catalogue()
    return Metadata(
        title="Portail peuplement — tableau de bord",
        snapshot=dt.date(2026, 9, 30),
        scope="Communauté d'agglomération du Pays Voironnais (243800984)",
        role="Partenaire (consultation et concertation)",
        secrecy=secrecy_text(catalogue.secrecy_threshold, "< 11", internal=False),
        indicators=(catalogue.indicator("taux_vacance"), catalogue.indicator("nb_logements")),
        user="partenaire.voironnais",
        filters=(("Une ligne par", "Commune"), ("Financement", "PLAI, PLUS")),
        generated_at=dt.datetime(2026, 10, 2, 9, 30),
    )


def test_csv_opens_in_french_excel():
    raw = csv_bytes(SHOWN)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 and the accents
    text = raw.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[0] == "Territoire;Indicateur;Valeur;Évolution"
    assert lines[1] == "Voiron;Taux de vacance;4,0 %;+0,2 pt"  # decimal comma, plain space
    assert lines[3] == "Moirans;Nombre de logements;12345;−3"  # no separator inside a number
    back = pd.read_csv(io.BytesIO(raw), sep=";", encoding="utf-8-sig", dtype=str)
    assert list(back.columns) == list(SHOWN.columns)
    assert back["Valeur"].tolist() == ["4,0 %", "< 11", "12345"]


def test_csv_of_an_empty_table_keeps_its_header():
    text = csv_bytes(SHOWN.iloc[0:0]).decode("utf-8-sig")
    assert text.strip() == "Territoire;Indicateur;Valeur;Évolution"


def test_excel_formats_follow_the_units():
    assert excel_format("ratio") == "0.0\\ %"
    assert excel_format("logements") == "#,##0"
    assert excel_format("euros_par_an") == '#,##0\\ "€"'
    assert excel_format("ratio", change=True) == '+0.0\\ "pt";-0.0\\ "pt";0.0\\ "pt"'
    assert excel_format("attributions", change=True) == "+#,##0;-#,##0;#,##0"


def test_xlsx_holds_the_table_as_numbers_and_a_metadata_sheet(metadata):
    book = openpyxl.load_workbook(
        io.BytesIO(xlsx_bytes(SHOWN, metadata, numbers=NUMBERS, number_formats=FORMATS))
    )
    assert book.sheetnames == ["Tableau", METADATA_SHEET]
    rows = list(book["Tableau"].iter_rows(values_only=True))
    assert rows[0] == tuple(SHOWN.columns)
    assert rows[1] == ("Voiron", "Taux de vacance", 0.0395, 0.2)
    assert rows[2] == ("Coublevie", "Taux de vacance", "< 11", "—")  # masked stays masked
    assert rows[3] == ("Moirans", "Nombre de logements", 12345, -3)
    assert book["Tableau"]["C2"].number_format == "0.0\\ %"
    assert book["Tableau"]["C4"].number_format == "#,##0"
    meta = {r[0]: r[1] for r in book[METADATA_SHEET].iter_rows(values_only=True) if r and r[0]}
    assert meta["Photographie"] == "30/09/2026"
    assert meta["Filtre : Financement"] == "PLAI, PLUS"
    assert meta["Périmètre de l'utilisateur"].endswith("(243800984)")
    assert meta["Utilisateur"] == "partenaire.voironnais"
    assert meta["Généré le"] == "02/10/2026 à 09:30"
    assert "moins de 11 ménages ou attributions" in meta["Secret statistique"]
    definitions = [r for r in book[METADATA_SHEET].iter_rows(values_only=True) if r[1]]
    by_id = {r[1]: r for r in definitions}
    catalogue = load_catalogue()
    vacancy = catalogue.indicator("taux_vacance")
    assert by_id["taux_vacance"] == (
        vacancy.label,
        "taux_vacance",
        vacancy.unit,
        vacancy.description,
        vacancy.formula,
        vacancy.source,
    )
    assert "nb_logements" in by_id


def test_xlsx_without_numbers_holds_the_shown_text(metadata):
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(SHOWN, metadata, sheet="Carte")))
    rows = list(book["Carte"].iter_rows(values_only=True))
    assert rows[1:] == [tuple(r) for r in SHOWN.itertuples(index=False)]


def test_metadata_rows_state_snapshot_filters_scope_and_secrecy(metadata):
    names = [name for name, _ in metadata_rows(metadata)]
    assert names == [
        "Document",
        "Photographie",
        "Filtre : Une ligne par",
        "Filtre : Financement",
        "Périmètre de l'utilisateur",
        "Rôle",
        "Utilisateur",
        "Secret statistique",
        "Généré le",
    ]


def test_secrecy_rule_takes_the_threshold_and_warns_internal_files():
    partner = secrecy_text(15, "< 15", internal=False)
    assert "moins de 15 ménages" in partner and "« < 15 »" in partner
    assert "seconde" in partner and "compte interne" not in partner
    assert "légèrement modifiés (± 2 au plus" in partner  # the perturbation, stated once
    assert "légèrement modifiés" not in secrecy_text(11, "< 11", internal=True)
    assert "ne le transmettez pas tel quel" in secrecy_text(11, "< 11", internal=True)


# --- formula injection (issue 13) -------------------------------------------------------------------

POISONED = pd.DataFrame(
    {
        "Territoire": ['=HYPERLINK("http://evil.example/x","Voreppe")', "@SUM(A1:A9)", "-2+3"],
        "Indicateur": ["+cmd|' /C calc'!A0", "\tTab", "\rRetour"],
        "Valeur": [f"4,0{NNBSP}%", "-3", f"+0,2{NNBSP}pt"],
    }
)


def test_csv_neutralises_formula_like_text_and_keeps_numbers():
    lines = csv_bytes(POISONED).decode("utf-8-sig").split("\r\n")
    assert (
        lines[1]
        == """"'=HYPERLINK(""http://evil.example/x"",""Voreppe"")";'+cmd|' /C calc'!A0;4,0 %"""
    )
    assert lines[2].startswith("'@SUM(A1:A9);'\tTab;-3")  # a signed count stays a number
    assert lines[3].startswith("'-2+3;") and lines[3].endswith(";+0,2 pt")


def test_xlsx_never_holds_a_live_formula(metadata):
    poisoned_meta = Metadata(**{**metadata.__dict__, "scope": "=1+1", "filters": (("EPCI", "@x"),)})
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(POISONED, poisoned_meta)))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    table = list(book["Tableau"].iter_rows(values_only=True))
    assert table[1][0] == """'=HYPERLINK("http://evil.example/x","Voreppe")"""
    assert table[2][:2] == ("'@SUM(A1:A9)", "'\tTab")
    assert table[3][0] == "'-2+3"
    meta = {r[0]: r[1] for r in book[METADATA_SHEET].iter_rows(values_only=True) if r and r[0]}
    assert meta["Périmètre de l'utilisateur"] == "'=1+1" and meta["Filtre : EPCI"] == "'@x"


def test_commission_sheet_never_holds_a_live_formula():
    from ui.screens.aide_attribution.commission_files import commission_xlsx
    from ui.screens.aide_attribution.commission_sheet import CommissionSheet

    formula = '=HYPERLINK("http://evil.example/x","Voreppe")'
    dwelling = {
        "id_logement": "L1",
        "qpv_libelle": "@QPV",
        "qpv": "QP038001",
        "en_qpv": True,
        "residence_libelle": formula,
        "residence": "R1",
        "batiment_libelle": "-B",
        "etage": 2,
        "commune_libelle": "+Voiron",
        "commune": "38563",
        "epci_libelle": "EPCI",
        "epci": "243800984",
        "enjeu_mixite": False,
        "nb_pieces": 3,
        "surface_habitable": 65.0,
        "loyer_mensuel": 420.0,
        "financement": "PLUS",
        "reservataire": "etat",
        "date_debut_vacance": dt.date(2026, 8, 1),
        "jours_vacance": 60,
        "residence_nb_menages": 40,
        "residence_part_fragiles": 0.2,
        "residence_part_sous_40pc": 0.3,
    }
    candidates = pd.DataFrame({"Demande": ["=1+1"], "Revenu (€)": [1200.0]})
    sheet = CommissionSheet(
        dwelling,
        pd.DataFrame(),
        pd.DataFrame(),
        candidates,
        ["=cmd"],
        [("Éditée par", "@me")],
        dt.date(2026, 9, 30),
        "01/10/2026",
    )
    book = openpyxl.load_workbook(io.BytesIO(commission_xlsx(sheet)))
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [f"{c.parent.title}!{c.coordinate}" for c in cells if c.data_type == "f"]
    values = {c.value for c in cells}
    assert f"'{formula}" in values and "'+Voiron" in values  # names, without their codes
    assert {"'=1+1", "'@me", 1200} <= values
    assert "Alerte : =cmd" in values  # not at the start: harmless


def test_dashboard_csv_cells_parse_as_numbers_in_french_excel():
    """Issue 21, item 10: numbers as numbers (decimal comma, no unit in the cell, unit in its own
    column), empty for missing or masked, rows in French alphabetical order."""
    from ui.screens.tableau_de_bord.kpi_csv import csv_bytes, csv_table

    rows = pd.DataFrame(
        {
            "territoire": ["Voiron", "Échirolles", "Domène", "Échirolles"],
            "code": ["38563", "38151", "38150", "38151"],
            "libelle": ["Taux de vacance", "Taux de vacance", "Taux de vacance", "Logements"],
            "unite": ["ratio", "ratio", "ratio", "logements"],
            "valeur": [0.0361, None, 0.125, 12345.0],
            "masque": [False, True, False, False],
            "numerateur": [36.0, None, 5.0, None],
            "denominateur": [997.0, None, 40.0, None],
            "effectif": [997.0, 8.0, 40.0, 12345.0],
            "evolution": [-0.0042, None, 0.0, 12.0],
            "evolution_un_an": [None, None, 0.01, -3.0],
            "objectif": ["", "", "", ""],
            "statut": ["", "secret", "", ""],
        }
    )
    table = csv_table(rows, internal=True)
    data = csv_bytes(table)
    assert data.startswith(b"\xef\xbb\xbf") and b"\xe2\x88\x92" not in data  # no Unicode minus
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig")
    assert list(back["Territoire"]) == ["Domène", "Échirolles", "Échirolles", "Voiron"]
    assert list(back["Indicateur"])[1:3] == ["Logements", "Taux de vacance"]  # then by indicator
    assert back["Valeur"].tolist()[0] == 12.5 and back["Valeur"].tolist()[3] == 3.6
    assert back["Valeur"].tolist()[1] == 12345 and pd.isna(back["Valeur"].tolist()[2])
    assert list(back["Unité"]) == ["%", "logements", "%", "%"]
    assert list(back["Unité des évolutions"]) == ["points", "logements", "points", "points"]
    change = "Évolution depuis la photographie précédente"
    assert back[change].tolist()[3] == -0.4 and back[change].tolist()[0] == 0
    assert pd.isna(back[change].tolist()[2])  # masked: nothing derived from it either
    assert back["Statut"].tolist()[2] == "secret statistique"
    assert back["Secret statistique (valeur masquée)"].fillna("").tolist() == ["", "", "oui", ""]
    raw = data.decode("utf-8-sig").splitlines()
    assert raw[4].split(";")[:5] == ["Voiron", "38563", "Taux de vacance", "%", "3,6"]
    assert ";-0,4;" in raw[4]


@pytest.mark.parametrize(
    ("delta", "unit", "shown"),
    [
        (-0.0004, "ratio", "±0,0\u202fpt"),  # rates: points to 0.1, so 0.001 of the fraction
        (0.0127, "ratio", "+1,3\u202fpt"),
        (0.123, "demandes_par_attribution", "+0,12"),  # its two decimals, not one
        (-0.004, "demandes_par_attribution", "±0,00"),
        (-3.0, "logements", "−3"),
        (0.4, "euros_par_an", "±0 €"),
        (-0.04, "ans", "±0,0 ans"),
    ],
)
def test_a_change_is_rounded_to_the_decimals_of_its_unit(delta, unit, shown):
    """The bilan and the dashboard round a change alike: the unit's decimals (unites.yaml)."""
    from reports.formats import shown_gap
    from ui.screens.tableau_de_bord.kpi_display import change_text

    assert shown_gap(delta, unit) == change_text(delta, unit) == shown


def test_an_export_is_recorded_after_its_file_is_built_and_never_served_unrecorded():
    """The function a download button hands to Streamlit (ui.shared.exports._recorded): the file
    first, then its audit record; a failed build records nothing, a failed record serves
    nothing (ADR 0014)."""
    from ui.shared.exports import _recorded

    steps: list[str] = []

    def build() -> bytes:
        steps.append("build")
        return b"a;b\r\n"

    def record(details) -> None:
        steps.append(f"record {details['format']}")

    assert _recorded(build, record, {"format": "csv"})() == b"a;b\r\n"
    assert steps == ["build", "record csv"]

    def broken_build() -> bytes:
        raise OSError("disque plein")

    steps.clear()
    with pytest.raises(OSError):
        _recorded(broken_build, record, {"format": "csv"})()
    assert steps == []

    def broken_record(details) -> None:
        raise RuntimeError("journal d'audit inaccessible")

    with pytest.raises(RuntimeError):
        _recorded(build, broken_record, {"format": "xlsx"})()
