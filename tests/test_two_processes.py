"""Two portal server processes on one database (PostgreSQL, and SQLite for one machine): a comment
written in one appears in the other, and a logout in one revokes the session in the other.

Each process is tests/state_worker.py, which builds its settings from the environment exactly as
the portal does (PEUPLEMENT_DATABASE_URL) and drives the portal's own session registry and
concertation functions; both stay alive for the whole test, each with its own engine and pool.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Two portal processes started and driven side by side (and a PostgreSQL when one is configured):
# an integration test for `make test`, not one a change usually needs (`make test-fast`).
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


class Worker:
    def __init__(self, url: str, tmp_path: Path) -> None:
        env = {**os.environ, "PEUPLEMENT_DATABASE_URL": url, "PEUPLEMENT_DEMO": "1"}
        env["PEUPLEMENT_AUDIT_FILE"] = str(tmp_path / "audit" / "audit.jsonl")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.state_worker"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.hello = json.loads(self.process.stdout.readline())

    def ask(self, **command) -> dict:
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def stop(self) -> None:
        self.process.stdin.close()  # the worker's loop ends: it exits
        self.process.wait(timeout=30)
        self.process.stdout.close()


def test_a_comment_and_a_logout_cross_from_one_server_process_to_the_other(store_url, tmp_path):
    first, second = Worker(store_url, tmp_path), Worker(store_url, tmp_path)
    try:
        assert first.hello["ready"] != second.hello["ready"]  # two processes
        assert (
            first.hello["dialect"]
            == second.hello["dialect"]
            == store_url.split(":")[0].split("+")[0]
        )

        first.ask(op="comment", user="direction.demo", body="Écrit par le premier serveur")
        seen = second.ask(op="thread", user="partenaire.voironnais")
        assert seen["bodies"] == ["Écrit par le premier serveur"]
        second.ask(op="comment", user="partenaire.voironnais", body="Réponse du second")
        assert first.ask(op="thread", user="direction.demo")["bodies"][-1] == "Réponse du second"

        sid = first.ask(op="open_session", user="partenaire.voironnais")["sid"]
        assert second.ask(op="session_valid", sid=sid)["valid"] is True
        second.ask(op="logout", sid=sid)  # the user logs out on the other server
        assert first.ask(op="session_valid", sid=sid)["valid"] is False
    finally:
        first.stop()
        second.stop()
