"""One value kept for the objects last seen: the stages' and the draw block's caches (issue 16, the week's fixed cost)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


class LastSeen[T]:
    """``compute(*key)`` for the last ``key`` seen, its items compared by identity.

    For what follows from objects that do not change once made: a frozen
    scenario or one of its sections (the model puts a new one in force when a
    scheduled parameter changes), a week's policy, a run's fixed arrays.  A
    run asks with the same objects week after week, so one entry is enough.
    The entry is one tuple, read once and replaced whole, so models stepped
    in several threads at once (the dashboard's sessions, a Dask worker's
    threads; the kernels release the GIL) each get their own key's value,
    at worst computed again, never another model's (tests/test_threads.py).
    """

    __slots__ = ("_entry",)

    def __init__(self) -> None:
        self._entry: tuple[tuple[Any, ...], Any] = ((), None)

    def __call__(self, compute: Callable[..., T], *key: Any) -> T:
        seen, value = self._entry
        if len(seen) == len(key):
            for a, b in zip(seen, key, strict=True):
                if a is not b:
                    break
            else:
                return value
        value = compute(*key)
        self._entry = (key, value)
        return value
