"""Catalogue des indicateurs, for its page: every indicator of the semantic layer as the screen
shows it — label, definition, formula in words, unit, dimensions, source, and the targets that use
it (legal ones from the parameters, local ones in the user's scope from `evaluate_targets`).

Generated from `semantic/`, never written by hand, so the screen cannot drift from the definitions.
Builders and the search are plain functions, testable without Streamlit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import pandas as pd

from semantic.catalogue import Catalogue, load_catalogue
from semantic.safe_text import markdown_text
from ui.shared.formats import target_text

# Themes and units in words: semantic/definitions/themes.yaml and unites.yaml.
THEMES = {theme: t.label for theme, t in load_catalogue().themes.items()}
UNITS = {unit: u.label for unit, u in load_catalogue().units.items()}


@dataclass(frozen=True)
class Entry:
    id: str
    label: str
    theme: str
    unit: str
    description: str
    formula: str
    source: str
    kind: str  # « stock à la date d'arrêté » or « flux sur la période »
    dimensions: tuple[str, ...]  # labels
    targets: tuple[str, ...]  # one line per target using the indicator
    requires: tuple[str, ...] = ()  # optional inputs of the data contract it reads


def entries(catalogue: Catalogue, local_targets: pd.DataFrame | None = None) -> list[Entry]:
    """Every indicator, in catalogue order, with the targets that use it."""
    legal: dict[str, list[str]] = {}
    for t in catalogue.parameters.objectifs_legaux:
        unit = catalogue.indicator(t.indicateur).unit
        per = f", pour chaque {catalogue.dimension(t.par).label.lower()}" if t.par else ""
        legal.setdefault(t.indicateur, []).append(
            f"**{t.id}** (objectif légal) : {target_text(t.sens, t.cible, unit)} sur chaque "
            f"EPCI{per} — {t.source}"
        )
    local: dict[str, list[str]] = {}
    if local_targets is not None and not local_targets.empty:
        rows = local_targets[local_targets["nature"] == "local"].drop_duplicates("objectif_id")
        for r in rows.to_dict("records"):
            unit = catalogue.indicator(r["indicateur"]).unit
            where = r["territoire"] + (f", {r['filtres']}" if r["filtres"] else "")
            # the territory's name comes from the data, the source from objectifs.yaml: as text
            local.setdefault(r["indicateur"], []).append(
                f"**{markdown_text(r['objectif_id'])}** (objectif local {r['annee']}) : "
                f"{target_text(r['sens'], r['cible'], unit)} — {markdown_text(where)} — "
                f"{markdown_text(r['source'])}"
            )
    out = []
    for ind in catalogue.indicators.values():
        is_flow = any(catalogue.bases[b].periode for b in ind.bases)
        out.append(
            Entry(
                id=ind.id,
                label=ind.label,
                theme=ind.theme,
                unit=ind.unit,
                description=ind.description,
                formula=ind.formula,
                source=ind.source,
                kind="flux sur la période (12 mois glissants ou année civile)"
                if is_flow
                else "stock à la date d'arrêté",
                dimensions=tuple(
                    catalogue.dimension(d).label for d in catalogue.supported_dimensions(ind.id)
                ),
                targets=tuple(legal.get(ind.id, []) + local.get(ind.id, [])),
                requires=ind.requires,
            )
        )
    return out


def _folded(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", str(text))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def search(items: list[Entry], text: str) -> list[Entry]:
    """The entries whose id, label or description contains every word of `text` (case and
    accents ignored: « agee » finds « âgé »)."""
    words = _folded(text).split()
    if not words:
        return list(items)
    return [
        e for e in items if all(w in _folded(f"{e.id} {e.label} {e.description}") for w in words)
    ]


def by_theme(items: list[Entry]) -> list[tuple[str, list[Entry]]]:
    """(theme label, entries) in the order of THEMES, empty themes left out."""
    groups = []
    for theme, label in THEMES.items():
        found = [e for e in items if e.theme == theme]
        if found:
            groups.append((label, found))
    return groups


def entry_markdown(e: Entry) -> str:
    """The body of one indicator's card."""
    lines = [
        e.description,
        "",
        f"- **Formule** : {e.formula}",
        f"- **Unité** : {UNITS.get(e.unit, e.unit)} — {e.kind}",
        f"- **Découpages possibles** : {', '.join(e.dimensions)}",
        f"- **Source** : {e.source}",
        f"- **Identifiant** : `{e.id}`",
    ]
    if e.requires:
        inputs = ", ".join(f"`{r}`" for r in e.requires)
        lines.append(
            f"- **Données facultatives** : {inputs} (sans elles : non disponible pour ces données)"
        )
    if e.targets:
        lines.append("- **Objectifs qui l'utilisent** :")
        lines += [f"    - {t}" for t in e.targets]
    else:
        lines.append("- **Objectifs qui l'utilisent** : aucun")
    return "\n".join(lines)


def table(items: list[Entry]) -> pd.DataFrame:
    """The catalogue as one table (for a quick scan and a copy)."""
    return pd.DataFrame(
        {
            "Identifiant": [e.id for e in items],
            "Libellé": [e.label for e in items],
            "Thème": [THEMES.get(e.theme, e.theme) for e in items],
            "Unité": [UNITS.get(e.unit, e.unit) for e in items],
            "Formule": [e.formula for e in items],
            "Source": [e.source for e in items],
            "Objectifs": [len(e.targets) for e in items],
        }
    )
