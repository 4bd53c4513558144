"""Who the current user is, and the streamlit-authenticator 0.4.2 pieces the portal relies on.

The library keeps the login state in the session (its AuthenticationController); the signed
re-authentication cookie, in the library's format, is read and written by `ui.shell.cookie`, without
the library's cookie component. The portal adds what it lacks: the cookie key check at startup, a
server-side lockout with the wait shown, an expiry for open sessions, the audit trail, and a scope
built only from the user's record in the users file (never from query parameters or session values
a browser could influence). Only local features are used: no registration, forgotten password,
two-factor or guest login (those call the library author's cloud service).

The login form and the logout button are in `ui.shell.login`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit_authenticator.controllers import AuthenticationController

from semantic.errors import PeuplementError
from semantic.scope import INTERNAL_ROLES, ROLE_LABELS, Scope
from store.concertation import LANDLORD
from store.sessions import (
    SessionEntry,
    SessionRegistry,
    StoreSessionRegistry,
    password_fingerprint,
    session_id,
)
from ui.shell import audit, cookie
from ui.shell.settings import (
    DEMO_USERS_FILE,
    SECRETS_COOKIE_KEY,
    SECRETS_SECTION,
    PortalConfigError,
    PortalSettings,
    read_settings,
)
from ui.shell.users import UserRecord, authenticator_credentials, load_users, published_hashes_in

# Session keys written by streamlit-authenticator: the login state the portal trusts.
STATUS_KEY, USERNAME_KEY = "authentication_status", "username"
# When this session logged in (epoch seconds): open sessions expire like the cookie does.
LOGIN_TIME_KEY = "_peuplement_login_ts"
# This session's name in the server-side registry (store.sessions): gone from it means logged out.
SESSION_ID_KEY = "_peuplement_session_id"


class NotLoggedInError(PeuplementError):
    """A user's scope was asked for while nobody is logged in."""


@dataclass(frozen=True)
class CurrentUser:
    username: str
    name: str
    role: str
    scope: Scope
    organisation: str = LANDLORD  # the concertation's owner of what this user writes

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


# --- settings ----------------------------------------------------------------------------------


def check_startup_settings(
    environ: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> PortalSettings:
    """The checked settings, users file included; raise PortalConfigError/UsersFileError if unsafe."""
    environ = os.environ if environ is None else environ
    key = _secrets_cookie_key() if secrets is None else _cookie_key_in(secrets)
    settings = read_settings(environ, key)
    users = load_users(settings.users_file, include_disabled=True)
    if not settings.demo:
        published = published_hashes_in(users, DEMO_USERS_FILE)
        if published:
            raise PortalConfigError(
                f"Démarrage refusé : dans {settings.users_file}, le mot de passe de "
                f"{', '.join(published)} est celui d'un compte de démonstration (même hachage "
                f"que {DEMO_USERS_FILE.name}), publié dans le README. Donnez-lui un mot de passe "
                "propre à la production."
            )
    return settings


def startup_settings() -> PortalSettings:
    """The settings, or a French error on the page and a stop (the portal never runs half-configured)."""
    try:
        return check_startup_settings()
    except PeuplementError as exc:
        _stop_with_error(str(exc))


def _secrets_cookie_key() -> str | None:
    try:
        return _cookie_key_in(st.secrets)
    except (StreamlitSecretNotFoundError, FileNotFoundError):
        return None


def _cookie_key_in(secrets: Mapping[str, Any]) -> str | None:
    section = secrets.get(SECRETS_SECTION) if hasattr(secrets, "get") else None
    value = section.get(SECRETS_COOKIE_KEY) if isinstance(section, Mapping) else None
    return str(value) if value else None


def _stop_with_error(message: str) -> NoReturn:
    st.error(message)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() raises; this keeps type checkers honest


# --- the current user ----------------------------------------------------------------------------


def current_user(settings: PortalSettings) -> CurrentUser | None:
    """The logged-in user, from the authenticator's state and the users file; None otherwise.

    None too when the session is older than the session expiry, when the account has been
    removed from the users file or disabled since the login, or when the session is no longer in
    the server-side registry (logged out elsewhere, password changed, everyone logged out).
    """
    if st.session_state.get(STATUS_KEY) is not True:
        return None
    username = st.session_state.get(USERNAME_KEY)
    record = load_users(settings.users_file).get(username) if isinstance(username, str) else None
    if record is None:
        return None
    started = st.session_state.get(LOGIN_TIME_KEY)
    if not isinstance(started, float):  # a session restored without our timestamp starts now
        started = st.session_state[LOGIN_TIME_KEY] = time.time()
    if time.time() - started > settings.session_expiry_days * 86400:
        return None
    if not _registered(settings, username, record, started):
        return None
    return _user(username, record)


def end_reason(settings: PortalSettings) -> str:
    """Why a logged-in session is no longer valid: expired, or closed (registry, users file)."""
    started = st.session_state.get(LOGIN_TIME_KEY)
    expired = isinstance(started, float) and (
        time.time() - started > settings.session_expiry_days * 86400
    )
    return "session_expiree" if expired else "session_fermee"


def session_registry(settings: PortalSettings) -> SessionRegistry:
    """Where the open sessions are listed: the state store, shared by every server process."""
    return StoreSessionRegistry(settings.store)


def _registered(
    settings: PortalSettings, username: str, record: UserRecord, started: float
) -> bool:
    sid = st.session_state.get(SESSION_ID_KEY)
    if sid is None:
        # Only this module and ui.shell.login set the login state, and both register the session; a
        # state set otherwise (a test harness presetting it) is registered now, then checked.
        expires = started + settings.session_expiry_days * 86400
        _open(settings, username, record, expires)
        return True
    entry = session_registry(settings).get(sid)
    return (
        entry is not None
        and entry.username == username
        and entry.fingerprint == password_fingerprint(record.password)
    )


def _open(settings: PortalSettings, username: str, record: UserRecord, expires: float) -> None:
    sid = session_id(username, expires)
    entry = SessionEntry(username, float(expires), password_fingerprint(record.password))
    session_registry(settings).open(sid, entry)
    st.session_state[SESSION_ID_KEY] = sid


def current_scope() -> Scope:
    """The scope of the logged-in user, built from their record in the users file only."""
    user = current_user(startup_settings())
    if user is None:
        raise NotLoggedInError("Aucun utilisateur connecté : connectez-vous pour voir des données.")
    return user.scope


def audit_event(event: str, details: Mapping[str, Any] | None = None) -> None:
    """Record an event (export, admin_action…) for the logged-in user."""
    settings = startup_settings()
    user = current_user(settings)
    audit_for(settings, event, user.username if user else None, user, details)


def audit_recorder(event: str) -> Callable[[Mapping[str, Any]], None]:
    """`audit_event` bound now to the logged-in user, for code that runs later, outside the page's
    run: a download built on its click runs on Streamlit's worker thread, where the session (and
    so the user) cannot be read."""
    settings = startup_settings()
    user = current_user(settings)
    username = user.username if user else None
    return lambda details: audit_for(settings, event, username, user, details)


def audit_for(
    settings: PortalSettings,
    event: str,
    username: str | None,
    who: CurrentUser | UserRecord | None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Record an event for `username`, with the role and scope of `who` (a user or a record)."""
    audit.record(
        settings.store,
        event,
        user=username,
        role=who.role if who else None,
        scope=who.scope if who else None,
        details=details,
    )


def _user(username: str, record: UserRecord) -> CurrentUser:
    return CurrentUser(username, record.name, record.role, record.scope, organisation_of(record))


def organisation_of(record: UserRecord) -> str:
    """The users file's organisation; else the landlord for internal accounts, and for a partner
    its territories (two partners of one territory without an organisation share their plans)."""
    if record.organisation:
        return record.organisation
    if record.role in INTERNAL_ROLES:
        return LANDLORD
    codes = [*record.territoires.epci, *record.territoires.communes]
    return f"Partenaire ({', '.join(codes)})"


# --- the authenticator ----------------------------------------------------------------------------


def build_authenticator(settings: PortalSettings) -> AuthenticationController:
    """streamlit-authenticator's login state keeper, built on every run (it draws nothing; the
    session cookie is `ui.shell.cookie`'s)."""
    users = load_users(settings.users_file)
    return AuthenticationController(
        authenticator_credentials(users),
        auto_hash=False,  # the users file holds bcrypt hashes only (checked when loaded)
        secret_key=settings.cookie_key,
    )


def end_session(
    authenticator: AuthenticationController, settings: PortalSettings, reason: str | None = None
) -> None:
    """Log out: clear the login state, drop the cookie (next run), record it."""
    username = st.session_state.get(USERNAME_KEY)
    record = load_users(settings.users_file).get(username) if isinstance(username, str) else None
    sid = st.session_state.pop(SESSION_ID_KEY, None)
    if sid is not None:  # the cookie no longer logs in, from this browser or a copy of it
        session_registry(settings).close(sid)
    authenticator.logout()
    cookie.drop_later()
    st.session_state.pop(LOGIN_TIME_KEY, None)
    audit_for(settings, "logout", username, record, {"motif": reason} if reason else None)


def start_session(
    authenticator: AuthenticationController, settings: PortalSettings, username: str
) -> CurrentUser | None:
    """After a good password: the login state, the session registered, the login audited; the
    signed cookie is written by the next run (`cookie.flush`). The login form runs this in its
    button's callback, before the run draws anything: a run can be stopped where it draws an
    element when the browser has asked for another, and the run that replaces it no longer
    carries the form's submission."""
    authenticator.login(token={"username": username})
    st.session_state[LOGIN_TIME_KEY] = time.time()
    record = load_users(settings.users_file).get(username)
    if record is None or settings.session_expiry_days == 0:
        return None
    # the cookie's expiry, fixed now: the session id is made of it, the cookie will carry it
    expires = time.time() + settings.session_expiry_days * 86400
    _open(settings, username, record, expires)
    cookie.write_later(username, expires)
    user = current_user(settings)
    if user is not None:
        audit_for(settings, "login_success", user.username, user, {"via": "formulaire"})
    return user


def restore_from_cookie(
    authenticator: AuthenticationController, settings: PortalSettings
) -> CurrentUser | None:
    """A new browser session of a user who logged in earlier, from the signed cookie."""
    token = cookie.read(settings)
    record = load_users(settings.users_file).get(token["username"]) if token else None
    if token is None or record is None:
        return None
    sid = session_id(token["username"], token["exp_date"])
    entry = session_registry(settings).get(sid)
    if entry is None or entry.fingerprint != password_fingerprint(record.password):
        return None  # a signed cookie of a session that was closed: the login form
    authenticator.login(token=token)
    st.session_state[SESSION_ID_KEY] = sid
    # The session ends when the cookie does, not one expiry after this page load.
    expiry = settings.session_expiry_days * 86400
    st.session_state[LOGIN_TIME_KEY] = float(token["exp_date"]) - expiry
    user = current_user(settings)
    if user is not None:
        audit_for(settings, "login_success", user.username, user, {"via": "cookie"})
    return user
