"""Accounts, on the Administration page: list them, create one with its territories and an initial
password, disable or enable one (disabling closes its open sessions), change a role, and log
everyone out (store.sessions).

The forms only: the changes to the users file (checks, bcrypt, the atomic rewrite under a lock) are
in `ui.screens.administration.account_changes`. In demo mode the accounts are those of data/demo_users.yaml, whose
passwords are published: the page lists them and changes nothing. A typed password is never shown
back nor kept in the session after the change. Every change goes to the audit trail: which account
and what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from dataroot.location import default_data_root
from dataroot.territories import read_territories, territories_file
from semantic.errors import PeuplementError
from semantic.scope import INTERNAL_ROLES, ROLES
from ui.screens.administration.account_changes import (
    MIN_PASSWORD_LENGTH,
    AccountError,
    create_account,
    set_disabled,
    set_role,
)
from ui.shell.auth import ROLE_LABELS, SESSION_ID_KEY, CurrentUser, audit_for, session_registry
from ui.shell.settings import USERS_FILE_ENV, PortalSettings
from ui.shell.users import UserRecord, load_users

FLASH_KEY = "adm_flash"  # the page's message after a change (shown by ui.screens.administration.admin_import)
ERROR_KEY = "adm_compte_erreur"  # a refused change, shown after the rerun that clears passwords
CREATE_FORM, PASSWORD_KEYS = "adm_compte_creation", ("adm_compte_mdp", "adm_compte_mdp2")
DEMO_NOTICE = (
    "Mode démonstration : les comptes de démonstration (data/demo_users.yaml, dont les mots de "
    "passe sont publiés) ne se modifient pas depuis le portail. En production, les comptes se "
    f"gèrent ici et sont écrits dans le fichier des utilisateurs désigné par {USERS_FILE_ENV}."
)


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
    parts = [epci_names.get(c, f"EPCI {c}") for c in t.epci]
    return ", ".join(parts + [f"commune {c}" for c in t.communes])


@st.cache_data(show_spinner=False, max_entries=4)
def reference_territories(root: str, mtime_ns: int) -> pd.DataFrame:  # both are the cache key
    """The communes and EPCIs of the reference table (accounts name territories, not data)."""
    return read_territories(Path(root))


def _territories() -> pd.DataFrame:
    root = default_data_root()
    path = territories_file(root)
    if not path.is_file():
        return read_territories(root)  # no table yet: the empty frame with its columns
    return reference_territories(str(root), path.stat().st_mtime_ns)


def accounts_section(user: CurrentUser, settings: PortalSettings) -> None:
    places = _territories()
    epcis = dict(zip(places["code_epci"], places["nom_epci"], strict=True))
    communes = dict(zip(places["code_commune"], places["nom_commune"], strict=True))
    users = load_users(settings.users_file, include_disabled=True)
    st.subheader("Comptes")
    st.dataframe(accounts_table(users, epcis), hide_index=True)
    _log_out_everyone(user, settings)
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
        _manage_form(settings, others, record)


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
            format_func=epcis.get,
            key="adm_compte_epci",
            placeholder="Aucun",
            select_all=False,
        )
        chosen_communes = st.multiselect(
            "Communes",
            list(communes),
            format_func=communes.get,
            key="adm_compte_communes",
            placeholder="Aucun",
            select_all=False,
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


def _manage_form(settings: PortalSettings, users: dict[str, UserRecord], record) -> None:
    path = settings.users_file
    with st.expander("Désactiver, réactiver ou changer le rôle d'un compte"):
        account = st.selectbox("Compte", list(users), key="adm_compte_choix")
        current = users[account]
        left, right = st.columns(2)
        label = "Réactiver le compte" if current.disabled else "Désactiver le compte"
        if left.button(label, key="adm_compte_bascule"):
            verb = "réactivé" if current.disabled else "désactivé"
            record(
                lambda: _toggled(settings, account, current),
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


def _toggled(settings: PortalSettings, account: str, current: UserRecord) -> dict[str, Any]:
    """Disable (its open sessions are closed too) or enable an account."""
    details = set_disabled(settings.users_file, account, not current.disabled)
    if not current.disabled:
        details["sessions_fermees"] = session_registry(settings).close_user(account)
    return details


def _log_out_everyone(user: CurrentUser, settings: PortalSettings) -> None:
    """Close every open session but this one (in every server process), and record it."""
    with st.expander("Déconnecter tout le monde"):
        st.caption(
            "Ferme toutes les sessions ouvertes (sauf la vôtre) : chacun retrouve le formulaire de "
            "connexion à sa prochaine action, y compris avec un cookie copié. Utile après une "
            "fuite de mot de passe ou un poste partagé resté connecté."
        )
        if not st.button("Déconnecter tout le monde", key="adm_deconnexion_generale"):
            return
    closed = session_registry(settings).close_all(keep=st.session_state.get(SESSION_ID_KEY))
    details = {"action": "deconnexion_generale", "sessions_fermees": closed}
    audit_for(settings, "admin_action", user.username, user, details)
    st.session_state[FLASH_KEY] = f"{closed} session(s) fermée(s)."
    st.rerun()


def _changed_role(path: Path, account: str, current: UserRecord, role: str) -> dict[str, Any]:
    if role not in INTERNAL_ROLES and current.territoires.national:
        raise AccountError(
            "Un partenaire ne peut pas avoir une portée nationale : créez-lui plutôt un compte "
            "de partenaire avec ses territoires."
        )
    return set_role(path, account, role)
