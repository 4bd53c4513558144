"""The login form, the logout button and the session flow that `Home.py` runs on every rerun.

The portal draws its own form rather than `Authenticate.login()`: the attempt must be counted
before the password is checked, with the submitted username, which the library's form does not
expose. `ui.shell.login_attempts.check_login` reserves, checks (bcrypt) and audits the attempt;
streamlit-authenticator then stores the login state in the session and signs the
re-authentication cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st
import streamlit_authenticator as stauth

from store.login_throttle import format_wait
from ui.shell.auth import (
    STATUS_KEY,
    CurrentUser,
    build_authenticator,
    current_user,
    end_reason,
    end_session,
    restore_from_cookie,
    start_session,
)
from ui.shell.login_attempts import check_login
from ui.shell.settings import PortalSettings

FORM_KEY = "connexion"
USERNAME_WIDGET, PASSWORD_WIDGET = "connexion_identifiant", "connexion_mot_de_passe"
LOGOUT_WIDGET = "deconnexion"
# Why the login form is back (logout, expiry): kept until the next login, because the cookie
# component reruns the app right after a logout and a one-run message would vanish at once.
NOTICE_KEY = "_peuplement_notice"
# Why an open session ended without its user clicking « Se déconnecter ».
END_NOTICES = {
    "session_expiree": "Votre session a expiré : reconnectez-vous.",
    "session_fermee": "Votre session a été fermée (déconnexion ailleurs, mot de passe changé, "
    "compte désactivé ou déconnexion générale) : reconnectez-vous.",
}
# The app uses the wide layout for tables and maps; a login form reads better at a page's width.
LOGIN_WIDTH_PX = 760


def portal_session(
    settings: PortalSettings, *, intro: str, sidebar: Callable[[CurrentUser], None]
) -> CurrentUser | None:
    """The logged-in user after this run's logins and logouts; None while the form is shown.

    `sidebar(user)` draws who is logged in, above the logout button.
    """
    authenticator = build_authenticator(settings)
    user = current_user(settings)
    if user is None and st.session_state.get(STATUS_KEY) is True:
        reason = end_reason(settings)
        end_session(authenticator, settings, reason)
        st.session_state[NOTICE_KEY] = ("info", END_NOTICES[reason])
    elif user is not None:
        sidebar(user)
        logout_button(authenticator, settings)
        return user
    # After a logout (in the button's callback, before this run) the library refuses the cookie,
    # so only the form can log in.
    user = restore_from_cookie(authenticator, settings) or login_form(
        authenticator, settings, intro
    )
    if user is not None:
        st.session_state.pop(NOTICE_KEY, None)
        sidebar(user)
        logout_button(authenticator, settings)
    return user


def logout_button(authenticator: stauth.Authenticate, settings: PortalSettings) -> None:
    """A sidebar button. The session ends in its callback, before the next run, so that run
    draws nothing of it: the sidebar is left empty (no name, scope or button drawn before the
    click was seen), and the navigation holds the login page only."""
    st.sidebar.button(
        "Se déconnecter",
        key=LOGOUT_WIDGET,
        icon=":material/logout:",
        width="stretch",
        on_click=_log_out,
        args=(authenticator, settings),
    )


def _log_out(authenticator: stauth.Authenticate, settings: PortalSettings) -> None:
    end_session(authenticator, settings)
    st.session_state[NOTICE_KEY] = ("success", "Vous êtes déconnecté·e.")


def login_form(
    authenticator: stauth.Authenticate, settings: PortalSettings, intro: str = ""
) -> CurrentUser | None:
    """Render the login form; on a good password return the user (the form is then removed)."""
    placeholder = st.empty()
    with placeholder.container(width=LOGIN_WIDTH_PX):
        notice = st.session_state.get(NOTICE_KEY)
        if notice:
            kind, text = notice
            (st.success if kind == "success" else st.info)(text)
        st.title("Portail peuplement : connexion")
        if intro:
            st.markdown(intro)
        # clear_on_submit: the password does not stay in the session once the form is processed
        with st.form(FORM_KEY, clear_on_submit=True):
            username = st.text_input("Identifiant", key=USERNAME_WIDGET, autocomplete="username")
            password = st.text_input(
                "Mot de passe",
                type="password",
                key=PASSWORD_WIDGET,
                autocomplete="current-password",
            )
            submitted = st.form_submit_button("Se connecter", type="primary")
        message = st.empty()
    # The password has been read: drop it from the session rather than keep it until the next run.
    st.session_state.pop(PASSWORD_WIDGET, None)
    if not submitted:
        return None
    if not username.strip() or not password:
        message.warning("Saisissez votre identifiant et votre mot de passe.")
        return None
    user = _check_password(authenticator, settings, username, password, message)
    if user is not None:
        placeholder.empty()
    return user


def _check_password(
    authenticator: stauth.Authenticate,
    settings: PortalSettings,
    username: str,
    password: str,
    message: Any,
) -> CurrentUser | None:
    attempt = check_login(settings, username, password)
    if attempt.username is not None:
        # The password was checked by check_login (bcrypt): the library only stores the login
        # state in the session, as it does for its own cookie, and signs the cookie.
        return start_session(authenticator, settings, attempt.username)  # audited there
    if attempt.busy:
        message.error(
            "Trop de connexions simultanées sur ce compte : réessayez dans quelques secondes."
        )
    elif attempt.locked:
        message.error(_locked_message(attempt.remaining_seconds))
    else:
        message.error(
            "Identifiant ou mot de passe incorrect. "
            f"Encore {attempt.attempts_left} essai(s) avant un verrouillage de "
            f"{format_wait(settings.lockout_seconds)}."
        )
    return None


def _locked_message(remaining_seconds: int) -> str:
    return (
        "Trop d'essais infructueux : ce compte est verrouillé temporairement. "
        f"Réessayez dans {format_wait(remaining_seconds)}."
    )
