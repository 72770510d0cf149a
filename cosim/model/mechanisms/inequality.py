"""Participation inequality (MODEL.md s1 pattern 4; Nielsen 2006): Gini and top shares of a histogram."""

from __future__ import annotations

import numpy as np


def gini_from_counts(values: np.ndarray, counts: np.ndarray) -> float:
    """Gini coefficient of a distribution given as a histogram (values ascending)."""
    n = counts.sum()
    total = float((values * counts).sum())
    if n == 0 or total == 0:
        return 0.0
    before = np.cumsum(counts) - counts  # people ranked below each value
    rank_sum = (values * (counts * before + counts * (counts + 1) / 2.0)).sum()
    return float(2.0 * rank_sum / (n * total) - (n + 1.0) / n)



def top_share_from_counts(values: np.ndarray, counts: np.ndarray, share: float) -> float:
    """Share of the total held by the top ``share`` of people (histogram input)."""
    n = counts.sum()
    total = float((values * counts).sum())
    if n == 0 or total == 0:
        return 0.0
    k = max(1, int(np.ceil(share * n)))
    v = values[::-1]
    c = counts[::-1]
    cum = np.cumsum(c)
    take = np.minimum(c, np.maximum(0, k - (cum - c)))
    return float((v * take).sum() / total)
