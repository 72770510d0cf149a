"""Kernels of stage 9 (trust) and of the neighbour averaging that feeds stages 5, 6 and 9.

Rules in :mod:`cosim.jit`; each kernel is tested equal to the NumPy functions it
fuses in ``tests/test_kernels_trust.py``.
"""

from __future__ import annotations

import numpy as np

from cosim.jit import kernel


@kernel
def _max0(x: float) -> float:
    """``np.maximum(x, 0.0)`` for one number: NaN passes, and a zero of either sign gives +0.0 (NumPy's choice)."""
    return x if (x > 0.0 or x != x) else 0.0


@kernel
def _min0(x: float) -> float:
    """``np.minimum(x, 0.0)`` for one number: NaN passes, and a zero of either sign gives +0.0 (NumPy's choice)."""
    return x if (x < 0.0 or x != x) else 0.0


@kernel
def _clip01(x: float) -> float:
    """``np.clip(x, 0.0, 1.0)`` for one number (NaN and -0.0 pass, as in NumPy)."""
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x


@kernel
def neighbour_means(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, trust: np.ndarray,
                    adopted: np.ndarray, awareness: np.ndarray, hotspot_used: np.ndarray, with_hotspot: bool,
                    out_trust: np.ndarray, out_adopted: np.ndarray, out_awareness: np.ndarray,
                    out_hotspot: np.ndarray) -> None:
    """``W @ column_stack([trust, adopted, awareness(, hotspot_used)])`` for a CSR ``W``, column by column into ``out_*``.

    The sums of scipy's ``csr_matvecs`` (the product the model took before):
    for each row, from 0.0, add ``data[k] * x[indices[k]]`` over the row's
    entries in stored order; a boolean column counts as 0.0/1.0 (``np.float64``), as
    ``column_stack`` made it.  ``out_hotspot`` is written only when
    ``with_hotspot``.
    """
    n = indptr.size - 1
    for i in range(n):
        st = 0.0
        sa = 0.0
        sw = 0.0
        sh = 0.0
        for k in range(indptr[i], indptr[i + 1]):
            j = indices[k]
            a = data[k]
            st += a * trust[j]
            sa += a * np.float64(adopted[j])
            sw += a * awareness[j]
            if with_hotspot:
                sh += a * np.float64(hotspot_used[j])
        out_trust[i] = st
        out_adopted[i] = sa
        out_awareness[i] = sw
        if with_hotspot:
            out_hotspot[i] = sh


@kernel
def trust_update(trust: np.ndarray, generalised: np.ndarray, ward_quality: np.ndarray, ward: np.ndarray,
                 disposition: np.ndarray, quality_weight: float,
                 who: np.ndarray, outcome: np.ndarray, expectation: np.ndarray, responsiveness: np.ndarray,
                 alpha_plus: float, alpha_minus: float, expectation_rate: float, responsiveness_rate: float,
                 transparency_weight: float, open_data_value: np.ndarray, municipality: np.ndarray,
                 awareness: np.ndarray, nbr_trust: np.ndarray, peer_weight: float, anchor_weight: float,
                 generalised_up: float, generalised_down: float,
                 new_trust: np.ndarray, new_generalised: np.ndarray) -> None:
    """The week's trust chain of :func:`cosim.model.stages.trust.trust`, into ``new_trust`` and ``new_generalised``.

    Fuses, in the stage's order (mechanisms in :mod:`cosim.model.mechanisms.trust`):
    ``quality_trust_update`` (perceived = ward quality + disposition), for the
    citizens ``who`` (distinct) ``asymmetric_trust_update`` and the
    ``adaptive_expectation`` of ``expectation`` and ``responsiveness`` (updated
    in place), ``transparency_update`` (open data value of the citizen's
    municipality), ``social_trust_update``, the clip to [0, 1] and
    ``generalised_trust_update``.
    """
    n = trust.size
    for i in range(n):
        t = trust[i]
        new_trust[i] = t + quality_weight * ((ward_quality[ward[i]] + disposition[i]) - t)
    for k in range(who.size):
        i = who[k]
        o = outcome[k]
        e = expectation[i]
        d = o - e
        new_trust[i] = _clip01(new_trust[i] + alpha_plus * _max0(d) + alpha_minus * _min0(d))
        expectation[i] = e + expectation_rate * (o - e)
        r = responsiveness[i]
        responsiveness[i] = r + responsiveness_rate * (o - r)
    for i in range(n):
        t = new_trust[i]
        t = t + (transparency_weight * open_data_value[municipality[i]]) * awareness[i] * (1.0 - t)
        g = generalised[i]
        t = t + peer_weight * (nbr_trust[i] - t) + anchor_weight * (g - t)
        t = _clip01(t)
        new_trust[i] = t
        gap = t - g
        new_generalised[i] = (generalised_up * _max0(gap) + g) + generalised_down * _min0(gap)
