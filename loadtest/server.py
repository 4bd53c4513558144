"""The portal server under load: the README's start command on a free loopback port, in demo mode,
with its state files in a temporary folder; and what it costs, read from /proc."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(
    base_url: str, process: subprocess.Popen, seconds: float = STARTUP_SECONDS
) -> None:
    """Return once the server answers its health check; raise if it stops or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"le serveur s'est arrêté (code {process.returncode})")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"{base_url}/_stcore/health ne répond pas après {seconds:g} s")


@contextmanager
def serve(
    state_dir: Path,
    data_root: Path,
    *,
    seconds: float = STARTUP_SECONDS,
    unset: Iterable[str] = (),
    address: str | None = "127.0.0.1",
) -> Iterator[tuple[str, subprocess.Popen]]:
    """`python -m ui.shell.server` in demo mode on 127.0.0.1, its audit trail and log in
    `state_dir`, stopped (its process group) after. `seconds`: how long it may take to answer;
    `unset`: environment variables the server must not inherit (the browser tests drop the
    developer's cookie key and state database); `address`: the interface it listens on (None:
    Streamlit's default, as the browser tests have always run it). Shared by `make load` and
    tests/browser."""
    port = free_port()
    env = {
        **os.environ,
        "PEUPLEMENT_DEMO": "1",
        "PEUPLEMENT_AUDIT_FILE": str(state_dir / "audit.jsonl"),
        "PEUPLEMENT_DATA_DIR": str(data_root),
    }
    for name in ("PEUPLEMENT_USERS_FILE", *unset):
        env.pop(name, None)
    # `make run`'s server, run by this venv's Python: a fresh machine has uv only in .tools/
    command = [sys.executable, "-m", "ui.shell.server", "--server.headless", "true"]
    command += ["--server.port", str(port)]
    if address is not None:
        command += ["--server.address", address]
    with (state_dir / "server.log").open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_for_health(base_url, process, seconds)
            yield base_url, process
        finally:
            os.killpg(process.pid, signal.SIGTERM)  # our own process group only
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)


class CpuProbe:
    """CPU seconds since the last reset, and the wall-clock seconds they were spent in; `_cpu`
    says of what."""

    def __init__(self) -> None:
        self.reset()

    def _cpu(self) -> float:
        raise NotImplementedError

    def reset(self) -> None:
        self.start = self._cpu()
        self.began = time.monotonic()

    def cpu_seconds(self) -> float:
        return self._cpu() - self.start

    def wall_seconds(self) -> float:
        return time.monotonic() - self.began


class ServerProbe(CpuProbe):
    """CPU seconds (user + system) and peak resident memory of the server process."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        super().__init__()

    def _cpu(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


class MachineProbe(CpuProbe):
    """CPU seconds the whole machine spent busy (every process, every core: /proc/stat's user,
    nice, system, irq, softirq and steal times)."""

    def _cpu(self) -> float:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
