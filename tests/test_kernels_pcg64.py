"""The PCG64 kernels give NumPy's numbers and states bit for bit, and the draw block uses them only where that is safe."""

import itertools

import numpy as np
import pytest

from cosim.model import draws
from cosim.model.kernels import pcg64 as kpcg
from cosim.model.memo import LastSeen


def _twins(seed: int) -> tuple[np.random.Generator, np.random.Generator, draws.PCG64View]:
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    view = draws.pcg64_view(b.bit_generator)
    assert view is not None
    return a, b, view


def test_the_layout_check_passes_on_this_numpy():
    assert draws._layout_checked()


# sizes around the lanes' threshold (4 lanes x 64 numbers), odd remainders, a week's block
@pytest.mark.parametrize("n", [0, 1, 3, 4, 255, 256, 257, 259, 1000, 4099, 22_000])
@pytest.mark.parametrize("seed", [0, 1, 2**40 + 7])
def test_fill_gives_generator_random_and_its_state(n, seed):
    a, b, view = _twins(seed)
    a.random(5)
    b.random(5)  # a generator part-way through its stream
    out = np.full(n, -1.0)
    kpcg.fill(view.state, out)
    assert out.tobytes() == a.random(n).tobytes()
    assert a.bit_generator.state == b.bit_generator.state
    assert a.random(3).tobytes() == b.random(3).tobytes()  # and both go on alike


@pytest.mark.parametrize("delta", [0, 1, 2, 3, 64, 1000, 123_456_789, 2**40 + 3, 2**62 + 11])
def test_advance_is_pcg64_advance(delta):
    a, b, view = _twins(delta % 97)
    a.bit_generator.advance(delta)
    kpcg.advance(view.state, delta)
    assert a.bit_generator.state == b.bit_generator.state


@pytest.mark.parametrize("n", [10, 300, 3000])
def test_week_block_is_the_same_with_and_without_the_kernels_for_every_set_of_skipped_rows(n, monkeypatch):
    for mask in range(2 ** draws.N_DRAWS):
        skip = frozenset(r for r in range(draws.N_DRAWS) if mask >> r & 1)
        a, b = np.random.default_rng(mask), np.random.default_rng(mask)
        fast, slow = np.full((draws.N_DRAWS, n), -1.0), np.full((draws.N_DRAWS, n), -1.0)
        draws.week_block(a, fast, skip)
        with monkeypatch.context() as m:
            m.setattr(draws, "_LAYOUT", [False])  # as in a NumPy whose layout the check refused
            m.setattr(draws, "_views", LastSeen())
            draws.week_block(b, slow, skip)
        assert fast.tobytes() == slow.tobytes(), sorted(skip)
        assert a.bit_generator.state == b.bit_generator.state, sorted(skip)


def test_other_generators_are_drawn_from_with_numpy():
    for bits in (np.random.Philox(3), np.random.PCG64DXSM(3), np.random.MT19937(3), np.random.SFC64(3)):
        assert draws.pcg64_view(bits) is None
        rng, twin = np.random.Generator(bits), np.random.Generator(type(bits)(3))
        out = np.empty((draws.N_DRAWS, 50))
        draws.week_block(rng, out, frozenset())
        assert out.tobytes() == twin.random((draws.N_DRAWS, 50)).tobytes()

    class Subclass(np.random.PCG64):
        pass

    assert draws.pcg64_view(Subclass(3)) is None


def test_a_generator_holding_half_a_draw_falls_back_to_numpy():
    """After a 32-bit draw PCG64 keeps the other half (has_uint32): the kernels would not see it."""
    a, b, _ = _twins(9)
    a.integers(0, 10, dtype=np.int32)
    b.integers(0, 10, dtype=np.int32)
    out = np.empty((draws.N_DRAWS, 400))
    draws.week_block(b, out, draws.idle_rows(True, True, True))
    assert out.tobytes() == a.random((draws.N_DRAWS, 400)).tobytes()  # the whole block, drawn by NumPy
    assert a.bit_generator.state == b.bit_generator.state


def test_a_view_that_does_not_read_the_generators_state_is_refused():
    a, b = np.random.default_rng(1), np.random.default_rng(2)
    assert draws._reads(draws._raw_view(a.bit_generator), a.bit_generator)
    assert not draws._reads(draws._raw_view(a.bit_generator), b.bit_generator)


def test_setting_the_state_is_seen_by_the_view():
    """The view reads the generator's memory: a state set from Python (as tests and users do) is the one filled from."""
    a, b, _ = _twins(4)
    b.random(1000)
    b.bit_generator.state = a.bit_generator.state
    out = np.empty((draws.N_DRAWS, 100))
    draws.week_block(b, out, frozenset())
    assert out.tobytes() == a.random((draws.N_DRAWS, 100)).tobytes()


def test_fill_runs_reads_its_runs_row_by_row():
    a, b, view = _twins(5)
    n = 700
    runs = ((0, 2, False), (2, 5, True), (5, 6, False), (6, 11, True))
    out = np.full((draws.N_DRAWS, n), -1.0)
    kpcg.fill_runs(view.state, out.reshape(-1), n, draws._runs_array(runs))
    full = a.random((draws.N_DRAWS, n))
    for first, after, skipped in runs:
        if skipped:
            assert (out[first:after] == -1.0).all()
        else:
            assert out[first:after].tobytes() == full[first:after].tobytes()
    assert a.bit_generator.state == b.bit_generator.state
    assert list(itertools.chain.from_iterable(draws._runs_array(runs).tolist())) == [
        x for run in runs for x in (run[0], run[1], int(run[2]))]
