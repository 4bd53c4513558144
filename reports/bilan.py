"""The annual bilan as a PDF: `bilan_pdf(engine, scope, territory, year=…)` gathers the figures
for the reader's scope (reports/bilan_data.py) and lays out its sections, in this order: cover,
targets, allocations of the year, then the territory's occupancy, residences à enjeu de mixité,
map and quarterly series (reports/bilan_territory.py), the concertation's action plans, and the
method annex (reports/bilan_annex.py)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from reportlab.platypus import PageBreak

from queries.engine import Engine
from reports import bilan_labels as lb
from reports.bilan_annex import annex
from reports.bilan_data import ALLOCATION_INDICATORS, Bilan, build_bilan
from reports.bilan_pdf import Spacer, keep, para, render, table
from reports.bilan_territory import map_section, mixite_section, profile_section, series_section
from reports.formats import MASK_LABEL, number, shown_gap, target_text, value
from semantic.catalogue import Catalogue
from semantic.scope import Scope
from store.concertation import KINDS, STATUSES

PDF_MIME = "application/pdf"


def bilan_pdf(
    engine: Engine,
    scope: Scope,
    territory: str | None = None,
    *,
    year: int | None = None,
    snapshot: dt.date | str | None = None,
    catalogue: Catalogue | None = None,
    user: str = "",
    plans=(),
) -> tuple[Bilan, bytes]:
    """`plans`: the action plans the reader may see (store.plans.list_plans with the reader's
    scope); those of the territory are listed in their own section."""
    bilan = build_bilan(
        engine, scope, territory, year=year, snapshot=snapshot, catalogue=catalogue, plans=plans
    )
    return bilan, render(bilan, story(bilan, user))


def file_name(bilan: Bilan) -> str:
    where = bilan.territory or "patrimoine"
    return f"bilan-{bilan.year}-{where}-{bilan.snapshot:%Y%m%d}.pdf"


def story(bilan: Bilan, user: str = "") -> list:
    return [
        *cover(bilan, user),
        PageBreak(),
        *targets_section(bilan),
        *allocations_section(bilan),
        *profile_section(bilan),
        *mixite_section(bilan),
        PageBreak(),
        *map_section(bilan),
        PageBreak(),
        *series_section(bilan),
        *plans_section(bilan),
        PageBreak(),
        *annex(bilan),
    ]


def cover(b: Bilan, user: str) -> list:
    code = f" ({b.territory})" if b.territory else ""
    start = dt.date(b.year, 1, 1)
    lines = [
        ("Territoire", f"{b.territory_name}{code}"),
        ("Année", f"{b.year} : attributions du {start:%d/%m/%Y} au {b.snapshot:%d/%m/%Y}"),
        ("Photographie", f"du {b.snapshot:%d/%m/%Y} (données arrêtées à cette date)"),
        ("Produit par", lb.PRODUCER),
        ("Édité le", f"{b.generated_at:%d/%m/%Y à %H:%M}" + (f" par {user}" if user else "")),
        ("Lecteur", lb.reader_label(b.scope, b.territory_name)),
    ]
    out = [
        Spacer(1, 60),
        para("Bilan annuel des attributions", "title"),
        Spacer(1, 8),
        para("et de l'occupation du parc social", "subtitle"),
        Spacer(1, 30),
        para(f"{b.territory_name} · {b.year}", "subtitle"),
        Spacer(1, 40),
        table([[k, v] for k, v in lines], [110, 360], numeric_from=2, header=False),
        Spacer(1, 24),
    ]
    if b.scope.masks_small_cells:
        out.append(para(secrecy_sentence(b.catalogue), "body"))
    else:
        out.append(
            para(
                "Document produit par un compte interne : chiffres exacts, rien n'y est masqué ; "
                "ne le transmettez pas tel quel à un partenaire.",
                "body",
            )
        )
    return out


def secrecy_sentence(catalogue: Catalogue) -> str:
    secrecy = catalogue.parameters.secret_statistique
    return (
        f"Secret statistique : les effectifs de ce document sont légèrement modifiés "
        f"(± {secrecy.perturbation.amplitude} au plus, toujours de la même façon pour les mêmes "
        "ménages ou attributions) et les taux sont calculés sur ces effectifs ; toute valeur "
        f"calculée sur moins de {secrecy.seuil} ménages ou attributions est masquée "
        f"(« {MASK_LABEL} »)."
    )


def target_rows(b: Bilan) -> list[list[str]]:
    """One row per target and period, as the PDF prints it."""
    rows = []
    for r in lb.ordered(b.targets).to_dict("records"):
        unit = b.catalogue.indicator(r["indicateur"]).unit
        masked = r["statut"] == "secret"
        shown = lb.cell(r["valeur"], unit, masked)
        before = r["valeur_un_an"]
        trend = "—" if masked or pd.isna(before) else shown_gap(r["valeur"] - before, unit)
        rows.append(
            [
                lb.target_title(r) + ("" if b.territory else f" · {r['territoire']}"),
                lb.period_label(r["periode"], b.snapshot),
                shown,
                without_mutations_cell(r, unit),
                target_text(r["sens"], r["cible"], unit),
                lb.STATUS_LABELS[r["statut"]],
                "—" if pd.isna(r["manquants"]) else number(r["manquants"]),
                lb.cell(before, unit, masked) if not pd.isna(before) or masked else "—",
                trend,
            ]
        )
    return rows


def without_mutations_cell(r: dict, unit: str) -> str:
    """The target's figure on the allocations that are not mutations (T1, T2), as
    `peuplement objectifs` gives it in valeur_hors_mutations; « — » for the other targets."""
    split = r.get("statut_hors_mutations")
    if split is None or pd.isna(split):
        return "—"
    return lb.cell(r.get("valeur_hors_mutations"), unit, split == "secret")


def targets_section(b: Bilan) -> list:
    out = [para("1. Objectifs d'attribution", "h1")]
    if b.targets.empty:
        return [*out, para("Aucun objectif ne s'applique à ce territoire pour cette photographie.")]
    earlier = f"{b.year_earlier:%d/%m/%Y}" if b.year_earlier else "indisponible"
    out.append(
        para(
            "Objectifs légaux (CCH L441-1) et locaux du territoire. « Année "
            f"{b.year} » : attributions du 1er janvier au {b.snapshot:%d/%m/%Y} ; « 12 mois » : "
            "les 12 mois qui précèdent la photographie. « Manquantes » : attributions supplémentaires qui auraient "
            "atteint la cible au même total. « Hors mutations » : T1 et T2 recalculés sur les "
            "seules attributions à des ménages qui ne sont pas déjà locataires du parc social "
            "(le statut reste celui de la valeur avec mutations). « Il y a un an » : la même "
            f"mesure sur la photographie du {earlier}.",
            "small",
        )
    )
    header = [
        "Objectif",
        "Période",
        "Valeur",
        "Hors mutations",
        "Cible",
        "Statut",
        "Manquantes",
        "Il y a un an",
        "Évolution",
    ]
    widths = [118, 44, 40, 52, 36, 50, 62, 44, 50]
    out.append(table([header, *target_rows(b)], widths, numeric_from=2))
    return out


def allocation_rows(b: Bilan, dim: str | None, df: pd.DataFrame) -> list[list[str]]:
    rows = []
    for r in df.to_dict("records"):
        label = (
            "Toutes les attributions"
            if dim is None
            else lb.value_label(dim, r[dim], r.get(f"{dim}_libelle"))
        )
        cells = [label]
        for ind_id, _ in ALLOCATION_INDICATORS:
            unit = b.catalogue.indicator(ind_id).unit
            cells.append(lb.cell(r[ind_id], unit, bool(r[f"{ind_id}_masque"])))
        rows.append(cells)
    return rows


def allocations_section(b: Bilan) -> list:
    out = [
        para(f"2. Attributions de l'année {b.year}", "h1"),
        para(
            f"Attributions du 1er janvier au {b.snapshot:%d/%m/%Y}. Publics prioritaires : DALO ou "
            "prioritaires ; délai : médiane entre le dépôt de la demande et l'attribution.",
            "small",
        ),
    ]
    header = ["", *[title for _, title in ALLOCATION_INDICATORS]]
    for title, dim, df in b.allocations:
        rows = allocation_rows(b, dim, df)
        body = (
            table([[title, *header[1:]], *rows], [158, 64, 76, 50, 60, 70])
            if rows
            else para("Aucune attribution.")
        )
        out.append(keep(Spacer(1, 6), body))
    return out


def plan_rows(b: Bilan) -> list[list[str]]:
    """One row per plan: object, title, organisation, status, due date (late ones say so), the
    linked indicator's value when the plan was created."""
    rows = []
    for p in b.plans:
        due = "—" if p.due is None else f"{p.due:%d/%m/%Y}"
        if p.late(b.snapshot):
            due += " (en retard)"
        linked = "—"
        if p.indicator and p.indicator in b.catalogue.indicators:
            ind = b.catalogue.indicator(p.indicator)
            at_creation = (
                "—" if p.value_at_creation is None else value(p.value_at_creation, ind.unit)
            )
            linked = f"{ind.label} : {at_creation}"
        rows.append(
            [
                f"{KINDS.get(p.obj.kind, p.obj.kind)} · {p.obj.label}",
                p.title,
                p.organisation,
                STATUSES.get(p.status, p.status),
                due,
                linked,
            ]
        )
    return rows


def plans_section(b: Bilan) -> list:
    out = [para("7. Plans d'action de la concertation", "h1")]
    if not b.plans:
        return [
            *out,
            para(
                "Aucun plan d'action n'est enregistré pour ce territoire dans le portail "
                "(page Concertation)."
            ),
        ]
    out.append(
        para(
            "Plans d'action proposés ou engagés par le bailleur et ses partenaires sur les objectifs, "
            "alertes, résidences et projets urbains du territoire (page Concertation), à la date "
            "de la photographie ; l'indicateur lié est donné à sa valeur au moment de la création "
            "du plan.",
            "small",
        )
    )
    header = ["Objet", "Plan", "Organisation", "Statut", "Échéance", "Indicateur à la création"]
    widths = [95, 120, 65, 50, 55, 75]  # the text width of the other tables (460 pt)
    return [*out, table([header, *plan_rows(b)], widths, numeric_from=len(header))]
