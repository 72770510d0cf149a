"""The social network: a sparse small-world graph built directly in SciPy.

networkx is far too slow at 10^5-10^6 citizens, so the Watts-Strogatz
construction (Watts & Strogatz 1998) is done with array operations: a ring
lattice inside each ward (mostly within-ward ties) whose ties are rewired with
probability ``rewire`` to a random citizen of the same municipality (some ties
across wards).  The result is the row-normalised adjacency matrix ``W`` used for
DeGroot averaging (``W @ x`` is each citizen's neighbours' mean).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def small_world(
    ward: np.ndarray, muni: np.ndarray, degree: int, rewire: float, rng: np.random.Generator
) -> sp.csr_matrix:
    """Row-normalised adjacency of a ward-local ring lattice with rewiring.

    ``ward`` must be sorted (citizens of a ward are contiguous), as the model
    creates them.  Citizens alone in their ward (or isolated) get a self-loop, so
    that their neighbour mean is their own value.
    """
    n = ward.size
    idx = np.arange(n)
    starts = np.flatnonzero(np.r_[True, ward[1:] != ward[:-1]])
    sizes = np.diff(np.r_[starts, n])
    ward_start = np.repeat(starts, sizes)
    ward_size = np.repeat(sizes, sizes)
    pos = idx - ward_start
    half = degree // 2
    src = np.repeat(idx, half)
    offsets = np.tile(np.arange(1, half + 1), n)
    dst = ward_start[src] + (pos[src] + offsets) % ward_size[src]
    # Rewire: each lattice tie goes to a uniform citizen of the same municipality.
    flip = rng.random(src.size) < rewire
    m_starts = np.flatnonzero(np.r_[True, muni[1:] != muni[:-1]])
    m_sizes = np.diff(np.r_[m_starts, n])
    m_start = np.repeat(m_starts, m_sizes)
    m_size = np.repeat(m_sizes, m_sizes)
    r = rng.random(src.size)
    new_dst = m_start[src] + np.floor(r * m_size[src]).astype(np.int64)
    dst = np.where(flip, new_dst, dst)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    a = sp.coo_matrix((np.ones(src.size), (src, dst)), shape=(n, n)).tocsr()
    a = a + a.T
    a.data[:] = 1.0
    deg = np.asarray(a.sum(axis=1)).ravel()
    lonely = np.flatnonzero(deg == 0)
    if lonely.size:
        a = a + sp.csr_matrix((np.ones(lonely.size), (lonely, lonely)), shape=(n, n))
        deg[lonely] = 1.0
    w = sp.diags(1.0 / deg) @ a
    w = w.tocsr()
    w.sort_indices()
    return w


def complete_mean(x: np.ndarray, muni: np.ndarray, n_muni: int) -> np.ndarray:
    """Mean of everyone else in the same municipality (the well-mixed limit)."""
    counts = np.bincount(muni, minlength=n_muni).astype(float)
    denom = np.maximum(counts - 1.0, 1.0)[muni]
    if x.ndim == 1:
        sums = np.bincount(muni, weights=x, minlength=n_muni)[muni]
        return (sums - x) / denom
    out = np.empty_like(x, dtype=float)
    for j in range(x.shape[1]):
        sums = np.bincount(muni, weights=x[:, j], minlength=n_muni)[muni]
        out[:, j] = (sums - x[:, j]) / denom
    return out
