"""``cosim scenarios``: list, show and copy the bundled scenarios."""

from __future__ import annotations

import argparse

from cosim.errors import UsageError
from cosim.scenario.library import copy_scenarios, describe, folder, scenario_names, scenario_path


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION")
    sub.add_parser("list", help="list the bundled scenarios with one line each (the default)")
    show = sub.add_parser("show", help="print a bundled scenario file")
    show.add_argument("name", help="scenario name, e.g. baseline")
    copy = sub.add_parser("copy", help="copy bundled scenarios into a folder to edit (never overwrites)")
    copy.add_argument("names", nargs="*", metavar="NAME", help="scenario names (default with --all: every one)")
    copy.add_argument("--all", action="store_true", help="copy every bundled scenario")
    copy.add_argument("--to", dest="dest", default="scenarios", help="destination folder (default: scenarios)")


def main(args: argparse.Namespace) -> int:
    action = args.action or "list"
    if action == "list":
        names = scenario_names()
        width = max(map(len, names), default=0)
        for name in names:
            print(f"{name:<{width}}  {describe(scenario_path(name))}")  # type: ignore[arg-type]
        print(f"\n{len(names)} scenarios in {folder('scenarios')}; run one with `cosim run NAME`, "
              "edit a copy with `cosim scenarios copy NAME --to DIR`")
        return 0
    if action == "show":
        path = scenario_path(args.name)
        if path is None:
            raise UsageError(f"no bundled scenario called {args.name!r}; bundled: {', '.join(scenario_names())}",
                             argument="name")
        print(path.read_text(encoding="utf-8"), end="")
        return 0
    names = scenario_names() if args.all else list(args.names)
    if not names:
        raise UsageError("name at least one scenario, or give --all", argument="names")
    for path in copy_scenarios(names, args.dest):
        print(f"copied {path}")
    return 0
