"""The results folder: tables (Parquet), a manifest and figures, written atomically.

Everything a command writes goes first into a hidden sibling folder and is moved
into place only when complete, so a crash, bad input or Ctrl-C leaves no
half-written results.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from cosim.errors import NAME_MAX, UsageError, expect_path

PACKAGES = ("cosim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "SALib", "pydantic", "dask")
#: installed under another name than imported (the name cosim on the package index is another project's)
DISTRIBUTIONS = {"cosim": "cosim-coproduction"}


def versions() -> dict[str, str]:
    """Python and package versions for the manifest."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(DISTRIBUTIONS.get(name, name))
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(repo: Path | None = None) -> str:
    """The current git commit (with ``-dirty`` if the tree has changes), or ``unknown``."""
    repo = repo or Path(__file__).resolve().parents[2]
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True,
                             timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=repo,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def file_hash(path: str | Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def manifest(**fields: Any) -> dict[str, Any]:
    """A manifest with provenance (versions, commit, time, command line) plus ``fields``."""
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "git_commit": git_commit(),
        "versions": versions(),
        "platform": platform.platform(),
        **fields,
    }


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename; see :func:`write_text`)."""
    write_text(path, json.dumps(data, indent=2, default=str) + "\n")


#: What each command writes into a results folder it replaces whole.  A folder
#: holding anything else (scenario files, an experiment's runs.sqlite, a
#: calibration's subfolders, a user's notes) is never replaced.  A comparison
#: keeps its run store (``runs.sqlite``, and its write-ahead log while open) in
#: its folder until the results are written, so an interrupted one resumes.
OUTPUT_FILES = {
    "run": ("manifest.json", "timeseries.parquet", "*.png"),
    "compare": ("manifest.json", "*.parquet", "*.csv", "*.png", "report.html", "runs.sqlite", "runs.sqlite-wal",
                "runs.sqlite-journal"),
    "sensitivity": ("manifest.json", "*.csv", "*.png", "report.html"),
}
#: Free space a command needs before it starts (a run's results are a few MB).
MIN_FREE_BYTES = 20 * 2**20


def check_output_location(out: str | Path, kind: str | None = None, *, replace: bool = True) -> Path:
    """Refuse (``UsageError``) an output folder cosim cannot or must not write; nothing is written.

    Called before any run is computed, so a bad ``out`` fails in a second, not
    after hours.  ``replace``: the command replaces ``out`` whole (``run``,
    ``compare``, ``sensitivity``): then ``out`` must be missing, empty, or an
    earlier results folder of the same ``kind`` (its manifest says so) holding
    only files that command writes, and never the working folder or one of its
    parents.  Without ``replace`` (experiments and calibrations write into the
    folder and check its contents themselves) only the location is checked:
    not a file, not under a file, not a dangling link, writable, some free space.
    """
    # a name the file system takes (no NUL, not too long: atomic_output adds a ~30-character suffix)
    out = Path(expect_path(out, "out", what="an output folder", max_name=NAME_MAX - 40))
    if out.is_symlink() and not out.exists():
        raise UsageError(f"{out}: is a link to {os.readlink(out)}, which does not exist; "
                         "choose another folder or fix the link", argument="out")
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: is a file, not a folder; choose another output folder", argument="out")
    for parent in out.absolute().parents:
        if parent.exists():
            if not parent.is_dir():
                raise UsageError(f"{out}: {parent} is a file, so no folder can be made under it; "
                                 "choose another output folder", argument="out")
            existing = parent
            break
    else:  # pragma: no cover - the root always exists
        existing = Path(out.absolute().anchor)
    if replace:
        _check_replaceable(out, kind)
    # the folder is made (or replaced through a sibling) in its parent: that must be writable
    target = out if out.is_dir() and not replace else existing
    if not os.access(target, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: cannot write in {target} (permission denied); choose another output folder", argument="out")
    try:
        free = shutil.disk_usage(target).free
    except OSError:
        free = MIN_FREE_BYTES
    if free < MIN_FREE_BYTES:
        raise UsageError(f"{out}: only {free / 2**20:.1f} MB free on the disk of {target} "
                         f"(at least {MIN_FREE_BYTES // 2**20} MB needed); free some space or choose another "
                         "output folder", argument="out")
    return out


def _check_replaceable(out: Path, kind: str | None) -> None:
    """``out`` may be replaced whole: missing, empty, or cosim's own results of ``kind``."""
    here = Path.cwd().resolve()
    resolved = out.resolve()
    if resolved == here or resolved in here.parents:
        where = "the working folder" if resolved == here else "a parent of the working folder"
        raise UsageError(f"{out}: is {where}; cosim replaces its results folder whole, so it never writes "
                         "there: choose a new subfolder, e.g. results/<name>", argument="out")
    if not out.exists():
        return
    if out.is_symlink():
        raise UsageError(f"{out}: is a link to {os.readlink(out)}; cosim replaces its results folder whole "
                         "and would replace the link: give the folder it points to, or another folder", argument="out")
    if os.path.ismount(out):
        raise UsageError(f"{out}: is a mount point, which cannot be replaced; choose a folder inside it", argument="out")
    entries = list(out.iterdir())
    if not entries:
        return
    if not (out / "manifest.json").is_file():
        raise UsageError(f"{out}: exists and is not a results folder (no manifest.json); "
                         "choose another output folder or remove it", argument="out")
    try:
        found = json.loads((out / "manifest.json").read_text()).get("kind")
    except (OSError, ValueError, AttributeError):
        found = None
    kinds = [kind] if kind else list(OUTPUT_FILES)
    if found not in kinds:
        raise UsageError(f"{out}: exists and is not a results folder of cosim {kind or 'run/compare/sensitivity'} "
                         f"(its manifest.json says kind = {found!r}); cosim replaces it whole, so it refuses: "
                         "choose another output folder", argument="out")
    patterns = OUTPUT_FILES[found]
    foreign = sorted(p.name for p in entries
                     if not is_stale_temporary(p)
                     and (p.is_dir() or p.is_symlink() or not any(fnmatch.fnmatch(p.name, pat) for pat in patterns)))
    if foreign:
        shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
        raise UsageError(f"{out}: holds files cosim {found} did not write ({shown}); cosim replaces the folder "
                         "whole, so it refuses: move them away or choose another output folder", argument="out")


@contextlib.contextmanager
def atomic_output(out: str | Path, kind: str | None = None) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``out`` only if the block succeeds.

    ``out`` is replaced only when :func:`check_output_location` allows it: an
    earlier results folder of the same kind (``kind``, else the ``kind`` of
    the manifest the block writes), holding only files cosim writes.
    """
    out = Path(out)
    check_output_location(out, kind, replace=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(out)
    # mkdir honours the umask (tempfile.mkdtemp made every results folder private, mode 0700)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}-{os.urandom(4).hex()}"
    tmp.mkdir()
    try:
        yield tmp
        if out.exists():
            # the same kind as the results being written, checked again now that they name their kind
            try:
                written = json.loads((tmp / "manifest.json").read_text()).get("kind")
            except (OSError, ValueError, AttributeError):
                written = None
            check_output_location(out, kind or written, replace=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


# ------------------------------------------------------------------ one atomic writer
# Every file and folder cosim writes goes through these: written beside its final
# place under a hidden temporary name, then renamed (os.replace is atomic on one
# file system), so a reader sees the old file or the new one, never half of one.


def _tmp_name(path: Path, what: str = "tmp") -> Path:
    return path.with_name(f".{path.name}.{what}-{os.getpid()}-{os.urandom(4).hex()}")


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (temp file + rename)."""
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return write_bytes(path, text.encode("utf-8"))


def write_parquet(path: str | Path, df: Any) -> Path:
    """Write a DataFrame to ``path`` as Parquet (no index) atomically."""
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        df.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


@contextlib.contextmanager
def replace_folder(folder: str | Path) -> Iterator[Path]:
    """Yield a temporary sibling folder that replaces ``folder`` (e.g. ``out/figures``) if the block succeeds.

    For a sub-folder cosim owns inside its own results folder; the results
    folder itself is replaced by :func:`atomic_output`, which checks that it is
    cosim's to replace.
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(folder)
    tmp = _tmp_name(folder, "partial")
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = _tmp_name(folder, "old")
    if folder.exists():
        os.replace(folder, old)
    os.replace(tmp, folder)
    shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------ what a killed cosim leaves behind
# A process killed (kill -9, the out-of-memory killer, a power cut) while writing
# leaves its hidden temporaries: ``.NAME.partial-PID-HEX`` (a results folder being
# written), ``.NAME.old-PID[-HEX]`` (the results it was replacing), ``.NAME.tmp-PID-HEX``
# (a file).  The next command writing the same place removes them, and only them:
# the name must be one of these and the process PID must be gone.

_TEMPORARY = re.compile(r"^\.(?P<name>.+)\.(?P<what>partial|old|tmp)-(?P<pid>\d+)(?:-[0-9a-f]{8})?$")


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    except OverflowError:
        return False
    try:  # a zombie (dead, not yet reaped) is gone
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def is_stale_temporary(path: Path, name: str | None = None) -> bool:
    """Whether ``path`` is a hidden temporary cosim left when it was killed (of ``name``, if given)."""
    m = _TEMPORARY.match(path.name)
    if m is None:
        return False
    return (name is None or m["name"] == name) and not _process_alive(int(m["pid"]))


def remove_stale_temporaries(target: str | Path) -> list[Path]:
    """Remove what killed cosim processes left beside ``target`` and inside it; return what was removed.

    Beside it: ``.TARGET.partial-*`` and ``.TARGET.old-*`` of dead processes.  If
    ``target`` itself is missing and a stale ``.TARGET.old-*`` exists, the process
    died between moving the old results aside and moving the new ones in: the old
    results are moved back (nothing of them is lost).  Inside a folder: the
    ``.FILE.tmp-*`` files of dead processes.  A name that does not fit, or whose
    process is alive, is never touched.
    """
    target = Path(target)
    removed: list[Path] = []
    try:
        beside = [p for p in target.parent.iterdir() if is_stale_temporary(p, target.name)]
    except OSError:
        return removed
    olds = sorted((p for p in beside if _TEMPORARY.match(p.name)["what"] == "old"),  # type: ignore[index]
                  key=lambda p: p.stat().st_mtime)
    if olds and not target.exists() and not target.is_symlink():
        os.replace(olds[-1], target)
        beside.remove(olds[-1])
    inside = [p for p in target.iterdir() if is_stale_temporary(p)] if target.is_dir() else []
    for p in beside + inside:
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                p.unlink()
        removed.append(p)
    return removed
