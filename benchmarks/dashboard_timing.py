"""Measure the dashboard: time from command to a usable page, and weeks per second it sustains.

Starts ``cosim dashboard`` (default size unless ``--citizens``) on a free port,
opens it in Debian's Chromium with Playwright, waits until the week readout
shows, then runs the model at each speed for ``--seconds`` and reads how many
weeks went by.  Optionally sets up a teaching scene and saves a screenshot::

    .venv/bin/python benchmarks/dashboard_timing.py --repeats 3 --screenshot /tmp/dashboard_scene.png

(The curated screenshots in ``results/figures/dashboard_*.png`` come from the browser test:
``COSIM_UPDATE_FIGURES=1 pytest tests/test_dashboard.py -k chromium``.)

``--concurrency N`` instead fires N simultaneous page loads (plain HTTP GETs on
loopback, one per thread, each with a ``--timeout`` in seconds) at one server
and counts how many answer in time; ``--switch`` times "+1 year", a lever change and a
scenario switch in the page (from picking the file to the new scenario being usable);
``--browsers N`` opens N pages in Chromium at once (each builds its runs) while a probe
keeps loading the page::

    .venv/bin/python benchmarks/dashboard_timing.py --concurrency 30 --timeout 5 --switch --browsers 8
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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
HORIZON = 1040  # weeks run while measuring speed
COSIM = [sys.executable, "-c", "import sys; from cosim.cli import main; sys.exit(main())"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(citizens: int | None, log_path: Path) -> tuple[subprocess.Popen, str, float]:
    port = free_port()
    cmd = [*COSIM, "dashboard", "--port", str(port)]
    if citizens:
        cmd += ["--citizens", str(citizens)]
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=log_path.open("w"), stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/"
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() - t0 > 120:
                raise SystemExit(f"the dashboard did not start; see {log_path}") from None
            time.sleep(0.1)
    return proc, url, t0


def concurrent_loads(url: str, n: int, timeout: float) -> dict:
    """N simultaneous GETs of the page (one each, bounded): how many answered within ``timeout`` s."""

    def one(_: int) -> float | None:
        t0 = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as r:
                r.read()
                return time.monotonic() - t0 if r.status == 200 else None
        except OSError:
            return None

    t0 = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as pool:
        times = list(pool.map(one, range(n)))
    ok = [t for t in times if t is not None]
    # the server still answers a single page load afterwards (and how fast)
    after = one(0)
    return {
        "page_loads": n,
        "timeout_s": timeout,
        "answered": len(ok),
        "slowest_answer_s": round(max(ok), 2) if ok else None,
        "all_done_s": round(time.monotonic() - t0, 2),
        "one_more_load_s": None if after is None else round(after, 2),
    }


def browser_pages(url: str, n: int) -> dict:
    """Open ``n`` pages at once in one Chromium (each builds its two runs) while timing a plain
    page load: seconds until every page shows its week readout, and whether the server kept answering."""
    import threading

    from playwright.sync_api import expect, sync_playwright

    probe: list[float | None] = []
    done = threading.Event()

    def poll() -> None:  # one small request every half second while the pages build (bounded)
        for _ in range(240):
            if done.is_set():
                return
            t0 = time.monotonic()
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    r.read()
                probe.append(time.monotonic() - t0)
            except OSError:
                probe.append(None)
            time.sleep(0.5)

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        pages = [browser.new_page(viewport={"width": 1280, "height": 720}) for _ in range(n)]
        poller = threading.Thread(target=poll)
        t0 = time.monotonic()
        poller.start()
        for page in pages:
            page.goto(url, wait_until="commit", timeout=60_000)
        usable = 0
        for page in pages:
            try:
                expect(page.get_by_test_id("week")).to_contain_text("Week 0", timeout=120_000)
                usable += 1
            except AssertionError:
                pass
        all_usable = time.monotonic() - t0
        done.set()
        poller.join()
        browser.close()
    answered = [p for p in probe if p is not None]
    return {
        "pages": n,
        "usable": usable,
        "all_usable_s": round(all_usable, 1),
        "probe_loads": len(probe),
        "probe_answered_within_5s": len(answered),
        "probe_slowest_s": round(max(answered), 2) if answered else None,
    }


def year_and_lever_times(page) -> tuple[float, float]:
    """Seconds for "+1 year" (click to week 52 shown) and for a lever change (Enter in the hotspots
    box to the readout showing the gap; includes the page's 0.35 s wait for the user to stop typing)."""
    from playwright.sync_api import expect

    week = page.get_by_test_id("week")
    t0 = time.monotonic()
    page.get_by_test_id("step-year").click()
    expect(week).to_contain_text("Week 52 ", timeout=60_000)
    year = time.monotonic() - t0
    box = page.get_by_test_id("num-wifi.hotspots")
    box.fill("120")
    t0 = time.monotonic()
    box.press("Enter")
    expect(page.locator("text=Your policy is the same as the baseline")).to_have_count(0, timeout=60_000)
    return round(year, 2), round(time.monotonic() - t0, 2)


def switch_time(page, name: str, expected: str) -> float:
    """Seconds from picking scenario ``name`` to its notes (containing ``expected``) and week readout being shown."""
    from playwright.sync_api import expect

    page.get_by_test_id("scenario").click()
    t0 = time.monotonic()
    page.get_by_role("option", name=name, exact=True).click()
    expect(page.locator(".cosim-notes")).to_contain_text(expected, timeout=60_000)
    expect(page.get_by_test_id("week")).to_contain_text("Week 0", timeout=60_000)
    loading = page.get_by_test_id("loading")
    if loading.count():
        expect(loading).to_be_hidden(timeout=60_000)
    return round(time.monotonic() - t0, 2)


def model_only_rate(citizens: int | None, weeks: int = 100) -> float:
    """Weeks per second of the two runs stepped in this process, with no page (the model's share)."""
    from cosim.dashboard.session import DEFAULT_CITIZENS, SCENARIO_DIR, Dashboard

    d = Dashboard(SCENARIO_DIR / "baseline.toml", citizens or DEFAULT_CITIZENS)
    d.apply({"wifi.hotspots": 120})
    start = time.perf_counter()
    d.sim.step(weeks)
    return round(weeks / (time.perf_counter() - start), 1)


def sustained_rate(page, seconds: float, horizon: int = 260) -> float:
    """Weeks per second shown on the page while running, from the first week readout that moved
    to the last one before the run nears its horizon (the run stops there)."""
    samples = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        w = week_of(page)
        samples.append((time.monotonic(), w))
        if w >= horizon - 20:
            break
        page.wait_for_timeout(200)
    moving = [s for s in samples if s[1] > samples[0][1]]
    if len(moving) < 2:
        return 0.0
    (t0, w0), (t1, w1) = moving[0], moving[-1]
    return round((w1 - w0) / (t1 - t0), 1) if t1 > t0 else 0.0


def week_of(page) -> int:
    return int(page.get_by_test_id("week").inner_text().split()[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--citizens", type=int, default=None)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument("--screenshot", type=Path, default=None)
    ap.add_argument("--concurrency", type=int, default=0, help="N simultaneous page loads instead of the speed runs")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds each concurrent page load may take")
    ap.add_argument("--switch", action="store_true", help="also time a scenario switch in the page")
    ap.add_argument("--browsers", type=int, default=0, help="also open N pages in Chromium at once (real builds)")
    a = ap.parse_args()
    from playwright.sync_api import expect, sync_playwright

    if a.concurrency:
        proc, url, t0 = start(a.citizens, Path("/tmp/cosim-dashboard-concurrency.log"))
        out: dict = {"load_average_at_start": os.getloadavg(), "command_to_http_s": round(time.monotonic() - t0, 1)}
        try:
            if a.switch:
                with sync_playwright() as pw:
                    browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                    page = browser.new_page(viewport={"width": 1280, "height": 720})
                    page.goto(url)
                    expect(page.get_by_test_id("week")).to_contain_text("Week 0", timeout=120_000)
                    out["command_to_usable_page_s"] = round(time.monotonic() - t0, 1)
                    out["step_a_year_s"], out["lever_change_s"] = year_and_lever_times(page)
                    out["scenario_switch_s"] = [
                        switch_time(page, "security_breach", "data breach"),
                        switch_time(page, "baseline", "Baseline"),
                    ]
                    browser.close()
            if a.browsers:
                out["browsers"] = browser_pages(url, a.browsers)
            out["concurrent"] = concurrent_loads(url, a.concurrency, a.timeout)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
        print(json.dumps(out, indent=2))
        return

    result: dict = {"citizens": a.citizens or "default", "load_average_at_start": os.getloadavg()}
    result["model_only_weeks_per_second"] = model_only_rate(a.citizens)
    usable, speeds = [], {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for r in range(a.repeats):
            proc, url, t0 = start(a.citizens, Path(f"/tmp/cosim-dashboard-{r}.log"))
            try:
                page = browser.new_page(viewport={"width": 1600, "height": 1900})
                page.goto(url)
                expect(page.get_by_test_id("week")).to_contain_text("Week 0", timeout=120_000)
                usable.append(time.monotonic() - t0)
                if r == 0:
                    # a 20-year horizon, so that the fastest speed is measured over a long enough window
                    page.get_by_test_id("group-run").click()
                    steps = page.get_by_test_id("num-run.steps")
                    steps.fill(str(HORIZON))
                    steps.press("Enter")
                    expect(page.get_by_test_id("week")).to_contain_text(f"of {HORIZON} ", timeout=60_000)
                    for label in ("a year/s", "as fast as possible"):
                        page.get_by_test_id("speed").click()
                        page.get_by_role("option", name=label).click()
                        page.get_by_test_id("reset").click()
                        expect(page.get_by_test_id("week")).to_contain_text("Week 0 ", timeout=30_000)
                        page.get_by_test_id("run").click()
                        speeds[label] = sustained_rate(page, a.seconds, HORIZON)
                        if page.get_by_test_id("run").inner_text().lower().startswith("pause"):
                            page.get_by_test_id("run").click()
                    if a.screenshot:
                        scene(page, a.screenshot)
                page.close()
            finally:
                proc.terminate()
                proc.wait(timeout=20)
        browser.close()
    result["command_to_usable_page_s"] = [round(u, 1) for u in usable]
    result["weeks_per_second"] = speeds
    result["load_average_at_end"] = os.getloadavg()
    print(json.dumps(result, indent=2))


def scene(page, path: Path) -> None:
    """A teaching scene: open data, a campaign and equity-first Wi-Fi; a breach in week 100; run to week 156."""
    from playwright.sync_api import expect

    steps = page.get_by_test_id("num-run.steps")
    steps.fill("260")
    steps.press("Enter")
    expect(page.get_by_test_id("week")).to_contain_text("of 260 ", timeout=60_000)
    page.get_by_test_id("reset").click()
    for testid, value in (("num-wifi.hotspots", "120"),):
        box = page.get_by_test_id(testid)
        box.fill(value)
        box.press("Enter")
    page.get_by_test_id("ctl-wifi.placement").click()
    page.get_by_role("option", name="equity").click()
    page.get_by_test_id("lever-open_data").click()
    box = page.get_by_test_id("num-open_data.level")
    box.fill("1")
    box.press("Enter")
    page.get_by_test_id("lever-campaign").click()
    box = page.get_by_test_id("num-campaign.reach_per_week")
    box.fill("0.02")
    box.press("Enter")
    box = page.get_by_test_id("num-event.step")
    box.fill("100")
    box.press("Enter")
    page.get_by_test_id("shock-on").click()
    page.wait_for_timeout(1500)
    for _ in range(3):
        page.get_by_test_id("step-year").click()
        page.wait_for_timeout(500)
    expect(page.get_by_test_id("week")).to_contain_text("Week 156", timeout=60_000)
    page.wait_for_timeout(2500)
    page.set_viewport_size({"width": 1600, "height": 2300})  # down to the trust and backlog charts
    page.wait_for_timeout(1500)
    page.evaluate("window.scrollTo(0, 0)")
    page.evaluate("document.querySelectorAll('.q-drawer__content').forEach(e => e.scrollTop = 0)")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")


if __name__ == "__main__":
    main()
