"""Account changes on the users file: create an account, disable or enable one, change a role.

Production only (the page never calls these in demo mode). The users file named by
PEUPLEMENT_USERS_FILE is rewritten: the whole new file is checked by `ui.shell.users` (the loader the
login uses) before one rename puts it in place, under a lock so two admins never overwrite each
other. An account is disabled with `disabled: true` (kept in the file, refused at login), never
deleted. A password is typed twice, at least MIN_PASSWORD_LENGTH characters, and hashed with bcrypt
before anything is stored; it is never shown back or logged. Each change returns its audit details:
which account and what changed, never a password nor a hash. No Streamlit here: the forms are in
`ui.screens.administration.accounts`.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import bcrypt
import yaml

from semantic.errors import PeuplementError
from ui.shell.users import USERNAME, UsersFileError, load_users

# Long enough to resist guessing with the lockout in place; passphrases are welcome.
MIN_PASSWORD_LENGTH = 12
# bcrypt only reads the first 72 bytes (bcrypt 5 refuses more): a longer password would be a lie.
MAX_PASSWORD_BYTES = 72
USER_KEYS = ("name", "email", "password", "role", "territoires", "disabled")


class AccountError(PeuplementError):
    """An account change refused; nothing was written."""


def check_password(password: str, confirmation: str) -> None:
    if password != confirmation:
        raise AccountError("Les deux mots de passe saisis sont différents.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"Mot de passe trop court : au moins {MIN_PASSWORD_LENGTH} caractères.")
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise AccountError(f"Mot de passe trop long : au plus {MAX_PASSWORD_BYTES} octets.")


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")


def create_account(
    path: Path,
    username: str,
    *,
    name: str,
    role: str,
    territoires: dict[str, Any],
    password: str,
    confirmation: str,
    email: str = "",
) -> dict[str, Any]:
    """Add an account; return the audit details (never the password nor the hash)."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise AccountError(
            f"Identifiant « {username} » invalide : 2 à 64 caractères, minuscules, chiffres, . _ @ -"
        )
    check_password(password, confirmation)
    record = {"name": name.strip(), "email": email.strip() or None, "role": role}
    record["territoires"] = territoires

    def add(users: dict[str, dict]) -> None:
        if username in users:
            raise AccountError(f"L'identifiant « {username} » existe déjà.")
        users[username] = {**record, "password": hash_password(password)}

    _rewrite(path, add)
    return {
        "action": "compte_creation",
        "compte": username,
        "role": role,
        "territoires": territoires,
    }


def set_disabled(path: Path, username: str, disabled: bool) -> dict[str, Any]:
    def change(users: dict[str, dict]) -> None:
        _existing(users, username)["disabled"] = disabled

    _rewrite(path, change)
    action = "compte_desactivation" if disabled else "compte_reactivation"
    return {"action": action, "compte": username}


def set_role(path: Path, username: str, role: str) -> dict[str, Any]:
    before = {}

    def change(users: dict[str, dict]) -> None:
        account = _existing(users, username)
        before["role"] = account.get("role")
        account["role"] = role

    _rewrite(path, change)
    return {"action": "compte_role", "compte": username, "avant": before["role"], "apres": role}


def _existing(users: dict[str, dict], username: str) -> dict:
    if username not in users:
        raise AccountError(f"Aucun compte « {username} » dans le fichier des utilisateurs.")
    return users[username]


def _rewrite(path: Path, change: Callable[[dict[str, dict]], None]) -> None:
    """Read, change, check the whole new file with the login's loader, then one rename."""
    path = Path(path)
    with _locked(path.parent):
        text = path.read_text(encoding="utf-8")
        users = {n: dict(u) for n, u in (yaml.safe_load(text) or {}).get("usernames", {}).items()}
        change(users)
        ordered = {
            n: {k: u[k] for k in USER_KEYS if u.get(k) not in (None, False)}
            | {k: v for k, v in u.items() if k not in USER_KEYS}
            for n, u in users.items()
        }
        body = yaml.safe_dump(
            {"usernames": ordered},
            sort_keys=False,
            allow_unicode=True,
            default_flow_style=None,
            width=100,
        )
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(_header(text) + body)
                handle.flush()
                os.fsync(handle.fileno())
            try:
                load_users(tmp, include_disabled=True)
            except UsersFileError as exc:
                raise AccountError(
                    "Compte non enregistré :\n"
                    + "\n".join(f"- {p.replace(tmp.name, path.name)}" for p in exc.problems)
                ) from None
            os.chmod(tmp, path.stat().st_mode & 0o777)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise


def _header(text: str) -> str:
    """The file's leading comment lines, so a rewrite keeps what the people who manage it wrote."""
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    # The folder, not the file: the rename replaces the file, and a lock on the old one would not
    # stop a second writer that opened the new one.
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
