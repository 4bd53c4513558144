"""The two guards for text from the data: spreadsheet cells and Streamlit Markdown."""

from __future__ import annotations

import datetime as dt

import pytest

from semantic.safe_text import markdown_text, spreadsheet_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://h/x","V")', """'=HYPERLINK("http://h/x","V")"""),
        ("+33 cmd", "'+33 cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Voiron", "Voiron"),
        ("Saint-Égrève", "Saint-Égrève"),  # a hyphen inside is harmless
        ("-3", "-3"),  # numbers as the screen writes them stay numbers
        ("+0,2\u202fpt", "+0,2\u202fpt"),
        ("-12\u202f345,5\u202f%", "-12\u202f345,5\u202f%"),
        (-3.5, -3.5),
        (12, 12),
        (None, None),
    ],
)
def test_spreadsheet_cell(value, expected):
    assert spreadsheet_cell(value) == expected


def test_spreadsheet_cell_leaves_dates_alone():
    day = dt.date(2026, 9, 30)
    assert spreadsheet_cell(day) is day


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("![p](http://host/x.png)", r"!\[p\](http\://host/x.png)"),
        ("[clic](javascript:alert(1))", r"\[clic\](javascript\:alert(1))"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        (":red[alerte] **gras** :material/home:", r"\:red\[alerte\] \*\*gras\*\* \:material/home:"),
        ("voir www.exemple.fr ou a@b.fr", r"voir www\.exemple.fr ou a\@b.fr"),
        ("# Titre\n- liste", r"\# Titre - liste"),
        ("- tiret", r"\- tiret"),
        ("12. Résidence", r"12\. Résidence"),
        ("Grenoble-Alpes-Métropole (200040715)", "Grenoble-Alpes-Métropole (200040715)"),
        ("Source : CCH L441-1", "Source : CCH L441-1"),
        ("L'Isle-d'Abeau & Co", "L'Isle-d'Abeau &amp; Co"),
        (None, ""),
    ],
)
def test_markdown_text(value, expected):
    assert markdown_text(value) == expected
