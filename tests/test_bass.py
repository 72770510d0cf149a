"""The Bass limit: identical citizens on a complete network follow the Bass curve.

With ``population.homogeneous = true`` every citizen starts at neutral values
(literacy 0.5, trust 0.5, awareness 1, no privacy concern, a smartphone, not
adopted) and ``network.kind = "complete"`` makes each citizen see the adopted
share of everyone else.  Switching off everything that would move a citizen off
neutral (service needs and IDP comments, hence no experiences; quality pull on
trust; literacy learning and decay; awareness decay; breaches; lapses) leaves
the weekly hazard p + q F of the discrete-time Bass model (Bass 1969):

    F(t+1) = F(t) + (1 - F(t)) (p + q F(t)),

whose continuous-time solution is F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}).
Tolerances come from binomial sampling: given A adopters of n, next week's new
adopters are Binomial(n - A, p + q A / (n - 1)); the spread of the whole path
follows from the linear-noise approximation.  (A detailed, replicated docking
test lives in tests/patterns/.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from cosim import CoProductionModel, load_scenario, simulate

NEUTRAL = {
    "population.homogeneous": True, "network.kind": "complete",
    "municipality.need_rate": 0.0, "idp.comment_rate": 0.0,          # no experiences: responsiveness stays 0.5
    "idp.attend_rate": 0.0,
    "trust.quality_weight": 0.0,                                      # trust stays 0.5
    "literacy.learning_by_doing": 0.0, "literacy.decay": 0.0,         # literacy stays 0.5
    "awareness.decay": 0.0,                                           # awareness stays 1
    "infosec.breach_hazard": 0.0,                                     # no breach: privacy and trust untouched
    "adoption.lapse_rate": 0.0,
    "run.burn_in_weeks": 0,                                           # the curve starts at week 0 from no adopters
    "literacy.use_floor": 1.0,                                        # everyone with access goes online each week
}
CASES = {
    # (p, q per week, weeks, citizens)
    "defaults": (0.03 / 52, 0.38 / 52, 260, 3000),   # Sultan, Farley & Lehmann 1990 means
    "fast": (0.003, 0.1, 100, 3000),
}


def _scenario(p: float, q: float, steps: int, n: int):
    return load_scenario(None, {**NEUTRAL, "adoption.p": p, "adoption.q": q, "run.steps": steps,
                                "run.n_citizens": n})


def bass_discrete(p: float, q: float, steps: int, n: float = math.inf) -> np.ndarray:
    """F(0..steps) of the discrete Bass recursion; finite ``n`` counts only the others (n - 1)."""
    share = 1.0 if math.isinf(n) else n / (n - 1)
    f = np.zeros(steps + 1)
    for t in range(steps):
        f[t + 1] = f[t] + (1 - f[t]) * (p + q * f[t] * share)
    return f


def bass_continuous(p: float, q: float, t: np.ndarray) -> np.ndarray:
    e = np.exp(-(p + q) * t)
    return (1 - e) / (1 + (q / p) * e)


def path_sd(p: float, q: float, steps: int, n: int) -> np.ndarray:
    """Standard deviation of F(t) around the recursion (linear-noise approximation)."""
    f = bass_discrete(p, q, steps, n)
    v = np.zeros(steps + 1)
    for t in range(steps):
        h = p + q * f[t]
        slope = 1 - h + q * (1 - f[t])  # d F(t+1) / d F(t)
        v[t + 1] = slope**2 * v[t] + (1 - f[t]) * h * (1 - h) / n
    return np.sqrt(v)


def _adoption(s, seed: int) -> np.ndarray:
    df = simulate(s, seed=seed)
    return df.loc[df["municipality"] == "region", "share_adopted"].to_numpy()


def test_the_neutral_population_stays_neutral():
    p, q, _, n = CASES["fast"]
    m = CoProductionModel(_scenario(p, q, 30, n), rng=1)
    m.run()
    for name, value in (("literacy", 0.5), ("trust", 0.5), ("awareness", 1.0), ("privacy_concern", 0.0),
                        ("responsiveness", 0.5)):
        assert (getattr(m.citizens, name) == value).all(), name
    assert (m.citizens.device == 2).all()
    assert 0 < m.adopted.mean() < 1


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_weekly_adoptions_are_bass_binomial(case):
    """Each week's new adopters are Binomial(n - A, p + q A / (n - 1)) given A: exact Bass hazard."""
    p, q, steps, n = CASES[case]
    z = []
    for seed in (1, 2):
        adopters = np.rint(_adoption(_scenario(p, q, steps, n), seed) * n).astype(int)
        assert adopters[0] == 0
        assert (np.diff(adopters) >= 0).all()  # no lapses
        a = adopters[:-1]
        h = p + q * a / (n - 1)
        mean, var = (n - a) * h, (n - a) * h * (1 - h)
        z.append((np.diff(adopters) - mean) / np.sqrt(var))
    z = np.concatenate(z)
    assert np.abs(z).max() < 5
    assert abs(z.mean()) * math.sqrt(z.size) < 4           # no drift: the mean hazard is Bass
    assert abs((z**2).mean() - 1) < 4 * math.sqrt(2 / z.size)  # binomial spread, not more or less


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_adoption_follows_the_bass_curve(case):
    p, q, steps, n = CASES[case]
    f_bass = bass_discrete(p, q, steps)
    f_finite = bass_discrete(p, q, steps, n)
    sd = path_sd(p, q, steps, n)
    tolerance = 5 * sd + np.abs(f_finite - f_bass) + 1.0 / n  # max over a path of correlated weeks
    runs = np.array([_adoption(_scenario(p, q, steps, n), seed) for seed in (3, 4, 5)])
    for f in runs:
        excess = np.abs(f - f_bass) - tolerance
        assert (excess <= 0).all(), (int(np.argmax(excess)), float(excess.max()))
    # the mean of three runs is closer still (sd / sqrt(3))
    assert (np.abs(runs.mean(axis=0) - f_bass) <= 4 * sd / math.sqrt(3) + np.abs(f_finite - f_bass) + 1.0 / n).all()
    # an S-curve: adoption accelerates before the inflection (if reached) and is monotone
    assert (np.diff(runs.mean(axis=0)) >= 0).all()
    # the continuous Bass solution, within sampling error plus the discretisation gap
    t = np.arange(steps + 1)
    f_cont = bass_continuous(p, q, t)
    gap = np.abs(f_bass - f_cont)
    assert gap.max() < 0.05 * max(f_bass.max(), 1e-9)  # weekly steps are fine enough
    assert (np.abs(runs.mean(axis=0) - f_cont) <= 4 * sd / math.sqrt(3) + gap + np.abs(f_finite - f_bass)
            + 1.0 / n).all()
    # and the curve is far from a wrong one: q off by 30% would be detected
    wrong = bass_discrete(p, 0.7 * q, steps)
    assert (np.abs(runs.mean(axis=0) - wrong) > 4 * sd / math.sqrt(3)).any()


def test_bass_helpers_agree():
    """The recursion and the closed form describe the same curve for small steps."""
    p, q = 0.0003, 0.005
    t = np.arange(0, 2001)
    np.testing.assert_allclose(bass_discrete(p, q, 2000), bass_continuous(p, q, t), atol=2e-3)
    assert bass_continuous(p, q, np.array([0.0]))[0] == 0.0
