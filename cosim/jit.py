"""Compiled kernels (Numba): the decorator and the rules of every fused loop over citizens.

The model's kernels live in :mod:`cosim.model.kernels`, the metrics' in
:mod:`cosim.outputs.kernels`; both compile with :func:`kernel`.

Why compiled kernels (issue 16, docs/performance.md): at the sizes sensitivity
analysis and calibration run by the thousand (2,000 citizens) a week of the
NumPy engine was mostly the fixed cost of several hundred NumPy calls, and the
rest many passes over the same arrays.  A kernel does one pass with the
arithmetic of several calls.

Rules every kernel keeps, so that results stay bit-identical to the NumPy
expressions they replace (the golden outputs pin this):

* the same floating-point operations in the same order, with no fast-math and
  no fused multiply-add (``fastmath=False``; LLVM does not contract by default);
* no transcendental functions (``exp``, ``log``, ``**`` with a non-integer
  exponent): NumPy's SIMD versions differ from the C library's in the last
  bit, so those stay NumPy calls whose results a kernel takes as arrays;
* no floating-point sums in a different order: a total that NumPy sums
  pairwise (``np.sum``) stays a NumPy sum; a running sum that NumPy takes in
  order (``np.bincount``, ``np.cumsum``, ``np.add.at``) may be a loop;
* scalar helpers (a one-number ``np.clip`` and the like) live in the module of
  the kernels that call them, even where another module has the same one:
  Numba's on-disk cache notices an edit of the kernel's own file, not of a
  file it calls into, so a shared helper could leave stale machine code;
* one-number versions of ``np.minimum``/``np.maximum``/``np.clip`` copy
  NumPy's handling of NaN and of ties between 0.0 and -0.0 (the bits differ).

Each kernel has a test that it equals the NumPy mechanism functions
(:mod:`cosim.model.mechanisms`) bit for bit on random inputs
(``tests/test_kernels_*.py``).  Compiled code is cached on disk
(``cache=True``: ``__pycache__`` beside this file, or ``NUMBA_CACHE_DIR``), so
a new process loads it instead of compiling.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba


def kernel[F: Callable[..., Any]](fn: F) -> F:
    """Compile ``fn`` as a kernel: nopython, cached, IEEE arithmetic, no bounds checks, releases the GIL."""
    compiled = numba.njit(cache=True, fastmath=False, error_model="numpy", boundscheck=False, nogil=True)(fn)
    return cast(F, compiled)  # called like the Python function it compiles
