"""The signed session cookie, without a component that reruns the page.

streamlit-authenticator draws a cookie component (extra-streamlit-components' CookieManager) on
every run of every page; once mounted it reports the browser's cookies back and Streamlit reruns
the page. That rerun came at random moments after a page loaded: keystrokes typed into the login
form were dropped, a widget chosen meanwhile was reset, a click on another page was followed by a
rerun of the previous one (three failed CI runs). So the portal keeps the library's login state
and cookie format, and handles the cookie itself:

- **read** from the HTTP request that opened the Streamlit session (`st.context.cookies`), which is
  when a signed cookie can log a new browser session in;
- **written and dropped** by a one-line script that the next run draws (`st.html` with its
  JavaScript allowed; no iframe, no round trip, no rerun). The script holds only the portal's own
  cookie name and a token signed here (base64url and dots), both written as JSON strings.

The token is the library's: an HS256 JWT of {"username", "exp_date"} signed with the cookie key.
"""

from __future__ import annotations

import json
import time
from email.utils import formatdate
from typing import Any

import jwt
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from ui.shell.settings import PortalSettings

# What the next run must do with the browser's cookie: ("poser", username, expiry) or ("effacer",).
PENDING_KEY = "_peuplement_cookie_a_ecrire"
# This browser session has logged out: the cookie it was opened with no longer logs it in.
LOGGED_OUT_KEY = "_peuplement_deconnecte"


def token(settings: PortalSettings, username: str, expires: float) -> str:
    """The signed token the cookie carries (streamlit-authenticator's format)."""
    return jwt.encode(
        {"username": username, "exp_date": expires}, settings.cookie_key, algorithm="HS256"
    )


def read(settings: PortalSettings) -> dict[str, Any] | None:
    """The signed, unexpired token this browser session was opened with; None otherwise (no
    cookie, a bad signature, expired, or this session logged out since)."""
    if st.session_state.get(LOGGED_OUT_KEY):
        return None
    return decode(settings, st.context.cookies.get(settings.cookie_name), time.time())


def decode(settings: PortalSettings, raw: str | None, now: float) -> dict[str, Any] | None:
    """{"username", "exp_date"} of a token signed with the cookie key and unexpired at `now`."""
    if not raw:
        return None
    try:
        claims = jwt.decode(raw, settings.cookie_key, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    username, expires = claims.get("username"), claims.get("exp_date")
    if not isinstance(username, str) or not isinstance(expires, int | float):
        return None
    if expires <= now:
        return None
    return {"username": username, "exp_date": float(expires)}


def write_later(username: str, expires: float) -> None:
    """Ask the next drawn run to set the cookie (a login)."""
    st.session_state.pop(LOGGED_OUT_KEY, None)
    st.session_state[PENDING_KEY] = ("poser", username, expires)


def drop_later() -> None:
    """Ask the next drawn run to drop the cookie (a logout, an expired or closed session)."""
    st.session_state[LOGGED_OUT_KEY] = True
    st.session_state[PENDING_KEY] = ("effacer",)


def script(settings: PortalSettings, pending: tuple[Any, ...]) -> str:
    """The `<script>` that sets or drops the cookie. `SameSite=Strict`; `Secure` when the page is
    served over HTTPS. An expiry in the past drops a cookie."""
    if pending[0] == "poser":
        _, username, expires = pending
        value = token(settings, username, expires)
    else:
        value, expires = "", 0
    attributes = f"; expires={formatdate(expires, usegmt=True)}; path=/; SameSite=Strict"
    cookie = json.dumps(f"{settings.cookie_name}={value}{attributes}")
    return (
        "<script>document.cookie = "
        f"{cookie} + (window.location.protocol === 'https:' ? '; Secure' : '');</script>"
    )


def flush(settings: PortalSettings, where: DeltaGenerator) -> None:
    """Draw the pending write or drop, if any, in `where` (the sidebar of a logged-in page, the
    login page's column); forgotten once drawn (a run stopped before that draws it on the next
    run)."""
    pending = st.session_state.get(PENDING_KEY)
    if pending is None:
        return
    where.html(script(settings, pending), unsafe_allow_javascript=True, width="content")
    st.session_state.pop(PENDING_KEY, None)
