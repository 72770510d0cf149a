"""benchmarks/bench.py's decomposition of the week (issue 16) runs and gives consistent figures."""

import importlib.util
import math
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("cosim_bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_week_cost_splits_the_week_into_fixed_and_per_citizen_parts(bench):
    out = bench.bench_week_cost(sizes=(100, 400, 800), weeks=4, repeats=2)
    weeks = [out[f"week_us_{n}"] for n in (100, 400, 800)]
    assert all(w > 0 for w in weeks)
    # the fitted line passes near the measured points (timing noise allowed: within a factor of 3)
    line = [out["week_fixed_us"] + out["week_ns_per_citizen"] * n / 1e3 for n in (100, 400, 800)]
    assert all(1 / 3 < fit / w < 3 for fit, w in zip(line, weeks, strict=True))
    assert out["draws_network_us_per_week_2k"] > 0
    bound = out["bound_runs_per_s_core_2k_no_fixed"]
    if out["week_ns_per_citizen"] > 0:  # the bound follows from the slope: burn-in + 260 weeks of 2,000 citizens
        assert math.isclose(bound, 1e9 / ((52 + 260) * out["week_ns_per_citizen"] * 2_000), rel_tol=1e-9)
    else:
        assert bound is None
