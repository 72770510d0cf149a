"""The model as a Mesa model: agents, arrays, data collection, reproducibility.

Citizens are Mesa agents whose state lives in NumPy arrays; the weekly step
updates the arrays at once and never touches a citizen agent.  Every random
number comes from ``model.rng``, so the same seed gives the same table.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from cosim import METRICS, Citizen, CoProductionModel, ICTNode, Official, load_scenario, simulate
from cosim.scenario.loading import with_overrides


def _counts(s) -> dict[type, int]:
    n_m = s.region.n_municipalities
    nodes = n_m * (s.infrastructure.access_centres + s.infrastructure.service_centres + s.wifi.at(0).hotspots)
    return {Citizen: s.run.n_citizens, Official: n_m * s.officials.n_officials, ICTNode: nodes}


# --------------------------------------------------------------------------- a Mesa model


@pytest.mark.parametrize("fixture", ["small", "small_all_levers"])
def test_model_is_a_mesa_model_with_typed_agents(request, fixture):
    s = request.getfixturevalue(fixture)
    m = CoProductionModel(s, rng=1)
    assert isinstance(m, mesa.Model)
    assert m.config is s
    expected = _counts(s)
    assert set(m.agents_by_type.keys()) == set(expected)
    for kind, count in expected.items():
        agents = m.agents_by_type[kind]
        assert len(agents) == count, kind.__name__
        assert all(type(a) is kind for a in agents)
        assert sorted(a.idx for a in agents) == list(range(count))  # one agent per array row
    assert len(m.agents) == sum(expected.values())
    assert m.trust.shape == m.literacy.shape == m.adopted.shape == (s.run.n_citizens,)
    assert m.nodes.n == expected[ICTNode]


def test_hotspot_agents_follow_the_wifi_schedule(small_all_levers):
    """all_levers: 30 hotspots per municipality from week 0, 60 from week 104."""
    m = CoProductionModel(small_all_levers, rng=2)
    hotspots = lambda: sum(a.kind == "hotspot" for a in m.agents_by_type[ICTNode])  # noqa: E731
    assert hotspots() == 2 * 30
    m.run(105)
    assert hotspots() == 2 * 60
    assert int((m.nodes.kind == 0).sum()) == 2 * 60
    assert len(m.agents_by_type[ICTNode]) == m.nodes.n
    assert sorted(a.idx for a in m.agents_by_type[ICTNode]) == list(range(m.nodes.n))


def test_citizen_attributes_are_views_of_the_arrays(small):
    m = CoProductionModel(small, rng=3)
    c = m.agents_by_type[Citizen][17]
    i = c.idx
    assert c.trust == m.trust[i]
    assert c.literacy == m.literacy[i]
    assert c.adopted == bool(m.adopted[i])
    assert c.income == ("low", "mid", "high")[m.income[i]]
    assert c.ward == m.ward[i]
    assert c.municipality == m.citizens.municipality[i]
    assert (c.x, c.y) == (m.x[i], m.y[i])
    # writing an attribute writes the array, and only that element
    before = m.trust.copy()
    c.trust = 0.875
    assert m.trust[i] == 0.875
    assert np.array_equal(np.delete(m.trust, i), np.delete(before, i))
    c.income = "high"
    assert m.income[i] == 2 and c.income == "high"
    c.adopted = True
    assert m.adopted[i]
    # after a step the agent shows the new arrays (the step replaces them)
    m.step()
    assert c.trust == m.trust[i]
    assert c.literacy == m.literacy[i]
    assert c.online == bool(m.online[i])
    assert c.channel == ("none", "portal", "ussd", "social", "meeting")[m.channel[i]]
    assert "Citizen(" in repr(c)


def test_official_and_node_attributes_are_views(small):
    m = CoProductionModel(small, rng=4)
    o = m.agents_by_type[Official][3]
    assert o.skill == m.officials.skill[o.idx]
    assert o.ict_skill == m.officials.ict_skill[o.idx]
    o.skill = 0.99
    assert m.officials.skill[o.idx] == 0.99
    kinds = [a.kind for a in sorted(m.agents_by_type[ICTNode], key=lambda a: a.idx)]
    assert kinds == [("hotspot", "access_centre", "service_centre")[k] for k in m.nodes.kind]
    assert kinds.count("access_centre") == small.infrastructure.access_centres
    assert kinds.count("service_centre") == small.infrastructure.service_centres


# --------------------------------------------------------------------------- data collection


def test_datacollector_holds_the_metrics(small_all_levers):
    steps = 6
    m = CoProductionModel(small_all_levers, rng=5)
    m.run(steps)
    dc = m.datacollector
    assert isinstance(dc, mesa.DataCollector)
    model_vars = dc.get_model_vars_dataframe()
    assert list(model_vars.columns) == list(METRICS)
    assert len(model_vars) == steps + 1  # the initial state and one row per week
    table = dc.get_table_dataframe("timeseries")
    assert list(table.columns) == ["step", "municipality", *METRICS]
    assert len(table) == (steps + 1) * 3  # m1, m2 and the region
    assert table.groupby("step")["municipality"].apply(list).tolist() == [["m1", "m2", "region"]] * (steps + 1)
    # the model-level reporters are the region rows of the table
    region = table[table["municipality"] == "region"].reset_index(drop=True)
    assert_frame_equal(region[list(METRICS)], model_vars.reset_index(drop=True), check_exact=True)
    # timeseries() is the table with each week's date beside its step (run.start_date + 7 step days)
    assert_frame_equal(m.timeseries().drop(columns="date"), table)
    assert (m.timeseries()["date"] == pd.Timestamp(small_all_levers.run.start_date)
            + pd.to_timedelta(7 * table["step"], unit="D")).all()
    assert m.week == steps


def test_collect_false_records_nothing(small):
    m = CoProductionModel(small, rng=1, collect=False)
    m.run(3)
    assert m.timeseries().empty
    assert m.week == 3


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("fixture", ["small", "small_all_levers"])
def test_same_seed_same_table_and_different_seeds_differ(request, fixture):
    s = with_overrides(request.getfixturevalue(fixture), {"run.steps": 40})
    a = simulate(s, seed=11)
    b = simulate(s, seed=11)
    assert_frame_equal(a, b, check_exact=True)
    c = simulate(s, seed=12)
    assert list(c["seed"].unique()) == [12]
    assert a.shape == c.shape
    metrics = a[list(METRICS)].to_numpy()
    other = c[list(METRICS)].to_numpy()
    differ = ~np.isclose(metrics, other, rtol=0, atol=0)
    assert differ.any()
    # not a single cell: the whole run depends on the seed
    assert differ[:, list(METRICS).index("mean_trust")].mean() > 0.9


def test_simulate_returns_the_models_table(small):
    m = CoProductionModel(small, rng=1)
    m.run()
    expected = m.timeseries()
    expected.insert(0, "seed", 1)
    got = simulate(small, seed=1)
    assert_frame_equal(got, expected, check_exact=True)
    assert list(got.columns) == ["seed", "step", "date", "municipality", *METRICS]
    assert got["step"].tolist() == [t for t in range(small.run.steps + 1) for _ in range(2)]
    # without a seed, simulate uses the scenario's run.seed
    assert_frame_equal(simulate(with_overrides(small, {"run.seed": 1})), got, check_exact=True)


def test_simulate_accepts_a_path_and_steps(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text("[run]\nn_citizens = 300\nsteps = 9\n")
    df = simulate(path, seed=2, steps=4)
    assert df["step"].max() == 4
    assert_frame_equal(df, simulate(load_scenario(path), seed=2, steps=4), check_exact=True)


def test_no_global_random_state_is_used(small_all_levers, monkeypatch):
    """Reseeding (or breaking) Python's and NumPy's global generators changes nothing."""
    s = with_overrides(small_all_levers, {"run.steps": 30})
    np.random.seed(1)  # noqa: NPY002 - deliberately disturbing the global state
    random.seed(1)
    a = simulate(s, seed=5)
    np.random.seed(987)  # noqa: NPY002
    random.seed(654)
    b = simulate(s, seed=5)
    assert_frame_equal(a, b, check_exact=True)

    # stronger: any draw from a global generator would now fail the run
    def refuse(*args, **kwargs):
        raise AssertionError("a global random generator was used")

    for name in ("random", "rand", "randn", "randint", "integers", "uniform", "normal", "choice",
                 "permutation", "shuffle", "binomial", "poisson", "pareto", "multinomial"):
        if hasattr(np.random, name):
            monkeypatch.setattr(np.random, name, refuse)
    for name in ("random", "randint", "uniform", "choice", "shuffle", "sample", "gauss", "randrange"):
        monkeypatch.setattr(random, name, refuse)
    real_default_rng = np.random.default_rng

    def seeded_only(seed=None):
        if seed is None:
            raise AssertionError("an unseeded generator was created")
        return real_default_rng(seed)

    monkeypatch.setattr(np.random, "default_rng", seeded_only)
    c = simulate(s, seed=5)
    assert_frame_equal(a, c, check_exact=True)


def test_a_generator_can_be_passed_as_rng(small):
    s = with_overrides(small, {"run.steps": 10})
    a = CoProductionModel(s, rng=np.random.default_rng(8))
    a.run()
    b = CoProductionModel(s, rng=np.random.default_rng(8))
    b.run()
    assert_frame_equal(a.timeseries(), b.timeseries(), check_exact=True)


# --------------------------------------------------------------------------- vectorised step


def test_step_never_touches_a_citizen_agent(small_all_levers, monkeypatch):
    """The step updates arrays only: no citizen agent is read, written or created.

    Counts every attribute access on Citizen instances (and every array-backed
    attribute access on any agent) during whole weeks, including the week the
    Wi-Fi phase rebuilds the hotspot nodes.
    """
    m = CoProductionModel(small_all_levers, rng=6)
    m.run(100)
    touched: list[str] = []
    real_getattribute = Citizen.__getattribute__
    real_setattr = Citizen.__setattr__

    def counting_get(self, name):
        touched.append(f"get {name}")
        return real_getattribute(self, name)

    def counting_set(self, name, value):
        touched.append(f"set {name}")
        real_setattr(self, name, value)

    monkeypatch.setattr(Citizen, "__getattribute__", counting_get)
    monkeypatch.setattr(Citizen, "__setattr__", counting_set)
    monkeypatch.setattr(Citizen, "__init__", lambda *a, **k: touched.append("created"))
    c = m.agents_by_type[Citizen][0]
    _ = c.trust
    assert touched, "the counter does not work"
    touched.clear()
    for _ in range(8):  # weeks 100-107: the hotspot phase starts at 104
        m.step()
    assert touched == []


def _line_events(s, steps: int) -> int:
    """Python line events executed in cosim code during ``steps`` weeks."""
    m = CoProductionModel(s, rng=7)
    m.step()  # first week: caches
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if "cosim" not in frame.f_code.co_filename:
            return None
        if event == "line":
            count += 1
        return tracer

    sys.settrace(tracer)
    try:
        for _ in range(steps):
            m.step()
    finally:
        sys.settrace(None)
    return count


def test_step_cost_in_python_does_not_grow_with_citizens(small_all_levers):
    """No per-citizen Python loop: ten times the citizens runs (almost) no more Python lines.

    A structural check, not a timing: a loop over citizens would multiply the
    number of executed lines by ten.
    """
    small = with_overrides(small_all_levers, {"run.n_citizens": 300})
    large = with_overrides(small_all_levers, {"run.n_citizens": 3000})
    n_small, n_large = _line_events(small, 5), _line_events(large, 5)
    assert n_small > 100
    assert n_large < 1.3 * n_small, (n_small, n_large)


def test_tables_are_tidy_and_typed(small_all_levers):
    df = simulate(with_overrides(small_all_levers, {"run.steps": 3}), seed=1)
    assert df["step"].dtype.kind == "i"
    assert df["seed"].dtype.kind == "i"
    assert df["municipality"].tolist()[:3] == ["m1", "m2", "region"]
    assert all(pd.api.types.is_float_dtype(df[c]) for c in METRICS)


@pytest.mark.parametrize("scenario", ["baseline", "all_levers"])
def test_draw_block_skips_idle_rows_without_changing_the_stream(scenario):
    """Rows nobody reads are skipped, yet every row read and every later draw is what the full block gives."""
    from cosim.model.draws import HOTSPOT, IDP, IDP_COUNT, MEET, N_DRAWS, TRAIN

    # 3,000 citizens: every skipped run of rows holds at least draws.ADVANCE_MIN numbers, so it is advanced
    # over, not drawn (shorter runs are drawn and left unread: tests/test_fixed_cost_model.py)
    s = load_scenario(Path(__file__).resolve().parent.parent / "scenarios" / f"{scenario}.toml",
                      {"run.n_citizens": 3000})
    m = CoProductionModel(s, rng=4)
    t = 3  # outside the IDP window
    pol = m.policy(t)
    twin = np.random.Generator(type(m.rng.bit_generator)())
    twin.bit_generator.state = m.rng.bit_generator.state
    full = twin.random((N_DRAWS, m.n))
    u = m.week_draws(pol, t).copy()
    skipped = {IDP, IDP_COUNT, MEET} | ({HOTSPOT, TRAIN} if scenario == "baseline" else set())
    read = [row for row in range(N_DRAWS) if row not in skipped]
    np.testing.assert_array_equal(u[read], full[read])
    assert not np.array_equal(u[sorted(skipped)], full[sorted(skipped)])  # those were not drawn
    assert m.rng.random() == twin.random()  # the generators are in the same state afterwards


def test_per_municipality_counts_of_the_new_metrics_match_the_citizens():
    """share_hotspot_users, share_hotspot_ever, share_online_month, attendance: each municipality's own citizens."""
    m = CoProductionModel(None, rng=5, run__n_citizens=900, region__n_municipalities=3, wifi__hotspots=40,
                          municipality__idp_window_start=0, run__burn_in_weeks=0)
    m.run(8)
    df = m.timeseries()
    last = df[df["step"] == 8].set_index("municipality")
    cit = m.citizens
    for k in range(3):
        mine = cit.municipality == k
        row = last.loc[f"m{k + 1}"]
        assert row["share_hotspot_users"] == pytest.approx(cit.hotspot_used[mine].mean(), abs=1e-12)
        assert row["share_hotspot_ever"] == pytest.approx(cit.hotspot_ever[mine].mean(), abs=1e-12)
        assert row["share_online_month"] == pytest.approx((cit.last_online[mine] >= 4).mean(), abs=1e-12)
        attended = m.municipalities.scale[k] * cit.window_attended[mine].sum()
        meetings = m.municipalities.window_meetings[k]
        assert row["attendance_per_meeting"] == pytest.approx(attended / meetings if meetings else 0.0, rel=1e-12)
    assert cit.hotspot_used.any() and cit.window_attended.any()
