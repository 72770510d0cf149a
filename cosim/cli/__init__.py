"""The ``cosim`` command line.

Each subcommand lives in its own module (``cosim/cli/<command>.py``) exposing ``add_arguments(parser)`` and
``main(args) -> int``; this file only dispatches.  Bad input (a
:class:`~cosim.scenario.loading.ScenarioError` or :class:`UsageError`) prints one clear
message per problem to stderr and exits 2, with no traceback and nothing written.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import sys

from cosim import DISTRIBUTION, __version__
from cosim.errors import ScenarioError, UsageError

# name -> (module, one-line help)
COMMANDS = {
    "run": ("cosim.cli.run", "run one scenario and write its time series, manifest and figures"),
    "check": ("cosim.cli.check", "validate scenario and experiment files and report every problem"),
    "compare": ("cosim.cli.compare", "compare scenarios over replications with common random numbers"),
    "experiment": ("cosim.cli.experiment", "run an experiment design (grid, lhs, sobol, morris), resumable"),
    "sensitivity": ("cosim.cli.sensitivity", "Sobol or Morris sensitivity analysis of an experiment"),
    "calibrate": ("cosim.cli.calibrate", "fit parameters to observed targets (ABC or optimisation)"),
    "dashboard": ("cosim.dashboard", "serve the interactive browser dashboard"),
    "scenarios": ("cosim.cli.scenarios", "list, show or copy the bundled scenarios"),
    "docs": ("cosim.cli.docs", "print where the bundled documentation is (e.g. cosim docs ODD)"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = argparse.ArgumentParser(prog="cosim", description="Citizen-government co-production in smart cities.")
    parser.add_argument("--version", action="version", version=f"cosim {__version__} ({DISTRIBUTION})")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Import only the chosen command's module: a slow or broken module of one
    # command must not affect the others (or `cosim --help`).
    chosen = next((a for a in argv if not a.startswith("-")), None)
    handlers = {}
    for name, (module_name, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        if name != chosen:
            continue
        module = _load(module_name)
        if module is None:
            p.set_defaults(_missing=module_name)
            continue
        module.add_arguments(p)
        handlers[name] = module.main
    args = parser.parse_args(argv)
    if getattr(args, "_missing", None):
        print(f"cosim {args.command}: this command is not installed in this version", file=sys.stderr)
        return 2
    try:
        return int(handlers[args.command](args) or 0)
    except (ScenarioError, UsageError) as exc:
        text = exc.for_command_line() if isinstance(exc, UsageError) else str(exc)
        for line in text.splitlines():
            print(f"error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing was written for the unfinished job", file=sys.stderr)
        return 130
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        # every command writes through a temporary and a rename, so nothing half written is in place
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: the disk is full{where}: nothing half written was left in place and earlier results are "
              "untouched; free some space and rerun the same command (batches resume from their run store)",
              file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly, as Unix tools do
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _load(module_name: str):
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
