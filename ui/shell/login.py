"""The login form, the logout button and the session flow that `Home.py` runs on every rerun.

The portal draws its own form rather than `Authenticate.login()`: the attempt must be counted
before the password is checked, with the submitted username, which the library's form does not
expose. `ui.shell.login_attempts.check_login` reserves, checks (bcrypt) and audits the attempt;
streamlit-authenticator then stores the login state in the session; `ui.shell.cookie` writes the
signed re-authentication cookie.
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit_authenticator.controllers import AuthenticationController

from store.login_throttle import format_wait
from ui.shell import cookie
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
# What the form's callback has to say under the form (a wrong password, a locked account), until
# the next submission.
MESSAGE_KEY = "_peuplement_message_connexion"
# Why the login form is back (logout, expiry): kept until the next login, whatever reruns the
# browser asks for meanwhile.
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
    elif user is not None:  # logged in: by an earlier run, the cookie, or the form's callback
        st.session_state.pop(NOTICE_KEY, None)
        cookie.flush(settings, st.sidebar)
        sidebar(user)
        logout_button(authenticator, settings)
        return user
    # After a logout (in the button's callback, before this run) the cookie this browser session
    # was opened with is refused, so only the form can log in.
    user = restore_from_cookie(authenticator, settings)
    if user is None:
        login_form(authenticator, settings, intro)
        cookie.flush(settings, st.container())  # a logout's or an expiry's drop
        return None
    st.session_state.pop(NOTICE_KEY, None)
    cookie.flush(settings, st.sidebar)
    sidebar(user)
    logout_button(authenticator, settings)
    return user


def logout_button(authenticator: AuthenticationController, settings: PortalSettings) -> None:
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


def _log_out(authenticator: AuthenticationController, settings: PortalSettings) -> None:
    end_session(authenticator, settings)
    st.session_state[NOTICE_KEY] = ("success", "Vous êtes déconnecté·e.")


def login_form(
    authenticator: AuthenticationController, settings: PortalSettings, intro: str = ""
) -> None:
    """Render the login form. The submission is handled in the button's callback (`_submit`),
    before the next run draws anything, so that no rerun the browser asks for meanwhile can drop
    it; that run finds the user logged in, or the message `_submit` left."""
    with st.container(width=LOGIN_WIDTH_PX):
        notice = st.session_state.get(NOTICE_KEY)
        if notice:
            kind, text = notice
            (st.success if kind == "success" else st.info)(text)
        st.title("Portail peuplement : connexion")
        if intro:
            st.markdown(intro)
        # clear_on_submit: the password does not stay in the session once the form is processed
        with st.form(FORM_KEY, clear_on_submit=True):
            st.text_input("Identifiant", key=USERNAME_WIDGET, autocomplete="username")
            st.text_input(
                "Mot de passe",
                type="password",
                key=PASSWORD_WIDGET,
                autocomplete="current-password",
            )
            st.form_submit_button(
                "Se connecter", type="primary", on_click=_submit, args=(authenticator, settings)
            )
        message = st.session_state.get(MESSAGE_KEY)
        if message:  # kept until the next submission: a rerun the browser asks for may stop the
            # run that showed it, and the next run shows it again
            kind, text = message
            (st.warning if kind == "warning" else st.error)(text)
    # A password is read (and dropped) by the callback. Dropped here too should one be left; never
    # an empty one: dropping the key unbinds the widget, and the next submission's callback
    # would not find the password typed.
    if st.session_state.get(PASSWORD_WIDGET):
        st.session_state.pop(PASSWORD_WIDGET, None)


def _submit(authenticator: AuthenticationController, settings: PortalSettings) -> None:
    """The form's callback: check the submitted identifiant and password; log in, or leave the
    message to show under the form."""
    username = str(st.session_state.get(USERNAME_WIDGET) or "")
    password = str(st.session_state.pop(PASSWORD_WIDGET, None) or "")
    st.session_state.pop(MESSAGE_KEY, None)
    if not username.strip() or not password:
        st.session_state[MESSAGE_KEY] = (
            "warning",
            "Saisissez votre identifiant et votre mot de passe.",
        )
        return
    attempt = check_login(settings, username, password)
    if attempt.username is not None:
        # The password was checked by check_login (bcrypt): the library only stores the login
        # state in the session, as it does for a cookie's token.
        start_session(authenticator, settings, attempt.username)  # audited there
        return
    if attempt.busy:
        text = "Trop de connexions simultanées sur ce compte : réessayez dans quelques secondes."
    elif attempt.locked:
        text = _locked_message(attempt.remaining_seconds)
    else:
        text = (
            "Identifiant ou mot de passe incorrect. "
            f"Encore {attempt.attempts_left} essai(s) avant un verrouillage de "
            f"{format_wait(settings.lockout_seconds)}."
        )
    st.session_state[MESSAGE_KEY] = ("error", text)


def _locked_message(remaining_seconds: int) -> str:
    return (
        "Trop d'essais infructueux : ce compte est verrouillé temporairement. "
        f"Réessayez dans {format_wait(remaining_seconds)}."
    )
