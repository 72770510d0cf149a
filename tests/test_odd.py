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


def test_defaults_quoted_in_the_text_are_the_schema_defaults():
    """Each "`section.key` = value" in the ODD's prose states the default the schema holds.

    The prose quotes defaults beside each equation; the generated tables are
    checked above, this keeps the quotes from going stale when a default moves
    (to the precision written: 0.000577 quotes 0.03 / 52).
    """
    import re

    defaults = {row["path"]: row["default"] for row in parameter_table()}
    prose = ODD.read_text().split("<!-- parameters:begin -->")[0]
    stale = []
    for path, written in re.findall(r"`([a-z_]+\.[a-z_0-9]+)` = (-?[0-9][0-9.e-]*[0-9])", prose):
        default = defaults.get(path)
        if not isinstance(default, int | float) or isinstance(default, bool):
            continue
        decimals = len(written.split(".")[1]) if "." in written and "e" not in written else 0
        if abs(float(written) - default) > 0.5 * 10.0**-decimals * (1 + 1e-9):
            stale.append(f"{path} = {written} (schema {default})")
    assert not stale, f"docs/ODD.md quotes stale defaults: {stale}"
