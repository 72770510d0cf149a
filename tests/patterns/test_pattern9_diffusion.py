"""Pattern 9 (MODEL.md s1): diffusion over a decade.

With the access trends of DATA.md (``scenarios/baseline_2010_2030.toml``:
device ownership by income group, falling data prices, cohort change in
literacy, a growing population; sources in docs/ODD.md, Input data), internet
use rises as an S-curve over 2010-2030 without any policy (diffusion is
S-shaped: Rogers 2003; GHS household internet access 40.9% in 2013, 61.8% in
2017); and a five-year policy comparison runs on a baseline that moves
(``cosim compare`` of the moving baseline and the same world with free Wi-Fi
in 2015-2020).

Run with ``-s`` to see each seed's yearly shares and statistics.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import OptimizeWarning, curve_fit

from cosim import CoProductionModel, load_scenario, run_seed
from cosim.cli import main

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
WORLD = SCENARIOS / "baseline_2010_2030.toml"
WIFI = SCENARIOS / "wifi_2015_2020.toml"
ROOT_SEED = 20240809
R = 4
SETTING = {"run.n_citizens": 3000}  # the scenario's horizon: 2010-01-01 to 2029-12-27
WEEKS_PER_YEAR = 52


def logistic(x, lo, hi, mid, rate):
    return lo + (hi - lo) / (1.0 + np.exp(-rate * (x - mid)))


def yearly_share_online(seed: int) -> np.ndarray:
    """The region's mean weekly share online in each simulated year (weeks 1-52 = 2010, 53-104, ...)."""
    model = CoProductionModel(load_scenario(WORLD, SETTING), rng=seed)
    model.run()
    ts = model.timeseries()
    region = ts[(ts["municipality"] == "region") & (ts["step"] > 0)]
    year = (region["step"].to_numpy() - 1) // WEEKS_PER_YEAR
    return region.groupby(year)["share_online"].mean().to_numpy()[:20]


def s_curve_statistics(y: np.ndarray) -> dict[str, float]:
    """A logistic and a straight line fitted to the yearly means; the shape of the yearly increments.

    ``rss_ratio``: residual sum of squares of the logistic over the line's;
    ``midpoint``: the logistic's inflection, in years from 2010; ``rise``: last
    year minus first; ``largest_fall``: the largest fall from one year to the
    next (0 if none); ``early`` and ``late``: the mean increment of the first
    and of the last three years over the largest increment.
    """
    x = np.arange(y.size) + 0.5
    line = np.polyfit(x, y, 1)
    rss_line = float(((np.polyval(line, x) - y) ** 2).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OptimizeWarning)
        p, _ = curve_fit(logistic, x, y, p0=[y.min(), y.max(), x.mean(), 0.3], maxfev=20_000)
    rss_logistic = float(((logistic(x, *p) - y) ** 2).sum())
    step = np.diff(y)
    return {"rss_ratio": rss_logistic / rss_line, "midpoint": float(p[2]), "rate": float(p[3]),
            "rise": float(y[-1] - y[0]), "largest_fall": float(max(-step.min(), 0.0)),
            "peak_year": float(step.argmax() + 1), "early": float(step[:3].mean() / step.max()),
            "late": float(step[-3:].mean() / step.max())}


@pytest.fixture(scope="module")
def curves() -> list[np.ndarray]:
    """R = 4 seeds of the 2010-2030 world at 3,000 citizens (about 3 s each)."""
    return [yearly_share_online(run_seed(ROOT_SEED, k)) for k in range(R)]


@pytest.mark.slow
def test_share_online_rises_as_an_s_curve_without_policy(curves):
    """The yearly share online follows an S-curve, not a line, from the trends alone.

    Setting: baseline_2010_2030.toml (no lever changes) at 3,000 citizens, R = 4
    seeds; y = the mean weekly share online in each year 2010-2029.

    Criteria, per seed (bounds from runs at 8 seeds, docs/calibration.md
    "Access trends 2010-2030"; measured: rss_ratio 0.008-0.011, midpoint
    4.0-4.5 years, rise 0.411-0.414, no yearly fall, largest increment in
    year 4 or 5, early 0.79-0.82, late 0.31-0.36): a logistic fits far better
    than a straight line (rss_ratio < 0.05); its inflection lies inside the
    period, after the first two and before the last five years (2 < midpoint
    < 15); the share rises by more than 0.3 and never falls by more than 0.01
    from one year to the next (noise); it accelerates (the largest increment
    comes after year 2, the first three years' increments below it: early <
    0.9) and then decelerates (the last three years' increments under 0.45 of
    the largest).
    """
    for k, y in enumerate(curves):
        s = s_curve_statistics(y)
        print(f"\nseed {k}: yearly share online 2010-2029 {np.round(y, 3).tolist()}")
        print("   " + ", ".join(f"{name} {value:.4f}" for name, value in s.items()))
        assert s["rss_ratio"] < 0.05, s
        assert 2.0 < s["midpoint"] < 15.0, s
        assert s["rise"] > 0.3, s
        assert s["largest_fall"] < 0.01, s
        assert s["early"] < 0.9 and s["peak_year"] > 2, s
        assert s["late"] < 0.45, s


@pytest.mark.slow
def test_a_five_year_policy_comparison_on_the_moving_baseline(tmp_path, capsys):
    """cosim compare runs the 2015-2020 Wi-Fi programme against the moving 2010-2030 baseline.

    Setting: both scenarios to 2020 (``--steps 521``), 1,000 citizens, 3
    replications with common random numbers.  Criteria: the comparison
    completes (exit 0, the summary written); the baseline moves (its share
    online rises by more than 0.15 from 2010 to 2019 in every replication);
    and the programme's last year (2019) has more residents online than the
    baseline's in every replication (paired, common random numbers).
    """
    out = tmp_path / "cmp"
    code = main(["compare", str(WORLD), str(WIFI), "--set", "run.n_citizens=1000", "--steps", "521",
                 "--replications", "3", "--workers", "1", "--seed", "7", "--quiet", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    assert (out / "summary.csv").is_file() and (out / "report.html").is_file()
    runs = pd.read_parquet(out / "runs.parquet")
    region = runs[(runs["municipality"] == "region") & (runs["step"] > 0)].copy()
    region["year"] = (region["step"] - 1) // WEEKS_PER_YEAR
    yearly = region.groupby(["scenario", "replication", "year"])["share_online"].mean().unstack("year")
    base, wifi = yearly.loc["baseline_2010_2030"], yearly.loc["wifi_2015_2020"]
    print("\nbaseline yearly share online:\n", base.round(3).to_string())
    print("Wi-Fi minus baseline in 2019:", (wifi[9] - base[9]).round(4).tolist())
    assert (base[9] - base[0] > 0.15).all()
    assert (wifi[9] > base[9]).all()
    assert (wifi[3] == base[3]).all()  # before 2015 the two worlds are the same (common random numbers)
