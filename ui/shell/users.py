"""The users file: accounts, bcrypt hashes, role and territories, checked as frozen typed records.

Shape (YAML)::

    usernames:
      partenaire.voironnais:
        name: Partenaire Pays Voironnais (démo)
        email: partenaire@example.invalid      # optional
        password: $2b$12$...                    # bcrypt hash, never a clear password
        role: partenaire                        # admin | manager | charge_clientele | partenaire
        territoires: {epci: ["243800984"]}      # or {communes: [...]}, or {national: true}
        disabled: true                          # optional: the account can no longer log in

Every problem is reported at once, with file:line. A user's scope is built from this record only.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from semantic.errors import PeuplementError
from semantic.scope import INTERNAL_ROLES, Scope
from semantic.yaml_lines import line_of, load_with_lines

Role = Literal["admin", "manager", "charge_clientele", "partenaire"]
EpciCode = Annotated[str, Field(pattern=r"^\d{9}$")]  # SIREN of the EPCI
CommuneCode = Annotated[str, Field(pattern=r"^(\d{5}|2[AB]\d{3})$")]  # INSEE code
# bcrypt modular crypt format: $2a$/$2b$/$2y$, cost, 53 characters of salt and hash.
BCRYPT_HASH = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")
# The authenticator lower-cases what is typed, so a stored name must already be lower case.
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,63}$")


class UsersFileError(PeuplementError):
    def __init__(self, path: Path, problems: list[str]):
        self.path, self.problems = path, problems
        super().__init__(
            f"Fichier des utilisateurs {path} : {len(problems)} problème(s)\n"
            + "\n".join(f"- {p}" for p in problems)
        )


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Territories(_Frozen):
    national: bool = False
    epci: tuple[EpciCode, ...] = ()
    communes: tuple[CommuneCode, ...] = ()


class UserRecord(_Frozen):
    name: Annotated[str, Field(min_length=1)]
    email: str | None = None
    password: str
    role: Role
    territoires: Territories
    disabled: bool = False  # kept in the file (and its history) but refused at login
    # Who the account speaks for in the concertation (« CA du Pays Voironnais »): only this
    # organisation edits its action plans. Internal accounts are the landlord's.
    organisation: Annotated[str, Field(min_length=1, max_length=200)] | None = None

    @model_validator(mode="after")
    def _checked(self) -> UserRecord:
        if not BCRYPT_HASH.match(self.password):
            raise ValueError(
                "password doit être un hachage bcrypt ($2b$…), jamais un mot de passe en clair"
            )
        t = self.territoires
        if self.role not in INTERNAL_ROLES and t.national:
            raise ValueError("un partenaire ne peut pas avoir une portée nationale")
        if not t.national and not t.epci and not t.communes:
            raise ValueError(
                "territoires vide : indiquez epci, communes, ou national: true (rôles internes)"
            )
        return self

    @property
    def scope(self) -> Scope:
        t = self.territoires
        return Scope(role=self.role, epci=t.epci, communes=t.communes, national=t.national)


class _UsersFile(_Frozen):
    usernames: dict[str, UserRecord]


def load_users(path: Path, *, include_disabled: bool = False) -> dict[str, UserRecord]:
    """The accounts of `path` that may log in (all of them with `include_disabled`); re-read when
    the file changes (a removed or disabled user is out at once)."""
    path = Path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise UsersFileError(path, ["fichier introuvable"]) from None
    users = _load(str(path), stat.st_ino, stat.st_mtime_ns, stat.st_size)
    return {n: u for n, u in users.items() if include_disabled or not u.disabled}


@lru_cache(maxsize=4)
def _load(path_str: str, _inode: int, _mtime_ns: int, _size: int) -> dict[str, UserRecord]:
    path = Path(path_str)
    try:
        document, lines = load_with_lines(path)
    except ValueError as exc:
        raise UsersFileError(path, [str(exc)]) from None
    try:
        parsed = _UsersFile.model_validate(document)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            where = f"{path.name}:{line_of(lines, loc) or '?'}"
            problems.append(f"{where} {'.'.join(map(str, loc)) or '(racine)'} : {err['msg']}")
        raise UsersFileError(path, problems) from None
    bad = [name for name in parsed.usernames if not USERNAME.match(name)]
    if bad:
        raise UsersFileError(
            path,
            [
                f"{path.name}:{line_of(lines, ('usernames', n))} identifiant « {n} » invalide "
                "(minuscules, chiffres, . _ @ -)"
                for n in bad
            ],
        )
    return dict(parsed.usernames)


def published_hashes_in(users: dict[str, UserRecord], demo_file: Path) -> list[str]:
    """The accounts of `users` whose password hash is one of the demo accounts' (their passwords
    are published in the README): a copy of the demo file, or a demo account pasted into it."""
    if not Path(demo_file).is_file():  # a deployment without the demo accounts: nothing to compare
        return []
    demo = {u.password for u in load_users(demo_file, include_disabled=True).values()}
    return sorted(name for name, user in users.items() if user.password in demo)


def authenticator_credentials(users: dict[str, UserRecord]) -> dict:
    """A fresh credentials dict for streamlit-authenticator (it mutates what it is given)."""
    return {
        "usernames": {
            name: {"name": user.name, "email": user.email, "password": user.password}
            for name, user in users.items()
        }
    }
