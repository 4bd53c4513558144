"""CSV files as French Excel and management systems write them.

Encoding: UTF-8 with a BOM, UTF-16 with a BOM, UTF-8, otherwise Windows-1252 (French Excel's
"CSV"), never guessed in a way that could garble accents: a file that mixes UTF-8 and Latin-1 is
refused with its line. Separator: the one of `;`, tab, `,` and `|` found most often outside quotes
in the header line (`;` on a tie). A line with another number of fields than the header is
reported with its line number, and its table is then left out of the contract checks.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

import numpy as np

from ingest.importer.mapping import normalize
from ingest.importer.report import Issues
from ingest.importer.sources import RawTable, text_frame

SEPARATORS = (";", "\t", ",", "|")  # on a tie, the first wins (French Excel writes `;`)
SEPARATOR_NAMES = {";": "point-virgule", "\t": "tabulation", ",": "virgule", "|": "barre verticale"}
# A cell may hold a commune contour in GeoJSON: far more than the csv module's default 128 kB.
FIELD_SIZE_LIMIT = 2**31 - 1
# Text that decodes as Windows-1252 but holds UTF-8 sequences ("Ã©" for "é"): a mixed file.
_MOJIBAKE = re.compile(
    "[ÂÃ][\u0080-\u00bf\u2018-\u203a\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u02c6\u02dc"
    "\u20ac\u2122]"
)


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding's name. UTF-8 first (strict: a Latin-1 accent is not valid
    UTF-8), then Windows-1252, then Latin-1 for the five bytes Windows-1252 leaves undefined."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8 avec BOM"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "UTF-16"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "ISO-8859-1 (Latin-1)"


def read_csv(name: str, data: bytes, expected: set[str], issues: Issues, digest: str):
    """The file as a RawTable, or None (with the reason in `issues`)."""
    try:
        text, encoding = decode(data)
    except UnicodeDecodeError as exc:  # a BOM followed by invalid bytes
        issues.whole_file(
            name, "encodage invalide", f"Texte illisible ({exc}) : enregistrez en UTF-8."
        )
        return None
    mixed = _MOJIBAKE.search(text) if encoding.startswith("Windows") else None
    if mixed:
        issues.whole_file(
            name,
            "encodage mixte",
            "Le fichier mêle UTF-8 et Latin-1 (accents transformés en « Ã© ») : enregistrez-le "
            "entièrement en UTF-8.",
            line=text.count("\n", 0, mixed.start()) + 1,
            value=mixed.group(0),
        )
        return None
    first = next((ln for ln in text.splitlines() if ln.strip()), "")
    counts = {sep: sum(part.count(sep) for part in first.split('"')[::2]) for sep in SEPARATORS}
    sep = max(SEPARATORS, key=lambda s: counts[s])
    if counts[sep] == 0 and len(expected) > 1:
        issues.whole_file(
            name,
            "séparateur non reconnu",
            "La ligne d'en-tête ne contient aucun séparateur reconnu (point-virgule, virgule, "
            "tabulation ou barre verticale) : enregistrez le fichier au format CSV.",
            line=1,
            # the line helps to see the separator used, but only when it is one of our headers:
            # a file that is no table (a server file named like one) is never echoed
            value=first[:80] if _names_a_column(first, expected) else "",
        )
        return None
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))
    except csv.Error as exc:
        issues.whole_file(name, "CSV illisible", f"CSV illisible ({exc}).")
        return None
    filled = [i for i, r in enumerate(records) if any(c.strip() for c in r)]
    if not filled:
        issues.whole_file(name, "fichier vide", "Le fichier ne contient aucune ligne.")
        return None
    header = records[filled[0]]
    rows, lines = [], []
    for index in filled[1:]:
        if len(records[index]) == len(header):
            rows.append(records[index])
            lines.append(index + 1)  # header = line 1, as the spreadsheet numbers its rows
        else:
            _wrong_width(name, index + 1, len(records[index]), len(header), sep, issues)
    details = f"CSV, séparateur {SEPARATOR_NAMES[sep]}, encodage {encoding}"
    frame = text_frame(rows, len(header))
    lines_array = np.asarray(lines, dtype=np.int64)
    complete = len(rows) == len(filled) - 1
    return RawTable(name, "CSV", header, frame, lines_array, details, digest, complete)


def _names_a_column(line: str, expected: set[str]) -> bool:
    return any(normalize(token) in expected for token in re.split(r"[^\w]+", line) if token)


def _wrong_width(name: str, line: int, found: int, width: int, sep: str, issues: Issues) -> None:
    hint = (
        " La virgule sépare les colonnes : une virgule décimale doit être entre guillemets, ou "
        "enregistrez avec le point-virgule."
        if sep == ","
        else " Vérifiez le séparateur et les guillemets de cette ligne."
    )
    issues.whole_file(
        name,
        "nombre de champs",
        f"{found} champ(s) au lieu de {width} (séparateur : {SEPARATOR_NAMES[sep]}).{hint}",
        line=line,
        value=SEPARATOR_NAMES[sep],
    )
