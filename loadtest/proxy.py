"""Several portal server processes behind one reverse proxy, as a team would run the portal for
more users than one process serves (docs/deploiement.md).

Streamlit keeps a user's session in the server process that holds its WebSocket, and serves the
files of download buttons from that process's memory: every request of a browser must reach the
same process. HAProxy (Debian's `haproxy` package) does that with a cookie it inserts on the first
response (`cookie PORTAIL insert`): sticky sessions without any change to the portal. The
processes share the engine database file (built once, next to the data root) and the state store
(sessions, audit trail, login throttle, concertation), here one SQLite file; PostgreSQL through
PEUPLEMENT_DATABASE_URL in production.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from loadtest.server import free_port, serve, wait_for_health

HAPROXY = "haproxy"


def haproxy_config(port: int, backends: list[str]) -> str:
    """A minimal HAProxy configuration: loopback front on `port`, one server per backend URL
    (http://127.0.0.1:PORT), sticky by an inserted cookie, WebSockets kept open an hour."""
    servers = "\n".join(
        f"    server p{i} {url.removeprefix('http://')} cookie p{i} check"
        for i, url in enumerate(backends)
    )
    return f"""global
    maxconn 2000

defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h

frontend portail
    bind 127.0.0.1:{port}
    default_backend streamlit

backend streamlit
    balance roundrobin
    cookie PORTAIL insert indirect nocache
    option httpchk GET /_stcore/health
{servers}
"""


@contextmanager
def behind_proxy(
    state_dir: Path, data_root: Path, processes: int
) -> Iterator[tuple[str, list[subprocess.Popen]]]:
    """`processes` portal servers sharing one state store, behind HAProxy on a free loopback
    port; yields the proxy's URL and the server processes (stopped after, with the proxy)."""
    if shutil.which(HAPROXY) is None:
        raise RuntimeError("haproxy introuvable : apt-get install haproxy")
    shared = f"sqlite:///{state_dir / 'etat.sqlite'}"
    previous = os.environ.get("PEUPLEMENT_DATABASE_URL")
    os.environ["PEUPLEMENT_DATABASE_URL"] = shared  # read by every server started below
    try:
        with ExitStack() as stack:
            servers = []
            for i in range(processes):
                folder = state_dir / f"processus-{i + 1}"
                folder.mkdir()
                servers.append(stack.enter_context(serve(folder, data_root)))
            port = free_port()
            config = state_dir / "haproxy.cfg"
            config.write_text(haproxy_config(port, [url for url, _ in servers]), encoding="utf-8")
            log = stack.enter_context((state_dir / "haproxy.log").open("w"))
            proxy = subprocess.Popen(
                [HAPROXY, "-f", str(config), "-db"], stdout=log, stderr=subprocess.STDOUT
            )
            stack.callback(proxy.wait, 15)
            stack.callback(proxy.terminate)
            url = f"http://127.0.0.1:{port}"
            wait_for_health(url, proxy)
            yield url, [process for _, process in servers]
    finally:
        if previous is None:
            os.environ.pop("PEUPLEMENT_DATABASE_URL", None)
        else:
            os.environ["PEUPLEMENT_DATABASE_URL"] = previous
