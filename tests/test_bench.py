"""benchmarks/bench.py's decomposition of the week and benchmarks/study_bound.py (issue 16) run and give consistent figures."""

import importlib.util
import math
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "bench.py"


def _load(path: Path, name: str):
    """A script of benchmarks/ as a module."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def bench():
    return _load(BENCH, "cosim_bench")


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


STUDY_BOUND = BENCH.parent / "study_bound.py"
BASELINE = (BENCH.parent.parent / "scenarios" / "baseline.toml").as_posix()


@pytest.fixture(scope="module")
def study_bound():
    return _load(STUDY_BOUND, "cosim_study_bound")


def _experiment(tmp_path, factors: str, samples: int = 4, replications: int = 3, citizens: str = "240") -> Path:
    path = tmp_path / "study.toml"
    path.write_text(f"""
[experiment]
name = "study"
base = "{BASELINE}"
design = "sobol"
samples = {samples}
second_order = false
replications = {replications}
root_seed = 5
outcomes = ["share_adopted", "mean_trust"]

[experiment.constants]
{f'"run.n_citizens" = {citizens}' if citizens else ""}
"run.steps" = 6
"run.burn_in_weeks" = 2
{factors}""")
    return path


FACTORS = """
[[factors]]
path = "wifi.hotspots"
min = 0
max = 20
integer = true
[[factors]]
path = "trust.alpha_minus"
min = 0.05
max = 0.3
"""


def test_study_bound_times_the_experiments_own_runs(study_bound, tmp_path):
    path = _experiment(tmp_path, FACTORS)
    tasks, runs, size = study_bound.sample_tasks(path, points=3)
    assert (runs, size) == (4 * (2 + 2) * 3, 240)  # Sobol' first order: N (D + 2) points, x replications
    # the first, middle and last design points, replication 0, with the seeds the experiment gives them
    from cosim.runs import experiment as E
    from cosim.runs.ids import run_seed_of

    exp = E.load_experiment(path)
    assert [t.seed for t in tasks] == [run_seed_of(5, p, 0) for p in (0, 8, 15)]
    assert [t.params["wifi.hotspots"] for t in tasks] == [
        E._point_params(exp, E._build_design(exp)[1])[p]["wifi.hotspots"] for p in (0, 8, 15)]
    small = study_bound.resized(tasks, 60)
    assert all(t.params["run.n_citizens"] == 60 for t in small)

    out = study_bound.measure(path, points=2, repeats=1, cores=2)
    assert [k for k in out if k.startswith("s_per_run_")] == ["s_per_run_60", "s_per_run_120", "s_per_run_240"]
    assert out["s_per_run"] == out["s_per_run_240"] > 0
    assert math.isclose(out["projected_wall_min"], runs * out["s_per_run"] / 2 / 60, rel_tol=1e-12)
    assert math.isclose(out["bound_wall_min"], runs * out["per_citizen_s"] / 2 / 60, rel_tol=1e-12)
    # the least-squares line through (citizens, time per run): its intercept, and its slope x 240 citizens
    import numpy as np

    slope, intercept = np.polyfit([60.0, 120.0, 240.0], [out[f"s_per_run_{n}"] for n in (60, 120, 240)], 1)
    assert math.isclose(out["fixed_s"], intercept, rel_tol=1e-9, abs_tol=1e-12)
    assert math.isclose(out["per_citizen_s"], max(slope * 240, 0.0), rel_tol=1e-9, abs_tol=1e-12)


def test_study_bound_refuses_what_it_cannot_time(study_bound, tmp_path, capsys):
    varied = _experiment(tmp_path, FACTORS + '[[factors]]\npath = "run.n_citizens"\nmin = 100\nmax = 200\n'
                         'integer = true\n', citizens="")
    ishigami = tmp_path / "ishigami.toml"
    ishigami.write_text('[experiment]\nmodel = "ishigami"\ndesign = "lhs"\nsamples = 4\n'
                        + "".join(f'[[factors]]\npath = "x{i}"\nmin = -3.0\nmax = 3.0\n' for i in (1, 2, 3)))
    missing = tmp_path / "missing.toml"
    for path, expected in ((varied, "factors: run.n_citizens is a factor"),
                           (ishigami, "experiment.model: 'ishigami'"), (missing, "missing.toml: no such file")):
        assert study_bound.main([str(path), "--points", "2", "--repeats", "1"]) == 2
        err = capsys.readouterr()
        assert expected in err.err and "Traceback" not in err.err and err.out == ""
