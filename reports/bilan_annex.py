"""The bilan's method annex: each indicator's definition and source from the catalogue
(semantic/), the secrecy rule in force for the reader, and the hypotheses behind the figures."""

from __future__ import annotations

from reports.bilan_data import (
    ALLOCATION_INDICATORS,
    PROFILE_INDICATORS,
    SERIES_INDICATORS,
    Bilan,
)
from reports.bilan_labels import ordered, target_title
from reports.bilan_pdf import Spacer, keep, para
from reports.formats import MASK_LABEL


def indicators_used(b: Bilan) -> list[str]:
    ids = [*b.targets["indicateur"], *(i for i, _ in ALLOCATION_INDICATORS)]
    ids += [*PROFILE_INDICATORS, *SERIES_INDICATORS, "part_menages_fragiles"]
    return list(dict.fromkeys(ids))


def annex(b: Bilan) -> list:
    out = [para("Annexe : méthode", "h1"), para("Définitions et sources", "h2")]
    for ind_id in indicators_used(b):
        ind = b.catalogue.indicator(ind_id)
        out.append(
            keep(
                para(ind.label, "h3"),
                para(ind.description, "small"),
                para(f"Formule : {ind.formula.strip()} — Source : {ind.source}", "small"),
                Spacer(1, 4),
            )
        )
    secrecy = b.catalogue.parameters.secret_statistique
    out += [
        para("Secret statistique", "h2"),
        para(
            "Pour les comptes partenaires, aucune valeur calculée sur moins de "
            f"{secrecy.seuil} ménages ou attributions n'est publiée : elle apparaît comme "
            f"« {MASK_LABEL} », dans les tableaux comme sur la carte et les graphiques. Quand une "
            "seule cellule d'un découpage est masquée, une seconde l'est aussi. Chaque effectif "
            "montré à un partenaire est en outre légèrement perturbé par la méthode des clés de "
            f"cellule (± {secrecy.perturbation.amplitude} au plus, toujours le même pour les mêmes "
            "ménages ou attributions, quels que soient la page, l'export ou la commande) ; les taux "
            "sont calculés sur ces effectifs perturbés, les médianes et moyennes gardent leur "
            "valeur. Soustraire des chiffres publiés ne redonne donc pas une cellule masquée. Les "
            "comptes internes voient les chiffres exacts.",
            "small",
        ),
        para(
            "Lecteur de ce document : "
            + (
                "compte partenaire, chiffres protégés comme ci-dessus."
                if b.scope.masks_small_cells
                else "compte interne, chiffres exacts."
            ),
            "small",
        ),
        para("Hypothèses", "h2"),
    ]
    for sentence in hypotheses(b):
        out.append(para(f"• {sentence}", "small"))
    return out


def hypotheses(b: Bilan) -> list[str]:
    out = [
        f"Photographie du {b.snapshot:%d/%m/%Y} : logements et ménages en place à cette date ; "
        "attributions et départs datés dans la période indiquée.",
        f"« Année {b.year} » : attributions du 1er janvier au {b.snapshot:%d/%m/%Y} ; « 12 mois » : les 12 mois qui précèdent la photographie.",
        "Objectifs légaux T1 ≥ 25 %, T2 ≥ 50 %, T3 ≥ 25 % par réservataire (CCH L441-1), "
        "remplacés par un objectif local de la CIA ou d'une convention quand il existe ; « à "
        "surveiller » : sous la cible d'au plus la tolérance de l'objectif.",
        "Comparaison « il y a un an » : la même mesure sur la photographie de même date l'année "
        "précédente ; absente quand cette photographie n'existe pas.",
    ]
    if not b.targets.empty:
        targets = ordered(b.targets)
        ytd = targets[(targets["periode"] == "annee_en_cours") & (targets["hypothese"] != "")]
        where = (lambda r: "") if b.territory else (lambda r: f" · {r['territoire']}")
        out += [
            f"{target_title(r)}{where(r)} : {r['hypothese'].removeprefix('Hypothèse : ')}"
            for r in ytd.to_dict("records")
        ]
    return out
