"""Load harness: many real browser sessions against one portal server (``make load``).

Each session is a headless Chromium context driven by Playwright (Debian's chromium-headless-shell,
the browser Playwright runs headless, or with `--browser chromium` the full /usr/bin/chromium) that
logs in with one of the four demo roles and opens Accueil, Tableau de bord, Objectifs et alertes
and Carte, like a user clicking the sidebar. All sessions start at the same moment, or evenly over
`--spread S` seconds (twenty partners opening the portal in the same minute). The harness
prints, per page, the median and 95th percentile of the time from the click to the page being
ready (its title shown and no script run in progress), the errors, the lost actions (a click after
which the page did not come within 20 s, with no run in progress and no run asked of the server
since the click: nothing was working on it; clicked again — a run in progress, or a request for
one sent by the browser, is a slow page, waited for), the server's CPU seconds per
page view and its peak resident memory, and the CPU the rest of the machine spent (the browsers
and the harness: on the server's own cores here, on the users' machines in life). Loopback only,
bounded in sessions, spread and time.
"""
