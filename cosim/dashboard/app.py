"""The dashboard page (NiceGUI): controls, the run loop, the map and the charts.

Each browser tab gets its own :class:`~cosim.dashboard.session.Dashboard`
(two runs of one scenario, side by side).  This module only lays out widgets
and passes values between them and the session: it holds no model logic, and
every slider, switch and choice is generated from the scenario schema by
:mod:`cosim.dashboard.controls`.

Longer than 400 lines: the page's layout is declarative widget code, kept with
the page it builds (the logic lives in ``session.py`` and ``controls.py``).
"""

from __future__ import annotations

import asyncio
import html
import os
import sys
import time
from pathlib import Path
from typing import Any, Literal

from nicegui import Client, run, ui
from nicegui.client import ClientConnectionTimeout

from cosim.dashboard import charts
from cosim.dashboard.controls import (
    BUDGET_PATHS,
    RUN_PATHS,
    WORLD_SECTIONS,
    Control,
    controls_at,
    controls_for,
    event_controls,
    lever_sections,
)
from cosim.dashboard.session import (
    DEFAULT_CITIZENS,
    DEFAULT_MAX_CITIZENS,
    Dashboard,
    Frame,
    random_breach_hazard,
    scenario_files,
    teaching_notes,
)

# Run speeds offered (weeks per second; 0 = as fast as the machine allows).
SPEEDS = {1: "1 week/s", 4: "4 weeks/s", 13: "a quarter/s", 52: "a year/s", 0: "as fast as possible"}
TICK_S = 0.1  # the run loop wakes this often; it redraws only after stepping
REDRAW_S = 0.4  # while running, charts are redrawn at most this often (the weeks due are stepped in one batch)
MAP_EVERY_S = 2.0  # the map (a server-drawn PNG) is redrawn at most this often while running
DEBUG = bool(os.environ.get("COSIM_DASHBOARD_DEBUG"))  # print the run loop's timings to stderr
DEBOUNCE_S = 0.35  # wait this long after the last slider move before re-running

LEVER_PANEL_PX = 380  # width of the lever panel (a drawer the header button opens and closes)
# Pages build their two runs in worker threads (never on the event loop, so the server keeps
# answering); at most this many at once, so a class opening the page together queues instead
# of slowing every build down.
BUILD_SLOTS = asyncio.Semaphore(2)

CONFIG: dict[str, Any] = {
    "scenario": None,
    "n_citizens": DEFAULT_CITIZENS,
    "max_citizens": DEFAULT_MAX_CITIZENS,
}

CSS = """
body { background: #f4f6f8; }
.cosim-card { background: white; border-radius: 10px; box-shadow: 0 1px 3px rgba(0,0,0,.12); padding: 12px 14px; }
.cosim-readout table { border-collapse: collapse; width: 100%; font-size: 13px; line-height: 1.2; }
.cosim-readout th { text-align: right; font-weight: 600; color: #555; padding: 2px 6px; border-bottom: 1px solid #ddd; }
.cosim-readout th:first-child, .cosim-readout td:first-child { text-align: left; }
.cosim-readout td { text-align: right; padding: 2px 6px; border-bottom: 1px solid #f0f0f0; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.cosim-readout td:first-child { white-space: normal; }
.cosim-readout .unit { color: #777; font-size: 11px; }
.cosim-gaps { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 6px; }
.cosim-loading { position: fixed; inset: 0; z-index: 6000; background: rgba(244,246,248,.78);
  display: flex; flex-direction: column; align-items: center; justify-content: center; gap: 14px;
  font-size: 18px; color: #333; }
.cosim-header .q-btn { padding: 2px 10px; }
.cosim-readout td.better { color: #1a7f37; font-weight: 700; background: rgba(255,193,7,.18); }
.cosim-readout td.worse { color: #b42318; font-weight: 700; background: rgba(255,193,7,.18); }
.cosim-readout td.same { color: #666; }
.cosim-notes li { margin-bottom: 6px; line-height: 1.35; }
.cosim-group .q-expansion-item__content { padding: 0 6px 8px 6px; }
input[type=number]::-webkit-inner-spin-button, input[type=number]::-webkit-outer-spin-button {
  -webkit-appearance: none; margin: 0; }
input[type=number] { -moz-appearance: textfield; }
"""


class Page:
    """One browser tab: the session, its widgets and its run loop.

    The page is sent at once as a shell (header, lever panel, a loading overlay);
    :meth:`start` then builds the two runs in a worker thread and fills it in.
    """

    def __init__(self, scenario: Path, n_citizens: int, max_citizens: int = DEFAULT_MAX_CITIZENS):
        self.scenario = Path(scenario)
        self.n_citizens = n_citizens
        self.max_citizens = max_citizens
        self.dash: Dashboard | None = None
        self.running = False
        self.speed = 52
        self.busy = asyncio.Lock()
        self.pending: dict[str, Any] = {}
        self.event_on = False
        self.event_values: dict[str, Any] = {}
        self.apply_task: asyncio.Task | None = None
        self.last_map = 0.0
        self.ward_shading = "access"
        self.citizen_colouring = "participation"
        self.weeks_per_s_measured: float | None = None
        self.credit = 0.0
        self.last_tick = time.perf_counter()
        self.last_draw = 0.0
        self.charts: dict[str, ui.echart] = {}
        self.timer: ui.timer | None = None
        self.shell()

    async def start(self) -> None:
        """Build both runs off the event loop, then the page's body; a bad file shows as a message."""
        self.set_loading(True, f"Building the baseline and policy runs of {self.scenario.stem} ...")
        try:
            async with BUILD_SLOTS:
                self.dash = await run.io_bound(Dashboard, self.scenario, self.n_citizens, None, self.max_citizens)
        except Exception as exc:  # a broken file shows as a message, not a traceback
            self.loading_text.text = "This scenario cannot be shown: " + "; ".join(_problems_of(exc))
            self.loading_spinner.set_visibility(False)
            return
        with self.drawer:
            self.controls_panel()
        with self.body:
            self.build()
        await self.redraw(with_map=True)
        self.set_loading(False)
        self.timer = ui.timer(TICK_S, self.tick)

    @property
    def session(self) -> Dashboard:
        """The page's two runs (built by :meth:`start`; no control exists before)."""
        if self.dash is None:
            raise RuntimeError("the page's runs are not built yet")
        return self.dash

    # ------------------------------------------------------------------ layout

    def shell(self) -> None:
        """The parts shown before the runs exist: a one-row header, the lever panel and the overlay."""
        ui.add_css(CSS)
        files = {str(p): p.stem for p in scenario_files()}
        if str(self.scenario) not in files:
            files[str(self.scenario)] = self.scenario.stem
        with (
            ui.header(elevated=True)
            .classes("cosim-header items-center no-wrap gap-2 bg-white text-black q-px-sm q-py-xs")
            .props('data-testid="header"')
        ):
            self.lever_button = (
                ui.button(icon="tune", on_click=self.toggle_levers)
                .props('flat dense data-testid="toggle-levers" aria-label="show or hide the lever panel"')
                .tooltip("show or hide the lever panel (the charts take the full width when it is hidden)")
            )
            ui.label("cosim").classes("text-h6 text-weight-bold text-primary").tooltip(
                "co-production in a smart city: your policy vs the baseline"
            )
            self.file_select = ui.select(
                files, value=str(self.scenario), label="scenario", on_change=lambda e: self.pick(e.value)
            ).classes("w-44")
            self.file_select.props('dense outlined options-dense data-testid="scenario"')
            self.run_button = ui.button("Run", icon="play_arrow", on_click=self.toggle_run)
            self.run_button.props('dense data-testid="run"')
            self.step_button = (
                ui.button("Step", icon="skip_next", on_click=lambda: self.step(1))
                .props('outline dense data-testid="step"')
                .tooltip("advance one week")
            )
            self.year_button = ui.button("+1 year", on_click=lambda: self.step(52)).props(
                'outline dense data-testid="step-year"'
            )
            self.reset_button = (
                ui.button("Reset", icon="replay", on_click=self.reset)
                .props('outline dense data-testid="reset"')
                .tooltip("back to week 0 with the same settings and seed")
            )
            self.speed_select = (
                ui.select(SPEEDS, value=self.speed, label="speed", on_change=lambda e: setattr(self, "speed", e.value))
                .props('dense outlined options-dense data-testid="speed"')
                .classes("w-36")
            )
            ui.space()
            self.week_label = (
                ui.label("Week -").classes("text-subtitle1 text-weight-medium no-wrap").props('data-testid="week"')
            )
        self.header_controls = [
            self.file_select,
            self.run_button,
            self.step_button,
            self.year_button,
            self.reset_button,
            self.speed_select,
        ]
        self.drawer = (
            ui.left_drawer(value=True, bordered=True)
            .props(f'width={LEVER_PANEL_PX} behavior=desktop data-testid="levers"')
            .classes("bg-white q-pa-sm")
        )
        self.body = ui.column().classes("w-full q-pa-sm gap-3").props('data-testid="body"')
        with ui.element("div").classes("cosim-loading").props('data-testid="loading"') as self.overlay:
            self.loading_spinner = ui.spinner(size="3em", thickness=4)
            self.loading_text = ui.label("Loading ...").props('data-testid="loading-text"')

    def set_loading(self, on: bool, text: str = "") -> None:
        """Show (or hide) the loading overlay and disable (or enable) the header's controls."""
        if text:
            self.loading_text.text = text
        self.loading_spinner.set_visibility(True)
        self.overlay.set_visibility(on)
        for c in self.header_controls:
            c.set_enabled(not on)

    def toggle_levers(self) -> None:
        self.drawer.toggle()

    def build(self) -> None:
        """The body: the readout beside the gap charts, teaching notes, the map, the charts."""
        self.problem_box = ui.html("", sanitize=False).classes("w-full").props('data-testid="problems"')
        frame = self.session.sim.frame(with_map=False)
        options = charts.all_charts(frame, self.session.sim.pair.policy)
        with ui.row().classes("w-full gap-3 no-wrap items-stretch"):
            with ui.column().classes("cosim-card gap-1").style("flex: 0 1 450px; min-width: 340px"):
                ui.label("Now: baseline, your policy and the gap").classes("text-subtitle1 text-weight-bold")
                self.same_hint = ui.label("").classes("text-caption text-grey-8")
                self.readout = (
                    ui.html("", sanitize=False).classes("cosim-readout w-full").props('data-testid="readout"')
                )
            with (
                ui.element("div")
                .classes("cosim-card cosim-gaps")
                .style("flex: 1 1 0; min-width: 0")
                .props('data-testid="gaps"')
            ):
                for name in (n for n in options if n.startswith("gap-")):
                    self.charts[name] = (
                        ui.echart(options[name])
                        .classes("w-full")
                        .style("height: 190px")
                        .props(f'data-testid="chart-{name}"')
                    )
        with ui.column().classes("cosim-card w-full gap-1"):
            self.notes = ui.html("", sanitize=False).classes("cosim-notes w-full").props('data-testid="notes"')
            with ui.row().classes("items-center gap-2"):
                self.random_switch = ui.switch(
                    "random breaches (the scenario's weekly hazard)",
                    value=self.session.random_breaches,
                    on_change=lambda e: self.set_random_breaches(e.value),
                ).props('dense data-testid="random-breaches"')
                self.random_note = ui.label("").classes("text-body2").props('data-testid="random-note"')
        with ui.column().classes("cosim-card w-full gap-1"):
            with ui.row().classes("items-center gap-4"):
                ui.label("City map: the same citizens in both runs").classes("text-subtitle1 text-weight-bold")
                ui.select(
                    list(charts.WARD_SHADING),
                    value=self.ward_shading,
                    label="shade wards by",
                    on_change=lambda e: self.set_map("ward_shading", e.value),
                ).props('dense outlined data-testid="map-wards"').classes("w-44")
                ui.select(
                    list(charts.CITIZEN_COLOURING),
                    value=self.citizen_colouring,
                    label="colour citizens by",
                    on_change=lambda e: self.set_map("citizen_colouring", e.value),
                ).props('dense outlined data-testid="map-citizens"').classes("w-44")
                self.map_caption = ui.label("").classes("text-caption text-grey-8")
            self.map = ui.image().classes("w-full").props('data-testid="map" fit=contain no-spinner no-transition')
            self.map_legend = ui.html("", sanitize=False).classes("w-full")
        with ui.grid(columns=2).classes("w-full gap-3"):
            for name, opts in options.items():
                if name.startswith("gap-"):
                    continue
                with ui.column().classes("cosim-card gap-0"):
                    self.charts[name] = (
                        ui.echart(opts, renderer=_renderer(name))
                        .classes("w-full h-80")
                        .props(f'data-testid="chart-{name}"')
                    )

    @ui.refreshable_method
    def controls_panel(self) -> None:
        """Every control, generated from the schema, with values from the scenario now in force."""
        horizon = self.session.sim.horizon
        ui.label("Your policy").classes("text-h6 q-mt-xs")
        ui.label(
            "Levers change the policy run only; the baseline keeps every lever off. "
            "A change re-runs your policy from week 0 to now with the same seed."
        ).classes("text-caption text-grey-8")
        for section, title in lever_sections():
            changed = any(self.session.value(c.path) != c.default for c in controls_for(section, horizon))
            with (
                ui.expansion(title + ("  ●" if changed else ""), value=section == "wifi")
                .classes("w-full cosim-group")
                .props(f'dense data-testid="lever-{section}"')
            ):
                for c in controls_for(section, horizon):
                    self.control(c)
        ui.separator().classes("q-my-sm")
        ui.label("Both runs (the world)").classes("text-h6")
        ui.label(
            "These change the baseline and the policy alike, and restart both at week 0 then run them to now."
        ).classes("text-caption text-grey-8")
        with ui.expansion("Budget", value=True).classes("w-full cosim-group").props("dense"):
            for c in controls_at(BUDGET_PATHS, horizon):
                self.control(c)
        with (
            ui.expansion("A shock: breach, outage or scandal", value=True)
            .classes("w-full cosim-group")
            .props('dense data-testid="shock"')
        ):
            ui.switch(
                "add this shock to both runs", value=self.event_on, on_change=lambda e: self.set_event_on(e.value)
            ).props('data-testid="shock-on"')
            for c in event_controls(horizon):
                self.control(c)
        with ui.expansion("Run size and seed").classes("w-full cosim-group").props('dense data-testid="group-run"'):
            for c in controls_at(RUN_PATHS, horizon):
                self.control(c)
        for section, title in WORLD_SECTIONS.items():
            with ui.expansion(title).classes("w-full cosim-group").props("dense"):
                for c in controls_for(section, horizon):
                    self.control(c)

    def control(self, c: Control) -> None:
        """One schema parameter as a widget; changes go to :meth:`changed`."""
        value = self.session.value(c.path)
        testid = f'data-testid="ctl-{c.path}"'
        unit = "" if c.unit in ("-", "") or c.unit.lower() == c.label.lower() else f" ({c.unit})"
        if c.kind == "switch":
            switch = ui.switch(c.label, value=bool(value), on_change=lambda e, p=c.path: self.changed(p, e.value))
            switch.props(testid).tooltip(c.help)
        elif c.kind == "choice":
            select = ui.select(
                list(c.choices),
                value=value,
                label=c.label + unit,
                on_change=lambda e, p=c.path: self.changed(p, e.value),
            )
            select.props(f"dense {testid}").classes("w-full").tooltip(c.help)
        elif c.kind in ("slider", "week"):
            never = c.kind == "week" and value is None
            s_lo, s_hi, step = float(c.slider_lo or 0.0), float(c.slider_hi or 0.0), float(c.step or 1.0)
            v = s_hi if never else value
            lo, hi = min(s_lo, v), max(s_hi, v)
            with ui.column().classes("w-full gap-0 q-mt-xs"):
                label = ui.label().classes("text-body2")
                with ui.row().classes("w-full items-center no-wrap gap-2"):
                    slider = ui.slider(min=lo, max=hi, step=step, value=v).classes("grow").props(f"dense {testid}")
                    box = (
                        ui.number(
                            value=v, min=c.lo, max=c.hi, step=c.step, format="%d" if c.integer else _number_format(hi)
                        )
                        .props(f'dense outlined data-testid="num-{c.path}"')
                        .classes("w-36" if hi >= 1e6 else "w-28" if hi >= 1e3 else "w-24")
                    )

            def show(val: Any, c=c, label=label, unit=unit) -> None:
                text = f"{c.label}{unit}: {_pretty(val, c)}"
                if c.kind == "week" and val is not None and val >= self.session.sim.horizon:
                    text = f"{c.label}: never (runs to the end)"
                label.text = text

            show(v)
            slider.tooltip(c.help)

            def on_slider(e, c=c, box=box, show=show) -> None:
                box.value = e.value
                show(e.value)

            def on_box(e, c=c, slider=slider, show=show) -> None:
                if e.value is None:
                    return
                val = int(e.value) if c.integer else float(e.value)
                if slider.value != val and slider.props["min"] <= val <= slider.props["max"]:
                    slider.value = val
                show(val)
                out: Any = val
                if c.kind == "week" and val >= self.session.sim.horizon:
                    out = None
                self.changed(c.path, out)

            slider.on_value_change(on_slider)
            box.on_value_change(on_box)
        else:
            number = ui.number(
                c.label + unit,
                value=value,
                min=c.lo,
                max=c.hi,
                step=c.step,
                format="%d" if c.integer else _number_format(value),
            )
            number.props(f"dense {testid}").classes("w-full").tooltip(c.help)

            def on_number(e, c=c) -> None:
                if e.value is not None:
                    self.changed(c.path, int(e.value) if c.integer else float(e.value))

            number.on_value_change(on_number)

    # ------------------------------------------------------------------ changes

    def changed(self, path: str, value: Any) -> None:
        """Remember a page change and apply it once the user stops moving the control."""
        if path.startswith("event."):
            self.event_values[path.split(".", 1)[1]] = value
            if not self.event_on:
                return
        else:
            self.pending[path] = value
        if self.apply_task is not None:
            self.apply_task.cancel()
        self.apply_task = asyncio.create_task(self._apply_later())

    def set_event_on(self, on: bool) -> None:
        self.event_on = on
        if self.apply_task is not None:
            self.apply_task.cancel()
        self.apply_task = asyncio.create_task(self._apply_later())

    async def _apply_later(self) -> None:
        await asyncio.sleep(DEBOUNCE_S)
        async with self.busy:
            event = self._event() if self.event_on else None
            ok = await run.io_bound(self.session.apply, dict(self.pending), event)
        if ok:
            self.pending.clear()
        await self.redraw(with_map=True)

    def _event(self) -> dict[str, Any]:
        from cosim.scenario.schema import Event

        return {**Event().model_dump(), **self.event_values, "municipality": None}

    async def pick(self, file: str) -> None:
        """Load another scenario file: settings go back to the file's values.

        The page shows a loading overlay (and its controls are disabled) until the new
        runs are built; a file that is not a valid scenario leaves the runs as they were
        and shows why in the page.
        """
        if Path(file) == self.session.file:
            return
        self.running = False
        self._run_button()
        self.set_loading(True, f"Loading {Path(file).stem}: building the baseline and policy runs ...")
        try:
            async with self.busy, BUILD_SLOTS:
                await run.io_bound(self.session.load, Path(file))
        except Exception as exc:  # a broken file shows as a message, not a traceback
            self.session.problems = _problems_of(exc)
            self.file_select.set_value(str(self.session.file))  # back to the scenario still shown
            await self.redraw(with_map=False)
            self.set_loading(False)
            return
        self.pending.clear()
        self.event_on = False
        self.event_values.clear()
        self.controls_panel.refresh()
        ui.run_javascript("document.querySelectorAll('.q-drawer__content').forEach(e => e.scrollTop = 0)")
        self.random_switch.set_value(self.session.random_breaches)
        await self.redraw(with_map=True)
        self.set_loading(False)

    async def set_random_breaches(self, on: bool) -> None:
        """The dashboard-level teaching option: random breaches on (as the file says) or off."""
        if on == self.session.random_breaches:
            return
        self.set_loading(True, "Random breaches " + ("on" if on else "off") + ": re-running both runs to now ...")
        try:
            async with self.busy:
                await run.io_bound(self.session.set_random_breaches, on)
            self.controls_panel.refresh()
            await self.redraw(with_map=True)
        finally:
            self.set_loading(False)

    async def set_map(self, attr: str, value: str) -> None:
        setattr(self, attr, value)
        await self.redraw(with_map=True)

    # ------------------------------------------------------------------ running

    def toggle_run(self) -> None:
        if self.session.sim.done:
            ui.notify("The run has reached its horizon: press Reset to start again.")
            return
        self.running = not self.running
        self._run_button()

    def _run_button(self) -> None:
        self.run_button.text = "Pause" if self.running else "Run"
        self.run_button.props(f"icon={'pause' if self.running else 'play_arrow'}")

    async def step(self, weeks: int) -> None:
        self.running = False
        self._run_button()
        async with self.busy:
            await run.io_bound(self.session.sim.step, weeks)
        await self.redraw(with_map=True)

    async def reset(self) -> None:
        self.running = False
        self._run_button()
        async with self.busy:
            await run.io_bound(self.session.reset)
        await self.redraw(with_map=True)

    async def tick(self) -> None:
        """The run loop: step the weeks due at the chosen speed, then redraw."""
        now = time.perf_counter()
        elapsed, self.last_tick = now - self.last_tick, now
        if not self.running or self.busy.locked():
            self.credit = 0.0
            return
        if self.speed:
            # weeks owed at this speed, stepped in one batch per redraw; at most two seconds' worth is
            # owed, so a slow redraw (the map) is caught up but a stalled page does not race afterwards
            self.credit = min(self.credit + self.speed * elapsed, max(1.0, 2.0 * self.speed))
            if self.credit < 1.0 or (now - self.last_draw < REDRAW_S and self.credit < self.speed * REDRAW_S):
                return
            weeks = int(self.credit)
            self.credit -= weeks
        else:  # as fast as possible: a batch that takes about REDRAW_S
            weeks = max(1, int((self.weeks_per_s_measured or 20.0) * REDRAW_S))
        async with self.busy:
            start = time.perf_counter()
            done = await run.io_bound(self.session.sim.step, weeks)
            if done:
                self.weeks_per_s_measured = done / max(time.perf_counter() - start, 1e-3)
        stepped = time.perf_counter()
        if self.session.sim.done:
            self.running = False
            self._run_button()
            ui.notify(f"End of the run: week {self.session.sim.week}. Reset to run again.")
        await self.redraw(with_map=time.perf_counter() - self.last_map >= MAP_EVERY_S)
        if DEBUG:
            print(
                f"tick: {done} weeks in {stepped - start:.3f} s, redraw {time.perf_counter() - stepped:.3f} s, "
                f"{now - self.last_tick:.3f} s since the tick began",
                file=sys.stderr,
            )

    # ------------------------------------------------------------------ drawing

    async def redraw(self, with_map: bool = True) -> None:
        """Redraw from a fresh frame: charts and readout here, the map (a PNG) in a worker thread."""
        frame = self.session.sim.frame(with_map=with_map)
        self._draw_charts(frame)
        if with_map:
            self.last_map = time.perf_counter()
            url = await run.io_bound(self._map_url, frame)
            if url:
                self.map.set_source(url)
            self.map_legend.content = self._map_legend(frame)

    def _map_url(self, frame: Frame) -> str:
        assert frame.baseline_map is not None and frame.policy_map is not None
        return charts.map_data_url(
            frame.baseline_map,
            frame.policy_map,
            wards=self.ward_shading,
            citizens=self.citizen_colouring,
            annotate=False,
        )

    def _map_legend(self, frame: Frame) -> str:
        assert frame.baseline_map is not None and frame.policy_map is not None
        cmap, vmin, vmax, label = charts.ward_scale(self.ward_shading, frame.baseline_map, frame.policy_map)
        km = frame.policy_map.ward_km
        return _legend_html(
            charts.legend_items(self.citizen_colouring), charts.colour_stops(cmap), vmin, vmax, label, km
        )

    def _draw_charts(self, frame: Frame) -> None:
        self.last_draw = time.perf_counter()
        sim = self.session.sim
        year, wk = divmod(frame.week, 52)
        self.week_label.text = f"Week {frame.week} of {frame.horizon} (year {year + 1}, week {wk + 1})"
        self.readout.content = _readout_html(frame, sim.pair.policy)
        self.same_hint.text = (
            "Your policy is the same as the baseline: move a lever to see a gap."
            if sim.pair.same
            else f"Seed {sim.seed}, {sim.policy.n:,} citizens in each run (common random numbers)."
        )
        notes = _notes_html(teaching_notes(self.session.name), self.session.description)
        if self.notes.content != notes:
            self.notes.content = notes
        self.random_note.text = _random_note(frame, sim.pair.baseline, sim.pair.policy, self.session.random_breaches)
        self.problem_box.content = _problems_html(self.session.problems)
        for name, options in charts.all_charts(frame, sim.pair.policy).items():
            # setOption in the browser, not chart.options: NiceGUI would wrap every
            # [week, value] pair in an observable list, which costs more than the model step
            self.charts[name].run_chart_method("setOption", options, True)
        self.map_caption.text = f"{len(sim.sample):,} of {sim.policy.n:,} citizens drawn; map of week {frame.week}"


# --------------------------------------------------------------------------- HTML helpers


def _renderer(chart: str) -> Literal["svg", "canvas"]:
    """SVG for the charts with event marks (crisp labels, which a test can measure), canvas elsewhere.

    Canvas redraws faster in the browser; on the loaded 2-core machine a lever change showed
    in about 0.9 s with canvas charts against 1.0-1.3 s with SVG everywhere.
    """
    return "svg" if chart in charts.MARKED_CHARTS else "canvas"


def _number_format(v: Any) -> str:
    try:
        return "%.0f" if abs(float(v)) >= 1000 else "%.4g"
    except (TypeError, ValueError):
        return "%.4g"


def _pretty(v: Any, c: Control) -> str:
    if v is None:
        return "none"
    if c.integer:
        return f"{int(v):,}"
    v = float(v)
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.2f} m"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.4g}"


def _number(v: float, unit: str) -> str:
    if unit == "R m":
        return f"R{v:,.1f} m"
    return f"{v:,.1f}"


def _readout_html(frame: Frame, scenario: Any = None) -> str:
    """The headline table: label (unit), baseline, your policy and the gap, coloured by the catalogue's direction."""
    rows = []
    for r in frame.readout(scenario):
        gap = r["gap"]
        direction = r["better"]
        if abs(gap) < 0.05 or direction == 0:
            cls = "same"
        else:
            cls = "better" if gap * direction > 0 else "worse"
        # the unit after the label, unless the label says it already ("trust (0-100)")
        said = not r["unit"] or r["unit"] == "R m" or f"({r['unit']})" in r["label"]
        unit = "" if said else f" <span class='unit'>({html.escape(r['unit'])})</span>"
        gap_text = f"{'+' if gap >= 0 else '-'}R{abs(gap):,.1f} m" if r["unit"] == "R m" else f"{gap:+.1f}"
        rows.append(
            f"<tr><td>{html.escape(r['label'])}{unit}</td><td>{_number(r['baseline'], r['unit'])}</td>"
            f"<td>{_number(r['policy'], r['unit'])}</td><td class='{cls}'>{gap_text}</td></tr>"
        )
    return (
        "<table><tr><th>week " + str(frame.week) + "</th><th>baseline</th><th>your policy</th>"
        "<th>gap</th></tr>" + "".join(rows) + "</table>"
    )


def _random_note(frame: Frame, baseline: Any, policy: Any, on: bool) -> str:
    """What the runs show of breaches, and what chance made them: matches the marks on the charts."""
    marks = charts.event_marks(frame)
    shown_now = "; ".join(m["text"] for m in marks) if marks else "none so far"
    if not on:
        return f"Random breaches are off for this class: only scheduled events happen. Breaches so far: {shown_now}."
    hb, hp = random_breach_hazard(baseline), random_breach_hazard(policy)
    if hb == 0 and hp == 0:
        return f"This scenario has no random breaches (hazard 0). Breaches so far: {shown_now}."
    weeks = frame.horizon
    chance = 1.0 - (1.0 - hb) ** weeks
    policy_part = f" ({100 * hp:.2f} % with your policy's security)" if abs(hp - hb) > 1e-12 else ""
    return (
        f"Besides any scheduled event, a random breach may occur in any week: chance {100 * hb:.2f} % a week in "
        f"the baseline{policy_part}, so {100 * chance:.0f} % that the baseline has at least one in {weeks} weeks. "
        f"Both runs share the seed, so a random breach often hits both. Breaches so far: {shown_now}."
    )


def _notes_html(notes: dict[str, Any], description: str) -> str:
    watch = "".join(f"<li>{html.escape(t)}</li>" for t in notes.get("watch", []))
    tries = "".join(f"<li>{html.escape(t)}</li>" for t in notes.get("try", []))
    desc = f"<div style='color:#555;margin-bottom:6px'>{html.escape(description)}</div>" if description else ""
    return (
        f"<div style='font-weight:700;font-size:16px;margin-bottom:4px'>What to watch: "
        f"{html.escape(notes.get('title', ''))}</div>{desc}<ul style='margin:0 0 6px 18px;padding:0'>{watch}</ul>"
        + (
            f"<div style='font-weight:600'>Try</div><ul style='margin:0 0 0 18px;padding:0'>{tries}</ul>"
            if tries
            else ""
        )
    )


def _legend_html(
    items: list[tuple[str, str, str]], stops: list[str], vmin: float, vmax: float, label: str, km: float
) -> str:
    shapes = {
        "circle": "border-radius:50%;width:10px;height:10px;background:{c}",
        "ring": "border-radius:50%;width:12px;height:12px;border:2px solid {c};background:white",
        "square": "width:11px;height:11px;border:2px solid {c};background:white",
        "triangle": "width:0;height:0;border-left:7px solid transparent;border-right:7px solid transparent;"
        "border-bottom:12px solid {c}",
    }
    chips = "".join(
        f"<span style='display:inline-flex;align-items:center;gap:5px;margin-right:14px'>"
        f"<span style='display:inline-block;{shapes[m].format(c=c)}'></span>{html.escape(text)}</span>"
        for m, c, text in items
    )
    bar = (
        f"<span style='display:inline-flex;align-items:center;gap:6px'>{vmin:.2f}"
        f"<span style='display:inline-block;width:160px;height:12px;border-radius:3px;"
        f"background:linear-gradient(to right,{','.join(stops)})'></span>{vmax:.2f}"
        f"<span style='color:#555'>wards: {html.escape(label)}</span></span>"
    )
    return (
        f"<div style='display:flex;flex-wrap:wrap;gap:6px 18px;align-items:center;font-size:13px'>{bar}"
        f"<span style='color:#555'>each square is a ward of {km:g} km x {km:g} km</span></div>"
        f"<div style='margin-top:4px;font-size:13px'>{chips}</div>"
    )


def _problems_html(problems: list[str]) -> str:
    if not problems:
        return ""
    unique = list(dict.fromkeys(problems))
    shown = unique[:3]
    more = f"<li>... and {len(unique) - 3} more like these</li>" if len(unique) > 3 else ""
    items = "".join(f"<li>{html.escape(p)}</li>" for p in shown)
    return (
        "<div style='background:#fdecea;border:1px solid #f5c2c0;color:#611a15;border-radius:8px;"
        "padding:10px 14px'><b>Not applied: these settings are not a valid scenario.</b> "
        "The runs keep the last valid settings."
        f"<ul style='margin:6px 0 0 18px;padding:0'>{items}{more}</ul></div>"
    )


# --------------------------------------------------------------------------- server


def _problems_of(exc: BaseException) -> list[str]:
    return list(getattr(exc, "problems", None) or [f"{type(exc).__name__}: {exc}"])


def serve(host: str, port: int, scenario: Path, n_citizens: int, max_citizens: int = DEFAULT_MAX_CITIZENS) -> None:
    """Serve the dashboard until interrupted (blocking)."""
    CONFIG["scenario"] = Path(scenario)
    CONFIG["n_citizens"] = n_citizens
    CONFIG["max_citizens"] = max_citizens

    @ui.page("/", title="cosim dashboard")
    async def index(client: Client) -> None:
        # the shell goes out at once; the runs are built (in a worker thread) once the browser connects
        page = Page(CONFIG["scenario"], CONFIG["n_citizens"], CONFIG["max_citizens"])
        try:
            await client.connected(timeout=60.0)
        except ClientConnectionTimeout:
            return
        await page.start()

    ui.run(
        host=host,
        port=port,
        reload=False,
        show=False,
        title="cosim dashboard",
        show_welcome_message=False,
        uvicorn_logging_level="warning",
        favicon="🏙",
        reconnect_timeout=10.0,
    )
