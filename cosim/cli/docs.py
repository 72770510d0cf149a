"""``cosim docs``: where the bundled documentation is (the ODD model description, user guides)."""

from __future__ import annotations

import argparse

from cosim.errors import UsageError
from cosim.scenario.library import folder


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", nargs="?", help="a document, e.g. ODD (the model description) or compare; "
                                           "without it, every document is listed")


def main(args: argparse.Namespace) -> int:
    docs = {p.stem.lower(): p for p in sorted(folder("docs").glob("*.md"))}
    if args.name is None:
        for path in docs.values():
            print(path)
        return 0
    found = docs.get(args.name.lower().removesuffix(".md"))
    if found is None:
        raise UsageError(f"no document called {args.name!r}; there are: {', '.join(p.stem for p in docs.values())}",
                         argument="name")
    print(found)
    return 0
