"""Accounts, on the Administration page: list them, create one with its territories and an initial
password, disable or enable one, change a role.

Production only. The users file named by PEUPLEMENT_USERS_FILE is rewritten: the whole new file is
checked by `ui.users` (the loader the login uses) before one rename puts it in place, under a lock
so two admins never overwrite each other. In demo mode the accounts are those of
data/demo_users.yaml, whose passwords are published: the page lists them and changes nothing.
An account is disabled with `disabled: true` (kept in the file, refused at login), never deleted.
A password is typed twice, at least MIN_PASSWORD_LENGTH characters, and hashed with bcrypt before
anything is stored; it is never shown back, kept in the session or logged. Every change goes to the
audit trail: which account and what changed.
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
import pandas as pd
import streamlit as st
import yaml

from ingest.contract import TERRITOIRES, table_path
from queries.settings import default_data_root
from semantic.errors import PeuplementError
from semantic.scope import INTERNAL_ROLES, ROLES
from ui.auth import ROLE_LABELS, CurrentUser, audit_for
from ui.settings import USERS_FILE_ENV, PortalSettings
from ui.users import USERNAME, UserRecord, UsersFileError, load_users

# Long enough to resist guessing with the lockout in place; passphrases are welcome.
MIN_PASSWORD_LENGTH = 12
# bcrypt only reads the first 72 bytes (bcrypt 5 refuses more): a longer password would be a lie.
MAX_PASSWORD_BYTES = 72
USER_KEYS = ("name", "email", "password", "role", "territoires", "disabled")
FLASH_KEY = "adm_flash"  # the page's message after a change (shown by ui.admin_import)
ERROR_KEY = "adm_compte_erreur"  # a refused change, shown after the rerun that clears passwords
CREATE_FORM, PASSWORD_KEYS = "adm_compte_creation", ("adm_compte_mdp", "adm_compte_mdp2")
DEMO_NOTICE = (
    "Mode démonstration : les comptes de démonstration (data/demo_users.yaml, dont les mots de "
    "passe sont publiés) ne se modifient pas depuis le portail. En production, les comptes se "
    f"gèrent ici et sont écrits dans le fichier des utilisateurs désigné par {USERS_FILE_ENV}."
)


class AccountError(PeuplementError):
    """An account change refused; nothing was written."""


# --- the users file -----------------------------------------------------------------------------


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
    lines = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        lines.append(line)
    return "\n".join(lines) + "\n" if lines else ""


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# --- the page section --------------------------------------------------------------------------


def accounts_table(users: dict[str, UserRecord], epci_names: dict[str, str]) -> pd.DataFrame:
    """Username, name, role, territories, disabled: never a password or a hash."""
    return pd.DataFrame(
        {
            "Identifiant": username,
            "Nom": record.name,
            "Rôle": ROLE_LABELS[record.role],
            "Territoires": territories_label(record, epci_names),
            "Désactivé": "oui" if record.disabled else "non",
        }
        for username, record in users.items()
    )


def territories_label(record: UserRecord, epci_names: dict[str, str]) -> str:
    t = record.territoires
    if t.national:
        return "national"
    parts = [f"{epci_names[c]} ({c})" if c in epci_names else f"EPCI {c}" for c in t.epci]
    return ", ".join(parts + [f"commune {c}" for c in t.communes])


@st.cache_data(show_spinner=False, max_entries=4)
def reference_territories(path: str, mtime_ns: int) -> pd.DataFrame:  # both are the cache key
    """The communes and EPCIs of the reference table (accounts name territories, not data)."""
    columns = ["code_commune", "nom_commune", "code_epci", "nom_epci"]
    return pd.read_parquet(path, columns=columns).sort_values(["nom_epci", "nom_commune"])


def _territories() -> pd.DataFrame:
    path = table_path(default_data_root(), TERRITOIRES)
    if not path.is_file():
        return pd.DataFrame(columns=["code_commune", "nom_commune", "code_epci", "nom_epci"])
    return reference_territories(str(path), path.stat().st_mtime_ns)


def accounts_section(user: CurrentUser, settings: PortalSettings) -> None:
    places = _territories()
    epcis = dict(zip(places["code_epci"], places["nom_epci"], strict=True))
    communes = dict(zip(places["code_commune"], places["nom_commune"], strict=True))
    users = load_users(settings.users_file, include_disabled=True)
    st.subheader("Comptes")
    st.dataframe(accounts_table(users, epcis), hide_index=True)
    if settings.demo:
        st.info(DEMO_NOTICE)
        return
    st.caption(f"Fichier des utilisateurs : `{settings.users_file}`")

    def record(change: Callable[[], dict[str, Any]], message: Callable[[dict], str]) -> None:
        """Make the change; audit it and leave a message, or leave the error; then rerun."""
        try:
            details = change()
        except PeuplementError as exc:
            st.session_state[ERROR_KEY] = str(exc)
        else:
            audit_for(settings, "admin_action", user.username, user, details)
            st.session_state[FLASH_KEY] = message(details)
        for key in PASSWORD_KEYS:  # the clear password does not stay in the session
            st.session_state.pop(key, None)
        st.rerun()

    error = st.session_state.pop(ERROR_KEY, None)
    if error:
        st.error(error)
    _create_form(settings.users_file, epcis, communes, record)
    others = {n: u for n, u in users.items() if n != user.username}  # nobody locks themselves out
    if others:
        _manage_form(settings.users_file, others, record)


def _create_form(path: Path, epcis: dict, communes: dict, record) -> None:
    with st.expander("Créer un compte", expanded=True), st.form(CREATE_FORM, clear_on_submit=True):
        left, right = st.columns(2)
        username = left.text_input("Identifiant", key="adm_compte_id", placeholder="prenom.nom")
        name = right.text_input("Nom affiché", key="adm_compte_nom")
        role = left.selectbox(
            "Rôle",
            ROLES,
            index=ROLES.index("partenaire"),
            format_func=ROLE_LABELS.get,
            key="adm_compte_role",
        )
        email = right.text_input("Courriel (facultatif)", key="adm_compte_email")
        national = st.checkbox(
            "Portée nationale (rôles internes seulement)", key="adm_compte_national"
        )
        chosen_epci = st.multiselect(
            "EPCI",
            list(epcis),
            format_func={c: f"{n} ({c})" for c, n in epcis.items()}.get,
            key="adm_compte_epci",
            placeholder="Aucun",
        )
        chosen_communes = st.multiselect(
            "Communes",
            list(communes),
            format_func={c: f"{n} ({c})" for c, n in communes.items()}.get,
            key="adm_compte_communes",
            placeholder="Aucun",
        )
        password = left.text_input(
            "Mot de passe initial",
            type="password",
            key=PASSWORD_KEYS[0],
            help=f"Au moins {MIN_PASSWORD_LENGTH} caractères ; transmettez-le à part.",
            autocomplete="new-password",
        )
        confirmation = right.text_input(
            "Mot de passe (confirmation)",
            type="password",
            key=PASSWORD_KEYS[1],
            autocomplete="new-password",
        )
        submitted = st.form_submit_button("Créer le compte", type="primary")
    if not submitted:
        return
    territoires: dict[str, Any] = {"national": True} if national else {}
    territoires |= {"epci": chosen_epci} if chosen_epci else {}
    territoires |= {"communes": chosen_communes} if chosen_communes else {}
    record(
        lambda: create_account(
            path,
            username,
            name=name,
            role=role,
            territoires=territoires,
            password=password,
            confirmation=confirmation,
            email=email,
        ),
        lambda details: f"Compte « {details['compte']} » créé.",
    )


def _manage_form(path: Path, users: dict[str, UserRecord], record) -> None:
    with st.expander("Désactiver, réactiver ou changer le rôle d'un compte"):
        account = st.selectbox("Compte", list(users), key="adm_compte_choix")
        current = users[account]
        left, right = st.columns(2)
        label = "Réactiver le compte" if current.disabled else "Désactiver le compte"
        if left.button(label, key="adm_compte_bascule"):
            verb = "réactivé" if current.disabled else "désactivé"
            record(
                lambda: set_disabled(path, account, not current.disabled),
                lambda _: f"Compte « {account} » {verb}.",
            )
        new_role = right.selectbox(
            "Nouveau rôle",
            ROLES,
            index=ROLES.index(current.role),
            format_func=ROLE_LABELS.get,
            key="adm_compte_nouveau_role",
        )
        if right.button(
            "Changer le rôle", key="adm_compte_role_ok", disabled=new_role == current.role
        ):
            record(
                lambda: _changed_role(path, account, current, new_role),
                lambda _: f"Rôle de « {account} » : {ROLE_LABELS[new_role]}.",
            )


def _changed_role(path: Path, account: str, current: UserRecord, role: str) -> dict[str, Any]:
    if role not in INTERNAL_ROLES and current.territoires.national:
        raise AccountError(
            "Un partenaire ne peut pas avoir une portée nationale : créez-lui plutôt un compte "
            "de partenaire avec ses territoires."
        )
    return set_role(path, account, role)
