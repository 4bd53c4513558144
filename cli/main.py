"""Entry point of the `peuplement` command: one sub-command per module of this package.

User errors (bad arguments, bad data) end with exit code 2 (arguments) or 1 (data problems) and a
one-line message; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from semantic.errors import PeuplementError

# sub-command name -> module of this package defining `register(subparsers)` and `run(args)`
COMMANDS = {
    "validate": "cli.validate_cmd",
    "demo": "cli.demo_cmd",
    "evaluate": "cli.evaluate_cmd",
    "objectifs": "cli.objectifs_cmd",
    "bilan": "cli.bilan_cmd",
    "projection": "cli.projection_cmd",
    "catalogue": "cli.catalogue_cmd",
    "import": "cli.import_cmd",  # also registers import-reference
    "audit": "cli.audit_cmd",
    "plans": "cli.plans_cmd",
}


class CliArgumentError(Exception):
    """A user error in the arguments: printed on one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse would print the whole usage
        self.exit(2, f"peuplement: erreur: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="peuplement", description="Portail peuplement: outils en ligne de commande"
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for module_name in COMMANDS.values():
        module = importlib.import_module(module_name)
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (CliArgumentError, PeuplementError) as exc:
        print(f"peuplement: erreur: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader closed the pipe (`peuplement … | head`): not an error
        _quiet_stdout()
        return 0


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not raise again on the
    closed pipe (the documented way: docs.python.org, signal, "Note on SIGPIPE")."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
