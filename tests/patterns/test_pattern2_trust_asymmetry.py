"""Pattern 2 (MODEL.md s1): trust asymmetry in the whole model.

An equal-sized negative experience lowers trust more than a positive one
raises it (Slovic 1993; Poortinga & Pidgeon 2004).  The shocks are made in the
whole model, through the officials who resolve citizens' requests, not by
calling the trust update directly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cosim import CoProductionModel, load_scenario, run_seed

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ROOT_SEED = 20240802

# Officials' mean skill: neutral makes the mean co-produced outcome about equal
# to citizens' initial expectation (0.5); good and bad move it by about +-0.105
# (model v2, measured on seeds 0-2: 0.4981 at skill 0.46, 0.5713 at 0.58,
# 0.3875 at 0.30; the outcome is close to linear in skill).
SKILL_NEUTRAL, SKILL_GOOD, SKILL_BAD = 0.463, 0.64, 0.31
# Frequent needs so that experiences, not the slow background drifts, move
# trust; many officials so that capacity never binds (the same requests are
# resolved or closed in every arm: the triage queue closes about 8% of requests
# whatever the capacity, as each waits a week or two; bad officials are worse,
# not slower), and so much service work per need that ward quality saturates
# alike in every arm; no burn-in, so every arm starts from the same state with
# expectations at 0.5.
SETTING = {"run.n_citizens": 3000, "run.steps": 26, "officials.n_officials": 1000, "municipality.need_rate": 0.2,
           "run.burn_in_weeks": 0}


def run(skill: float, seed: int) -> tuple[float, float]:
    """Mean co-produced outcome over the run (weighted by resolved requests) and final mean trust."""
    s = load_scenario(SCENARIOS / "baseline.toml", {**SETTING, "officials.skill_mean": skill})
    model = CoProductionModel(s, rng=seed)
    model.run()
    ts = model.timeseries()
    region = ts[(ts["municipality"] == "region") & (ts["step"] > 0)]
    outcome = float(np.average(region["mean_outcome"], weights=region["resolved"]))
    return outcome, float(model.trust.mean())


@pytest.mark.slow
def test_bad_experience_lowers_trust_more_than_good_raises_it():
    """Equal-sized good and bad service shocks: bad moves trust more (Slovic 1993; Poortinga & Pidgeon 2004).

    Setting: the baseline at 3,000 citizens for 26 weeks with frequent needs
    (need_rate 0.2/week) and ample officials; three runs per seed with common
    random numbers: officials of neutral, good and bad mean skill.  The shock
    sizes d_good, d_bad are the changes in the mean co-produced outcome against
    the neutral run (whose outcome sits at citizens' initial expectation, 0.5);
    the responses are the changes in mean trust at week 26.

    Criteria over R = 8 seeds:
    - the shocks are equal-sized: |d_bad| / d_good within [0.85, 1.15] on average;
    - the trust response per unit of shock is larger for the bad shock:
      A = (|dTrust_bad| / |d_bad|) / (dTrust_good / d_good) > 1, one-sided
      t-test on log A across seeds, p < 0.01.
    """
    reps = 8
    ratios, sizes = [], []
    for k in range(reps):
        seed = run_seed(ROOT_SEED, k)
        o0, t0 = run(SKILL_NEUTRAL, seed)
        og, tg = run(SKILL_GOOD, seed)
        ob, tb = run(SKILL_BAD, seed)
        assert abs(o0 - 0.5) < 0.03, f"neutral officials give mean outcome {o0:.3f}, not ~0.5"
        d_good, d_bad = og - o0, ob - o0
        assert d_good > 0 > d_bad
        assert tg > t0 > tb, "good officials must raise trust and bad ones lower it"
        sizes.append(abs(d_bad) / d_good)
        ratios.append((abs(tb - t0) / abs(d_bad)) / ((tg - t0) / d_good))
    size = float(np.mean(sizes))
    test = stats.ttest_1samp(np.log(ratios), 0.0, alternative="greater")
    print(f"\n[pattern 2] shock size |d_bad|/d_good = {size:.3f}; asymmetry A per seed "
          f"{np.round(ratios, 2).tolist()}, mean {np.mean(ratios):.2f}, one-sided p = {test.pvalue:.2g}")
    assert 0.85 <= size <= 1.15, f"shocks not equal-sized: |d_bad| / d_good = {size:.3f}"
    assert test.pvalue < 0.01, f"no trust asymmetry: A per seed {np.round(ratios, 3).tolist()}"
