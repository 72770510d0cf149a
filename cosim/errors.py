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
    """A bad argument value that is not a problem inside a scenario file.

    ``argument`` names the function argument at fault in the library's words
    (``out``, ``workers``); the message reads ``out: ...``.  The command line
    shows the same message with the option's name (``--out: ...``).
    """

    def __init__(self, message: str, *, argument: str | None = None):
        self.argument = argument
        self.message = message
        super().__init__(f"{argument}: {message}" if argument else message)

    def for_command_line(self) -> str:
        """The message with the argument spelt as its command-line option (``out`` -> ``--out``)."""
        if not self.argument:
            return self.message
        return f"--{self.argument.replace('_', '-')}: {self.message}"


class StoreBusy(CosimError):
    """Another process holds the run store (two experiments writing to one folder)."""


class BackendError(CosimError):
    """A backend could not be started or reached (e.g. an unreachable scheduler)."""
