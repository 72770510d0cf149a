"""The results folder: tables (Parquet), a manifest and figures, written atomically.

Everything a command writes goes first into a hidden sibling folder and is moved
into place only when complete, so a crash, bad input or Ctrl-C leaves no
half-written results.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from cosim.errors import UsageError

PACKAGES = ("cosim", "mesa", "numpy", "scipy", "pandas", "pyarrow", "matplotlib", "SALib", "pydantic", "dask")


def versions() -> dict[str, str]:
    """Python and package versions for the manifest."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
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


@contextlib.contextmanager
def atomic_output(out: str | Path) -> Iterator[Path]:
    """Yield a temporary folder that replaces ``out`` only if the block succeeds."""
    out = Path(out)
    if out.exists() and not (out.is_dir() and (not any(out.iterdir()) or (out / "manifest.json").is_file())):
        # replacing a folder deletes it: only empty folders and earlier results (with a manifest)


        raise UsageError(f"{out}: exists and is not a results folder (no manifest.json); "
                         "choose another output folder or remove it")
    out.parent.mkdir(parents=True, exist_ok=True)
    # mkdir honours the umask (tempfile.mkdtemp made every results folder private, mode 0700)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}-{os.urandom(4).hex()}"
    tmp.mkdir()
    try:
        yield tmp
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
