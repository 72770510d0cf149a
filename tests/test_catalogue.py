"""The outcome catalogue declares every metric and outcome once, consistently with the model."""

from __future__ import annotations

from conftest import SCENARIOS

from cosim import METRICS, OUTCOMES, load_scenario
from cosim.outputs.catalogue import CATALOGUE, UNITS, label, outcome, run_outcomes


def test_every_metric_is_in_the_catalogue_and_nothing_else():
    assert {name for name, o in CATALOGUE.items() if o.of is None} == set(METRICS)
    # the other entries are per-run outcomes of a metric's last-year mean
    for name, o in CATALOGUE.items():
        if o.of is not None:
            assert o.of in METRICS and o.aggregation == "year" and name == f"{o.of}_year"


def test_per_run_outcomes_come_from_the_catalogue():
    assert list(OUTCOMES) == list(run_outcomes())
    for name, (metric, how) in OUTCOMES.items():
        assert metric == CATALOGUE[name].metric and CATALOGUE[name].aggregation == how
    assert OUTCOMES["mean_trust_year"] == ("mean_trust", "year")


def test_entries_are_complete():
    for name, o in CATALOGUE.items():
        assert o.name == name and o.label and o.kind in UNITS and o.better in (-1, 0, 1)
    assert outcome("backlog_per_1000").lower_is_better
    assert not outcome("mean_trust").lower_is_better
    assert outcome("mean_trust_low").label.endswith("low income")


def test_share_trusting_label_follows_the_scenario_threshold():
    s = load_scenario(SCENARIOS / "baseline.toml", {"trust.share_trusting_threshold": 0.6})
    assert "above 0.6" in label("share_trusting", s)
    assert "above 0.5" in label("share_trusting")


def test_significant_keeps_the_fraction_of_a_decimal_year():
    from cosim.outputs.catalogue import significant

    # a schedule's midpoint in decimal years was shown as 2016 in calibration reports
    assert significant(2015.56) == "2015.56"
    assert significant(0.32193) == "0.3219"
    assert significant(246.33) == "246.3"
    assert significant(4e7) == "4e+07"
