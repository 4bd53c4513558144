"""The load harness's arithmetic, on results small enough to check by hand (the harness itself
drives real browsers: `make load`)."""

from __future__ import annotations

import time

import pytest

from loadtest.__main__ import main
from loadtest.report import _percentile, markdown, summary
from loadtest.sessions import BROWSERS, FORM, MAP_DRAWN, arrivals, default_browser


def test_percentiles_and_counts_of_a_small_run():
    results = [
        ("Accueil", "direction.demo", 1.0, 0, None),
        ("Accueil", "partenaire.voironnais", 3.0, 1, None),
        ("Carte", "direction.demo", 2.0, 0, None),
        ("erreur", "partenaire.voironnais", None, 0, "TimeoutError: Carte"),
    ]
    found = summary(results, sessions=2, cpu_s=6.0, peak_rss_mb=512.0)
    assert found["pages"]["Accueil"] == {
        "n": 2,
        "p50_s": 2.0,
        "p95_s": 3.0,
        "max_s": 3.0,
        "lost": 1,
    }
    assert found["pages"]["Carte"]["lost"] == 0
    assert found["pages"]["Carte"]["n"] == 1 and "Tableau de bord" not in found["pages"]
    assert (found["page_views"], found["lost_actions"]) == (3, 1)
    assert found["server_cpu_s_per_view"] == pytest.approx(2.0)
    assert found["errors"] == ["TimeoutError: Carte"]
    text = markdown(found)
    assert "| Accueil | 2 | 2.00 | 3.00 | 3.00 | 1 |" in text
    assert "Erreurs : 1 ; actions perdues (clic refait) : 1" in text
    assert "2.00 s par vue" in text


def test_percentile_is_the_nearest_rank():
    values = [float(v) for v in range(1, 21)]  # 1 … 20
    assert _percentile(values, 0.95) == 19.0  # round(0.95 × 19) = 18 → the 19th value
    assert _percentile(values, 0.5) == 11.0  # round(9.5) = 10 (banker's) → the 11th value
    assert _percentile([4.0], 0.95) == 4.0


def test_arrivals_are_spread_evenly_from_the_first_session():
    assert arrivals(5, 60.0) == [0.0, 15.0, 30.0, 45.0, 60.0]
    assert arrivals(3, 0.0) == [0.0, 0.0, 0.0]  # the default: all at the same moment
    assert arrivals(1, 60.0) == [0.0]


def test_the_rest_of_the_machine_and_the_spread_are_reported():
    results = [
        ("Accueil", "direction.demo", 1.0, 0, None),
        ("Carte", "direction.demo", 2.0, 0, None),
    ]
    found = summary(results, 1, cpu_s=0.5, peak_rss_mb=300.0, machine_cpu_s=2.5, spread_s=60.0)
    assert found["other_cpu_s"] == pytest.approx(2.0)  # 2.5 s busy in all, 0.5 s the server's
    text = markdown(found)
    assert text.startswith("Sessions : 1 (arrivées étalées sur 60 s), habitués")
    assert "Navigateurs et banc (même machine) : 2.0 s de CPU, 1.00 s par vue" in text
    assert "toutes au même instant" in markdown(summary(results, 1, 0.5, 300.0))
    assert "Machine occupée" not in text  # no wall time given: no share


def test_how_busy_the_machine_was_is_reported():
    results = [("Accueil", "direction.demo", 1.0, 0, None)]
    # 2 cores for 50 s offer 100 CPU-s; 95 were spent (server 15, browsers and harness 80)
    found = summary(results, 1, 15.0, 300.0, machine_cpu_s=95.0, wall_s=50.0, cores=2)
    assert found["machine_busy"] == pytest.approx(0.95)
    assert "Machine occupée à 95 % pendant les 50 s du passage" in markdown(found)


def test_the_login_form_is_a_part_of_accueil_not_a_view():
    results = [
        (FORM, "direction.demo", 0.5, 0, None),
        ("Accueil", "direction.demo", 1.5, 0, None),
        (FORM, "partenaire.voironnais", 2.5, 0, None),
        ("Accueil", "partenaire.voironnais", 4.0, 0, None),
    ]
    found = summary(results, 2, cpu_s=1.0, peak_rss_mb=300.0)
    assert found["page_views"] == 2 and FORM not in found["pages"]
    assert found["login_form"] == {"n": 2, "p50_s": 1.5, "p95_s": 2.5, "max_s": 2.5}
    assert "médiane 1.50 s, p95 2.50 s, max 2.50 s" in markdown(found)
    assert summary(results[1::2], 2, 1.0, 300.0)["login_form"] is None


def test_the_map_drawn_is_reported_beside_the_carte_not_as_a_view():
    results = [
        ("Carte", "direction.demo", 0.4, 0, None),
        (MAP_DRAWN, "direction.demo", 2.4, 0, None),
        ("Carte", "partenaire.voironnais", 0.6, 0, None),
        (MAP_DRAWN, "partenaire.voironnais", 3.0, 0, None),
        ("Carte", "clientele.demo", 1.0, 0, None),
        (MAP_DRAWN, "clientele.demo", 5.0, 0, None),
    ]
    found = summary(results, 3, cpu_s=1.5, peak_rss_mb=300.0)
    assert found["page_views"] == 3 and MAP_DRAWN not in found["pages"]
    assert found["pages"]["Carte"]["p50_s"] == 0.6
    assert found["map_drawn"] == {"n": 3, "p50_s": 3.0, "p95_s": 5.0, "max_s": 5.0}
    assert "« Carte dessinée » (clic → premier dessin de la carte" in markdown(found)
    assert "médiane 3.00 s, p95 5.00 s, max 5.00 s" in markdown(found)
    assert summary(results[::2], 3, 1.5, 300.0)["map_drawn"] is None
    assert markdown(found | {"maps_drawn": True}).splitlines()[0].endswith(", cartes dessinées")


@pytest.mark.parametrize("spread", ["-1", "601"])
def test_a_spread_out_of_bounds_is_refused_before_anything_starts(spread, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--sessions", "2", "--spread", spread])
    assert stopped.value.code == 2
    assert "--spread : entre 0 et 600 secondes" in capsys.readouterr().err


def test_the_headless_shell_is_preferred_when_installed_and_the_report_names_the_browser():
    installed = {BROWSERS["chromium"]}
    assert default_browser(lambda path: path in installed) == "chromium"
    installed.add(BROWSERS["headless-shell"])
    assert default_browser(lambda path: path in installed) == "headless-shell"
    found = summary([("Accueil", "direction.demo", 1.0, 0, None)], 1, 0.5, 300.0)
    found["browser"] = "chromium"
    assert markdown(found).splitlines()[0].endswith(", navigateur chromium")


def test_a_browser_not_installed_is_named_with_its_package(monkeypatch, capsys):
    monkeypatch.setitem(BROWSERS, "chromium", "/nonexistent/chromium")
    with pytest.raises(SystemExit) as stopped:
        main(["--sessions", "1", "--browser", "chromium"])
    assert stopped.value.code == 2
    assert "/nonexistent/chromium introuvable : apt-get install chromium" in capsys.readouterr().err


class _FakePage:
    """What `_ready` and `_busy` ask of a page (a script evaluated in it): the title is shown once
    `ready` is set; no run is ever in progress."""

    ready = False

    async def evaluate(self, script, arg):
        from loadtest.sessions import READY_JS

        return self.ready if script == READY_JS else False


def test_a_click_is_lost_only_when_nothing_shows_it_was_taken():
    import asyncio
    import time

    from loadtest.sessions import _arrived

    began = time.perf_counter()
    assert asyncio.run(_arrived(_FakePage(), "Accueil", began)) is False  # nothing took it

    async def not_taken():
        return False

    assert asyncio.run(_arrived(_FakePage(), "Accueil", began, taken=not_taken)) is False

    page = _FakePage()

    async def taken():  # the login form is gone; the page comes a moment later
        page.ready = True
        return True

    assert asyncio.run(_arrived(page, "Accueil", began, taken=taken)) is True


def test_only_a_request_for_a_run_counts_as_a_click_taken():
    import asyncio

    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ClientState_pb2 import ClientState

    from loadtest.sessions import _asks_for_run, _RunRequests

    rerun = BackMsg(rerun_script=ClientState(page_script_hash="abc")).SerializeToString()
    heartbeat = BackMsg(app_heartbeat=True).SerializeToString()
    assert _asks_for_run(rerun)
    assert not _asks_for_run(heartbeat)
    timed = ClientState(page_script_hash="abc", is_auto_rerun=True)  # a fragment's run_every
    assert not _asks_for_run(BackMsg(rerun_script=timed).SerializeToString())
    assert not _asks_for_run(b"\xff\xff not a message")

    class Socket:
        def on(self, event, handler):
            assert event == "framesent"
            self.send = handler

    class Page:
        def on(self, event, handler):
            assert event == "websocket"
            self.open = handler

    page, socket = Page(), Socket()
    requests = _RunRequests(page)
    page.open(socket)  # the page opens its websocket

    clicked = time.perf_counter()
    taken = requests.taken(clicked)
    assert asyncio.run(taken()) is False  # nothing sent yet
    socket.send(heartbeat)
    socket.send("a text frame")
    assert asyncio.run(taken()) is False  # sent, but not a request for a run
    socket.send(rerun)
    assert asyncio.run(taken()) is True
    assert asyncio.run(requests.taken(time.perf_counter())()) is False  # a later click: not yet
