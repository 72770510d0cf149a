"""Pattern 8 (MODEL.md s1): performance drives trust.

Trust in the municipality follows the service quality that residents
experience, whether they take part or not (Van Ryzin 2004, 2006: expectancy-
disconfirmation and perceived performance; Van de Walle & Bouckaert 2003);
better-staffed, more skilled municipalities deliver better services (Boyne
2003), with diminishing returns.

Design: the baseline with half, the default and twice the default number of
officials (multiples of the schema default), on the same seeds (common random
numbers: the same citizens and history up to week 0).  Halving the officials
is the "cut" against which non-participants' trust is traced to their ward's
quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from cosim import CoProductionModel, Scenario, load_scenario, run_seed

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
ROOT_SEED = 20240808
R = 6
T99 = float(stats.t.ppf(0.99, R - 1))
N_OFFICIALS = Scenario().officials.n_officials
STAFFING = {"half": N_OFFICIALS // 2, "default": N_OFFICIALS, "double": 2 * N_OFFICIALS}
SETTING = {"run.n_citizens": 4000}  # the default 260 weeks


def run(n_officials: int, seed: int) -> dict[str, np.ndarray]:
    """Final trust of every citizen, final ward quality, each citizen's ward, and who took part in the run."""
    s = load_scenario(SCENARIOS / "baseline.toml", {**SETTING, "officials.n_officials": n_officials})
    model = CoProductionModel(s, rng=seed, collect=False)
    took_part = np.zeros(model.n, bool)
    for _ in range(s.run.steps):
        model.step()
        took_part |= model.channel > 0
    return {"trust": model.trust.copy(), "quality": model.wards.quality.copy(), "ward": model.citizens.ward.copy(),
            "size": model.wards.size.copy(), "took_part": took_part | (model.contributions > 0)}


@pytest.fixture(scope="module")
def runs() -> list[dict[str, dict[str, np.ndarray]]]:
    """Per seed, a run at each staffing level (common random numbers)."""
    return [{level: run(n, run_seed(ROOT_SEED, k)) for level, n in STAFFING.items()} for k in range(R)]


def show(d: np.ndarray, digits: int = 4) -> str:
    return f"{d.mean():+.{digits}f} ± {d.std(ddof=1) / np.sqrt(d.size):.{digits}f}"


def lower(d: np.ndarray) -> float:
    return float(d.mean() - T99 * d.std(ddof=1) / np.sqrt(d.size))


def upper(d: np.ndarray) -> float:
    return float(d.mean() + T99 * d.std(ddof=1) / np.sqrt(d.size))


@pytest.mark.slow
def test_non_participants_trust_follows_their_wards_quality(runs):
    """Citizens who never take part lose trust with their ward's services (Van Ryzin 2004; Van de Walle & Bouckaert 2003).

    Setting: the baseline at 4,000 citizens over 260 weeks with the default
    officials and with half of them (the cut), R = 6 seeds, common random
    numbers.  Non-participants: citizens who used no channel in either run
    (they have no experience of their own with the municipality, only its
    services).  Per citizen, dTrust = final trust with the cut minus without;
    per ward, dQ = final quality with the cut minus without.

    Criteria:
    - the cut lowers ward quality (upper 99% t bound of the mean dQ over seeds < 0);
    - non-participants lose trust, nearly as much as participants: the
      per-seed ratio of their mean dTrust to participants' has a lower 99% t
      bound >= 0.5 (performance, not participation, is what moves trust);
    - across wards, non-participants' mean dTrust follows dQ: the Pearson
      correlation over the wards, averaged over seeds on Fisher's z, has a
      lower 99% t bound above 0.3 (a moderate association in Cohen's sense).
    """
    dq_mean, ratios, zs, never_dt, part_dt, shares = [], [], [], [], [], []
    for seeds in runs:
        base, cut = seeds["default"], seeds["half"]
        never = ~(base["took_part"] | cut["took_part"])
        dt = cut["trust"] - base["trust"]
        dq = cut["quality"] - base["quality"]
        ward = base["ward"]
        n_never = np.bincount(ward[never], minlength=dq.size)
        ok = n_never >= 5  # wards with enough non-participants for a mean
        ward_dt = np.bincount(ward[never], weights=dt[never], minlength=dq.size)[ok] / n_never[ok]
        zs.append(np.arctanh(stats.pearsonr(dq[ok], ward_dt).statistic))
        dq_mean.append(np.average(dq, weights=base["size"]))
        never_dt.append(dt[never].mean())
        part_dt.append(dt[~never].mean())
        ratios.append(dt[never].mean() / dt[~never].mean())
        shares.append(never.mean())
    dq_mean, ratios, zs = np.array(dq_mean), np.array(ratios), np.array(zs)
    r_low = float(np.tanh(lower(zs)))
    print(f"\n[pattern 8] officials cut to half: ward quality {show(dq_mean)}; trust of non-participants "
          f"({100 * np.mean(shares):.0f}% of citizens) {show(np.array(never_dt))}, of participants "
          f"{show(np.array(part_dt))}; ratio {show(ratios, 3)}; ward correlation of dTrust with dQuality "
          f"r = {np.tanh(zs.mean()):.3f} per seed {np.round(np.tanh(zs), 3).tolist()} (99% lower bound {r_low:.3f})")
    assert upper(dq_mean) < 0, "the cut does not lower service quality"
    assert lower(ratios) >= 0.5, f"non-participants' trust does not follow performance: ratio {show(ratios, 3)}"
    assert r_low > 0.3, f"non-participants' trust change does not follow their ward's quality change: r >= {r_low:.3f}"


@pytest.mark.slow
def test_trust_rises_with_staffing_with_diminishing_returns(runs):
    """Quality and trust rise with staffing, by less for each doubling (Boyne 2003; Van Ryzin 2004).

    Setting: the baseline at 4,000 citizens over 260 weeks with half, the
    default and twice the default officials, R = 6 seeds, common random
    numbers; outcomes: population-weighted mean final ward quality and mean
    final trust.

    Criteria, for quality and for trust, on per-seed paired differences with
    one-sided 99% t bounds:
    - each step up raises it: half -> default and default -> double (lower bounds > 0);
    - diminishing returns: the second step is smaller than the first (upper
      bound of step 2 - step 1 < 0).
    """
    for outcome in ("quality", "trust"):
        levels = {}
        for level in STAFFING:
            if outcome == "quality":
                levels[level] = np.array([np.average(s[level]["quality"], weights=s[level]["size"]) for s in runs])
            else:
                levels[level] = np.array([s[level]["trust"].mean() for s in runs])
        step1 = levels["default"] - levels["half"]
        step2 = levels["double"] - levels["default"]
        print(f"\n[pattern 8] {outcome}: half {levels['half'].mean():.4f}, default {levels['default'].mean():.4f}, "
              f"double {levels['double'].mean():.4f}; step half->default {show(step1)}, default->double "
              f"{show(step2)}, difference {show(step2 - step1)}")
        assert lower(step1) > 0 and lower(step2) > 0, f"{outcome} does not rise with staffing"
        assert upper(step2 - step1) < 0, f"no diminishing returns in {outcome}"
