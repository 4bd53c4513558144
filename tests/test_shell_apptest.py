"""The portal shell driven with AppTest: login, lockout, logout, the role-filtered navigation, the
page guards, and attempts to widen a partner's scope.

Demo mode (the demo accounts of data/demo_users.yaml) over the hand-written tiny data root, with
the audit trail in a temporary folder.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

import bcrypt
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from semantic.scope import ROLES, Scope
from store.login_throttle import LoginThrottle, format_wait
from tests.apptest_support import ACCOUNTS as DEMO_ACCOUNTS
from tests.apptest_support import HOME, portal, steady_navigation, stored_text
from ui.shell import audit
from ui.shell.access import PAGE_IDS, can_open
from ui.shell.auth import LOGIN_TIME_KEY, ROLE_LABELS
from ui.shell.cookie import PENDING_KEY as COOKIE_PENDING_KEY
from ui.shell.login import PASSWORD_WIDGET, USERNAME_WIDGET
from ui.shell.navigation import page_path
from ui.shell.settings import LOCKOUT_MINUTES, MAX_FAILED_LOGINS

PARTNER, PARTNER_PASSWORD = "partenaire.voironnais", "Demo-Voironnais-2026!"
PARTNER_SCOPE = Scope(role="partenaire", epci=("243800984",))


@pytest.fixture(autouse=True)
def steady_state_navigation(monkeypatch):
    steady_navigation(monkeypatch)


@pytest.fixture(autouse=True)
def portal_env(monkeypatch, tmp_path, tiny_root):
    return portal(monkeypatch, tmp_path, tiny_root)


@pytest.fixture
def audit_file(portal_env):
    return portal_env


def app(username: str | None = None, script: str = HOME) -> AppTest:
    """An AppTest whose session is logged in as `username`, as streamlit-authenticator stores it."""
    at = AppTest.from_file(script, default_timeout=60)
    at.secrets["unrelated"] = "x"  # never read a developer's real secrets.toml
    if username:
        at.session_state["authentication_status"] = True
        at.session_state["username"] = username
        at.session_state["name"] = username
        at.session_state["email"] = None
        at.session_state["roles"] = None
        at.session_state["logout"] = None
    return at


def submit_login(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key=USERNAME_WIDGET).input(username)
    at.text_input(key=PASSWORD_WIDGET).input(password)
    return at.button[0].click().run()


def events(audit_file: Path, event: str | None = None) -> list[dict]:
    found = audit.read_events(audit_file)
    return [e for e in found if event is None or e["event"] == event]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def assert_login_form(at: AppTest) -> None:
    assert [t.value for t in at.title] == ["Portail peuplement : connexion"]
    assert [w.label for w in at.text_input] == ["Identifiant", "Mot de passe"]


# --- login and logout --------------------------------------------------------------------------


def test_logged_out_visitor_sees_only_the_login_form_and_the_demo_accounts():
    at = app().run()
    assert not at.exception
    assert_login_form(at)
    intro = at.markdown[0].value
    assert "Mode démonstration" in intro
    for username in DEMO_ACCOUNTS.values():
        assert f"`{username}`" in intro
    assert "Demo-" not in intro  # passwords are in the README, not on the page
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/accueil.py")


def test_good_password_opens_the_home_page_and_is_audited(audit_file):
    at = submit_login(app().run(), PARTNER, PARTNER_PASSWORD)
    assert not at.exception and not errors(at)
    assert [t.value for t in at.title] == ["Accueil"]
    assert [b.label for b in at.sidebar.button] == ["Se déconnecter"]
    assert PASSWORD_WIDGET not in at.session_state  # the password does not stay in the session
    (success,) = events(audit_file)
    assert success["event"] == "login_success"
    assert success["user"] == PARTNER and success["role"] == "partenaire"
    assert success["scope"] == {"national": False, "epci": ["243800984"], "communes": []}
    assert success["details"] == {"via": "formulaire"}


def test_bad_password_is_refused_and_audited(audit_file):
    at = submit_login(app().run(), PARTNER, "mauvais-mot-de-passe")
    assert_login_form(at)
    assert errors(at) == [
        "Identifiant ou mot de passe incorrect. "
        f"Encore {MAX_FAILED_LOGINS - 1} essai(s) avant un verrouillage de {LOCKOUT_MINUTES} min 0 s."
    ]
    (failure,) = events(audit_file)
    assert failure["event"] == "login_failure"
    assert failure["user"] == PARTNER and failure["role"] == "partenaire"
    assert failure["details"] == {"identifiant_connu": True}


def test_the_message_of_a_refused_login_stays_until_the_next_submission_which_logs_in(audit_file):
    """The form's callback leaves its message for the runs to show until the next submission (a
    rerun the browser asks for may stop the run that showed it); that submission of the same form
    (the password typed again) is checked as the first was."""
    at = submit_login(app().run(), PARTNER, "mauvais-mot-de-passe")
    (message,) = errors(at)
    at.run()  # a rerun the browser asks for: still shown
    assert errors(at) == [message]
    assert_login_form(at)
    at = submit_login(at, PARTNER, PARTNER_PASSWORD)
    assert [t.value for t in at.title] == ["Accueil"]
    assert COOKIE_PENDING_KEY not in at.session_state  # the signed cookie has been drawn
    assert [e["event"] for e in events(audit_file)] == ["login_failure", "login_success"]


def test_an_empty_submission_asks_for_both_fields():
    at = submit_login(app().run(), PARTNER, "")
    assert [w.value for w in at.warning] == ["Saisissez votre identifiant et votre mot de passe."]
    assert_login_form(at)


def test_unknown_account_gets_the_same_answer_and_its_name_is_not_logged(audit_file):
    at = submit_login(app().run(), "MotDePasseTapéPourIdentifiant", "x")
    assert errors(at)[0].startswith("Identifiant ou mot de passe incorrect.")
    (failure,) = events(audit_file)
    assert failure["user"] is None and failure["role"] is None
    assert failure["details"] == {"identifiant_connu": False}
    assert "MotDePasse" not in stored_text(audit_file)


def test_audit_never_contains_a_password(audit_file):
    at = submit_login(app().run(), PARTNER, "Mauvais-Essai-123")
    at = submit_login(at, PARTNER, PARTNER_PASSWORD)
    at.button(key="deconnexion").click().run()
    text = stored_text(audit_file)
    assert [e["event"] for e in events(audit_file)] == ["login_failure", "login_success", "logout"]
    assert "Mauvais-Essai-123" not in text and PARTNER_PASSWORD not in text
    assert "$2b$" not in text  # nor a hash


@pytest.mark.slow
def test_lockout_after_repeated_failures_shows_the_wait_and_holds_across_sessions(audit_file):
    at = app().run()
    for _ in range(MAX_FAILED_LOGINS):
        at = submit_login(at, PARTNER, "mauvais")
    wait = re.compile(
        r"^Trop d'essais infructueux : ce compte est verrouillé temporairement\. "
        rf"Réessayez dans ({LOCKOUT_MINUTES} min 0 s|{LOCKOUT_MINUTES - 1} min 5\d s)\.$"
    )
    assert wait.match(errors(at)[0]), errors(at)
    assert len(events(audit_file, "lockout")) == 1
    # the right password is not even checked while locked, in this session or a new one
    at = submit_login(at, PARTNER, PARTNER_PASSWORD)
    assert wait.match(errors(at)[0]) and [t.value for t in at.title][0].endswith("connexion")
    fresh = submit_login(app().run(), PARTNER, PARTNER_PASSWORD)
    assert wait.match(errors(fresh)[0])
    assert not events(audit_file, "login_success")
    assert events(audit_file, "login_failure")[-1]["details"] == {"motif": "compte_verrouille"}
    # other accounts are not affected
    other = submit_login(app().run(), "direction.demo", "Demo-Direction-2026!")
    assert [t.value for t in other.title] == ["Accueil"]


def test_logout_returns_to_the_login_form_and_is_audited(audit_file):
    at = app(PARTNER).run()
    assert [t.value for t in at.title] == ["Accueil"]
    at.button(key="deconnexion").click().run()
    assert not at.exception
    assert_login_form(at)
    assert [s.value for s in at.success] == ["Vous êtes déconnecté·e."]
    assert at.session_state["authentication_status"] is None
    # the sidebar is left empty (issue 21): no name, role, scope or logout button of the
    # session that just ended, no page link
    left = [e for e in at.sidebar if type(e).__name__ not in ("SpecialBlock", "Block")]
    assert not left, left
    (logout,) = events(audit_file, "logout")
    assert logout["user"] == PARTNER and logout["role"] == "partenaire"
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/carte.py")


def test_an_open_session_expires_like_the_cookie(audit_file):
    at = app(PARTNER)
    at.session_state[LOGIN_TIME_KEY] = time.time() - 2 * 86400
    at.run()
    assert_login_form(at)
    assert [i.value for i in at.info] == ["Votre session a expiré : reconnectez-vous."]
    assert events(audit_file, "logout")[0]["details"] == {"motif": "session_expiree"}


def test_an_account_removed_from_the_users_file_is_out_at_the_next_rerun(monkeypatch, tmp_path):
    users = tmp_path / "users.yaml"
    hashed = bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode()
    record = f'name: P\n    password: "{hashed}"\n    role: partenaire\n    territoires: {{epci: ["200040715"]}}'
    users.write_text(f"usernames:\n  p.test:\n    {record}\n", encoding="utf-8")
    monkeypatch.setenv("PEUPLEMENT_DEMO", "0")
    monkeypatch.setenv("PEUPLEMENT_USERS_FILE", str(users))
    monkeypatch.setenv("PEUPLEMENT_COOKIE_KEY", secrets.token_urlsafe(32))
    at = app("p.test").run()
    assert [t.value for t in at.title] == ["Accueil"]
    users.write_text(f"usernames:\n  q.test:\n    {record}\n", encoding="utf-8")
    at.run()
    assert_login_form(at)


# --- the lockout rule, with a clock we control --------------------------------------------------


def test_throttle_locks_after_n_failures_in_the_window_then_forgets(store):
    now = [1000.0]
    throttle = LoginThrottle(
        store,
        secret="clé de test",
        max_failures=3,
        window_seconds=600,
        lockout_seconds=900,
        clock=lambda: now[0],
    )
    assert throttle.reserve("Bob ").status.attempts_left == 2  # names are normalised
    now[0] += 700  # the first failure leaves the window
    assert throttle.reserve("bob").status.attempts_left == 2
    assert throttle.reserve("bob").status.attempts_left == 1
    assert throttle.reserve("BOB").allowed  # the third is still checked...
    busy = throttle.reserve("bob")  # ...while a fourth waits: three are counted or in flight
    assert not busy.allowed and busy.busy
    locked = throttle.record_failure("bob")  # a failure confirmed at the limit locks, once
    assert locked.locked and locked.started_lockout and locked.remaining_seconds == 900
    assert not throttle.record_failure("bob").started_lockout
    refused = throttle.reserve("bob")
    assert not refused.allowed and not refused.busy and refused.status.locked
    now[0] += 899.5
    assert throttle.status("bob").remaining_seconds == 1
    now[0] += 1
    assert throttle.status("bob") == throttle.status("someone-else")
    assert not throttle.status("bob").locked


def test_throttle_success_resets_and_state_table_stays_small(store):
    now = [0.0]
    throttle = LoginThrottle(
        store,
        secret="clé de test",
        max_failures=3,
        window_seconds=60,
        lockout_seconds=60,
        clock=lambda: now[0],
    )
    throttle.reserve("a")
    throttle.record_success("a")
    assert throttle.status("a").attempts_left == 3
    for n in range(50):
        throttle.reserve(f"spray{n}")
    now[0] += 61
    throttle.reserve("last")
    assert throttle.keys() == {throttle.key("last")}


@pytest.mark.parametrize(("seconds", "text"), [(900, "15 min 0 s"), (61, "1 min 1 s"), (9, "9 s")])
def test_wait_is_written_in_french(seconds, text):
    assert format_wait(seconds) == text


# --- navigation and guards -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_navigation_lists_exactly_the_pages_the_role_may_open(role, audit_file):
    """Allowed pages are registered and pass their guard inside the Home.py frame; the others
    are not registered at all. (What each page draws is tested with the page itself.)"""
    at = app(DEMO_ACCOUNTS[role]).run()
    assert not at.exception and [t.value for t in at.title] == ["Accueil"]
    for page_id in PAGE_IDS:
        if can_open(role, page_id):
            at.switch_page(f"pages/{page_id}.py").run()
            assert not [e for e in errors(at) if e.startswith("Accès refusé")], page_id
            assert not at.warning or "Connectez-vous" not in at.warning[0].value, page_id
            assert [b.label for b in at.sidebar.button] == ["Se déconnecter"], page_id
        else:
            with pytest.raises(ValueError, match="Could not find a navigation page"):
                at.switch_page(f"pages/{page_id}.py")
    assert not events(audit_file, "access_refused")


REFUSED = [(role, p) for role in ROLES for p in PAGE_IDS if not can_open(role, p)]


@pytest.mark.parametrize(("role", "page_id"), REFUSED)
def test_page_guard_refuses_a_role_not_allowed_and_audits_it(role, page_id, audit_file):
    at = app(DEMO_ACCOUNTS[role], script=str(page_path(page_id))).run()
    assert not at.exception
    assert errors(at)[0].startswith("Accès refusé : page non autorisée pour votre rôle")
    assert len(at.title) == 0  # the page stopped before drawing anything
    (refused,) = events(audit_file, "access_refused")
    assert refused["user"] == DEMO_ACCOUNTS[role] and refused["role"] == role
    assert refused["details"] == {"page": page_id}


@pytest.mark.parametrize(("role", "page_id"), REFUSED)
def test_a_refused_page_typed_as_a_url_says_so_and_is_audited(role, page_id, audit_file):
    """What a browser does for /<page_id>: a run whose page is the one registered under that URL
    (AppTest's switch_page finds pages by file, and a refused page has no file: the hash of its
    URL path is what Streamlit's router would pick)."""
    at = app(DEMO_ACCOUNTS[role]).run()
    at._page_hash = calc_hash(page_id)
    at.run()
    assert not at.exception
    assert errors(at) == [
        "Accès refusé : page non autorisée pour votre rôle "
        f"({ROLE_LABELS[role]}). Adressez-vous à l'administrateur du portail si vous pensez que "
        "c'est une erreur."
    ]
    assert [t.value for t in at.title] == []  # neither the page nor Accueil
    assert [b.label for b in at.sidebar.button] == ["Se déconnecter"]
    at.run()  # a rerun of the same visit (the cookie component reports back) is not a new refusal
    (refused,) = events(audit_file, "access_refused")
    assert refused["user"] == DEMO_ACCOUNTS[role] and refused["role"] == role
    assert refused["details"] == {"page": page_id, "via": "url"}


def test_refused_pages_cover_partners_and_staff():
    assert ("partenaire", "administration") in REFUSED and ("manager", "administration") in REFUSED
    assert not [p for role, p in REFUSED if role == "admin"]


@pytest.mark.parametrize("page_id", PAGE_IDS)
def test_page_guard_stops_a_visitor_who_is_not_logged_in(page_id, audit_file):
    at = app(script=str(page_path(page_id))).run()
    assert not at.exception and len(at.title) == 0
    assert [w.value for w in at.warning] == [
        "Connectez-vous depuis la page d'accueil du portail pour voir cette page."
    ]


# --- a partner cannot widen their scope ---------------------------------------------------------


def _scope_probe():
    import streamlit as st

    from ui.shell.auth import current_scope

    st.text(current_scope().cache_key())


def probe_scope(session: dict, query_params: dict | None = None) -> str:
    at = AppTest.from_function(_scope_probe, default_timeout=30)
    at.secrets["unrelated"] = "x"
    for key, value in session.items():
        at.session_state[key] = value
    for key, value in (query_params or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    return at.text[0].value


PARTNER_SESSION = {"authentication_status": True, "username": PARTNER}
WIDENING_PARAMS = {
    "epci": "200040715",
    "communes": "38185",
    "role": "admin",
    "scope": "national",
    "national": "true",
    "username": "admin.demo",
    "page": "administration",
}
WIDENING_SESSION = {
    "roles": ["admin"],
    "role": "admin",
    "scope": "admin|1||",
    "territoires": {"national": True},
    "epci": ["200040715", "200018166"],
    "national": True,
    "email": "admin.demo@example.invalid",
}


def test_current_scope_comes_from_the_users_file_only():
    assert probe_scope(PARTNER_SESSION) == PARTNER_SCOPE.cache_key()
    assert probe_scope(PARTNER_SESSION, WIDENING_PARAMS) == PARTNER_SCOPE.cache_key()
    assert probe_scope({**PARTNER_SESSION, **WIDENING_SESSION}) == PARTNER_SCOPE.cache_key()


@pytest.mark.parametrize(
    ("query_params", "session"),
    [(WIDENING_PARAMS, {}), ({}, WIDENING_SESSION)],
    ids=["query-params", "session-state"],
)
def test_partner_cannot_widen_navigation_or_home_by_query_params_or_session(query_params, session):
    at = app(PARTNER)
    for key, value in session.items():
        at.session_state[key] = value
    for key, value in query_params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception
    heading = at.markdown[0].value
    # the partner's EPCI by its name from the data (its code stays in the exports)
    assert re.search(r"Périmètre : \*\*CA du Pays Voironnais\*\*$", heading), heading
    assert "200040715" not in heading and "national" not in heading
    for page_id in ("administration", "residence", "aide_attribution", "objectifs_edition"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"pages/{page_id}.py")


def test_a_not_logged_in_session_cannot_claim_a_user_without_the_authenticator_flag():
    at = app()
    at.session_state["username"] = "admin.demo"
    at.session_state["authentication_status"] = "true"  # only the boolean True counts
    at.run()
    assert_login_form(at)


# --- the home page's figures, pinned against the query layer -----------------------------------


@pytest.mark.parametrize(
    ("username", "scope"),
    [(PARTNER, PARTNER_SCOPE), ("admin.demo", Scope.internal("admin"))],
    ids=["partner", "admin"],
)
def test_home_figures_are_those_of_evaluate_for_the_same_scope(
    monkeypatch, small_demo_root, username, scope
):
    from queries.engine import open_engine
    from queries.evaluate import evaluate
    from queries.targets import evaluate_targets
    from semantic.catalogue import load_catalogue
    from ui.shared.formats import value as shown_value
    from ui.shared.headline import STOCK_AND_FLOW, Figure, format_delta

    monkeypatch.setenv("PEUPLEMENT_DATA_DIR", str(small_demo_root))
    at = app(username).run()
    assert not at.exception and not errors(at)
    shown = {m.label: (m.value, m.delta) for m in at.metric}

    catalogue = load_catalogue()
    legal = {t.indicateur: t.id for t in catalogue.parameters.objectifs_legaux}
    engine = open_engine(small_demo_root)
    try:
        latest, previous = engine.snapshots[-1], engine.snapshots[-2]
        masked = []
        for indicator_id in (*STOCK_AND_FLOW, *legal):
            ind = catalogue.indicator(indicator_id)
            now = evaluate(engine, indicator_id, scope, snapshot=latest).iloc[0]
            before = evaluate(engine, indicator_id, scope, snapshot=previous).iloc[0]
            if now["masque"]:  # e.g. T2 on the partner's few allocations in QPV: "< 11"
                masked.append(indicator_id)
            figure = Figure(
                indicator_id,
                ind.label,
                ind.unit,
                None if now["masque"] else float(now["valeur"]),
                None if before["masque"] else float(before["valeur"]),
                bool(now["masque"]),
            )
            label = f"{legal[indicator_id]} · {ind.label}" if indicator_id in legal else ind.label
            # st.metric shows no delta as ""
            assert shown[label] == (figure.text, format_delta(figure) or ""), indicator_id
        # an EPCI's stock and turnover are never under the threshold; only a target may be
        assert not set(masked) & set(STOCK_AND_FLOW) and len(masked) < len(legal)
        targets = evaluate_targets(engine, scope, snapshot=latest)
        national = evaluate(engine, "nb_logements", Scope.internal("admin"), snapshot=latest)
    finally:
        engine.close()
    # counted as the Objectifs page counts: each target once, under the worse of its periods
    severity = ["non_atteint", "a_surveiller", "non_mesurable", "secret", "atteint"]
    worst = targets.groupby("objectif_id")["statut"].agg(lambda s: min(s, key=severity.index))
    not_met, to_watch = int((worst == "non_atteint").sum()), int((worst == "a_surveiller").sum())
    assert shown["Objectifs hors trajectoire"][0] == str(not_met + to_watch)
    captions = " ".join(c.value for c in at.caption)
    assert f"dont {not_met} non atteint(s) et {to_watch} à surveiller" in captions
    objectifs = app(username)
    objectifs.run()
    objectifs.switch_page("pages/objectifs.py").run()
    counted = {m.label: int(m.value) for m in objectifs.metric}
    assert counted["Objectifs non atteints"] == not_met
    assert counted["À surveiller"] == to_watch
    # T3 is rated réservataire by réservataire: the card says how many reach it, not one status
    # under the share of all allocations
    window = targets[targets["periode"] == "glissant_12_mois"]
    t3 = window[window["indicateur"] == "part_attributions_prioritaires"]  # a local one too
    text = " ".join(m.value for m in at.markdown)
    assert "Cible ≥ 25\u202f% pour chaque réservataire" in text
    assert (
        f"Cible atteinte par **{(t3['statut'] == 'atteint').sum()} réservataire(s) sur {len(t3)}**"
        in text
    )
    assert f"Photographie du {latest:%d/%m/%Y}" in " ".join(c.value for c in at.caption)
    assert [link.proto.page for link in at.get("page_link")][0].endswith("objectifs")
    if scope.national:
        assert shown["Nombre de logements"][0] == shown_value(
            national["valeur"].iloc[0], "logements"
        )
    else:
        # the partner's stock is their EPCI's, not the whole data root's
        assert shown["Nombre de logements"][0] != shown_value(
            national["valeur"].iloc[0], "logements"
        )
        assert set(targets["code"]) == {"243800984"}
        heading = at.markdown[0].value
        assert "Périmètre : **Communauté d'agglomération du Pays Voironnais**" in heading
        page_text = " ".join(m.value for m in at.markdown)
        assert "Grenoble-Alpes" not in page_text and "Grésivaudan" not in page_text


def test_home_on_the_tiny_root_shows_the_hand_computed_figures():
    """tests/tiny_data.py at 2025-12-31: 12 dwellings, 8 households, 2 vacant of 10 offered."""
    at = app("direction.demo").run()
    shown = {m.label: m.value for m in at.metric}
    assert shown["Nombre de logements"] == "12"
    assert shown["Nombre de ménages"] == "8"
    assert shown["Taux de vacance"] == "20,0\u202f%"


def test_partner_never_sees_a_figure_below_the_secrecy_threshold():
    """On the tiny root every figure of the partner's EPCI rests on fewer than 11 rows."""
    at = app(PARTNER).run()
    assert not at.exception
    figures = [m for m in at.metric if m.label != "Objectifs hors trajectoire"]
    assert len(figures) == 7
    assert {m.value for m in figures} == {"< 11"}
    assert {m.delta for m in figures} == {""}


def test_partner_whose_territory_is_not_in_the_data_gets_an_empty_state(monkeypatch, tmp_path):
    users = tmp_path / "users.yaml"
    hashed = bcrypt.hashpw(b"x", bcrypt.gensalt(4)).decode()
    users.write_text(
        "usernames:\n  g.test:\n    name: G\n"
        f'    password: "{hashed}"\n    role: partenaire\n    territoires: {{epci: ["200018166"]}}\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("PEUPLEMENT_DEMO", "0")
    monkeypatch.setenv("PEUPLEMENT_USERS_FILE", str(users))
    monkeypatch.setenv("PEUPLEMENT_COOKIE_KEY", secrets.token_urlsafe(32))
    at = app("g.test").run()  # the tiny root has no dwelling in Le Grésivaudan
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Aucun territoire de votre périmètre ne figure dans cette photographie."
    ]
    assert len(at.metric) == 0
