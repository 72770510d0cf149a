"""Models stepped in several threads at once give the results they give alone (issue 16).

The compiled kernels release the GIL and the stages keep small caches (a
scenario's constants, working arrays): the dashboard steps its sessions'
models in worker threads and a Dask worker may run several tasks in threads,
so no cache or working array may be shared between models running together.
"""

import threading
from pathlib import Path

import numpy as np
import pandas as pd

from cosim.model.model import CoProductionModel
from cosim.scenario.loading import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
# different scenarios side by side: each stage's cache meets another scenario's numbers between two weeks
CASES = [("baseline", 1), ("all_levers", 2), ("baseline_2010_2030", 3), ("multi_municipality", 4),
         ("idp_bundle", 5), ("free_wifi_equity", 6)]


def _run(name: str, seed: int, weeks: int) -> pd.DataFrame:
    scenario = load_scenario(SCENARIOS / f"{name}.toml", {"run.n_citizens": 600, "run.burn_in_weeks": 8})
    model = CoProductionModel(scenario, rng=seed)
    model.run(weeks)
    return model.timeseries()


def test_models_in_threads_equal_the_same_models_run_alone():
    weeks = 60
    alone = {case: _run(*case, weeks) for case in CASES}
    together: dict = {}
    errors: list = []
    start = threading.Barrier(len(CASES))

    def work(case):
        try:
            start.wait()
            together[case] = _run(*case, weeks)
        except Exception as exc:  # reported below: a thread's exception would otherwise vanish
            errors.append((case, exc))

    for _ in range(2):  # twice: the threads interleave differently each time
        threads = [threading.Thread(target=work, args=(case,)) for case in CASES]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        for case in CASES:
            pd.testing.assert_frame_equal(together[case], alone[case], check_exact=True)
            numbers = together[case].select_dtypes("number").to_numpy()
            assert np.array_equal(numbers, alone[case].select_dtypes("number").to_numpy(), equal_nan=True)


def test_last_seen_keeps_one_value_for_the_same_objects():
    """memo.LastSeen: the same objects (by identity) give the kept value; equal but other objects compute again."""
    from cosim.model.memo import LastSeen

    calls = []
    kept = LastSeen()

    def compute(*key):
        calls.append(key)
        return len(calls)

    a, b = [1], [1]  # equal, not the same object
    assert kept(compute, a) == 1 and kept(compute, a) == 1
    assert kept(compute, b) == 2  # equal is not enough
    assert kept(compute, b, a) == 3 and kept(compute, b, a) == 3
    assert kept(compute, b) == 4  # another length of key
    assert calls == [(a,), (b,), (b, a), (b,)]
