"""The results store of an experiment: one SQLite file, one row per finished run.

Every run is committed on its own the moment it finishes, so a crash or a
SIGKILL loses no finished run; rerunning the experiment on the same folder
reads what is there and runs only what is missing.  The file is opened in WAL
mode with an exclusive lock: a second process cannot write to the same folder
at the same time, and SQLite never needs shared memory (so the folder may sit
on a network file system that supports file locks).

Outcomes are stored as JSON text, which round-trips every float exactly
(Python writes the shortest repr that reads back to the same double), so a
resumed table equals, bit for bit, an uninterrupted one.

A run may also keep its weekly time series (``cosim compare`` does): Parquet
bytes in the ``timeseries`` table, committed in the same transaction as the
run's row, so a run is stored whole or not at all.  A full disk while
committing is raised as ``OSError(ENOSPC)`` (SQLite's own error says less).
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from cosim.errors import StoreBusy

STORE_FILE = "runs.sqlite"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS points (point_id INTEGER PRIMARY KEY, x TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY,
    point_id INTEGER NOT NULL,
    replication INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT NOT NULL,
    outcomes TEXT NOT NULL,
    seconds REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 1,
    finished TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS timeseries (run_id INTEGER PRIMARY KEY, parquet BLOB NOT NULL);
"""


class RunStore:
    """The runs of one experiment in ``folder/runs.sqlite``; nothing is created until :meth:`create`."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.path = self.folder / STORE_FILE
        self.con: sqlite3.Connection | None = None

    # ------------------------------------------------------------------ opening

    def exists(self) -> bool:
        """Whether the folder already holds a store."""
        return self.path.is_file()

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(self.path, timeout=1.0, isolation_level=None)
        try:
            # exclusive locking before WAL: SQLite then keeps the WAL index in
            # heap memory (no -shm file) and no other process can write here
            con.execute("PRAGMA locking_mode=EXCLUSIVE")
            con.execute("PRAGMA journal_mode=WAL")
            # NORMAL: a commit survives a killed process (not a power cut) without an fsync per run
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("BEGIN EXCLUSIVE")
            con.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            con.close()
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreBusy(str(self.folder)) from None
            raise
        return con

    def open(self) -> None:
        """Open the store (made if missing) and lock it."""
        try:
            self.con = self._connect()
            self.con.executescript(_SCHEMA)
        except sqlite3.OperationalError as exc:
            self.close()
            self._raise_if_full(exc)
            raise

    def create(self, meta: Mapping[str, Any]) -> None:
        """Create the folder and the store, recording ``meta`` (JSON values)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.con = self._connect()
        self.con.executescript(_SCHEMA)
        self.set_meta(meta)

    def checkpoint(self) -> None:
        """Move every commit from the write-ahead log into the main file; the lock is kept."""
        assert self.con is not None
        self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        """Checkpoint the WAL into the main file and release the lock."""
        if self.con is not None:
            try:
                # may fail on a full disk: every commit is safe in the WAL, which the next open reads
                with contextlib.suppress(sqlite3.OperationalError):
                    self.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                self.con.close()
                self.con = None

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ meta and points

    def set_meta(self, meta: Mapping[str, Any]) -> None:
        """Record metadata (identity, hashes) as JSON."""
        assert self.con is not None
        self._many("INSERT OR REPLACE INTO meta VALUES (?, ?)",
                   [(k, json.dumps(v, sort_keys=True)) for k, v in meta.items()])

    def meta(self) -> dict[str, Any]:
        """The recorded metadata."""
        assert self.con is not None
        return {k: json.loads(v) for k, v in self.con.execute("SELECT key, value FROM meta")}

    def points(self) -> dict[int, list[float]]:
        """Raw design rows already stored, by point id."""
        assert self.con is not None
        return {pid: json.loads(x) for pid, x in self.con.execute("SELECT point_id, x FROM points")}

    def add_points(self, X: np.ndarray, start: int = 0) -> None:
        """Store design rows ``start`` onward (their raw values, to check later designs against)."""
        assert self.con is not None
        rows = [(i, json.dumps([float(v) for v in X[i]])) for i in range(start, len(X))]
        self._many("INSERT OR REPLACE INTO points VALUES (?, ?)", rows)

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Run ``sql`` for every row in one transaction."""
        with self._transaction("BEGIN") as con:
            con.executemany(sql, rows)

    @contextlib.contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """One transaction: committed whole, or rolled back (a full disk raised as ``OSError(ENOSPC)``)."""
        assert self.con is not None
        try:
            self.con.execute(begin)
            yield self.con
            self.con.execute("COMMIT")
        except BaseException as exc:
            if self.con.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.con.execute("ROLLBACK")
            self._raise_if_full(exc)
            raise

    # ------------------------------------------------------------------ runs

    def record(self, run_id: int, point_id: int, replication: int, seed: int, ok: bool, error: str,
               outcomes: Mapping[str, float] | None, seconds: float, timeseries: pd.DataFrame | None = None) -> None:
        """Commit one finished run (a retry replaces the earlier attempt), with its time series if given."""
        assert self.con is not None
        blob = None
        if timeseries is not None:
            buffer = io.BytesIO()
            timeseries.to_parquet(buffer, index=False)
            blob = buffer.getvalue()
        with self._transaction("BEGIN IMMEDIATE") as con:
            con.execute(
                "INSERT INTO runs (run_id, point_id, replication, seed, status, error, outcomes, seconds, "
                "finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(run_id) DO UPDATE SET "
                "status = excluded.status, error = excluded.error, outcomes = excluded.outcomes, "
                "seconds = excluded.seconds, finished = excluded.finished, attempts = attempts + 1",
                (run_id, point_id, replication, seed, "ok" if ok else "failed", error,
                 json.dumps({k: float(v) for k, v in (outcomes or {}).items()}), float(seconds),
                 datetime.now(UTC).isoformat(timespec="seconds")))
            if blob is not None:
                con.execute("INSERT OR REPLACE INTO timeseries VALUES (?, ?)", (run_id, blob))
            else:
                con.execute("DELETE FROM timeseries WHERE run_id = ?", (run_id,))

    def _raise_if_full(self, exc: BaseException) -> None:
        """SQLite's "database or disk is full" as ``OSError(ENOSPC)``, which callers can tell apart."""
        if isinstance(exc, sqlite3.OperationalError) and (
                getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)):
            raise OSError(errno.ENOSPC, f"No space left on device: the run store in {self.folder}") from None

    def timeseries(self, run_id: int) -> pd.DataFrame | None:
        """The stored time series of one run, or None."""
        assert self.con is not None
        row = self.con.execute("SELECT parquet FROM timeseries WHERE run_id = ?", (run_id,)).fetchone()
        return None if row is None else pd.read_parquet(io.BytesIO(row[0]))

    def statuses(self) -> dict[int, str]:
        """``run_id -> "ok" | "failed"`` for every stored run."""
        assert self.con is not None
        return dict(self.con.execute("SELECT run_id, status FROM runs"))

    def runs(self, run_ids: Iterable[int] | None = None) -> pd.DataFrame:
        """Stored runs as a table (outcomes still as a JSON column), sorted by run id."""
        assert self.con is not None
        df = pd.read_sql_query(
            "SELECT run_id, point_id, replication, seed, status, error, outcomes, seconds, attempts "
            "FROM runs ORDER BY run_id", self.con)
        if run_ids is not None:
            df = df[df["run_id"].isin(set(run_ids))].reset_index(drop=True)
        return df


def expand_outcomes(df: pd.DataFrame, names: Iterable[str]) -> pd.DataFrame:
    """One float column per outcome name from the JSON ``outcomes`` column (NaN when a run failed)."""
    parsed = [json.loads(s) for s in df["outcomes"]]
    cols = {name: np.array([p.get(name, math.nan) for p in parsed], dtype=float) for name in names}
    return pd.DataFrame(cols, index=df.index)
