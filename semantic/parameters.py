"""Typed, frozen models of parametres.yaml: the legal targets, the secrecy rule and its noise, the
housing benefit and allocation aid settings, occupancy, mixité and the map. Unknown keys are
errors, as in semantic/models.py."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from semantic.models import Frozen, NonEmpty


class SpecialTargetDef(Frozen):
    """The target of one value of a split legal target (T3 of the État contingent)."""

    cible: Annotated[float, Field(ge=0)]
    tolerance: Annotated[float, Field(ge=0)] = 0.0
    source: NonEmpty


class LegalTargetDef(Frozen):
    id: NonEmpty
    indicateur: NonEmpty
    sens: Literal[">=", "<="]
    cible: Annotated[float, Field(ge=0)]
    tolerance: Annotated[float, Field(ge=0)] = 0.0
    source: NonEmpty
    par: str | None = None  # a dimension the target applies to value by value (T3: réservataire)
    # values of `par` rated against their own target instead (the État contingent, meant for
    # priority households, is not held to the 25 % floor of the others)
    particuliers: dict[str, SpecialTargetDef] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _special_needs_split(self) -> LegalTargetDef:
        if self.particuliers and not self.par:
            raise ValueError("« particuliers » demande « par » (la dimension découpée)")
        return self


class PerturbationDef(Frozen):
    """Cell key method: the noise added to every count a partner sees (see docs/secret-statistique.md).
    `bruit` maps each noise value to its probability; `cles` is the size of the key space."""

    cles: Annotated[int, Field(ge=1024, le=2**16)]  # record keys are 16-bit (enrichment.sql)
    bruit: dict[int, Annotated[float, Field(gt=0, le=1)]]

    @model_validator(mode="after")
    def _distribution(self) -> PerturbationDef:
        total = sum(self.bruit.values())
        if abs(total - 1) > 1e-9:
            raise ValueError(f"les probabilités du bruit doivent faire 1 (somme : {total})")
        if self.cles & (self.cles - 1):
            raise ValueError(
                f"cles doit être une puissance de 2 (les bits bas d'une clé de 16 bits) : {self.cles}"
            )
        if 0 not in self.bruit or any(abs(k) > 5 for k in self.bruit):
            raise ValueError("le bruit doit comprendre 0 et rester entre -5 et +5")
        for value, p in self.bruit.items():
            if abs(self.bruit.get(-value, 0) - p) > 1e-12:
                raise ValueError(
                    f"bruit non symétrique : {value} et {-value} n'ont pas la même probabilité"
                )
            if p * self.cles < 1:
                raise ValueError(f"probabilité du bruit {value} trop petite pour {self.cles} clés")
        return self

    @property
    def amplitude(self) -> int:
        """The largest noise in absolute value: what a partner who knows the method can bound."""
        return max(abs(k) for k in self.bruit)


class SecrecyDef(Frozen):
    seuil: Annotated[int, Field(ge=11)]
    libelle_masque: NonEmpty
    perturbation: PerturbationDef


class HousingBenefitDef(Frozen):
    """A simplified housing-benefit scale (see parametres.yaml, aide_attribution)."""

    loyers_plafonds: tuple[Annotated[float, Field(gt=0)], ...]
    loyer_plafond_personne_sup: Annotated[float, Field(ge=0)]
    forfait_charges: Annotated[float, Field(ge=0)]
    forfait_charges_personne_sup: Annotated[float, Field(ge=0)]
    participation_minimale: Annotated[float, Field(ge=0)]
    taux_participation_minimale: Annotated[float, Field(ge=0, le=1)]
    taux_participation: Annotated[float, Field(gt=0, le=1)]
    abattements_annuels: tuple[Annotated[float, Field(ge=0)], ...]
    abattement_personne_sup: Annotated[float, Field(ge=0)]

    @model_validator(mode="after")
    def _sizes(self) -> HousingBenefitDef:
        if not self.loyers_plafonds or len(self.loyers_plafonds) != len(self.abattements_annuels):
            raise ValueError(
                "loyers_plafonds et abattements_annuels : une valeur par taille de ménage, "
                "autant de l'un que de l'autre"
            )
        return self


class AllocationAidDef(Frozen):
    candidats_par_logement: Annotated[int, Field(ge=1)]
    charges_m2_mois: Annotated[float, Field(ge=0)]
    aide_logement: HousingBenefitDef


class OccupancyDef(Frozen):
    """Under- and over-occupation (see parametres.yaml, occupation): one definition, bound as
    SQL parameters wherever a dwelling's occupancy is judged."""

    pieces_en_plus: Annotated[int, Field(ge=0)]
    surface_1: Annotated[int, Field(gt=0)]
    surface_2: Annotated[int, Field(gt=0)]
    surface_par_personne: Annotated[int, Field(gt=0)]
    surface_max: Annotated[int, Field(gt=0)]

    def sql_parameters(self) -> dict[str, int]:
        """The rule's constants under the names the SQL binds ($pieces_en_plus, $surface_1, …)."""
        return self.model_dump()


class MixiteDef(Frozen):
    """The default fragility ceiling of the residences with a mixité stake (parametres.yaml)."""

    seuil_fragilite: Annotated[float, Field(gt=0, le=1)]
    source: NonEmpty


class MapDef(Frozen):
    """How the map draws its classes (parametres.yaml, carte)."""

    # A place whose value rests on fewer allocations, households… than this gets no colour class:
    # drawn neutral, "trop peu d'attributions (< N)", never red or green on one or two cases.
    effectif_minimum_classe: Annotated[int, Field(ge=1)] = 5


class ParametersDef(Frozen):
    secret_statistique: SecrecyDef
    mixite: MixiteDef | None = None
    carte: MapDef = MapDef()
    objectifs_legaux: tuple[LegalTargetDef, ...]
    occupation: OccupancyDef
    aide_attribution: AllocationAidDef
    # indicators whose targets are also rated without mutations, shown side by side
    avec_et_sans_mutations: tuple[str, ...] = ()
