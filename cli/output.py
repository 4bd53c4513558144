"""Print a result table as csv, json or an aligned text table."""

from __future__ import annotations

import datetime as dt
import json
import math
import sys

import pandas as pd

from semantic.safe_text import spreadsheet_cell

FORMATS = ("table", "csv", "json")


def _cell(value):
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return _cell(value.item())
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: _cell(v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _text(value) -> str:
    value = _cell(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def write(df: pd.DataFrame, fmt: str, out=None) -> None:
    out = out or sys.stdout
    if fmt == "json":
        json.dump(records(df), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return
    rows = [[_text(v) for v in row] for row in df.itertuples(index=False, name=None)]
    header = [str(c) for c in df.columns]
    if fmt == "csv":
        import csv

        # A CSV may be opened in Excel: a name from the data such as =HYPERLINK(…) is quoted.
        writer = csv.writer(out, lineterminator="\n")
        # Only texts are quoted, before numbers become text: -1e-05 stays a number.
        writer.writerow([spreadsheet_cell(h) for h in header])
        writer.writerows(
            [_text(spreadsheet_cell(v)) for v in row]
            for row in df.itertuples(index=False, name=None)
        )
        return
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(header)]
    out.write("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip() + "\n")
    out.write("  ".join("-" * w for w in widths) + "\n")
    for r in rows:
        out.write("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n")
    if not rows:
        out.write("(aucune ligne)\n")
