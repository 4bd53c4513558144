"""Who is asking: the role and territories every query is filtered by.

Deny by default: a scope that names no territory and is not explicitly national sees nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("admin", "manager", "charge_clientele", "partenaire")
INTERNAL_ROLES = ("admin", "manager", "charge_clientele")
# How a role reads on screen and in the documents a user exports.
ROLE_LABELS = {
    "admin": "Administration",
    "manager": "Direction",
    "charge_clientele": "Chargé·e de clientèle",
    "partenaire": "Partenaire (consultation et concertation)",
}


@dataclass(frozen=True)
class Scope:
    role: str
    epci: tuple[str, ...] = ()
    communes: tuple[str, ...] = ()
    national: bool = False  # every territory of the data root (internal roles only)

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"rôle inconnu: {self.role!r} (rôles valides: {', '.join(ROLES)})")
        if self.national and self.role not in INTERNAL_ROLES:
            raise ValueError("un partenaire ne peut pas avoir une portée nationale")
        object.__setattr__(self, "epci", tuple(sorted(set(self.epci))))
        object.__setattr__(self, "communes", tuple(sorted(set(self.communes))))

    @classmethod
    def internal(cls, role: str = "manager") -> Scope:
        return cls(role=role, national=True)

    @property
    def masks_small_cells(self) -> bool:
        """Partners never see cells under the secrecy threshold; internal roles see effectifs."""
        return self.role == "partenaire"

    @property
    def is_empty(self) -> bool:
        return not self.national and not self.epci and not self.communes

    def cache_key(self) -> str:
        """What this scope may see, as a key of cached answers. The internal roles see the same
        exact figures over the same territories, so they share one key (a direction, a chargée de
        clientèle and an admin of the same territories reuse each other's answers); partners see
        perturbed, masked figures and never share a key with an internal role."""
        kind = "partenaire" if self.masks_small_cells else "interne"
        return f"{kind}|{int(self.national)}|{','.join(self.epci)}|{','.join(self.communes)}"

    @classmethod
    def of_cache_key(cls, key: str) -> Scope:
        """A scope whose `cache_key()` is `key` (an internal one as a direction's: the internal
        roles share their answers), to compute again answers kept under that key; ValueError
        for a key `cache_key` cannot have written."""
        kind, national, epci, communes = key.split("|")
        if kind not in ("interne", "partenaire") or national not in ("0", "1"):
            raise ValueError(f"clé de portée invalide : {key!r}")
        scope = cls(
            role="partenaire" if kind == "partenaire" else "manager",
            epci=tuple(e for e in epci.split(",") if e),
            communes=tuple(c for c in communes.split(",") if c),
            national=national == "1",
        )
        if scope.cache_key() != key:
            raise ValueError(f"clé de portée invalide : {key!r}")
        return scope
