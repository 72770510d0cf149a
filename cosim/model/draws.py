"""The week's block of uniform random numbers, one row per kind of decision.

Drawing the whole block at once keeps the stream independent of which citizens
need a draw, so the per-citizen reference (:mod:`cosim.model.reference`) can
read the same numbers: citizen ``i`` reads column ``i``.  Rows nobody reads in a
week are skipped by advancing the generator (``PCG64.advance``), not drawn
(a run of them too short to be worth it, below ``ADVANCE_MIN`` numbers, is drawn and left unread).

For the model's own generator (NumPy's PCG64) the block is filled by a kernel
(:mod:`cosim.model.kernels.pcg64`) that computes the same numbers as
``Generator.random`` in about 60 % of the time and leaves the generator in the
same state; it works on the generator's state in memory, through a view that
is checked against ``bit_generator.state`` (:func:`pcg64_view`).  Any other
generator, or a view that fails its check, is drawn from with
``Generator.random`` as before.
"""

from __future__ import annotations

import ctypes
from collections.abc import Set as AbstractSet
from typing import NamedTuple

import numpy as np

from cosim.model.kernels import pcg64 as kpcg
from cosim.model.memo import LastSeen

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
    bits = rng.bit_generator
    view = _views(pcg64_view, bits)
    if view is not None and out.dtype == np.float64 and out.flags.c_contiguous:
        with bits.lock:  # as Generator.random holds it
            if view.has_uint32[0] == 0:  # (else half a 64-bit draw is held: Generator.random below)
                kpcg.fill_runs(view.state, out.reshape(-1), out.shape[1], _runs_array(runs))
                return out
    if len(runs) == 1 and not runs[0][2]:  # the whole block drawn in one call
        return rng.random(out=out)
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


_RUNS_ARRAY: dict[tuple[tuple[int, int, bool], ...], np.ndarray] = {}


def _runs_array(runs: tuple[tuple[int, int, bool], ...]) -> np.ndarray:
    """``runs`` as an int64 array (a row per run), as :func:`kernels.pcg64.fill_runs` reads them.  Memoised."""
    arr = _RUNS_ARRAY.get(runs)
    if arr is None:
        arr = _RUNS_ARRAY[runs] = np.array(runs, dtype=np.int64).reshape(-1, 3)
    return arr


class PCG64View(NamedTuple):
    """A PCG64's state in memory: the state's and the increment's 64-bit halves (low first), and its has_uint32 flag."""

    state: np.ndarray       # uint64[4], written by the kernels
    has_uint32: np.ndarray  # int32[1], read only


def pcg64_view(bits: np.random.BitGenerator) -> PCG64View | None:
    """A view of ``bits``'s state for :mod:`cosim.model.kernels.pcg64`; None unless that is safe.

    Only for ``numpy.random.PCG64`` itself, in a NumPy whose layout passed
    :func:`_layout_checked` in this process, and only when the view reads
    the values ``bits.state`` reports.  NumPy keeps the state in a C struct
    (``pcg64_state``: a pointer to the 128-bit state and increment, then the
    ``has_uint32`` flag) whose address ``bits.ctypes.state_address`` gives.
    The view keeps no reference to ``bits``: the caller holds it for as
    long as the view is used (:data:`_views` keys on it).
    """
    if type(bits) is not np.random.PCG64 or not _layout_checked():
        return None
    view = _raw_view(bits)
    return view if _reads(view, bits) else None


def _raw_view(bits: np.random.PCG64) -> PCG64View:
    address = bits.ctypes.state_address
    pcg = ctypes.cast(address, ctypes.POINTER(ctypes.c_void_p))[0]  # pcg64_state.pcg_state
    state = np.ctypeslib.as_array((ctypes.c_uint64 * 4).from_address(pcg))
    flag = np.ctypeslib.as_array((ctypes.c_int32 * 1).from_address(address + ctypes.sizeof(ctypes.c_void_p)))
    return PCG64View(state, flag)


def _reads(view: PCG64View, bits: np.random.PCG64) -> bool:
    """Does ``view`` read what ``bits.state`` says (state, increment, has_uint32)?"""
    st = bits.state
    words = [int(w) for w in view.state]
    return (st["state"]["state"] == words[0] | words[1] << 64 and st["state"]["inc"] == words[2] | words[3] << 64
            and int(st["has_uint32"]) == int(view.has_uint32[0]))


_LAYOUT: list[bool] = []


def _layout_checked() -> bool:
    """Once per process: does the view of a fresh PCG64 read its state and flag, and the kernels give its numbers?

    Draws from two twin generators, one through ``Generator.random`` and
    ``advance``, the other through the kernels, and compares every number
    and the states after; a 32-bit draw must set the flag the view reads.
    """
    if not _LAYOUT:
        try:
            bits_a, bits_b = np.random.PCG64(20261207), np.random.PCG64(20261207)
            a, b = np.random.Generator(bits_a), np.random.Generator(bits_b)
            view = _raw_view(bits_b)
            ok = _reads(view, bits_b)
            for n in (1, 7, 300, 1000):
                out = np.empty(n)
                kpcg.fill(view.state, out)
                ok = ok and a.random(n).tobytes() == out.tobytes()
            bits_a.advance(12345)
            kpcg.advance(view.state, 12345)
            ok = ok and bits_a.state == bits_b.state
            b.integers(0, 10, dtype=np.int32)  # holds half a 64-bit draw: has_uint32 = 1
            ok = ok and int(view.has_uint32[0]) == 1 and _reads(view, bits_b)
        except (AttributeError, TypeError, ValueError, KeyError):
            ok = False
        _LAYOUT.append(ok)
    return _LAYOUT[0]


#: the view of the generator last seen (a model asks with the same one week after week)
_views: LastSeen[PCG64View | None] = LastSeen()


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
