"""Every error cosim raises on purpose, at the bottom of the package (imports nothing of cosim).

Messages are in the library's words (a parameter, a file, a key path); the
command line (``cosim.cli``) prints them as ``error: ...`` lines and exits 2.
"""

from __future__ import annotations


class CosimError(Exception):
    """Base of cosim's own errors."""


class ScenarioError(CosimError, ValueError):
    """Bad input: one or more problems, each naming the file and key path."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


class UsageError(CosimError, ValueError):
    """A bad argument or option value that is not a problem inside a scenario file."""


class StoreBusy(CosimError):
    """Another process holds the run store (two experiments writing to one folder)."""


class BackendError(CosimError):
    """A backend could not be started or reached (e.g. an unreachable scheduler)."""
