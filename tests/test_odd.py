"""docs/ODD.md documents every schema parameter with its current default and range."""

from __future__ import annotations

from cosim.reports.odd import ODD, parameter_tables
from cosim.scenario.schema import parameter_table


def test_odd_tables_match_the_schema():
    text = ODD.read_text()
    assert parameter_tables() in text, "docs/ODD.md is out of date: run python -m cosim.reports.odd"


def test_every_parameter_appears_with_its_default():
    text = ODD.read_text()
    for row in parameter_table():
        assert f"| `{row['path']}` |" in text, row["path"]
