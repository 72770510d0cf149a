"""Runs that keep only their outcomes record only the weeks the outcomes read, with the same values.

``evaluate_run`` without a time series builds the model with ``collect=False``
and records week 0, the last 52 weeks and every week's spend
(``evaluators._run_outcomes``); its outcomes must equal, bit for bit, those of
the same run recording every week (``model_outcomes`` and
``outcomes(model.timeseries())``), on scenarios with trends, schedules, several
municipalities, and horizons shorter than a year.
"""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SCENARIOS

from cosim.model.model import CoProductionModel
from cosim.outputs import kernels
from cosim.outputs import metrics as M
from cosim.runs.evaluators import RunTask, evaluate_run
from cosim.scenario.loading import read_toml, scenario_from_dict


def _bits(result: dict[str, float]) -> dict[str, bytes]:
    return {k: np.float64(v).tobytes() for k, v in result.items()}


def _task(name: str, steps: int, seed: int, n: int = 150, **params) -> RunTask:
    return RunTask(run_id=0, seed=seed, params={"run.n_citizens": n, "run.steps": steps, **params},
                   base=read_toml(SCENARIOS / f"{name}.toml"), source=name)


def _full(task: RunTask) -> tuple[dict[str, float], dict[str, float]]:
    """The outcomes of the run recording every week: from the arrays and from the table."""
    model = CoProductionModel(scenario_from_dict(task.base, task.source, task.params), rng=task.seed)
    model.run(None)
    return M.model_outcomes(model), M.outcomes(model.timeseries())


_CASES = [
    ("baseline", 260, 1), ("all_levers", 260, 2), ("baseline", 1, 3), ("all_levers", 1, 4),
    ("baseline", 30, 5), ("all_levers", 51, 6), ("baseline", 52, 7), ("all_levers", 53, 8),
    ("multi_municipality", 120, 9), ("dual_municipality", 80, 10), ("dual_municipality_unlinked", 60, 11),
    ("baseline_2010_2030", 200, 12), ("wifi_2015_2020", 150, 13), ("wifi_programme", 104, 14),
    ("wifi_phased", 70, 15), ("security_breach", 90, 16), ("idp_bundle", 60, 17),
]


@pytest.mark.parametrize(("name", "steps", "seed"), _CASES)
def test_outcomes_only_runs_equal_full_recording(name, steps, seed):
    task = _task(name, steps, seed)
    fast = evaluate_run(task)
    assert fast["timeseries"] is None
    from_arrays, from_table = _full(task)
    assert _bits(fast["outcomes"]) == _bits(from_arrays) == _bits(from_table)
    assert list(fast["outcomes"]) == list(M.OUTCOMES)
    kept = evaluate_run(RunTask(**{**task.__dict__, "keep_timeseries": True}))
    assert _bits(kept["outcomes"]) == _bits(fast["outcomes"])


@pytest.mark.parametrize("n_muni", [3, 8])
def test_many_municipalities(n_muni):
    """Up to the most municipalities the schema allows (8): the region's spend is summed alike."""
    task = _task("multi_municipality", 70, 21, n=60 * n_muni, **{"region.n_municipalities": n_muni})
    assert _bits(evaluate_run(task)["outcomes"]) == _bits(_full(task)[0])


def test_metrics_of_a_week_do_not_depend_on_the_other_weeks():
    """metric_tables of the last weeks alone equals its rows of all the weeks (full and last-year recording
    compute them in different batches)."""
    task = _task("all_levers", 70, 5)
    model = CoProductionModel(scenario_from_dict(task.base, task.source, task.params), rng=task.seed, collect=False)
    tallies = []
    for _ in range(70):
        model.step()
        model.record()
        tallies.append(model.latest_tally)
    every = M.metric_tables(tallies)
    for first in (0, 18, 69):
        assert np.array_equal(M.metric_tables(tallies[first:]).view(np.int64), every[first:].view(np.int64))


def test_region_spend_sum_matches_metric_tables():
    """The region's sum along the contiguous last axis does not depend on the array's other axes."""
    rng = np.random.default_rng(3)
    for n_muni in range(1, 20):
        for weeks in (1, 5, 260):
            a = rng.standard_normal((weeks, 30, n_muni)) * 10.0 ** rng.integers(-6, 9, (weeks, 30, n_muni))
            whole = M._with_total(a, axis=2)[:, 6, n_muni]
            alone = np.add.reduce(np.ascontiguousarray(a[:, 6]), axis=1)
            assert np.array_equal(whole.view(np.int64), alone.view(np.int64))


def test_first_outcome_week_and_missing_weeks():
    assert [M.first_outcome_week(s) for s in (1, 51, 52, 53, 260)] == [1, 1, 1, 2, 209]
    task = _task("baseline", 60, 1)
    model = CoProductionModel(scenario_from_dict(task.base, task.source, task.params), rng=1, collect=False)
    model.run(60)  # nothing recorded
    with pytest.raises(M.UsageError, match="recorded"):
        M.outcomes_of_last_weeks(model, np.zeros((60, 1)))


# ----------------------------------------------------------------- the week's tallies in one array


@pytest.mark.parametrize("name", ["baseline", "all_levers", "multi_municipality"])
def test_week_tally_equals_the_two_kernels(name):
    """WeekTally's views of its one array hold what _tally and municipality_block compute, week after week."""
    task = _task(name, 40, 3, n=400)
    model = CoProductionModel(scenario_from_dict(task.base, task.source, task.params), rng=3)
    for _ in range(40):
        model.step()
        tally = model.latest_tally
        keys = tally.keys
        groups = M._tally(model, keys)
        assert np.array_equal(tally.groups.view(np.int64), groups.view(np.int64))
        cit, off, nodes, munis, wards, ws = (model.citizens, model.officials, model.nodes, model.municipalities,
                                             model.wards, model.week_stats)
        block = np.empty((len(M.PER_MUNI) + 2 * len(M.WEIGHTED_METRICS), keys.M))
        hist = kernels.municipality_block(
            block, cit.municipality, cit.contributions, 0, cit.window_attended, cit.hotspot_used,
            cit.hotspot_ever, cit.hotspot_capped, cit.hotspot_days, cit.last_online, model.week - 4,
            model.queue.citizen, ws["requests"], ws["resolved"], ws["dropped"], ws["trained"], ws["breaches"],
            ws["spend"], munis.spend_total, model.cumulative["resolved"], model.cumulative["dropped"],
            off.municipality, off.active, off.skill, off.ict_skill, keys.posts,
            nodes.hotspot_municipality, nodes.municipality, nodes.up,
            wards.municipality, wards.quality, keys.n_ward, munis.scale, munis.window_meetings, munis.window_comments,
            ws["median_wait"], ws["outcome"], munis.open_data_value, munis.posture, keys.n_citizens)
        got = np.concatenate([tally.per_muni, tally.own, tally.weight])
        assert np.array_equal(got.view(np.int64), block.view(np.int64))
        width = tally.contributions.shape[1]
        assert width >= hist.shape[1] and np.array_equal(tally.contributions[:, :hist.shape[1]], hist)
        assert not tally.contributions[:, hist.shape[1]:].any()
        assert tally.legal_strength == model.legal_strength and tally.flat[-1] == tally.link_score
