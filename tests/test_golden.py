"""Golden outputs: what cosim computes is bit-identical to the pinned fingerprints.

A behaviour-preserving change keeps every fingerprint; a deliberate model change
regenerates them (``python tests/golden_outputs.py --write``) in a commit that
says why.  See ``tests/golden_outputs.py`` for what is pinned.
"""

from __future__ import annotations

import json

import golden_outputs as golden
import pytest

STORED = json.loads(golden.STORE.read_text())


def _check(now: dict, prefix: str) -> None:
    expected = {k: v for k, v in STORED.items() if k.startswith(prefix)}
    assert expected, f"no stored fingerprints under {prefix!r}"
    assert sorted(now) == sorted(expected)
    for key, want in expected.items():
        got = now[key]
        moved = [c for c in want["sums"] if got["sums"].get(c) != want["sums"][c]]
        assert got["rows"] == want["rows"], f"{key}: {got['rows']} rows, golden {want['rows']}"
        assert not moved, f"{key}: columns changed: {moved[:10]}"
        assert got == want, f"{key}: values changed (column sums equal, bytes differ)"


@pytest.mark.slow
def test_every_scenario_time_series_is_unchanged():
    _check(golden.scenario_outputs(), "scenario/")


@pytest.mark.slow
def test_compare_experiment_sensitivity_calibration_tables_are_unchanged():
    now = golden.study_outputs()
    for prefix in ("compare/", "experiment/", "sensitivity/", "calibrate/"):
        _check({k: v for k, v in now.items() if k.startswith(prefix)}, prefix)
