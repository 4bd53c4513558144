"""Engine start as a server process meets it: ``python -m queries.bench.engine_start --root DIR``
opens the engine once in this fresh process and prints, as JSON, the seconds `open_engine` took,
the database file and its size. The bench runs it first on an empty engine folder (a build), then
again on the built one (a cold start of another process: an open)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from queries.engine import open_engine
from queries.settings import ENGINE_DIR_ENV, PROJECT_ROOT


def measure(root: Path) -> dict:
    started = time.perf_counter()
    engine = open_engine(root)
    seconds = time.perf_counter() - started
    database = engine.database
    assert database is not None  # open_engine always names its file
    result = {"s": seconds, "database": str(database), "bytes": database.stat().st_size}
    engine.close()
    return result


def run(root: Path, repeat: int) -> dict:
    """Build once in a fresh engine folder, then `repeat` cold opens, each in a new process."""
    folder = Path(tempfile.mkdtemp(prefix="peuplement-bench-moteur-"))
    env = {**os.environ, ENGINE_DIR_ENV: str(folder)}
    command = [sys.executable, "-m", "queries.bench.engine_start", "--root", str(root)]

    def once() -> dict:
        done = subprocess.run(
            command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            sys.stderr.write(done.stderr)
            raise RuntimeError(f"la mesure du démarrage du moteur sur {root} a échoué")
        return json.loads(done.stdout.strip().splitlines()[-1])

    try:
        build = once()
        opens = [once() for _ in range(repeat)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if any(o["database"] != build["database"] for o in opens):
        raise RuntimeError("un démarrage à froid a reconstruit la base au lieu de l'ouvrir")
    return {
        "build_s": build["s"],
        "open_s": median(o["s"] for o in opens),
        "size_mb": build["bytes"] / 1e6,
        "runs": repeat,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m queries.bench.engine_start")
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.root)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
