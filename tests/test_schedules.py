"""The calendar and parameter schedules (issue 14): dates, evaluation, checks, the engine, calibration.

Week t is the date ``run.start_date + 7 t`` days; ``[schedules."<path>"]`` tables make a parameter
follow a logistic, linear or step schedule (cosim/scenario/schedules.py).
"""

from __future__ import annotations

import datetime
import io
import json
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cosim import CoProductionModel, ScenarioError, load_scenario, simulate
from cosim.analysis.calibration.targets import read_params, read_targets
from cosim.scenario import schedules as S
from cosim.scenario.loading import scenario_from_dict
from cosim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parent.parent
SMALL = {"run": {"n_citizens": 300, "steps": 30, "burn_in_weeks": 8}}


def _scenario(schedules: dict, **sections) -> Scenario:
    return scenario_from_dict({**SMALL, **sections, "schedules": schedules}, "test.toml")


# --------------------------------------------------------------------------- evaluation (exact values)


def test_logistic_is_the_s_curve_with_its_midpoint_halfway():
    s = _scenario({"trust.peer_weight": {"kind": "logistic", "start": 0.1, "end": 0.3, "midpoint": 0,
                                         "rate_per_year": 0.6}})
    v = S.evaluate(s.schedules["trust.peer_weight"], s.run.start_date, [0, 52, -52])
    assert v[0] == pytest.approx(0.2, abs=1e-15)
    years = 364 / 365.25  # 52 weeks in years of 365.25 days
    assert v[1] == pytest.approx(0.1 + 0.2 / (1 + math.exp(-0.6 * years)), abs=1e-15)
    assert v[2] == pytest.approx(0.1 + 0.2 / (1 + math.exp(0.6 * years)), abs=1e-15)


def test_linear_interpolates_between_points_and_is_flat_outside():
    s = _scenario({"trust.peer_weight": {"kind": "linear", "points": [[0, 0.0], [10, 0.4]]}})
    assert S.evaluate(s.schedules["trust.peer_weight"], s.run.start_date, [-3, 0, 5, 10, 20]).tolist() == \
        [0.0, 0.0, 0.2, 0.4, 0.4]


def test_dates_and_decimal_years_place_points():
    s = _scenario({"trust.peer_weight": {"kind": "linear",
                                         "points": [[datetime.date(2022, 7, 1), 0.0], ["2022-07-15", 0.2]]}})
    assert S.evaluate(s.schedules["trust.peer_weight"], s.run.start_date, [1]).tolist() == [0.1]
    assert S.decimal_year_date(2015.5) == datetime.date(2015, 7, 2)  # 182.5 of 365 days, rounded to even
    assert S.decimal_year_date(2016.0) == datetime.date(2016, 1, 1)
    assert S.day_of(2022.5, datetime.date(2022, 7, 1)) == 1.0  # 2022.5 is 2 July 2022


def test_step_holds_each_value_until_the_next_point():
    s = _scenario({"trust.peer_weight": {"kind": "step", "points": [[0, 0.1], [4, 0.3]]}})
    assert S.evaluate(s.schedules["trust.peer_weight"], s.run.start_date, [-1, 0, 3, 4, 9]).tolist() == \
        [0.1, 0.1, 0.1, 0.3, 0.3]


def test_values_at_rounds_integers_half_up_and_reaches_the_burn_in():
    s = _scenario({"wifi.hotspots": {"kind": "linear", "points": [[0, 0], [4, 10]]},
                   "trust.peer_weight": {"kind": "linear", "points": [[-8, 0.0], [0, 0.4]]}})
    assert S.values_at(s, 1) == {"wifi.hotspots": 3, "trust.peer_weight": 0.4}  # 2.5 -> 3
    assert S.values_at(s, 3)["wifi.hotspots"] == 8  # 7.5 -> 8
    assert isinstance(S.values_at(s, 3)["wifi.hotspots"], int)
    assert S.values_at(s, -4)["trust.peer_weight"] == pytest.approx(0.2)  # a burn-in week
    assert S.values_at(Scenario(), 0) == {}
    assert S.schedule_change_weeks(s, 0, 6, ["wifi.hotspots"]) == [0, 1, 2, 3, 4]


# --------------------------------------------------------------------------- checks


BAD = {
    "build_only": ('[schedules."population.share_youth"]\nkind = "linear"\npoints = [[0, 0.3]]',
                   r'schedules\."population\.share_youth": population\.share_youth is read only when the model is '
                   r"built.*population\.smartphone_low"),
    "unknown_path": ('[schedules."wifi.hotspot"]\nkind = "linear"\npoints = [[0, 3]]',
                     r"unknown parameter \(did you mean 'wifi\.hotspots'\?\)"),
    "unsorted": ('[schedules."wifi.hotspots"]\nkind = "linear"\npoints = [[10, 3], [5, 4]]',
                 r"points\[1\]: points must be in time order"),
    "out_of_bounds": ('[schedules."trust.peer_weight"]\nkind = "logistic"\nstart = 0.1\nend = 1.5\n'
                      'midpoint = 2023-01-01\nrate_per_year = 1.0',
                      r"values over the run \(2021-07-02 to 2027-06-18, weeks -52\.\.259\) span .* outside "
                      r"trust\.peer_weight's range \[0\.0, 0\.5\]"),
    "rate": ('[schedules."trust.peer_weight"]\nkind = "logistic"\nstart = 0.1\nend = 0.5\n'
             'midpoint = 2023-01-01\nrate_per_year = 0',
             r'schedules\."trust\.peer_weight"\.rate_per_year: Input should be greater than 0'),
    "bad_date": ('[schedules."trust.peer_weight"]\nkind = "logistic"\nstart = 0.1\nend = 0.5\n'
                 'midpoint = "2023-13-01"\nrate_per_year = 1', r"midpoint: expected a date written YYYY-MM-DD"),
    "unknown_key": ('[schedules."trust.peer_weight"]\nkind = "linear"\npints = [[0, 0.2]]',
                    r"pints: unknown key \(did you mean 'points'\?\)"),
    "not_numeric": ('[schedules."wifi.placement"]\nkind = "linear"\npoints = [[0, 0.2]]',
                    r"only a numeric parameter may follow a schedule \(wifi\.placement is a choice\)"),
    "window": ('[schedules."wifi.start"]\nkind = "linear"\npoints = [[0, 2]]', r"a lever's window"),
    "start_date": ('[run]\nstart_date = 20220701', r"run\.start_date: expected a date"),
    "both": ('[wifi]\nhotspots = 5\n[schedules."wifi.hotspots"]\nkind = "step"\npoints = [[0, 1]]',
             r"also set in \[wifi\] or its phases"),
    "wrong_field": ('[schedules."trust.peer_weight"]\nkind = "linear"\nstart = 0.3\npoints = [[0, 0.2]]',
                    r"a linear schedule takes points, not start"),
    "missing_field": ('[schedules."trust.peer_weight"]\nkind = "logistic"\nstart = 0.3',
                      r"a logistic schedule needs end, midpoint, rate_per_year"),
    "decimal_year": ('[schedules."trust.peer_weight"]\nkind = "step"\npoints = [[15.5, 0.2]]',
                     r"a float is a decimal year"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_schedule_is_one_clear_message(case, tmp_path):
    text, pattern = BAD[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text + "\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert len(err.value.problems) == 1
    assert re.search(pattern, err.value.problems[0]), err.value.problems[0]
    assert err.value.problems[0].startswith(str(path))


def test_the_cli_refuses_a_bad_schedule_with_exit_2(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(BAD["build_only"][0] + "\n")
    done = subprocess.run([sys.executable, "-m", "cosim", "check", str(path)], capture_output=True, text=True,
                          cwd=ROOT)
    assert done.returncode == 2
    assert "population.share_youth is read only when the model is built" in done.stderr
    assert "Traceback" not in done.stderr


def test_read_at_build_is_what_the_model_reads_while_it_is_built(monkeypatch):
    """Trace the parameters read while a model is built (before its burn-in) and while it runs: those read
    only at build (or at build and each week: documented as build parameters) are READ_AT_BUILD."""
    import cosim.model.model as M
    from cosim.scenario import schema

    owner = {type(getattr(Scenario(), n)): n for n in Scenario.model_fields
             if isinstance(getattr(Scenario(), n), schema.Section)}
    phase, seen = ["build"], {"build": set(), "week": set()}
    plain = schema.Section.__getattribute__

    def traced(self, key):
        cls = type(self)
        if cls in owner and key in cls.model_fields:
            seen[phase[0]].add(f"{owner[cls]}.{key}")
        return plain(self, key)

    burn_in = M.CoProductionModel.burn_in

    def start_weeks(self, weeks):
        phase[0] = "week"
        return burn_in(self, weeks)

    monkeypatch.setattr(schema.Section, "__getattribute__", traced)
    monkeypatch.setattr(M.CoProductionModel, "burn_in", start_weeks)
    CoProductionModel(load_scenario(ROOT / "scenarios" / "all_levers.toml",
                                    {"run.n_citizens": 300, "run.burn_in_weeks": 4, "run.steps": 8}), rng=1).run()
    levers = {f"{lv}." for lv in ("wifi", "open_data", "talent", "training", "security", "channels", "campaign",
                                  "links")}
    at_build = {p for p in seen["build"] if not any(p.startswith(lv) for lv in levers)}
    assert at_build <= S.READ_AT_BUILD, sorted(at_build - S.READ_AT_BUILD)
    weekly_only = seen["week"] - seen["build"]
    assert not weekly_only & S.READ_AT_BUILD, sorted(weekly_only & S.READ_AT_BUILD)
    assert "trust.peer_weight" in S.schedulable() and "population.share_youth" not in S.schedulable()
    assert S.TRENDED_PARAMETERS <= set(S.schedulable())


# --------------------------------------------------------------------------- dates in outputs


def test_outputs_carry_dates_that_survive_parquet():
    df = simulate(load_scenario(None, {"run.n_citizens": 200, "run.steps": 3, "run.start_date": "2010-01-01"}))
    assert list(df.columns[:4]) == ["seed", "step", "date", "municipality"]
    assert df["date"].dtype == np.dtype("datetime64[ns]")
    assert df.groupby("step")["date"].first().tolist() == [pd.Timestamp(d) for d in
                                                            ("2010-01-01", "2010-01-08", "2010-01-15", "2010-01-22")]
    buffer = io.BytesIO()
    df.to_parquet(buffer, index=False)
    back = pd.read_parquet(io.BytesIO(buffer.getvalue()))
    assert pd.api.types.is_datetime64_any_dtype(back["date"]) and (back["date"] == df["date"]).all()


def test_the_start_date_is_a_toml_date_and_defaults_to_the_2022_idp_cycle(tmp_path):
    assert Scenario().run.start_date == datetime.date(2022, 7, 1)
    path = tmp_path / "dated.toml"
    path.write_text("[run]\nstart_date = 2010-01-01\n")
    assert load_scenario(path).run.start_date == datetime.date(2010, 1, 1)


# --------------------------------------------------------------------------- the engine


def test_a_lever_schedule_sets_the_hotspots_and_its_spend_follows():
    s = _scenario({"wifi.hotspots": {"kind": "step", "points": [[0, 0], [5, 20], [10, 50]]}})
    m = CoProductionModel(s, rng=3)
    per_hotspot = (s.costs.hotspot_capex / 5 + s.costs.hotspot_opex) / 52
    counts = []
    for week in range(14):
        m.step()
        counts.append(m.nodes.hotspot_x.size)
        assert m.plan.spend(week)["wifi"] == pytest.approx(S.values_at(s, week)["wifi.hotspots"] * per_hotspot)
    assert counts == [0] * 5 + [20] * 5 + [50] * 4
    spend = m.timeseries().query("municipality == 'region'")["spend"].to_numpy()
    assert spend[6] - spend[1] == pytest.approx(20 * per_hotspot)  # spend also holds the channels
    assert spend[11] - spend[1] == pytest.approx(50 * per_hotspot)


def test_a_growing_rollout_keeps_the_hotspots_already_placed():
    s = _scenario({"wifi.hotspots": {"kind": "linear", "points": [[0, 10], [10, 40]]}})
    m = CoProductionModel(s, rng=3)
    m.step()
    first = np.column_stack([m.nodes.hotspot_x, m.nodes.hotspot_y])
    for _ in range(10):
        m.step()
    later = np.column_stack([m.nodes.hotspot_x, m.nodes.hotspot_y])
    assert len(later) == 40 and np.array_equal(later[: len(first)], first)


def test_the_budget_check_sees_scheduled_spend():
    with pytest.raises(ScenarioError, match=r"municipality\.annual_budget_rand: year 1 plans"):
        _scenario({"wifi.hotspots": {"kind": "step", "points": [[0, 0], [2, 20_000]]}})


def test_a_plain_schedule_changes_the_run_from_its_week_and_a_flat_one_changes_nothing():
    base = simulate(_scenario({}), seed=2)
    flat = simulate(_scenario({"trust.peer_weight": {"kind": "step", "points": [[0, Scenario().trust.peer_weight]]}}),
                    seed=2)
    pd.testing.assert_frame_equal(base, flat)
    later = simulate(_scenario({"trust.peer_weight": {"kind": "step", "points": [[0, 0.01], [15, 0.3]]}}), seed=2)
    before, after = base["step"] <= 15, base["step"] > 15  # week 15's change shows in the state recorded at 16
    pd.testing.assert_frame_equal(base[before], later[before])
    assert not np.allclose(base.loc[after, "mean_trust"], later.loc[after, "mean_trust"])


def test_plain_schedules_apply_in_the_burn_in_and_lever_schedules_do_not():
    quiet = _scenario({"trust.peer_weight": {"kind": "step", "points": [[-8, 0.3], [0, 0.01]]}})
    m0, m1 = CoProductionModel(_scenario({}), rng=4), CoProductionModel(quiet, rng=4)
    assert not np.array_equal(m0.citizens.trust, m1.citizens.trust)  # the burn-in ran at 0.3
    rollout = _scenario({"wifi.hotspots": {"kind": "linear", "points": [[-8, 100], [0, 0]]}})
    m2 = CoProductionModel(rollout, rng=4)
    np.testing.assert_array_equal(m0.citizens.trust, m2.citizens.trust)  # the status quo in the burn-in


def test_a_long_calendar_run_is_ordinary():
    """2010-2030 as one run: 1,043 weeks from 1 January 2010 (a short sample here; see the report for 2,000)."""
    s = load_scenario(None, {"run.n_citizens": 100, "run.steps": 1043, "run.start_date": "2010-01-01",
                             "run.burn_in_weeks": 0})
    m = CoProductionModel(s, rng=1)
    m.run()
    df = m.timeseries()
    assert df["date"].max() == pd.Timestamp("2029-12-28")  # week 1043


# --------------------------------------------------------------------------- --set, calibration, targets


def test_set_reaches_a_schedule_field(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[schedules."population.smartphone_low"]\nkind = "logistic"\nstart = 0.1\nend = 0.85\n'
                    "midpoint = 2015-06-01\nrate_per_year = 0.6\n")
    by_date = load_scenario(path, ["schedules.population.smartphone_low.midpoint=2016-01-01"])
    assert by_date.schedules["population.smartphone_low"].midpoint == datetime.date(2016, 1, 1)
    by_year = load_scenario(path, {"schedules.population.smartphone_low.midpoint": 2016.0})
    assert S.values_at(by_year, 0) == S.values_at(by_date, 0)
    with pytest.raises(ScenarioError, match=r'\(with --set\): schedules\."population\.smartphone_low"\.rate_per_year'):
        load_scenario(path, {"schedules.population.smartphone_low.rate_per_year": -1.0})


def test_calibration_parameters_may_be_schedule_fields(tmp_path):
    path = tmp_path / "params.toml"
    path.write_text('[parameters]\n"schedules.population.data_low.rate_per_year" = [0.2, 1.0]\n'
                    '"schedules.population.data_low.midpoint" = [2012.0, 2020.0]\n')
    spec = read_params(path)
    assert [p.path for p in spec.priors] == ["schedules.population.data_low.rate_per_year",
                                             "schedules.population.data_low.midpoint"]
    path.write_text('[parameters]\n"schedules.population.data_low.midpoint" = [12.0, 20.0]\n')
    with pytest.raises(ScenarioError, match=r"parameters\.schedules\.population\.data_low\.midpoint"):
        read_params(path)


def test_targets_by_date(tmp_path):
    start = datetime.date(2022, 7, 1)
    path = tmp_path / "targets.csv"
    path.write_text("metric,date,value,sd\nshare_online,2023-07-01,0.5,0.05\n")
    assert [t.step for t in read_targets(path, 260, "s.toml", 52, start)] == [52]
    path.write_text("metric,step,date,value,sd\nshare_online,52,2023-07-01,0.5,0.05\n")
    assert [t.step for t in read_targets(path, 260, "s.toml", 52, start)] == [52]
    for rows, pattern in (("share_online,,2022-06-01,0.5,0.05", r"column date: 2022-06-01 is before the run's start"),
                          ("share_online,,2030-01-01,0.5,0.05", r"column date: 2030-01-01 is in week 391, beyond the horizon"),
                          ("share_online,50,2023-07-01,0.5,0.05", r"is week 52 from the start date 2022-07-01 but "
                                                                  r"column step says '50'"),
                          ("share_online,,1 July 2023,0.5,0.05", r"expected a date written YYYY-MM-DD")):
        path.write_text(f"metric,step,date,value,sd\n{rows}\n")
        with pytest.raises(ScenarioError, match=pattern):
            read_targets(path, 260, "s.toml", 52, start)


def test_experiment_factors_may_be_schedule_fields(tmp_path):
    from cosim.runs.experiment import load_experiment

    (tmp_path / "base.toml").write_text(
        '[run]\nn_citizens = 200\nsteps = 20\n[schedules."trust.peer_weight"]\nkind = "logistic"\nstart = 0.01\n'
        "end = 0.2\nmidpoint = 2023-06-01\nrate_per_year = 2.0\n")
    design = ('[experiment]\nbase = "base.toml"\ndesign = "grid"\n[[factors]]\n'
              'path = "schedules.trust.peer_weight.midpoint"\nvalues = [{}, 2024.5]\n')
    (tmp_path / "exp.toml").write_text(design.format("2023.0"))
    assert load_experiment(tmp_path / "exp.toml").factor_paths == ["schedules.trust.peer_weight.midpoint"]
    (tmp_path / "exp.toml").write_text(design.format("23.0"))
    with pytest.raises(ScenarioError, match=r"below the schema's minimum 1800 for schedules\.trust\.peer_weight\.midpoint"):
        load_experiment(tmp_path / "exp.toml")


def test_a_calibrated_scenario_with_dates_is_written_as_toml():
    from cosim.analysis.calibration.best import toml_dumps

    text = toml_dumps({"run": {"start_date": datetime.date(2010, 1, 1)},
                       "schedules": {"wifi.hotspots": {"kind": "linear", "points": [[datetime.date(2013, 1, 1), 0]]}}})
    assert '[schedules."wifi.hotspots"]' in text and "start_date = 2010-01-01" in text


def test_cosim_run_records_the_start_date(tmp_path):
    out = tmp_path / "run"
    done = subprocess.run([sys.executable, "-m", "cosim", "run", "baseline", "--set", "run.n_citizens=200",
                           "--set", "run.start_date=2010-01-01", "--steps", "3", "--no-figures", "--quiet",
                           "--out", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    m = json.loads((out / "manifest.json").read_text())
    assert (m["start_date"], m["last_date"]) == ("2010-01-01", "2010-01-22")
    assert pd.read_parquet(out / "timeseries.parquet")["date"].min() == pd.Timestamp("2010-01-01")


def test_a_lever_schedule_acts_only_inside_the_levers_window():
    s = _scenario({"wifi.hotspots": {"kind": "linear", "points": [[0, 0], [20, 40]]}}, wifi={"start": 10, "stop": 15})
    assert [s2.hotspots for s2 in (CoProductionModel(s, rng=1).plan.config("wifi", w) for w in (5, 10, 14, 15))] == \
        [0, 20, 28, 0]


def test_a_scheduled_scenario_survives_a_full_round_trip():
    """Runners send scenarios to workers as full dumps: every field is then 'set', and must still validate."""
    s = _scenario({"wifi.hotspots": {"kind": "linear", "points": [["2023-01-01", 0], [40, 30]]}})
    again = scenario_from_dict(s.model_dump(mode="json"), "dump")
    assert again == s and S.values_at(again, 30) == S.values_at(s, 30)


@pytest.mark.parametrize("burn_in", [0, 8])
def test_a_scheduled_parameter_the_policy_reads_reaches_it_in_its_week(burn_in):
    """The week's policy is cached between lever changes: a scheduled outage hazard (read there) must still apply.

    (Before the fix, the policy kept the old hazard until the next budget year, and the burn-in kept its first
    week's for all its weeks.)
    """
    s = _scenario({"infrastructure.outage_hazard": {"kind": "step", "points": [[-8, 0.1], [-4, 0.3], [12, 0.6]]}},
                  run={**SMALL["run"], "burn_in_weeks": burn_in})
    m = CoProductionModel(s, rng=1, collect=False)
    seen = {}
    for t in range(20):
        m.step()
        seen[t] = float(m.policy_now.p_down.max())
    assert seen[11] == 0.3 and seen[12] == 0.6 and seen[19] == 0.6
    if burn_in:  # in the burn-in: 0.1 in weeks -8..-5, 0.3 from week -4
        hazards = []
        original = CoProductionModel._advance

        def spy(self, t, pol):
            hazards.append((t, float(pol.p_down.max())))
            return original(self, t, pol)

        try:
            CoProductionModel._advance = spy
            CoProductionModel(s, rng=1, collect=False)
        finally:
            CoProductionModel._advance = original
        assert dict(hazards) == {**dict.fromkeys(range(-8, -4), 0.1), **dict.fromkeys(range(-4, 0), 0.3)}

# --------------------------------------------------------------------------- hostile inputs (benchmarks/hostile_inputs.py)


@pytest.mark.parametrize("start, burn_in, steps, shown", [
    ("0001-07-01", 52, 3, "before year 1"),          # the burn-in would start before year 1
    ("1700-06-01", 52, 3, "1699-06-02"),             # the burn-in reaches 1699
    ("9999-12-31", 52, 3, "after year 9999"),
    ("2200-01-01", 0, 5200, "2299-"),                # a long run past 2262
])
def test_a_start_date_whose_run_the_outputs_cannot_date_is_refused(start, burn_in, steps, shown):
    # was an OverflowError traceback when the time series converted the dates to datetime64[ns]
    run = {"n_citizens": 50, "steps": steps, "burn_in_weeks": burn_in, "start_date": start}
    with pytest.raises(ScenarioError, match=r"run: start_date: expected a date .*1700-01-01 and 2261-12-31") as e:
        scenario_from_dict({"run": run}, "t.toml")
    assert shown in str(e.value)


def test_the_earliest_and_latest_start_dates_run_and_write_their_dates():
    for start, burn_in, steps in (("1701-01-01", 0, 2), ("2261-12-17", 0, 3)):
        c = scenario_from_dict({"run": {"n_citizens": 50, "steps": steps, "burn_in_weeks": burn_in,
                                        "start_date": start}}, "t.toml")
        m = CoProductionModel(c, rng=1)
        m.run()
        df = m.timeseries()
        assert df["date"].iloc[0] == pd.Timestamp(start)


@pytest.mark.parametrize("body, message", [
    ({"kind": "linear", "points": [[0, float("nan")]]}, r"points\[0\]: expected a finite number"),
    ({"kind": "step", "points": [[0, 1], [1, float("inf")]]}, r"points\[1\]: expected a finite number"),
    ({"kind": "logistic", "start": float("nan"), "end": 5, "midpoint": 0, "rate_per_year": 1}, "start: expected a finite"),
    ({"kind": "logistic", "start": 0, "end": float("inf"), "midpoint": 0, "rate_per_year": 1}, "end: expected a finite"),
    ({"kind": "logistic", "start": 0, "end": 5, "midpoint": 0, "rate_per_year": float("inf")},
     "rate_per_year: expected a finite"),
    ({"kind": "logistic", "start": 1e308, "end": -1e308, "midpoint": 0, "rate_per_year": 1},
     "start and end too far apart"),
])
def test_a_schedule_with_values_that_are_not_finite_is_refused(body, message):
    # a nan value or start was accepted (nan passes every bounds comparison) and reached the run
    with pytest.raises(ScenarioError, match=message):
        _scenario({"wifi.hotspots": body})


def test_a_steep_logistic_far_from_its_midpoint_evaluates_without_warnings():
    s = _scenario({"trust.peer_weight": {"kind": "logistic", "start": 0.1, "end": 0.3, "midpoint": 1800.0,
                                         "rate_per_year": 1e308}})
    with np.errstate(all="raise"):
        v = S.evaluate(s.schedules["trust.peer_weight"], s.run.start_date, np.arange(-8, 30))
    assert np.all(v == 0.3)


@pytest.mark.parametrize("path", ["population.literacy_low", "population.smartphone_mid", "population.phone_share",
                                  "population.data_high"])
def test_a_population_trend_with_homogeneous_citizens_is_refused(path):
    # the trends made some identical citizens differ (cohort newcomers, devices), silently ending the docking set-up
    body = {"kind": "linear", "points": [[-8, 0.2], [10, 0.8]]}
    with pytest.raises(ScenarioError, match=r"population.homogeneous = true makes every citizen identical"):
        _scenario({path: body}, population={"homogeneous": True})
    _scenario({path: body})  # without it, fine
    # a population trend only rescales residents per citizen: it keeps them identical
    _scenario({"municipality.population": {"kind": "linear", "points": [[-8, 1000], [10, 2000]]}},
              population={"homogeneous": True})


def test_an_unquoted_schedule_table_names_the_same_parameter():
    # [schedules.wifi.hotspots] (no quotes) is TOML for a table "wifi" holding "hotspots": read as "wifi.hotspots"
    s = _scenario({"wifi": {"hotspots": {"kind": "step", "points": [[0, 2], [5, 4]]}}})
    assert list(s.schedules) == ["wifi.hotspots"]


def test_set_of_a_whole_schedule_by_its_three_part_path():
    s = load_scenario(None, ["run.n_citizens=50", 'schedules.wifi.hotspots={kind="step",points=[[0,1],[2,3]]}'])
    assert s.schedules["wifi.hotspots"].points == ((0, 1), (2, 3))
    with pytest.raises(ScenarioError, match=r'schedules."wifi.hotspots": Input should be a valid dictionary'):
        load_scenario(None, ["schedules.wifi.hotspots=1"])


def test_targets_with_an_empty_date_beside_a_step_use_the_step(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("metric,step,date,value,sd\nshare_trusting,2,,0.3,0.04\nmean_trust,,2022-07-15,0.4,0.04\n")
    got = read_targets(p, 10, "s.toml", start_date=datetime.date(2022, 7, 1))
    assert [t.step for t in got] == [2, 2]
    p.write_text("metric,step,date,value,sd\nshare_trusting,,,0.3,0.04\n")
    with pytest.raises(ScenarioError, match=r"column date: expected a date written YYYY-MM-DD \(or a week in column"):
        read_targets(p, 10, "s.toml")


def test_targets_with_a_column_twice_are_refused(tmp_path):
    # the second "date" column silently won (the first was never read)
    p = tmp_path / "t.csv"
    p.write_text("metric,date,date,value,sd\nshare_trusting,2022-07-15,2030-01-01,0.3,0.04\n")
    with pytest.raises(ScenarioError, match=r"t.csv, line 1: column\(s\) 'date' appear more than once"):
        read_targets(p, 10, "s.toml")
