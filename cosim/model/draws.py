"""The week's block of uniform random numbers, one row per kind of decision.

Drawing the whole block at once keeps the stream independent of which citizens
need a draw, so the per-citizen reference (:mod:`cosim.model.reference`) can
read the same numbers: citizen ``i`` reads column ``i``.  Rows nobody reads in a
week are skipped by advancing the generator (``PCG64.advance``), not drawn
(a run of them too short to be worth it, below ``ADVANCE_MIN`` numbers, is drawn and left unread).
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet

import numpy as np

# Rows of the block: own data, hotspot access, access-centre access, a service
# need, acting on it, writing IDP comments, adoption (or lapse), a place in line
# for training, going online given access (literacy), the number of IDP comments
# written, attending a ward IDP meeting.
DATA, HOTSPOT, CENTRE, NEED, ACT, IDP, ADOPT, TRAIN, USE, IDP_COUNT, MEET = range(11)
N_DRAWS = 11


# Advancing the generator past a run of rows (and splitting the draw around it) costs about as
# much as drawing ~1,000 numbers: a shorter run is drawn like the others and left unread.
ADVANCE_MIN = 1024


def week_block(rng: np.random.Generator, out: np.ndarray, skip: AbstractSet[int]) -> np.ndarray:
    """Fill ``out`` (``N_DRAWS`` x citizens) with the week's uniform draws; rows in ``skip`` unread.

    Skipped rows are passed over by advancing the generator instead of
    drawing them: every number that is read, this week and later, is the one
    drawing the whole block gives.  A run of skipped rows holding fewer than
    ``ADVANCE_MIN`` numbers is drawn instead (cheaper than skipping it; nobody
    reads it).  (A generator that cannot advance, or holds half a 64-bit draw
    that advancing would discard, draws the whole block.)
    """
    runs = _runs(skip if isinstance(skip, frozenset) else frozenset(skip), out.shape[1])
    if len(runs) == 1 and not runs[0][2]:  # the whole block drawn in one call
        return rng.random(out=out)
    bits = rng.bit_generator
    if not hasattr(bits, "advance") or bits.state.get("has_uint32", 0):
        return rng.random(out=out)
    n = out.shape[1]
    for row, stop, skipped in runs:
        if skipped:
            bits.advance((stop - row) * n)
        else:
            rng.random(out=out[row:stop])
    return out


_RUNS: dict[tuple[frozenset[int], int], tuple[tuple[int, int, bool], ...]] = {}


def _runs(skip: frozenset[int], n: int) -> tuple[tuple[int, int, bool], ...]:
    """The block's runs of rows drawn or advanced over alike, for ``n`` citizens: (first row, row after the last, skipped).

    Maximal runs of skipped rows holding at least ``ADVANCE_MIN`` numbers are
    advanced over; the rows between them are drawn in one call each.  Memoised.
    """
    runs = _RUNS.get((skip, n))
    if runs is None:
        found: list[tuple[int, int, bool]] = []
        row = 0
        while row < N_DRAWS:
            stop = row + 1
            while stop < N_DRAWS and (stop in skip) == (row in skip):
                stop += 1
            skipped = row in skip and (stop - row) * n >= ADVANCE_MIN
            if found and not skipped and not found[-1][2]:  # drawn after drawn: one run
                found[-1] = (found[-1][0], stop, False)
            else:
                found.append((row, stop, skipped))
            row = stop
        runs = _RUNS[skip, n] = tuple(found)
    return runs


_IDLE: dict[tuple[bool, bool, bool], frozenset[int]] = {}


def idle_rows(no_hotspot_users: bool, outside_idp_window: bool, no_training_seats: bool) -> frozenset[int]:
    """Rows nobody reads this week: hotspot access, IDP comments and meetings, places in line for training."""
    key = (no_hotspot_users, outside_idp_window, no_training_seats)
    rows = _IDLE.get(key)
    if rows is None:
        rows = _IDLE[key] = frozenset(row for row, idle in ((HOTSPOT, no_hotspot_users), (IDP, outside_idp_window),
                                                            (IDP_COUNT, outside_idp_window), (MEET, outside_idp_window),
                                                            (TRAIN, no_training_seats)) if idle)
    return rows
