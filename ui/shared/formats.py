"""French number formats for the screens: the rules live in `reports.formats`, below `ui/`, so
that the `peuplement` command and the PDF reports write numbers exactly as the screens do."""

from reports.formats import (  # noqa: F401  (re-exported for the ui/ modules)
    MASK_LABEL,
    MASK_TEXT,
    NBSP,
    SENS,
    change,
    french_key,
    french_sorted,
    number,
    percent,
    points,
    shown_gap,
    target_text,
    value,
    value_text,
)
