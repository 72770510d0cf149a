"""The lecturers' dashboard: controls from the schema, the side-by-side engine, and the page in Chromium.

The browser test starts ``cosim dashboard`` as a subprocess on a free localhost
port and drives it with Playwright in Debian's Chromium (never a downloaded
browser).  Outside CI it skips when /usr/bin/chromium is missing; in CI
(``CI=true``) a missing browser is a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import time
import typing
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from cosim import ScenarioError, load_scenario
from cosim.cli import main as cosim_main
from cosim.dashboard import lan_addresses, urls
from cosim.dashboard.charts import GAP_METRICS, MERGE_WEEKS, all_charts, event_marks, gap_charts, map_png
from cosim.dashboard.controls import (
    BUDGET_PATHS,
    RUN_PATHS,
    WORLD_SECTIONS,
    controls_at,
    controls_for,
    event_controls,
    lever_sections,
)
from cosim.dashboard.session import (
    HEADLINES,
    Dashboard,
    Frame,
    build_pair,
    random_breach_hazard,
    scenario_files,
    shown,
    teaching_notes,
)
from cosim.outputs import catalogue
from cosim.scenario.loading import read_toml
from cosim.scenario.schema import LEVERS, iter_parameters, parameter_table

ROOT = Path(__file__).resolve().parent.parent
BASELINE = ROOT / "scenarios" / "baseline.toml"
CHROMIUM = Path("/usr/bin/chromium")
# the ``cosim`` command as users run it, with this interpreter
COSIM = [sys.executable, "-c", "import sys; from cosim.cli import main; sys.exit(main())"]
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --------------------------------------------------------------------------- controls


def test_every_lever_parameter_has_a_control_with_the_schema_metadata():
    table = {row["path"]: row for row in parameter_table()}
    shown = {}
    for section, _title in lever_sections():
        for c in controls_for(section):
            shown[c.path] = c
    expected = {p for p, _, _ in iter_parameters() if p.split(".")[0] in LEVERS}
    assert set(shown) == expected
    for path, c in shown.items():
        row = table[path]
        assert c.default == row["default"], path
        assert (c.lo, c.hi) == (row["min"], row["max"]), path
        assert c.description == row["description"] and c.source == row["source"], path
        if c.kind == "slider":
            sa = row["sa_range"]
            if sa is not None:
                assert (c.slider_lo, c.slider_hi) == (sa[0], sa[1]), path
            assert c.slider_lo < c.slider_hi and c.step > 0, path


def test_control_kinds_follow_the_annotations():
    fields = {p: ann for p, _, ann in iter_parameters()}
    for c in [
        *[x for s, _ in lever_sections() for x in controls_for(s)],
        *controls_at(BUDGET_PATHS + RUN_PATHS),
        *[x for s in WORLD_SECTIONS for x in controls_for(s)],
    ]:
        ann = fields[c.path]
        if ann is bool:
            assert c.kind == "switch", c.path
        elif typing.get_origin(ann) is typing.Literal:
            assert c.kind == "choice" and c.choices == typing.get_args(ann), c.path
        else:
            assert c.kind in ("slider", "number", "week"), c.path
    assert {c.path for c in event_controls()} == {"event.kind", "event.step", "event.duration", "event.severity"}


# --------------------------------------------------------------------------- session


def test_baseline_keeps_the_world_and_turns_every_lever_off():
    raw = read_toml(ROOT / "scenarios" / "all_levers.toml")
    pair = build_pair(raw, "all_levers.toml", {"run.n_citizens": 500, "wifi.hotspots": 12})
    assert pair.policy.wifi.hotspots == 12
    for lever in LEVERS:
        assert getattr(pair.baseline, lever) == type(getattr(pair.baseline, lever))(), lever
    assert pair.baseline.region == pair.policy.region and pair.baseline.events == pair.policy.events
    assert pair.baseline.run == pair.policy.run
    assert not pair.same


def test_a_lever_schedule_is_policy_and_stays_out_of_the_baseline():
    """wifi_programme sets its hotspots by a schedule: the baseline has none (a world schedule would stay)."""
    raw = read_toml(ROOT / "scenarios" / "wifi_programme.toml")
    raw = {**raw, "schedules": {**raw["schedules"],
                                "population.data_low": {"kind": "linear", "points": [[0, 0.6], [100, 0.7]]}}}
    pair = build_pair(raw, "wifi_programme.toml", {"run.n_citizens": 500})
    assert "wifi.hotspots" in pair.policy.schedules and "wifi.hotspots" not in pair.baseline.schedules
    assert "population.data_low" in pair.baseline.schedules


def test_same_seed_and_no_lever_change_gives_identical_runs():
    d = Dashboard(BASELINE, n_citizens=600)
    assert d.sim.pair.same
    d.sim.step(20)
    f = d.sim.frame(with_map=False)
    for metric in ("share_adopted", "mean_trust", "share_participated_year", "sgi"):
        np.testing.assert_array_equal(f.policy[metric], f.baseline[metric])
    assert all(abs(r["gap"]) < 1e-12 for r in f.readout())


def test_a_lever_change_reruns_the_policy_to_the_current_week_and_opens_a_gap():
    d = Dashboard(BASELINE, n_citizens=800)
    d.sim.step(30)
    baseline_before = d.sim.frame(with_map=False).baseline["share_online"].copy()
    assert d.apply({"wifi.hotspots": 150})
    f = d.sim.frame(with_map=False)
    assert f.week == 30 and len(f.policy["share_online"]) == 31
    np.testing.assert_array_equal(f.baseline["share_online"], baseline_before)  # baseline kept
    gap = f.policy["share_online"][1:] - f.baseline["share_online"][1:]
    assert gap.mean() > 0.03  # hotspots bring people online in every week's mean


def test_bad_combinations_are_refused_with_a_message_and_the_runs_kept():
    d = Dashboard(BASELINE, n_citizens=500)
    d.sim.step(3)
    pair = d.sim.pair
    assert not d.apply({"wifi.hotspots": 150, "municipality.annual_budget_rand": 5e6})
    assert any("annual_budget_rand" in p and "budget" in p for p in d.problems)
    assert d.sim.pair is pair and d.sim.week == 3
    assert not d.apply({"trust.alpha_minus": 0.01})
    assert any("alpha_minus" in p for p in d.problems)
    assert not d.apply({"wifi.start": 10, "wifi.stop": 5})
    assert any("wifi" in p and "stop" in p for p in d.problems)
    # over budget becomes fine when the levers may be scaled down to the budget
    assert d.apply({"wifi.hotspots": 150, "municipality.annual_budget_rand": 5e6, "municipality.over_budget": "scale"})
    assert d.problems == []


def test_a_shock_changes_both_runs_and_restarts_them_to_now():
    d = Dashboard(BASELINE, n_citizens=600)
    d.sim.step(12)
    assert d.apply({}, event={"kind": "breach", "step": 5, "duration": 1, "severity": 1.0, "municipality": None})
    f = d.sim.frame(with_map=False)
    assert f.week == 12 and 5 in f.breaches
    assert f.policy["mean_trust"][6] < f.policy["mean_trust"][5]
    assert f.baseline["mean_trust"][6] < f.baseline["mean_trust"][5]


def test_every_scenario_file_loads_and_has_notes():
    for path in scenario_files():
        d = Dashboard(path, n_citizens=300)
        notes = teaching_notes(d.name)
        assert notes["title"] and notes["watch"], path


def test_charts_and_map_draw_from_a_frame():
    d = Dashboard(ROOT / "scenarios" / "all_levers.toml", n_citizens=400)
    d.sim.step(4)
    f = d.sim.frame()
    charts = all_charts(f)
    gaps = {f"gap-{m}" for m in GAP_METRICS}
    assert gaps | {"income", "channels", "adoption", "trust", "backlog", "sgi"} <= set(charts)
    for opts in charts.values():
        assert opts["series"] and all(len(s["data"]) == f.week + 1 for s in opts["series"])
    for wards in ("access", "trust", "service quality"):
        png = map_png(f.baseline_map, f.policy_map, wards=wards, annotate=wards == "access")
        assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_gap_small_multiples_each_have_their_own_scale_and_catalogue_label():
    d = Dashboard(ROOT / "scenarios" / "all_levers.toml", n_citizens=400)
    d.sim.step(30)
    f = d.sim.frame(with_map=False)
    charts = gap_charts(f, d.sim.pair.policy)
    assert list(charts) == [f"gap-{m}" for m in GAP_METRICS] and len(charts) >= 4
    for metric in GAP_METRICS:
        opts = charts[f"gap-{metric}"]
        s = shown(metric, d.sim.pair.policy)
        assert len(opts["series"]) == 1  # one gap per chart: its own y axis, not a shared one
        assert opts["title"]["text"].replace("\n", " ") == s.label
        assert s.gap_unit in opts["title"]["subtext"]
        expected = (f.policy[metric] - f.baseline[metric]) * s.scale
        np.testing.assert_allclose([y for _, y in opts["series"][0]["data"]], np.round(expected, 3))
    # the scales differ: participation and the index would flatten each other on one axis
    assert shown("share_participated_year").scale == 100.0 and shown("participation_gap").scale == 1000.0


def test_headline_readout_and_chart_labels_come_from_the_catalogue():
    d = Dashboard(BASELINE, n_citizens=400)
    assert d.apply({"trust.share_trusting_threshold": 0.6})
    d.sim.step(2)
    rows = d.sim.frame(with_map=False).readout(d.sim.pair.policy)
    assert [r["metric"] for r in rows] == list(HEADLINES)
    for r in rows:
        o = catalogue.outcome(r["metric"])
        assert r["better"] == o.better, r["metric"]
        assert r["label"].replace("(0-100)", "(0-1)") == catalogue.label(r["metric"], d.sim.pair.policy)
    trusting = next(r for r in rows if r["metric"] == "share_trusting")
    assert "0.6" in trusting["label"]  # the scenario's threshold, not a re-declared "> 0.5"
    assert next(r for r in rows if r["metric"] == "participation_gap")["better"] == -1
    opts = all_charts(d.sim.frame(with_map=False), d.sim.pair.policy)
    legend = opts["channels"]["legend"]["data"]
    assert legend == [catalogue.CHANNEL_LABELS[c] for c in catalogue.CHANNELS]
    assert catalogue.GROUP_LABELS["low"] in opts["income"]["legend"]["data"]
    assert any("0.6" in name for name in opts["trust"]["legend"]["data"])


def _frame(policy: list[int], baseline: list[int], scheduled: list[int]) -> Frame:
    empty: dict[str, np.ndarray] = {}
    return Frame(200, 260, empty, empty, breaches=policy, baseline_breaches=baseline, scheduled_breaches=scheduled)


def test_event_marks_merge_close_weeks_say_which_run_and_never_share_a_label():
    marks = event_marks(_frame([91, 104], [91, 93, 104, 150], [104]))
    assert [m["text"] for m in marks] == [
        "random breach wk 91 + 93, both runs",
        "breach wk 104, both runs",
        "random breach wk 150, baseline only",
    ]
    starts = [m["week"] for m in marks]
    assert all(b - a >= MERGE_WEEKS for a, b in itertools.pairwise(starts))
    assert event_marks(_frame([7], [], []))[0]["text"] == "random breach wk 7, your policy only"


def test_security_breach_marks_the_scheduled_breach_and_explains_or_drops_random_ones():
    d = Dashboard(ROOT / "scenarios" / "security_breach.toml", n_citizens=600)
    d.sim.step(130)
    texts = [m["text"] for m in event_marks(d.sim.frame(with_map=False))]
    assert "breach wk 104, both runs" in texts
    assert all(t.startswith("random") for t in texts if "104" not in t)
    hb, hp = d.breach_hazard()
    assert hb == random_breach_hazard(d.sim.pair.baseline) == pytest.approx(0.004) and 0 < hp < hb
    assert d.set_random_breaches(False)
    assert not d.random_breaches and d.sim.week == 130
    f = d.sim.frame(with_map=False)
    assert f.breaches == [104] and f.baseline_breaches == [104]
    assert d.breach_hazard() == (0.0, 0.0)
    assert d.set_random_breaches(True) and d.random_breaches


@pytest.mark.slow
def test_teaching_notes_name_the_breach_weeks_the_runs_show():
    """The notes' breach weeks hold at the file's seed and the dashboard's default size."""
    expected = {
        "security_breach": ({104}, {104}),
        "breach_no_security": ({104}, {104}),
        "baseline": (set(), set()),
        "all_levers": ({1, 70, 120, 216}, {1, 70, 85, 120, 216}),
        "multi_municipality": ({59, 157, 252}, {59, 157, 252}),
    }
    for name, (policy, baseline) in expected.items():
        d = Dashboard(ROOT / "scenarios" / f"{name}.toml")
        d.sim.step(d.sim.horizon)
        f = d.sim.frame(with_map=False)
        assert (set(f.breaches), set(f.baseline_breaches)) == (policy, baseline), name
        text = " ".join(teaching_notes(name)["watch"])
        for w in policy | baseline:
            assert str(w) in text, (name, w)


def test_a_page_may_not_ask_for_more_citizens_than_the_lecturer_allows():
    d = Dashboard(BASELINE, n_citizens=500, max_citizens=1_000)
    sim = d.sim
    assert not d.apply({"run.n_citizens": 1_001})
    assert d.sim is sim and any("at most 1,000 citizens" in p and "--max-citizens" in p for p in d.problems)
    assert d.apply({"run.n_citizens": 1_000}) and d.sim.policy.n == 1_000
    assert Dashboard(BASELINE, n_citizens=5_000, max_citizens=700).sim.policy.n == 700


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("run = 5\n", "run: expected a table"),
        ('[run]\nn_citizens = "many"\n', "run.n_citizens: expected a whole number"),
        ("[run]\nn_citizens = 0\n", "run.n_citizens"),
        ("[run]\nn_citizens = true\n", "run.n_citizens"),
        ("[wifi]\nhotspots = -3\n", "wifi.hotspots"),
        ("[wifi\n", "invalid TOML"),
    ],
)
def test_a_bad_scenario_file_gives_a_message_and_keeps_the_runs(tmp_path, text, words):
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    d = Dashboard(BASELINE, n_citizens=300)
    sim, file = d.sim, d.file
    with pytest.raises(ScenarioError) as err:
        d.load(bad)
    assert words in str(err.value) and "bad.toml" in str(err.value)
    assert d.sim is sim and d.file == file


def test_urls_for_a_class_name_this_computer_and_its_network_addresses():
    assert urls("127.0.0.1", 8765) == [("open", "http://127.0.0.1:8765/")]
    out = urls("0.0.0.0", 8765)
    assert out[0] == ("this computer", "http://127.0.0.1:8765/")
    lan = lan_addresses()
    assert all(not a.startswith("127.") for a in lan)
    assert [u for who, u in out[1:]] == ([f"http://{a}:8765/" for a in lan] or [out[1][1]])
    assert all(who == "students on the network" for who, _ in out[1:])


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--host", "nosuch.invalid", "--port", "0"], "--host nosuch.invalid"),
        (["--host", "203.0.113.7", "--port", "0"], "--host 203.0.113.7: not an address of this computer"),
        (["--citizens", "30000"], "above --max-citizens 20,000"),
        (["--max-citizens", "0"], "--max-citizens"),
    ],
)
def test_bad_dashboard_options_give_a_clear_error(capsys, argv, words):
    assert cosim_main(["dashboard", *argv]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


@pytest.mark.slow
def test_cli_refuses_bad_input_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[wifi]\nhotspots = -3\n")
    r = subprocess.run(
        [*COSIM, "dashboard", "--scenario", str(bad)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "wifi.hotspots" in r.stderr and str(bad) in r.stderr
    with socket.socket() as s:  # a port that is taken
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        r = subprocess.run(
            [*COSIM, "dashboard", "--port", str(port)], capture_output=True, text=True, timeout=120, cwd=tmp_path
        )
    assert r.returncode == 2 and "Traceback" not in r.stderr and f"--port {port}" in r.stderr


def test_load_scenario_matches_the_dashboard_policy():
    d = Dashboard(BASELINE, n_citizens=500)
    d.apply({"wifi.hotspots": 40, "channels.iap2_level": "involve"})
    direct = load_scenario(BASELINE, {"run.n_citizens": 500, "wifi.hotspots": 40, "channels.iap2_level": "involve"})
    assert d.sim.pair.policy == direct
    with pytest.raises(ScenarioError):
        build_pair(read_toml(BASELINE), "baseline.toml", {"wifi.hotspots": -1})


# --------------------------------------------------------------------------- browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise AssertionError(f"the dashboard exited early with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.25)
    raise AssertionError(f"the dashboard did not answer at {url} within {timeout:.0f} s")


@pytest.fixture
def chromium_path():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium); the browser test needs Debian's Chromium"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + " and CI=true, where the browser test must run")
        pytest.skip(reason)
    return str(CHROMIUM)


@pytest.fixture
def dashboard_url(tmp_path):
    """A ``cosim dashboard`` on a free localhost port, started on a copy of the baseline scenario."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    env["NICEGUI_STORAGE_PATH"] = str(tmp_path / "nicegui")
    log = (tmp_path / "dashboard.log").open("w")
    # a lecturer's own scenario file (the baseline's content), offered beside scenarios/*.toml
    own = tmp_path / "my_class.toml"
    own.write_text(BASELINE.read_text())
    started = time.monotonic()
    proc = subprocess.Popen(
        # the curated figures show the default size, at which the teaching notes are checked
        [
            *COSIM,
            "dashboard",
            "--port",
            str(port),
            "--citizens",
            str(CITIZENS),
            "--max-citizens",
            str(MAX_CITIZENS),
            "--scenario",
            str(own),
        ],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_for_http(url, proc, timeout=60)
        yield url, started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        text = (tmp_path / "dashboard.log").read_text()
        assert "Traceback" not in text, text[-3000:]


FIGURES = ROOT / "results" / "figures"
CITIZENS = 5_000 if os.environ.get("COSIM_UPDATE_FIGURES") == "1" else 2_000
MAX_CITIZENS = CITIZENS + 1_000  # the lecturer's --max-citizens in the browser test
VIEWPORTS = ((1280, 720), (1920, 1080))  # a classroom projector, a lecturer's screen
# Records whether the loading overlay was ever shown, and whether the Run button was disabled then
# (a scenario switch can take well under a second: polling could miss it, an observer cannot).
WATCH_LOADING = """() => {
  window.__sawLoading = false; window.__sawDisabled = false;
  const overlay = document.querySelector('[data-testid="loading"]');
  const run = document.querySelector('[data-testid="run"]');
  new MutationObserver(() => {
    if (!overlay.classList.contains('hidden')) {
      window.__sawLoading = true;
      if (run.disabled || run.classList.contains('disabled')) window.__sawDisabled = true;
    }
  }).observe(document.body, {attributes: true, subtree: true, attributeFilter: ['class', 'disabled']});
}"""
# The bounding boxes of every breach label drawn in a chart (SVG text of the event marks).
BREACH_LABELS = """(id) => [...document.querySelectorAll(`[data-testid="${id}"] text`)]
  .filter(t => t.textContent.includes('breach wk'))
  .map(t => { const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.top, r.right, r.bottom]; })"""


def _in_viewport(page, testid: str, size: tuple[int, int]) -> None:
    box = page.get_by_test_id(testid).bounding_box()
    assert box is not None, f"{testid} is not shown"
    w, h = size
    inside = (
        box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= w + 0.5 and box["y"] + box["height"] <= h + 0.5
    )
    assert inside and box["width"] > 20 and box["height"] > 20, (testid, box, size)


def _overlap(a: list, b: list) -> bool:
    return a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.timeout(300)
def test_dashboard_in_chromium(chromium_path, dashboard_url, tmp_path):
    """The lecturer's page at projector and desktop sizes: layout, levers, loading, events, errors."""
    from playwright.sync_api import expect, sync_playwright

    url, started = dashboard_url
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            size = VIEWPORTS[0]
            page = browser.new_page(viewport={"width": size[0], "height": size[1]})
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url)
            week = page.get_by_test_id("week")
            expect(week).to_have_text("Week 0 of 260 (year 1, week 1)", timeout=60_000)
            expect(page.get_by_test_id("loading")).to_be_hidden(timeout=60_000)
            print(f"command to usable page: {time.monotonic() - started:.1f} s")
            readout = page.get_by_test_id("readout")
            expect(readout).to_contain_text("residents online in a typical week")

            # 1280x720: a one-row header, the gap readout and a chart on screen together, lever panel open
            for testid in ("header", "readout", "chart-gap-share_participated_year", "toggle-levers", "week"):
                _in_viewport(page, testid, size)
            assert page.get_by_test_id("header").bounding_box()["height"] < 90  # one row
            # collapsing the lever panel gives the charts the full width, and it opens again
            levers = page.get_by_test_id("levers")
            gap_box = page.get_by_test_id("chart-gap-share_participated_year").bounding_box()
            page.get_by_test_id("toggle-levers").click()
            expect(page.get_by_test_id("num-wifi.hotspots")).not_to_be_in_viewport(timeout=10_000)
            page.wait_for_timeout(600)  # the drawer's slide
            assert levers.bounding_box() is None or levers.bounding_box()["x"] + levers.bounding_box()["width"] <= 1
            wide = page.get_by_test_id("chart-gap-share_participated_year").bounding_box()
            assert wide["width"] > gap_box["width"] + 50 and page.get_by_test_id("readout").bounding_box()["x"] < 60
            for testid in ("header", "readout", "chart-gap-share_participated_year", "toggle-levers"):
                _in_viewport(page, testid, size)
            page.get_by_test_id("toggle-levers").click()
            expect(page.get_by_test_id("num-wifi.hotspots")).to_be_in_viewport(timeout=10_000)

            gap_chart = page.get_by_test_id("chart-gap-share_adopted")
            trust_chart = page.get_by_test_id("chart-trust")
            map_img = page.get_by_test_id("map").locator("img")
            map_before = map_img.get_attribute("src")
            page.wait_for_timeout(500)
            gap_before, trust_before = gap_chart.screenshot(), trust_chart.screenshot()
            readout_before = readout.inner_text()

            # change a lever: 120 free Wi-Fi hotspots (policy run only)
            hotspots = page.get_by_test_id("num-wifi.hotspots")
            hotspots.fill("120")
            hotspots.press("Enter")
            expect(page.locator("text=Your policy is the same as the baseline")).to_have_count(0, timeout=30_000)

            # step: a year, then one week
            page.get_by_test_id("step-year").click()
            expect(week).to_have_text("Week 52 of 260 (year 2, week 1)", timeout=60_000)
            page.get_by_test_id("step").click()
            expect(week).to_have_text("Week 53 of 260 (year 2, week 2)", timeout=60_000)

            # the side-by-side readout: baseline and policy differ in who is online
            expect(readout).not_to_have_text(readout_before, timeout=30_000)
            row = readout.locator("tr", has_text="residents online in a typical week").inner_text().split("\t")
            baseline, policy, gap = float(row[1]), float(row[2]), float(row[3])
            assert policy > baseline and gap > 1.0, row

            # the charts and the map were redrawn
            page.wait_for_timeout(800)  # let ECharts finish painting
            assert gap_chart.screenshot() != gap_before
            assert trust_chart.screenshot() != trust_before
            expect(map_img).not_to_have_attribute("src", map_before or "", timeout=30_000)

            # run, then pause: the week moves on by itself
            page.get_by_test_id("run").click()
            expect(week).not_to_have_text("Week 53 of 260 (year 2, week 2)", timeout=30_000)
            page.get_by_test_id("run").click()

            # a bad combination shows a message in the page, not a traceback
            page.get_by_test_id("group-run").scroll_into_view_if_needed()
            budget = page.get_by_test_id("num-municipality.annual_budget_rand")
            budget.fill("5000000")
            budget.press("Enter")
            problems = page.get_by_test_id("problems")
            expect(problems).to_contain_text("Not applied", timeout=30_000)
            expect(problems).to_contain_text("municipality.annual_budget_rand")
            # more citizens than the lecturer allows (the server runs with --max-citizens MAX_CITIZENS)
            page.get_by_test_id("group-run").click()
            citizens = page.get_by_test_id("num-run.n_citizens")
            citizens.fill(str(MAX_CITIZENS + 1_000))
            citizens.press("Enter")
            expect(problems).to_contain_text(f"at most {MAX_CITIZENS:,} citizens", timeout=30_000)
            citizens.fill(str(CITIZENS))  # back to a valid size (the budget stays refused until the switch)
            citizens.press("Enter")

            # switching scenario shows the loading state (controls disabled) until the new runs exist
            page.evaluate(WATCH_LOADING)
            page.get_by_test_id("scenario").click()
            page.get_by_role("option", name="security_breach", exact=True).click()
            expect(page.get_by_test_id("notes")).to_contain_text("scheduled data breach in week 104", timeout=60_000)
            expect(page.get_by_test_id("loading")).to_be_hidden(timeout=60_000)
            assert page.evaluate("window.__sawLoading") and page.evaluate("window.__sawDisabled")
            expect(week).to_have_text("Week 0 of 260 (year 1, week 1)")
            expect(problems).to_have_text("")

            # a scheduled and a random breach: marks say which run, labels never overlap, the page explains
            for _ in range(3):
                page.get_by_test_id("step-year").click()
                page.wait_for_timeout(300)
            expect(week).to_contain_text("Week 156", timeout=60_000)
            expect(page.get_by_test_id("random-note")).to_contain_text("a random breach may occur", timeout=30_000)
            expect(page.get_by_test_id("random-note")).to_contain_text("breach wk 104, both runs")
            page.wait_for_timeout(800)
            for chart in ("chart-trust", "chart-adoption"):
                labels = page.evaluate(BREACH_LABELS, chart)
                texts = [t[0] for t in labels]
                assert any("breach wk 104" in t for t in texts) and all(
                    t.endswith(("both runs", "only")) for t in texts
                ), texts
                clashes = [(a[0], b[0]) for i, a in enumerate(labels) for b in labels[i + 1 :] if _overlap(a, b)]
                assert not clashes, clashes
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(300)
            shots = {}
            for size in VIEWPORTS:
                page.set_viewport_size({"width": size[0], "height": size[1]})
                page.wait_for_timeout(1200)  # charts resize
                for testid in ("header", "readout", "chart-gap-share_participated_year", "toggle-levers", "week"):
                    _in_viewport(page, testid, size)
                shots[size] = tmp_path / f"dashboard_{size[0]}x{size[1]}.png"
                page.screenshot(path=str(shots[size]))
                assert shots[size].stat().st_size > 50_000

            # the lecturer's own file broken while the server runs: a message in the page, the runs kept
            (tmp_path / "my_class.toml").write_text("run = 5\n")
            page.get_by_test_id("scenario").click()
            page.get_by_role("option", name="my_class", exact=True).click()
            expect(problems).to_contain_text("run: expected a table", timeout=60_000)
            expect(page.get_by_test_id("loading")).to_be_hidden(timeout=60_000)
            expect(page.get_by_test_id("notes")).to_contain_text("scheduled data breach in week 104")
            expect(week).to_contain_text("Week 156")

            # the dashboard-level teaching option: random breaches off in both runs, scheduled ones kept
            page.get_by_test_id("random-breaches").click()
            note = page.get_by_test_id("random-note")
            expect(note).to_contain_text("Random breaches are off", timeout=60_000)
            expect(note).to_contain_text("Breaches so far: breach wk 104, both runs.")
            expect(page.get_by_test_id("loading")).to_be_hidden(timeout=60_000)
            page.wait_for_timeout(800)
            assert [t[0] for t in page.evaluate(BREACH_LABELS, "chart-trust")] == ["breach wk 104, both runs"]

            assert "Traceback" not in page.content()
            assert not errors, errors
            # the curated figures for the README and docs/dashboard.md (committed): COSIM_UPDATE_FIGURES=1
            if os.environ.get("COSIM_UPDATE_FIGURES") == "1":
                for shot in shots.values():
                    shutil.copy(shot, FIGURES / shot.name)
        finally:
            browser.close()
