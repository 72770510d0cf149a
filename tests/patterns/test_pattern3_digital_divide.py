"""Pattern 3 (MODEL.md s1): the digital divide, and offline channels narrowing it.

Online participation (portal/app and social media) rises with digital literacy
and income (van Deursen & van Dijk 2014; Research ICT Africa After Access 2017:
the online half of South Africans earns more, and devices and literacy are the
barriers); offline channels (ward meetings, USSD/SMS) narrow the participation
gap between groups.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cosim import CoProductionModel, load_scenario, run_seed

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ROOT_SEED = 20240803
SETTING = {"run.n_citizens": 5000, "run.steps": 156}
OFFLINE_OFF = {"channels.ussd": False, "channels.ward_meetings": False}
PORTAL, SOCIAL = 1, 3  # model.channel codes of the online channels


def counts(overrides: dict, seed: int) -> dict[str, np.ndarray]:
    """Citizens per group who took part during the run: online, and through any channel.

    The divide is about who takes part, so each citizen counts once: a few
    activists who report nearly every week (pattern 4's heavy tail) would
    otherwise dominate a group's count of events.  Returns arrays of shape (3,)
    per key: ``online_income``, ``online_lit``, ``any_income``, ``any_lit``
    (citizens who took part) and ``n_income``, ``n_lit`` (citizens).
    """
    s = load_scenario(SCENARIOS / "baseline.toml", {**SETTING, **overrides})
    model = CoProductionModel(s, rng=seed, collect=False)
    online = np.zeros(model.n, dtype=bool)
    anych = np.zeros(model.n, dtype=bool)
    for _ in range(s.run.steps):
        model.step()
        online |= (model.channel == PORTAL) | (model.channel == SOCIAL)
        anych |= model.channel > 0
    out = {}
    for name, group in (("income", model.income), ("lit", model.lit_group)):
        out[f"online_{name}"] = np.bincount(group, weights=online, minlength=3)
        out[f"any_{name}"] = np.bincount(group, weights=anych, minlength=3)
        out[f"n_{name}"] = np.bincount(group, minlength=3).astype(float)
    return out


def pooled(runs: list[dict]) -> dict[str, np.ndarray]:
    """Counts summed over seeds."""
    return {k: np.sum([r[k] for r in runs], axis=0) for k in runs[0]}


@pytest.fixture(scope="module")
def runs():
    """R = 4 seeds, each with and without offline channels (common random numbers)."""
    seeds = [run_seed(ROOT_SEED, k) for k in range(4)]
    return {"all": [counts({}, s) for s in seeds], "online_only": [counts(OFFLINE_OFF, s) for s in seeds]}


@pytest.mark.slow
@pytest.mark.parametrize("group", ["income", "lit"])
def test_online_participation_rises_with_income_and_literacy(runs, group):
    """The share taking part online rises from the low to the middle to the high group (income; literacy terciles).

    Setting: the baseline (every channel on) at 5,000 citizens for 156 weeks,
    R = 4 seeds pooled.  Online = portal/app or social media; a citizen counts
    once, having taken part online at least once in the run.

    Criterion: for each adjacent pair of groups (low -> mid, mid -> high) the
    higher group's share is larger, tested on the pooled counts with Fisher's
    exact test (one-sided, p < 0.01 each); and the high group's share is at
    least twice the low group's.
    """
    tot = pooled(runs["all"])
    took, size = tot[f"online_{group}"], tot[f"n_{group}"]
    rate = took / size
    pvals = []
    for lo, hi in ((0, 1), (1, 2)):
        table = [[int(took[hi]), int(size[hi] - took[hi])], [int(took[lo]), int(size[lo] - took[lo])]]
        pvals.append(stats.fisher_exact(table, alternative="greater").pvalue)
    print(f"\n[pattern 3] share who took part online by {group}: "
          f"{np.round(rate, 4).tolist()} (citizens {took.astype(int).tolist()}); p = "
          f"{[f'{p:.2g}' for p in pvals]}; high/low = {rate[2] / rate[0]:.1f}")
    assert max(pvals) < 0.01, f"online participation does not rise with {group}: {rate.round(3).tolist()}"
    assert rate[2] >= 2 * rate[0], f"high/low online participation ratio only {rate[2] / rate[0]:.2f}"


@pytest.mark.slow
@pytest.mark.parametrize("group", ["income", "lit"])
def test_offline_channels_narrow_the_participation_gap(runs, group):
    """Ward meetings and USSD/SMS narrow the participation gap between high and low groups.

    Setting: as above, each seed run twice with common random numbers: every
    channel on, and with USSD and ward meetings switched off.  Participation
    is any channel.

    Criterion: the relative gap (high-group share / low-group share of
    citizens who took part in any channel during the run) with offline
    channels is below half of the gap without them in the pooled counts, and
    smaller in every seed; the absolute gap (high minus low share) does not
    widen (at most 10% larger).
    """
    ratio, gap = {}, {}
    per_seed = {}
    for arm in ("all", "online_only"):
        rates = [r[f"any_{group}"] / r[f"n_{group}"] for r in runs[arm]]
        per_seed[arm] = [x[2] / x[0] for x in rates]
        tot = pooled(runs[arm])
        rate = tot[f"any_{group}"] / tot[f"n_{group}"]
        ratio[arm], gap[arm] = rate[2] / rate[0], rate[2] - rate[0]
    print(f"\n[pattern 3] {group}: high/low participation ratio with offline channels {ratio['all']:.2f}, "
          f"without {ratio['online_only']:.2f}; absolute gap in the share who took part {gap['all']:.3f} vs "
          f"{gap['online_only']:.3f}")
    assert ratio["all"] < 0.5 * ratio["online_only"]
    assert all(a < b for a, b in zip(per_seed["all"], per_seed["online_only"], strict=True))
    assert abs(gap["all"]) <= 1.1 * abs(gap["online_only"])
