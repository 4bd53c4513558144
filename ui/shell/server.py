"""Start the portal: `python -m ui.shell.server [options of streamlit run]` (what `make run` runs).

Our pages live in a folder named `pages/` next to Home.py, so Streamlit (1.67) starts each server
process in its legacy `pages/` folder mode, until the first `st.navigation` call switches it off
for the whole process. Every session whose first run starts before that (all the browsers that
reconnect just after a restart) is served by the legacy mode once, then rerun: the login form is
drawn again and what was typed is lost (9 logins out of 10, measured after a restart). Switching
the mode off here, once, before the server accepts any request, makes the first requests after a
restart like any other. (`streamlit run Home.py` still works: `ui.shell.navigation` then switches the
mode off on the first run, with one rerun.)
"""

from __future__ import annotations

import sys
from pathlib import Path

from streamlit.runtime.pages_manager import PagesManager
from streamlit.web import cli

HOME = Path(__file__).resolve().parents[2] / "Home.py"


def start_server(options: list[str]) -> None:
    """`streamlit run Home.py *options`, in this process, the legacy pages mode already off."""
    PagesManager.uses_pages_directory = False  # Streamlit's flag: None = "look for pages/"
    sys.argv = ["streamlit", "run", str(HOME), *options]
    cli.main()  # click: parses sys.argv, runs the server until it stops, then exits


if __name__ == "__main__":
    start_server(sys.argv[1:])
