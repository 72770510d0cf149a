"""Every error cosim raises on purpose, at the bottom of the package (imports nothing of cosim).

Messages are in the library's words (a parameter, a file, a key path); the
command line (``cosim.cli``) prints them as ``error: ...`` lines and exits 2.
"""

from __future__ import annotations

from types import UnionType


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


# --------------------------------------------------------------------------- argument checks
# One check per kind of argument, used at every public entry point (``simulate``,
# ``run_seed``, ``compare``, ...), so a wrong argument raises a UsageError naming
# it and what was expected, never a bare TypeError from deep inside NumPy or pandas.


def expect_int(value: object, argument: str, *, minimum: int | None = None, maximum: int | None = None,
               what: str = "an integer") -> int:
    """``value`` as an ``int`` (a NumPy integer is fine; a bool, float or string is not), within bounds.

    Raises ``UsageError`` naming ``argument``: ``seed: expected an integer from 0 to 2**63 - 1, got -1``.
    """
    if isinstance(value, bool) or not _is_integer(value):
        raise UsageError(f"expected {what}{_range(minimum, maximum)}, got {_shown(value)}", argument=argument)
    number = int(value)  # type: ignore[call-overload]
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise UsageError(f"expected {what}{_range(minimum, maximum)}, got {number}", argument=argument)
    return number


#: the longest file or folder name common file systems take (ext4, APFS, NTFS: 255 bytes or characters)
NAME_MAX = 255


def path_problem(text: str, *, max_name: int = NAME_MAX) -> str | None:
    """Why ``text`` cannot name a file on this system (a NUL byte, a name too long), or None.

    Checked before the path reaches the operating system, whose own answer
    (``ValueError: embedded null byte``, ``OSError: File name too long``) would be a traceback.
    """
    if not text:
        return "is empty"
    if "\x00" in text:
        return "contains a NUL byte"
    longest = max(text.replace("\\", "/").split("/"), key=lambda part: len(part.encode("utf-8", "replace")))
    size = len(longest.encode("utf-8", "replace"))
    if size > max_name:
        return f"has a part {size} bytes long; file systems take names of at most {max_name}"
    return None


def expect_path(value: object, argument: str, *, what: str = "a file path (str or pathlib.Path)",
                max_name: int = NAME_MAX) -> str:
    """``value`` as a path string: a ``str`` or ``os.PathLike`` of ``str`` the file system can take."""
    import os

    text = os.fspath(value) if isinstance(value, str | os.PathLike) else None
    if not isinstance(text, str):
        raise UsageError(f"expected {what}, got {_shown(value)}", argument=argument)
    problem = path_problem(text, max_name=max_name)
    if problem:
        raise UsageError(f"expected {what}; {text[:60]!r} {problem}", argument=argument)
    return text


def expect_type(value: object, argument: str, types: type | UnionType | tuple[type, ...], what: str) -> None:
    """Raise ``UsageError`` naming ``argument`` unless ``value`` is an instance of ``types``."""
    if not isinstance(value, types):
        raise UsageError(f"expected {what}, got {_shown(value)}", argument=argument)


def expect_table(value: object, argument: str, columns: list[str], *, what: str = "a pandas DataFrame") -> None:
    """Raise ``UsageError`` naming ``argument`` unless ``value`` is a DataFrame holding ``columns``."""
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        raise UsageError(f"expected {what}, got {_shown(value)}", argument=argument)
    missing = [c for c in dict.fromkeys(columns) if c not in value.columns]
    if missing:
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise UsageError(f"expected {what}; it has no column {shown}", argument=argument)


def _is_integer(value: object) -> bool:
    import numbers

    return isinstance(value, numbers.Integral)  # int and NumPy's integers (registered as Integral)


def _range(minimum: int | None, maximum: int | None) -> str:
    def show(n: int) -> str:
        return "2**63 - 1" if n == 2**63 - 1 else f"{n:,}" if abs(n) >= 10_000 else str(n)

    if minimum is not None and maximum is not None:
        return f" from {show(minimum)} to {show(maximum)}"
    if minimum is not None:
        return f" >= {show(minimum)}"
    if maximum is not None:
        return f" <= {show(maximum)}"
    return ""


def _shown(value: object) -> str:
    """A value as the message shows it: its repr (cut short) and, for non-builtins, its type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    builtin = type(value).__module__ == "builtins"
    return text if builtin and not isinstance(value, str | bytes) else f"{text} ({type(value).__name__})"
