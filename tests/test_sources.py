"""Every default in the schema carries a source (MODEL.md s6; docs/ODD.md).

The rule, for the ``source`` of every parameter in ``cosim.scenario.schema.parameter_table()``:

- it is not empty, and it is at least one of
- an **assumption**: it contains the word "assumption" (a value the modellers
  chose, said so openly; "weight assumption" after a cited form counts);
- a **citation**: it names where the value comes from in a form a reader can
  follow up: an author or report with a year (any 4-digit year 1800-2099); a
  project document (MODEL.md, DATA.md, the seed documents "seed 000"/"seed 002");
  a statute ("... Act", "MFMA s16"); a survey round ("AB Round 8"); or a news
  or secondary report (the sources DATA.md itself lists for Wi-Fi programmes);
- a **scenario** setting: the word "scenario", allowed only for policy-lever
  parameters (``wifi.*``, ``open_data.*``, ...): a lever's default is "off" and
  its setting is chosen per scenario, so it has no empirical default to cite.

Anything else (a bare "see above", "TBD", or "scenario" on a world parameter)
fails, naming the parameter.
"""

from __future__ import annotations

import re

import pytest

from cosim.scenario.schema import LEVERS, parameter_table

YEAR = re.compile(r"\b(18|19|20)\d\d\b")
DOCUMENT = re.compile(r"\bMODEL\.md\b|\bDATA\.md\b|\bseed 00\d\b")
STATUTE = re.compile(r"\bAct\b|\bMFMA\b|\bPOPIA\b")
SURVEY_ROUND = re.compile(r"\bRound \d+\b")
REPORT = re.compile(r"\b(news|secondary) report\b", re.IGNORECASE)


def source_kind(path: str, source: str) -> str | None:
    """``"assumption"``, ``"citation"`` or ``"scenario"`` when ``source`` meets the rule, else None."""
    text = source.strip()
    if not text:
        return None
    if re.search(r"\bassumption\b", text, re.IGNORECASE):
        return "assumption"
    if any(p.search(text) for p in (YEAR, DOCUMENT, STATUTE, SURVEY_ROUND, REPORT)):
        return "citation"
    if re.search(r"\bscenario\b", text, re.IGNORECASE) and path.split(".")[0] in LEVERS:
        return "scenario"
    return None


TABLE = parameter_table()


@pytest.mark.parametrize("row", TABLE, ids=[r["path"] for r in TABLE])
def test_every_default_has_a_source(row):
    kind = source_kind(row["path"], row["source"])
    assert kind is not None, (
        f"{row['path']} (default {row['default']!r}): source {row['source']!r} is neither a citation, "
        "nor marked 'assumption', nor a lever's 'scenario' setting (see the rule in tests/test_sources.py)")


def test_the_rule_can_fail():
    """The classifier refuses empty, vague and misplaced sources."""
    assert source_kind("trust.alpha_plus", "") is None
    assert source_kind("trust.alpha_plus", "   ") is None
    assert source_kind("trust.alpha_plus", "TBD") is None
    assert source_kind("trust.alpha_plus", "see above") is None
    assert source_kind("trust.alpha_plus", "scenario") is None  # not a lever
    assert source_kind("wifi.hotspots", "scenario") == "scenario"
    assert source_kind("trust.alpha_plus", "weight assumption") == "assumption"
    assert source_kind("trust.alpha_minus", "Slovic 1993") == "citation"
    assert source_kind("municipality.idp_window_start", "MFMA s16") == "citation"


def test_every_kind_occurs():
    """Sanity: the table is not empty and the counts by kind are reported."""
    kinds = [source_kind(r["path"], r["source"]) for r in TABLE]
    counts = {k: kinds.count(k) for k in ("citation", "assumption", "scenario")}
    print(f"\nsources: {counts} of {len(TABLE)} parameters")
    assert len(TABLE) > 100
    assert all(counts.values())
