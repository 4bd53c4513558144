"""A stand-in for one portal server process in the two-process test: it builds its settings from
the environment as the portal does (PEUPLEMENT_DATABASE_URL), then answers one JSON command per
line on stdin — open or close a session, check it, comment, read a thread — using the portal's
own code paths (ui.shell.settings, ui.shell.auth's registry, store.concertation)."""

from __future__ import annotations

import json
import os
import sys

from semantic.scope import Scope
from store.concertation import Actor, ObjectRef
from store.sessions import SessionEntry, session_id
from store.threads import add_comment, thread
from ui.shell.auth import session_registry
from ui.shell.settings import read_settings

USERS = {
    "direction.demo": Actor("direction.demo", "manager", "Bailleur", Scope.internal("manager")),
    "partenaire.voironnais": Actor(
        "partenaire.voironnais",
        "partenaire",
        "CA du Pays Voironnais",
        Scope("partenaire", epci=("243800984",)),
    ),
}
TARGET = ObjectRef("objectif", "T1-243800984:2026", "T1 · Pays Voironnais", "243800984")


def main() -> None:
    settings = read_settings(os.environ)
    store, registry = settings.store, session_registry(settings)
    print(json.dumps({"ready": os.getpid(), "dialect": store.dialect}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        op, user = command["op"], command.get("user")
        if op == "open_session":
            sid = session_id(user, 4e9)
            registry.open(sid, SessionEntry(user, 4e9, "empreinte"))
            answer = {"sid": sid}
        elif op == "session_valid":
            answer = {"valid": registry.get(command["sid"]) is not None}
        elif op == "logout":
            registry.close(command["sid"])
            answer = {"closed": True}
        elif op == "comment":
            made = add_comment(store, USERS[user], TARGET, command["body"])
            answer = {"id": made.id}
        elif op == "thread":
            answer = {"bodies": [c.body for c in thread(store, USERS[user], TARGET)]}
        else:
            answer = {"error": op}
        print(json.dumps(answer | {"pid": os.getpid()}), flush=True)


if __name__ == "__main__":
    main()
