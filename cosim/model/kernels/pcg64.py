"""NumPy's PCG64 stream of uniform doubles, filled by a kernel: the same numbers, in less time.

The week's block of random numbers (:mod:`cosim.model.draws`) is read from
the model's ``numpy.random.Generator`` (PCG64).  ``Generator.random`` makes
one number at a time through a function pointer, and each step of PCG64
waits for the previous one (the state is a 128-bit linear congruential
generator, ``state = state x M + inc``), so it runs at the latency of a
128-bit multiply: about 2.3 ns a number here.  :func:`fill_runs` computes the
same states in four interleaved lanes: lane ``j`` starts at the state ``j x
k`` steps ahead (the LCG's jump-ahead, :func:`_jump`, O'Neill 2014 s4.3.1;
Brown 1994) and steps as usual, so four independent chains keep the
multiplier busy: about 1.45 ns a number, each number and the state left
behind exactly NumPy's (integer arithmetic throughout; the double is
``(output >> 11) x 2**-53`` as NumPy's ``pcg64_next_double`` makes it).

PCG64 as NumPy implements it (``numpy/random/src/pcg64/pcg64.h``): step
``state = state x 0x2360ED051FC65DA44385DF649FCCF645 + inc`` (mod 2**128),
then output XSL-RR: ``rotr64(hi ^ lo, hi >> 58)`` of the new state.

The kernels read and write the generator's state in place, through a view of
its memory that :mod:`cosim.model.draws` makes and checks against
``bit_generator.state`` (and falls back to ``Generator.random`` when the view
cannot be made or checked).  ``tests/test_kernels_pcg64.py`` compares them
with NumPy bit for bit.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from cosim.jit import kernel

_I128 = ir.IntType(128)
_I64 = ir.IntType(64)


@intrinsic
def _muladd128(typingctx, a_lo, a_hi, b_lo, b_hi, c_lo, c_hi):
    """``(a x b + c) mod 2**128`` of three 128-bit numbers given as (low, high) uint64 halves; (low, high).

    LLVM's 128-bit integers (Numba has none), which it lowers to the
    machine's 64-bit multiplies with carries.
    """
    u64 = types.uint64
    sig = types.UniTuple(u64, 2)(u64, u64, u64, u64, u64, u64)

    def codegen(context, builder, signature, args):
        def wide(lo, hi):
            return builder.or_(builder.zext(lo, _I128), builder.shl(builder.zext(hi, _I128), ir.Constant(_I128, 64)))

        a, b, c = wide(args[0], args[1]), wide(args[2], args[3]), wide(args[4], args[5])
        r = builder.add(builder.mul(a, b), c)
        lo = builder.trunc(r, _I64)
        hi = builder.trunc(builder.lshr(r, ir.Constant(_I128, 64)), _I64)
        return context.make_tuple(builder, signature.return_type, [lo, hi])

    return sig, codegen


#: PCG64's multiplier (PCG_DEFAULT_MULTIPLIER_128), as its low and high halves
_M_LO = np.uint64(0x4385DF649FCCF645)
_M_HI = np.uint64(0x2360ED051FC65DA4)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)

#: interleaved chains in :func:`_fill` (hand-unrolled there)
LANES = 4
#: below this many numbers per lane, one chain (measured: the jump and the lanes' start cost about as
#: much as 10-20 numbers; filling 256 numbers in lanes already beats one chain)
_MIN_PER_LANE = 64


@kernel
def _jump(delta, inc_lo, inc_hi):
    """(A, C) as four halves such that ``delta`` steps take a state s to ``A s + C`` (mod 2**128).

    The LCG's jump-ahead by squaring (Brown 1994; NumPy's
    ``pcg_advance_lcg_128``): O(log delta) 128-bit products.
    """
    acc_m_lo, acc_m_hi = _ONE, _ZERO
    acc_p_lo, acc_p_hi = _ZERO, _ZERO
    m_lo, m_hi = _M_LO, _M_HI
    p_lo, p_hi = inc_lo, inc_hi
    d = delta
    while d > 0:
        if d & 1:
            acc_m_lo, acc_m_hi = _muladd128(acc_m_lo, acc_m_hi, m_lo, m_hi, _ZERO, _ZERO)
            acc_p_lo, acc_p_hi = _muladd128(acc_p_lo, acc_p_hi, m_lo, m_hi, p_lo, p_hi)
        t_lo, t_hi = _muladd128(m_lo, m_hi, _ONE, _ZERO, _ONE, _ZERO)  # M + 1
        p_lo, p_hi = _muladd128(t_lo, t_hi, p_lo, p_hi, _ZERO, _ZERO)  # (M + 1) x plus
        m_lo, m_hi = _muladd128(m_lo, m_hi, m_lo, m_hi, _ZERO, _ZERO)  # M x M
        d >>= 1
    return acc_m_lo, acc_m_hi, acc_p_lo, acc_p_hi


@kernel
def _double(lo, hi):
    """The uniform double PCG64 gives for the (new) state ``hi:lo``: XSL-RR output, top 53 bits x 2**-53."""
    x = hi ^ lo
    rot = hi >> np.uint64(58)
    v = (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))
    return np.float64(v >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@kernel
def _fill(state, out, start, stop):
    """``out[start:stop]`` = the next ``stop - start`` uniform doubles of the PCG64 ``state`` (advanced in place).

    ``state``: uint64[4], the state's low and high halves, then the increment's.
    """
    s_lo, s_hi, inc_lo, inc_hi = state[0], state[1], state[2], state[3]
    n = stop - start
    k = n // LANES
    done = 0
    if k >= _MIN_PER_LANE:
        a_lo, a_hi, c_lo, c_hi = _jump(k, inc_lo, inc_hi)
        s0_lo, s0_hi = s_lo, s_hi
        s1_lo, s1_hi = _muladd128(a_lo, a_hi, s0_lo, s0_hi, c_lo, c_hi)
        s2_lo, s2_hi = _muladd128(a_lo, a_hi, s1_lo, s1_hi, c_lo, c_hi)
        s3_lo, s3_hi = _muladd128(a_lo, a_hi, s2_lo, s2_hi, c_lo, c_hi)
        o0, o1, o2, o3 = start, start + k, start + 2 * k, start + 3 * k
        for i in range(k):
            s0_lo, s0_hi = _muladd128(s0_lo, s0_hi, _M_LO, _M_HI, inc_lo, inc_hi)
            s1_lo, s1_hi = _muladd128(s1_lo, s1_hi, _M_LO, _M_HI, inc_lo, inc_hi)
            s2_lo, s2_hi = _muladd128(s2_lo, s2_hi, _M_LO, _M_HI, inc_lo, inc_hi)
            s3_lo, s3_hi = _muladd128(s3_lo, s3_hi, _M_LO, _M_HI, inc_lo, inc_hi)
            out[o0 + i] = _double(s0_lo, s0_hi)
            out[o1 + i] = _double(s1_lo, s1_hi)
            out[o2 + i] = _double(s2_lo, s2_hi)
            out[o3 + i] = _double(s3_lo, s3_hi)
        s_lo, s_hi = s3_lo, s3_hi  # the last lane ends where the whole run of 4k numbers ends
        done = LANES * k
    for i in range(start + done, stop):
        s_lo, s_hi = _muladd128(s_lo, s_hi, _M_LO, _M_HI, inc_lo, inc_hi)
        out[i] = _double(s_lo, s_hi)
    state[0], state[1] = s_lo, s_hi


@kernel
def advance(state, delta):
    """Advance the PCG64 ``state`` (uint64[4], in place) by ``delta`` >= 0 steps, as ``PCG64.advance`` does."""
    a_lo, a_hi, c_lo, c_hi = _jump(delta, state[2], state[3])
    state[0], state[1] = _muladd128(a_lo, a_hi, state[0], state[1], c_lo, c_hi)


@kernel
def fill(state, out):
    """``out`` (1-D float64) = the next ``out.size`` numbers of ``Generator.random`` on the PCG64 ``state``."""
    _fill(state, out, 0, out.size)


@kernel
def fill_runs(state, out, width, runs):
    """The week's block: for each run ``(first row, row after the last, skipped)`` of ``runs`` (int64, rows x 3),
    fill those rows of ``out`` (the block flattened, ``width`` numbers a row) or advance over them.

    What ``Generator.random(out=block[a:b])`` and ``PCG64.advance`` would do run
    by run (:func:`cosim.model.draws.week_block`), in one call.
    """
    for r in range(runs.shape[0]):
        first, after = runs[r, 0] * width, runs[r, 1] * width
        if runs[r, 2]:
            advance(state, after - first)
        else:
            _fill(state, out, first, after)
