"""The bundled library: scenarios, experiment designs, calibration examples, docs and notebooks.

In a checkout they are the repository's top-level folders (``scenarios/``,
``experiments/``, ``docs/``, ``notebooks/``); in an installed wheel the same
files ship as package data under ``cosim/_bundled/`` (``pyproject.toml``,
``[tool.hatch.build.targets.wheel.force-include]``).  Everything that needs
one of them asks here, so ``cosim run baseline``, the dashboard and the
notebooks work the same from a checkout and from ``pip install``.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from cosim.errors import UsageError, expect_path, path_problem

KINDS = ("scenarios", "experiments", "docs", "notebooks")
_PACKAGE = Path(__file__).resolve().parents[1]  # cosim/
_CHECKOUT = _PACKAGE.parent  # the repository root when running from a checkout


def folder(kind: str) -> Path:
    """The bundled folder of ``kind`` (one of :data:`KINDS`): the wheel's copy, else the checkout's."""
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {', '.join(KINDS)}, got {kind!r}")
    installed = _PACKAGE / "_bundled" / kind
    return installed if installed.is_dir() else _CHECKOUT / kind


def scenario_names() -> list[str]:
    """Names of the bundled scenarios (``baseline``, ``open_data``, ...), sorted."""
    return sorted(p.stem for p in folder("scenarios").glob("*.toml"))


def scenario_path(name: str) -> Path | None:
    """The bundled scenario file called ``name`` (with or without ``.toml``), or None."""
    stem = name.removesuffix(".toml")
    if not stem or any(sep in stem for sep in ("/", "\\")) or stem.startswith(".") or path_problem(f"{stem}.toml"):
        return None
    path = folder("scenarios") / f"{stem}.toml"
    return path if path.is_file() else None


def resolve_scenario(path_or_name: str | Path) -> Path:
    """A scenario file as given, or else the bundled scenario of that name (``baseline``).

    A path that exists wins; a bare name that is not a file is looked up in the
    library.  Anything else is returned unchanged, for the loader to report.
    """
    p = Path(path_or_name)
    if path_problem(str(path_or_name)) or p.is_file():  # a name no file can have: the loader says why
        return p
    bundled = scenario_path(str(path_or_name)) if p.parent == Path(".") else None
    return bundled if bundled is not None else p


def describe(path: Path) -> str:
    """A scenario's one-line description (its ``description`` key, else its first comment line)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return "(unreadable)"
    if isinstance(data.get("description"), str) and data["description"].strip():
        return " ".join(data["description"].split())
    for line in text.splitlines():
        if line.startswith("#") and line.strip("# ").strip():
            return line.strip("# ").strip()
    return ""


def copy_scenarios(names: list[str], dest: str | Path) -> list[Path]:
    """Copy bundled scenarios into ``dest`` (created if needed) to edit; never overwrite a file."""
    dest = Path(expect_path(dest, "dest", what="a destination folder"))
    sources = []
    for name in names:
        src = scenario_path(name)
        if src is None:
            raise UsageError(f"no bundled scenario called {name!r}; bundled: {', '.join(scenario_names())}",
                             argument="names")
        sources.append(src)
    if dest.exists() and not dest.is_dir():
        raise UsageError(f"{dest} exists and is not a folder", argument="dest")
    under = next((p for p in dest.absolute().parents if p.exists()), None)
    if under is not None and not under.is_dir():
        raise UsageError(f"{dest}: {under} is a file, so no folder can be made under it", argument="dest")
    taken = [dest / s.name for s in sources if (dest / s.name).exists()]
    if taken:
        raise UsageError(f"{', '.join(map(str, taken))} already exist(s); nothing was copied "
                         "(move or rename them first)", argument="dest")
    try:
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"{dest}: cannot make the folder ({exc.strerror or exc})", argument="dest") from None
    return [Path(shutil.copy2(s, dest / s.name)) for s in sources]
