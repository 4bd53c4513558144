"""Text that comes from the data (residence, commune, EPCI, QPV names, file contents), made safe for
where it goes: a spreadsheet cell, or Streamlit's Markdown.

Two functions, one per medium, used by every export and every screen that shows such a name:

- `spreadsheet_cell`: a text starting with `=`, `+`, `-`, `@`, a tab or a carriage return is what
  Excel and LibreOffice read as a formula (`=HYPERLINK(…)`, `@SUM(…)`, DDE `-cmd|…`). Following
  OWASP's CSV injection guidance, such a text gets a leading single quote, so it is shown as text
  and never run. Numbers stay numbers, and so do numbers as the screen writes them (`-3`,
  `+0,2 pt`): they hold no function or reference.
- `markdown_text`: Streamlit renders Markdown (and a few HTML tags) in `st.markdown`, captions,
  labels, help tooltips and page links; a name such as `![p](http://host/x.png)` would make every
  viewer's browser fetch that image (with the portal's address as Referer). Every character that
  Markdown gives a meaning to is escaped with a backslash, `<` and `>` as HTML entities, so the
  name reads exactly as written and builds no image, link, tag or directive (`:red[…]`).

Pure Python, no dependency: `ingest`, `ui` and `cli` all use it.
"""

from __future__ import annotations

import re
from typing import Any

# What a spreadsheet reads as the start of a formula (OWASP "CSV Injection").
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# The prefix OWASP recommends: Excel and LibreOffice then treat the cell as text.
FORMULA_GUARD = "'"
# A number as the screen writes it: sign, digits with French separators, an optional unit. Such a
# text holds no function call or reference, so it is left alone (a change "+0,2 pt", a count "-3").
_SHOWN_NUMBER = re.compile(
    r"[+\-]?\d[\d \u00a0\u202f.,]*(?:[ \u00a0\u202f]?(?:%|pt|€|ans|mois|pers\.))?"
)
# Characters that build something in Streamlit's Markdown wherever they stand: links and images
# (`[`, `]`), emphasis, code, tables, strikethrough, LaTeX, and e-mail autolinks (`@`). Other
# punctuation (hyphens, dots, parentheses) only matters in the places handled below, so names
# such as « Grenoble-Alpes-Métropole (200040715) » keep their plain Markdown source.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~$@])")
# `:` before a letter or a slash: `http://` autolinks, `:red[…]` directives, `:material/…:` icons.
_DIRECTIVE_COLON = re.compile(r":(?=[\w/])")
# `www.` starts a GFM autolink.
_WWW = re.compile(r"(?i)\b(www)\.")
# At the start of a text, these open a heading, a list, a quote, a rule or a numbered list.
_BLOCK_START = re.compile(r"^(\s*\d*)([-+=#>.)])")


def spreadsheet_cell(value: Any) -> Any:
    """`value` as a spreadsheet may hold it: a formula-like text gets a leading quote; any other
    value (numbers, dates, None, ordinary text) is returned unchanged."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _SHOWN_NUMBER.fullmatch(value):
        return value
    return FORMULA_GUARD + value


def markdown_text(value: object) -> str:
    """`value` as text for Streamlit Markdown: shown as written, building nothing."""
    text = "" if value is None else str(value)
    # A line break inside a name would start a new Markdown block (a heading, a list, a quote).
    text = " ".join(text.splitlines())
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _DIRECTIVE_COLON.sub(r"\\:", text)
    text = _WWW.sub(r"\1\\.", text)
    text = _BLOCK_START.sub(r"\1\\\2", text)
    # Angle brackets as entities: Streamlit passes some HTML through; a backslash would not stop it.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
