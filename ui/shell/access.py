"""Who may open what: one table of access ids and the roles allowed, one function to ask it.

Deny by default: a role not listed for an access id is refused. Page ids are the file names of
`pages/`; an id with a dot names an action inside a page (e.g. editing, not just reading, targets).
"""

from __future__ import annotations

from types import MappingProxyType

from semantic.errors import UnknownNameError
from semantic.scope import ROLES

_ALL = frozenset(ROLES)
_INTERNAL = frozenset({"admin", "manager", "charge_clientele"})
_ADMIN = frozenset({"admin"})

ACCESS = MappingProxyType(
    {
        # pages every role opens, partners included (aggregates in their scope, small cells masked)
        "accueil": _ALL,
        "tableau_de_bord": _ALL,
        "objectifs": _ALL,
        "evolution": _ALL,
        "carte": _ALL,
        "catalogue": _ALL,
        # action plans and threads: every role, each on its own territory (store.concertation)
        "concertation": _ALL,
        # residence, building and floor profiles, candidate impacts: internal staff only
        "residence": _INTERNAL,
        "aide_attribution": _INTERNAL,
        # data loading and accounts
        "administration": _ADMIN,
        # managers read the local targets; only admins change them
        "objectifs_edition": frozenset({"admin", "manager"}),
        "objectifs_edition.modifier": _ADMIN,
    }
)

# Pages, in navigation order (actions excluded).
PAGE_IDS = tuple(access_id for access_id in ACCESS if "." not in access_id)


def can_open(role: str | None, access_id: str) -> bool:
    """True when `role` may open the page (or perform the action) `access_id`.

    An unknown role is refused; an unknown access id is a programming error and raises, with the
    closest valid id, so a typo never silently opens or closes a page.
    """
    if access_id not in ACCESS:
        raise UnknownNameError("identifiant d'accès", access_id, ACCESS)
    return role in ACCESS[access_id]
