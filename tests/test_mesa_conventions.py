"""CoProductionModel follows Mesa's conventions: keyword parameters, a horizon, mesa.batch_run as Mesa documents it."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest

from cosim import CoProductionModel, ScenarioError, load_scenario
from cosim.errors import UsageError


def test_keyword_overrides_use_the_evaluate_spelling():
    model = CoProductionModel("baseline", rng=3, wifi__hotspots=12, run__n_citizens=300)
    assert model.config.wifi.hotspots == 12 and model.config.run.n_citizens == 300
    assert model.config.name == "baseline"
    same = CoProductionModel(load_scenario("baseline", {"wifi.hotspots": 12, "run.n_citizens": 300}), rng=3)
    model.run(5)
    same.run(5)
    assert model.timeseries().equals(same.timeseries())


def test_overrides_are_validated_like_a_file():
    with pytest.raises(ScenarioError, match=r"wifi\.hotspot: unknown key"):
        CoProductionModel("baseline", wifi__hotspot=3)
    with pytest.raises(ScenarioError, match=r"trust\.alpha_plus"):
        CoProductionModel(trust__alpha_plus=2.0)
    with pytest.raises(UsageError, match="scenario: expected a Scenario, a scenario file or a bundled"):
        CoProductionModel(42)
    with pytest.raises(UsageError, match="collect: expected True or False"):
        CoProductionModel(collect="yes")


def test_running_turns_false_at_the_horizon():
    model = CoProductionModel(run__n_citizens=300, run__steps=6, rng=1)
    while model.running:
        model.step()
    assert model.week == 6 and model.steps == 6


def test_batch_run_as_mesa_documents_it():
    results = mesa.batch_run(
        CoProductionModel,
        parameters={"scenario": ["baseline", "open_data"], "wifi__hotspots": [0, 40],
                    "run__n_citizens": 300, "run__steps": 26},  # hotspots are discovered over weeks
        rng=[1, 2],  # two iterations
        max_steps=1000,
        data_collection_period=-1,
        number_processes=1,
        display_progress=False,
    )
    df = pd.DataFrame(results)
    assert len(df) == 2 * 2 * 2
    assert set(df["scenario"]) == {"baseline", "open_data"}  # readable names, not reprs
    assert (df["Step"] == 26).all()  # stopped at the horizon, not max_steps
    # the Wi-Fi lever reaches the model: more hotspots, more people online (same seed)
    wide = df.pivot_table(index=["scenario", "iteration"], columns="wifi__hotspots", values="share_online")
    assert (wide[40] > wide[0]).all()


def test_a_scenario_object_in_a_table_reads_as_its_name():
    assert repr(load_scenario("open_data")) == "Scenario('open_data')"
