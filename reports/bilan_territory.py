"""The bilan's sections on the territory itself: occupancy of the stock (3), residences à enjeu de
mixité (4), the map (5) and the quarterly series (6), laid out from the figures gathered in
reports/bilan_data.py."""

from __future__ import annotations

import pandas as pd
from reportlab.platypus import Table

from reports import bilan_labels as lb
from reports.bilan_data import SERIES_INDICATORS, Bilan
from reports.bilan_graphics import series_chart, territory_map
from reports.bilan_pdf import Spacer, keep, para, table
from reports.formats import MASK_LABEL, percent, shown_gap, value


def profile_section(b: Bilan) -> list:
    overall = b.profile["valeur_ensemble"].notna().any()
    header = ["Indicateur", b.territory_name if b.territory else "Ensemble du patrimoine"]
    if overall:
        header.append("Ensemble du patrimoine")
    rows = []
    for r in b.profile.to_dict("records"):
        ind = b.catalogue.indicator(r["indicateur"])
        row = [ind.label, lb.cell(r["valeur"], ind.unit, r["masque"])]
        if overall:
            row.append(value(r["valeur_ensemble"], ind.unit))
        rows.append(row)
    if overall:
        scope_note = "comparé à l'ensemble du patrimoine du bailleur"
    elif b.territory is None:
        scope_note = "sur l'ensemble du patrimoine"
    else:
        scope_note = "sur le seul périmètre du lecteur"
    return [
        keep(
            para("3. Occupation du parc", "h1"),
            para(
                f"Profil des logements et des ménages en place au {b.snapshot:%d/%m/%Y}, "
                f"{scope_note}.",
                "small",
            ),
            table([header, *rows], [230, 120, 120] if overall else [300, 170]),
        )
    ]


def mixite_section(b: Bilan) -> list:
    out = [para("4. Résidences à enjeu de mixité", "h1")]
    if b.mixite.empty:
        return [
            *out,
            para(
                "Aucune résidence du territoire ne figure sur la liste des résidences à enjeu de mixité."
            ),
        ]
    out.append(
        para(
            "Part des ménages en fragilité (au moins deux critères sur quatre) dans les résidences "
            "de la liste de la CIA, et son évolution depuis la photographie précédente.",
            "small",
        )
    )
    rows = []
    for r in b.mixite.to_dict("records"):
        masked = bool(r["masque"])
        evo = "—" if masked or pd.isna(r["evolution"]) else shown_gap(r["evolution"], "ratio")
        flag = "Alerte" if r["alerte"] else ""
        rows.append(
            [
                r["residence_libelle"],
                r["commune_libelle"],
                lb.cell(r["valeur"], "ratio", masked),
                evo,
                "—" if pd.isna(r["seuil"]) else percent(r["seuil"], 0),
                flag,
            ]
        )
    header = ["Résidence", "Commune", "Fragilité", "Évolution", "Seuil PSA", ""]
    return [*out, table([header, *rows], [140, 110, 55, 55, 55, 45], numeric_from=2)]


def map_section(b: Bilan) -> list:
    return [
        para(f"5. Carte : {b.territory_name}", "h1"),
        para(
            "Communes du territoire, quartiers prioritaires (QPV) et résidences du bailleur "
            "colorées selon la part de ménages en fragilité à la date de la photographie.",
            "small",
        ),
        Spacer(1, 6),
        territory_map(
            b.communes,
            b.qpv,
            b.places,
            mask_label=f"secret ({MASK_LABEL} ménages)"
            if b.scope.masks_small_cells
            else "non calculable",
        ),
    ]


def series_section(b: Bilan) -> list:
    legal = {t.indicateur: t.cible for t in b.catalogue.parameters.objectifs_legaux}
    charts = []
    for ind_id in SERIES_INDICATORS:
        ind = b.catalogue.indicator(ind_id)
        charts.append(series_chart(b.series[ind_id], ind.label, ind.unit, legal.get(ind_id)))
    grid = [charts[i : i + 2] for i in range(0, len(charts), 2)]
    return [
        para("6. Évolution trimestrielle", "h1"),
        para(
            "Valeur à chaque photographie trimestrielle, attributions des 12 mois précédents "
            "(comme sur la page Évolution). Un point couvert par le secret statistique n'est pas tracé.",
            "small",
        ),
        Spacer(1, 6),
        Table(grid, colWidths=[255, 255]),
    ]
