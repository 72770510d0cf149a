"""The week's block of uniform random numbers, one row per kind of decision.

Drawing the whole block at once keeps the stream independent of which citizens
need a draw, so the per-citizen reference (:mod:`cosim.model.reference`) can
read the same numbers: citizen ``i`` reads column ``i``.  Rows nobody reads in a
week are skipped by advancing the generator (``PCG64.advance``), not drawn.
"""

from __future__ import annotations

import numpy as np

# Rows of the block: own data, hotspot access, access-centre access, a service
# need, acting on it, writing IDP comments, adoption (or lapse), a place in line
# for training, going online given access (literacy), the number of IDP comments
# written, attending a ward IDP meeting.
DATA, HOTSPOT, CENTRE, NEED, ACT, IDP, ADOPT, TRAIN, USE, IDP_COUNT, MEET = range(11)
N_DRAWS = 11


def week_block(rng: np.random.Generator, out: np.ndarray, skip: set[int]) -> np.ndarray:
    """Fill ``out`` (``N_DRAWS`` x citizens) with the week's uniform draws; rows in ``skip`` unread.

    Skipped rows are passed over by advancing the generator instead of
    drawing them: every number that is read, this week and later, is the one
    drawing the whole block gives.  (A generator that cannot advance, or holds
    half a 64-bit draw that advancing would discard, draws the whole block.)
    """
    bits = rng.bit_generator
    if not skip or not hasattr(bits, "advance") or bits.state.get("has_uint32", 0):
        return rng.random(out=out)
    n = out.shape[1]
    for row, stop, skipped in _runs(frozenset(skip)):
        if skipped:
            bits.advance((stop - row) * n)
        else:
            rng.random(out=out[row:stop])
    return out


_RUNS: dict[frozenset[int], tuple[tuple[int, int, bool], ...]] = {}


def _runs(skip: frozenset[int]) -> tuple[tuple[int, int, bool], ...]:
    """The block's maximal runs of rows drawn or skipped alike: (first row, row after the last, skipped); memoised."""
    runs = _RUNS.get(skip)
    if runs is None:
        found = []
        row = 0
        while row < N_DRAWS:
            stop = row + 1
            while stop < N_DRAWS and (stop in skip) == (row in skip):
                stop += 1
            found.append((row, stop, row in skip))
            row = stop
        runs = _RUNS[skip] = tuple(found)
    return runs


def idle_rows(no_hotspot_users: bool, outside_idp_window: bool, no_training_seats: bool) -> set[int]:
    """Rows nobody reads this week: hotspot access, IDP comments and meetings, places in line for training."""
    return {row for row, idle in ((HOTSPOT, no_hotspot_users), (IDP, outside_idp_window),
                                  (IDP_COUNT, outside_idp_window), (MEET, outside_idp_window),
                                  (TRAIN, no_training_seats)) if idle}
