"""Figures of the dashboard, drawn from a :class:`~cosim.dashboard.session.Frame`.

Charts are ECharts option dicts (the browser draws them, so the server only
sends numbers); the city map is a matplotlib PNG (circles in km need data
units).  Nothing here builds or steps a model.  Colours are those of
``cosim.reports.figures`` so the dashboard and ``cosim run`` figures agree.

Longer than 400 lines: one declarative chart definition per panel.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle

from cosim.dashboard.session import Frame, MapFrame, shown
from cosim.outputs.catalogue import CHANNEL_LABELS, GROUP_LABELS
from cosim.outputs.catalogue import CHANNELS as CHANNEL_NAMES
from cosim.outputs.catalogue import INCOME_GROUPS as INCOME
from cosim.reports.figures import CHANNEL_COLOURS, GROUP_COLOURS, SMOOTH

BAND = "rgba(255, 193, 7, 0.35)"  # the highlighted gap between policy and baseline
BREACH = "#d62728"
EVERYONE = "#222222"
# The gap small multiples: one chart each (their scales differ by an order of magnitude)
GAP_METRICS = ("share_participated_year", "share_adopted", "mean_trust", "sgi")
GAP_COLOURS = {
    "share_participated_year": "#1b9e77",
    "share_adopted": "#1f78b4",
    "mean_trust": "#7570b3",
    "sgi": "#e7298a",
    "participation_gap": "#d95f02",
}
SGI_PARTS = {  # metric: colour (labels from the outcome catalogue)
    "sgi": EVERYONE,
    "sgi_national": "#1b9e77",
    "sgi_organisational": "#7570b3",
    "sgi_service": "#1f78b4",
    "sgi_community": "#d95f02",
}


def _week_axis(horizon: int) -> dict:
    """The x axis every chart shares: weeks from 0 to the horizon, ticks a year (52 weeks) apart."""
    axis = {
        "type": "value",
        "min": 0,
        "max": horizon,
        "name": "week",
        "nameLocation": "middle",
        "nameGap": 22,
        "splitLine": {"show": False},
    }
    if horizon >= 104:
        axis["interval"] = 52
    return axis


def _smooth(x: np.ndarray, k: int) -> np.ndarray:
    """Trailing k-week mean (the first weeks average what there is), as in cosim.reports.figures."""
    if k <= 1 or x.size == 0:
        return x
    c = np.cumsum(np.r_[0.0, x])
    n = np.minimum(np.arange(1, x.size + 1), k)
    return (c[1:] - c[np.arange(1, x.size + 1) - n]) / n


def _pairs(y: np.ndarray) -> list[list[float]]:
    """``[[week, value], ...]`` rounded to 3 decimals (what ECharts is sent)."""
    return np.column_stack([np.arange(y.size), np.round(y, 3)]).tolist()


# Event marks: one vertical line per week with a breach in either run; the label says which
# run(s) and whether the scenario scheduled it.  Labels are drawn along the line (rotated), and
# marks closer than MERGE_WEEKS share one label, so two labels never print on top of each other.
MERGE_WEEKS = 6
MARKED_CHARTS = ("adoption", "trust")  # the charts that carry the event marks
RUN_WORDS = {"both": "both runs", "policy": "your policy only", "baseline": "baseline only"}
MARK_COLOURS = {"both": BREACH, "policy": BREACH, "baseline": "#777777"}


def event_marks(frame: Frame) -> list[dict[str, Any]]:
    """Breach marks of both runs: ``{"week", "runs", "scheduled", "text"}`` per labelled group.

    ``runs`` is "both", "policy" or "baseline"; breaches within :data:`MERGE_WEEKS`
    of the first in a group share its label ("breach wk 91 + 93, both runs").
    """
    pol, base = set(frame.breaches), set(frame.baseline_breaches)
    scheduled = set(frame.scheduled_breaches)
    weeks = sorted(pol | base)
    marks: list[dict[str, Any]] = []
    for w in weeks:
        runs = "both" if (w in pol and w in base) else ("policy" if w in pol else "baseline")
        if marks and w - marks[-1]["weeks"][0] < MERGE_WEEKS:
            m = marks[-1]
            m["weeks"].append(w)
            m["runs"] = m["runs"] if m["runs"] == runs else "both"
            m["scheduled"] = m["scheduled"] and w in scheduled
            continue
        marks.append({"week": w, "weeks": [w], "runs": runs, "scheduled": w in scheduled})
    for m in marks:
        kind = "breach" if m["scheduled"] else "random breach"
        when = " + ".join(str(w) for w in m["weeks"])
        m["text"] = f"{kind} wk {when}, {RUN_WORDS[m['runs']]}"
    return marks


def _mark_line(frame: Frame) -> dict[str, Any] | None:
    """The ECharts ``markLine`` of :func:`event_marks` (None when there is no breach)."""
    marks = event_marks(frame)
    if not marks:
        return None
    data = []
    for m in marks:
        colour = MARK_COLOURS[m["runs"]]
        for i, w in enumerate(m["weeks"]):
            data.append(
                {
                    "xAxis": w,
                    "lineStyle": {"color": colour, "type": "dashed" if m["runs"] != "baseline" else "dotted"},
                    # the label along the line, from the top; only the group's first line has one
                    "label": {
                        "show": i == 0,
                        "formatter": m["text"],
                        "color": colour,
                        "position": "insideEndTop",
                        "fontSize": 10,
                    },
                }
            )
    return {"symbol": "none", "silent": True, "lineStyle": {"width": 1.2}, "data": data}


def overlay_chart(
    frame: Frame,
    title: str,
    lines: list[tuple[str, str, str]],
    *,
    scale: float = 100.0,
    unit: str = "%",
    band: str | None = None,
    smooth: int = 1,
    y_range: tuple[float | None, float | None] = (None, None),
    marks: bool = False,
    subtitle: str = "",
) -> dict[str, Any]:
    """An ECharts line chart: policy solid, baseline dashed, gap of ``band`` shaded.

    ``lines`` are ``(metric, label, colour)``; values are multiplied by ``scale``.
    ``marks`` draws the breach marks of both runs (:func:`event_marks`).
    """
    series: list[dict[str, Any]] = []
    for metric, label, colour in lines:
        pol = _smooth(frame.policy[metric], smooth) * scale
        base = _smooth(frame.baseline[metric], smooth) * scale
        series.append(
            {
                "name": label,
                "type": "line",
                "data": _pairs(pol),
                "showSymbol": False,
                "lineStyle": {"width": 2.2, "color": colour},
                "itemStyle": {"color": colour},
                "z": 3,
            }
        )
        series.append(
            {
                "name": f"{label} (baseline)",
                "type": "line",
                "data": _pairs(base),
                "showSymbol": False,
                "lineStyle": {"width": 1.4, "type": "dashed", "color": colour, "opacity": 0.8},
                "itemStyle": {"color": colour},
                "z": 2,
            }
        )
        if metric == band:
            lower = np.minimum(pol, base)
            series.append(
                {
                    "name": "gap",
                    "type": "line",
                    "data": _pairs(lower),
                    "stack": "band",
                    "showSymbol": False,
                    "lineStyle": {"opacity": 0},
                    "silent": True,
                    "tooltip": {"show": False},
                    "z": 1,
                }
            )
            series.append(
                {
                    "name": "gap (policy vs baseline)",
                    "type": "line",
                    "data": _pairs(np.abs(pol - base)),
                    "stack": "band",
                    "showSymbol": False,
                    "lineStyle": {"opacity": 0},
                    "areaStyle": {"color": BAND},
                    "silent": True,
                    "tooltip": {"show": False},
                    "z": 1,
                }
            )
    mark_line = _mark_line(frame) if marks else None
    if mark_line and series:
        series[0]["markLine"] = mark_line
    y_axis: dict[str, Any] = {
        "type": "value",
        "name": unit,
        "scale": True,
        "splitLine": {"lineStyle": {"color": "#eeeeee"}},
    }
    if y_range[0] is not None:
        y_axis["min"] = y_range[0]
    if y_range[1] is not None:
        y_axis["max"] = y_range[1]
    return {
        "animation": False,
        "title": {
            "text": title,
            "subtext": subtitle,
            "left": 8,
            "top": 4,
            "itemGap": 6,
            "textStyle": {"fontSize": 14, "fontWeight": "bold"},
            "subtextStyle": {"fontSize": 11, "color": "#555"},
        },
        "legend": {
            "data": [label for _, label, _ in lines],
            "bottom": 0,
            "textStyle": {"fontSize": 11},
            "itemGap": 8,
        },
        "grid": {"left": 52, "right": 18, "top": 68 if subtitle else 42, "bottom": 66},
        "tooltip": {"trigger": "axis"},
        "xAxis": _week_axis(frame.horizon),
        "yAxis": y_axis,
        "series": series,
    }


def gap_chart(frame: Frame, metric: str, scenario: Any = None) -> dict[str, Any]:
    """One small chart: policy minus baseline of ``metric`` over time, on its own scale.

    Label, unit and better direction come from the outcome catalogue
    (:func:`cosim.dashboard.session.shown`); the title says which way is better.
    """
    s = shown(metric, scenario)
    d = (frame.policy[metric] - frame.baseline[metric]) * s.scale
    colour = GAP_COLOURS.get(metric, EVERYONE)
    better = {1: "higher is better", -1: "lower is better", 0: ""}[s.better]
    series: dict[str, Any] = {
        "name": f"gap ({s.gap_unit})",
        "type": "line",
        "data": _pairs(d),
        "showSymbol": False,
        "lineStyle": {"width": 2, "color": colour},
        "itemStyle": {"color": colour},
        "areaStyle": {"color": colour, "opacity": 0.15},
        "markLine": {
            "symbol": "none",
            "silent": True,
            "label": {"show": False},
            "lineStyle": {"color": "#555555", "width": 1, "type": "solid"},
            "data": [{"yAxis": 0}],
        },
    }
    return {
        "animation": False,
        "title": {
            "text": _wrap(s.label, 26),
            "subtext": f"gap in {s.gap_unit}" + (f", {better}" if better else ""),
            "left": 6,
            "top": 2,
            "itemGap": 2,
            "textStyle": {"fontSize": 12, "fontWeight": "bold", "lineHeight": 14},
            "subtextStyle": {"fontSize": 10, "color": "#555"},
        },
        "grid": {"left": 40, "right": 10, "top": 22 + 14 * (_wrap(s.label, 26).count("\n") + 1) + 16, "bottom": 22},
        "tooltip": {"trigger": "axis", "valueFormatter": None},
        "xAxis": {**_week_axis(frame.horizon), "name": "", "axisLabel": {"fontSize": 9}},
        "yAxis": {
            "type": "value",
            "scale": True,
            "axisLabel": {"fontSize": 9},
            "splitNumber": 3,
            "splitLine": {"lineStyle": {"color": "#eeeeee"}},
        },
        "series": [series],
    }


def _wrap(text: str, width: int) -> str:
    """Break a catalogue label into lines of at most about ``width`` characters, at spaces."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "\n".join(lines)


def gap_charts(frame: Frame, scenario: Any = None) -> dict[str, dict[str, Any]]:
    """The gap as small multiples: one chart per headline outcome, each on its own scale."""
    return {f"gap-{m}": gap_chart(frame, m, scenario) for m in GAP_METRICS}


def all_charts(frame: Frame, scenario: Any = None) -> dict[str, dict[str, Any]]:
    """Every live chart of the page, by name: the gap small multiples, then the overlays."""
    inc = [(f"share_participated_year_{g}", GROUP_LABELS[g], GROUP_COLOURS[g]) for g in INCOME]
    sh = shown("share_participated_year", scenario)
    ad = shown("share_adopted", scenario)
    tr = shown("mean_trust", scenario)
    bl = shown("backlog_per_1000", scenario)
    sg = shown("sgi", scenario)
    ch = shown("participation_rate", scenario)
    return {
        **gap_charts(frame, scenario),
        "income": overlay_chart(
            frame,
            f"Who takes part, by income ({sh.unit})",
            [("share_participated_year", "everyone", EVERYONE), *inc],
            scale=sh.scale,
            unit=sh.unit,
            band="share_participated_year",
            subtitle=sh.label,
        ),
        "channels": overlay_chart(
            frame,
            f"Participation by channel ({ch.unit}, {SMOOTH}-week mean)",
            [(f"participation_rate_{c}", CHANNEL_LABELS[c], CHANNEL_COLOURS[c]) for c in CHANNEL_NAMES],
            scale=ch.scale,
            unit=ch.unit,
            smooth=SMOOTH,
            subtitle=ch.label,
        ),
        "adoption": overlay_chart(
            frame,
            f"Adoption, the S-curve ({ad.unit})",
            [
                ("share_adopted", "everyone", EVERYONE),
                *[(f"share_adopted_{g}", GROUP_LABELS[g], GROUP_COLOURS[g]) for g in INCOME],
            ],
            scale=ad.scale,
            unit=ad.unit,
            band="share_adopted",
            marks=True,
            subtitle=ad.label,
        ),
        "trust": overlay_chart(
            frame,
            f"Trust by income group ({tr.unit}), breaches marked",
            [
                ("mean_trust", "everyone", EVERYONE),
                *[(f"mean_trust_{g}", GROUP_LABELS[g], GROUP_COLOURS[g]) for g in INCOME],
                ("share_trusting", _short_trusting(scenario), "#999999"),
            ],
            scale=tr.scale,
            unit=tr.unit,
            band="mean_trust",
            marks=True,
            subtitle=f"{tr.label}; grey: {shown('share_trusting', scenario).label} (%)",
        ),
        "backlog": overlay_chart(
            frame,
            f"Backlog ({bl.unit})",
            [("backlog_per_1000", "backlog", "#b2182b")],
            scale=bl.scale,
            unit=bl.unit,
            band="backlog_per_1000",
            y_range=(0, None),
            subtitle=bl.label.replace(" at the end", ""),
        ),
        "sgi": overlay_chart(
            frame,
            f"Smart-governance index and its four parts ({sg.unit})",
            [(m, shown(m, scenario).label if m != "sgi" else "index", c) for m, c in SGI_PARTS.items()],
            scale=sg.scale,
            unit=sg.unit,
            band="sgi",
            subtitle=sg.label,
        ),
    }


def _short_trusting(scenario: Any) -> str:
    """The legend entry of share_trusting: the catalogue label's threshold part ("trust above 0.5")."""
    text = shown("share_trusting", scenario).label
    inner = text[text.find("(") + 1 : text.rfind(")")] if "(" in text else text
    return f"{inner}, % of residents"


# --------------------------------------------------------------------------- map

WARD_SHADING = {
    # name: (MapFrame attribute, colour map, range, colour-bar label)
    "access": ("ward_access", "YlGnBu", (0.0, 1.0), "share of the ward online this week"),
    "trust": ("ward_trust", "RdYlGn", (0.0, 1.0), "mean trust in the ward (0-1)"),
    "service quality": ("ward_quality", "PuBuGn", (0.0, 1.0), "ward service quality (0-1)"),
}
CITIZEN_COLOURING = ("participation", "trust", "adopted")
NONE_COLOUR = "#9e9e9e"


def ward_scale(wards: str, baseline: MapFrame, policy: MapFrame) -> tuple[str, float, float, str]:
    """``(colour map, vmin, vmax, label)`` of the ward shading, shared by both panels."""
    attr, cmap, (vmin, vmax), clabel = WARD_SHADING[wards]
    if wards != "access":
        # trust and quality vary little between wards: a common range for both panels
        both = np.r_[getattr(baseline, attr), getattr(policy, attr)]
        lo, hi = float(both.min()), float(both.max())
        pad = max(0.02, 0.1 * (hi - lo))
        vmin, vmax = max(0.0, lo - pad), min(1.0, hi + pad)
    return cmap, vmin, vmax, clabel


def map_png(
    baseline: MapFrame,
    policy: MapFrame,
    wards: str = "access",
    citizens: str = "participation",
    annotate: bool = True,
    dpi: int = 80,
) -> bytes:
    """The city map of both runs side by side (or stacked when wide), as PNG bytes.

    Wards shaded by ``wards`` (access, trust or service quality); ICT nodes
    drawn with hotspots' coverage circles (radius in km, to scale); sampled
    citizens as points coloured by ``citizens`` (this week's participation
    channel, trust, or whether they use e-participation).  ``annotate=False``
    leaves out axes, colour bar and legend (the dashboard draws those in HTML:
    text is most of matplotlib's drawing time).
    """
    cmap, vmin, vmax, clabel = ward_scale(wards, baseline, policy)
    attr = WARD_SHADING[wards][0]
    x_max = float(np.max(policy.ward_x0) + policy.ward_km)
    y_max = float(np.max(policy.ward_y0) + policy.ward_km)
    wide = x_max / y_max > 2.0
    # fixed margins: constrained layout costs a second draw on every frame
    if annotate:
        fig = Figure(figsize=(12.5, 8.6) if wide else (12.5, 5.0), dpi=dpi)
        fig.subplots_adjust(left=0.05, right=0.9, top=0.93, bottom=0.2 if not wide else 0.12, wspace=0.12, hspace=0.22)
    else:
        w = 12.5
        h = (w / 2) * y_max / x_max + 0.45 if not wide else 2 * (w * y_max / x_max + 0.45)
        fig = Figure(figsize=(w, h), dpi=dpi)
        pad = 0.45 / h
        fig.subplots_adjust(
            left=0.005,
            right=0.995,
            top=1 - (pad if not wide else pad / 1.0) + 0.005,
            bottom=0.005,
            wspace=0.03,
            hspace=pad * 2.2,
        )
    axes = fig.subplots(2, 1) if wide else fig.subplots(1, 2)
    mappable = None
    for ax, mf, name in zip(axes, (baseline, policy), ("Baseline (levers off)", "Your policy"), strict=True):
        rects = [Rectangle((x, y), mf.ward_km, mf.ward_km) for x, y in zip(mf.ward_x0, mf.ward_y0, strict=True)]
        pc = PatchCollection(rects, cmap=cmap, edgecolor="white", linewidth=0.8)
        pc.set_array(getattr(mf, attr))
        pc.set_clim(vmin, vmax)
        ax.add_collection(pc)
        mappable = pc
        _citizens(ax, mf, citizens)
        _nodes(ax, mf)
        ax.set_xlim(-0.2, x_max + 0.2)
        ax.set_ylim(-0.2, y_max + 0.2)
        ax.set_aspect("equal")
        ax.set_title(name, fontsize=14, fontweight="bold", pad=4)
        if annotate:
            ax.set_xlabel("km east", labelpad=1)
            ax.set_ylabel("km north")
        else:
            ax.set_axis_off()
    if annotate:
        cax = fig.add_axes((0.915, 0.2 if not wide else 0.12, 0.012, 0.7 if not wide else 0.78))
        assert mappable is not None
        fig.colorbar(mappable, cax=cax, label=clabel)
        handles = _legend_handles(citizens)
        fig.legend(
            handles=handles,
            loc="lower center",
            bbox_to_anchor=(0.47, 0.0),
            ncol=(len(handles) + 1) // 2,
            fontsize=10,
            frameon=False,
        )
    buf = io.BytesIO()
    # low PNG compression: the image goes over localhost, encoding time matters more than bytes
    fig.savefig(buf, format="png", dpi=dpi, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def legend_items(citizens: str) -> list[tuple[str, str, str]]:
    """The map legend as ``(marker, colour, label)``; marker is circle, ring, square or triangle."""
    items = [
        ("ring", "#08306b", "Wi-Fi hotspot, coverage to scale"),
        ("square", "#000000", "access centre (library)"),
        ("triangle", "#000000", "Thusong service centre"),
    ]
    if citizens == "participation":
        items += [("circle", NONE_COLOUR, "not taking part this week")]
        items += [("circle", CHANNEL_COLOURS[c], f"took part via {CHANNEL_LABELS[c]}") for c in CHANNEL_NAMES]
    elif citizens == "adopted":
        items += [("circle", "#1f78b4", "uses e-participation"), ("circle", NONE_COLOUR, "does not")]
    else:
        items += [
            ("circle", "#d73027", "low trust"),
            ("circle", "#fee08b", "middling"),
            ("circle", "#1a9850", "high trust"),
        ]
    return items


def colour_stops(cmap: str, n: int = 7) -> list[str]:
    """Hex colours along a matplotlib colour map (for a CSS gradient)."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cm = colormaps[cmap]
    return [to_hex(cm(i / (n - 1))) for i in range(n)]


def map_data_url(*args: Any, **kwargs: Any) -> str:
    """:func:`map_png` as a ``data:`` URL for an ``<img>``."""
    return "data:image/png;base64," + base64.b64encode(map_png(*args, **kwargs)).decode("ascii")


def _citizens(ax, mf: MapFrame, how: str) -> None:
    if how == "trust":
        ax.scatter(
            mf.cit_x,
            mf.cit_y,
            c=mf.cit_trust,
            cmap="RdYlGn",
            vmin=0.0,
            vmax=1.0,
            s=7,
            linewidths=0.3,
            edgecolors="#333333",
            zorder=3,
        )
        return
    if how == "adopted":
        colours = np.where(mf.cit_adopted, "#1f78b4", NONE_COLOUR)
        sizes = np.where(mf.cit_adopted, 10.0, 4.0)
    else:
        palette = np.array([NONE_COLOUR, *[CHANNEL_COLOURS[c] for c in CHANNEL_NAMES]])
        colours = palette[mf.cit_channel]
        sizes = np.where(mf.cit_channel > 0, 14.0, 4.0)
    order = np.argsort(sizes, kind="stable")  # active citizens on top
    ax.scatter(mf.cit_x[order], mf.cit_y[order], c=colours[order], s=sizes[order], linewidths=0, zorder=3)


def _nodes(ax, mf: MapFrame) -> None:
    hot = mf.node_kind == 0
    circles = [Circle((x, y), mf.hot_radius_km) for x, y in zip(mf.node_x[hot], mf.node_y[hot], strict=True)]
    if circles:
        up = mf.node_up[hot]
        ax.add_collection(
            PatchCollection(
                circles,
                facecolor=np.where(up, "#ffffff", "#ffcccc"),
                edgecolor=np.where(up, "#08306b", BREACH),
                linewidth=1.0,
                alpha=0.75,
                zorder=4,
            )
        )
        ax.scatter(mf.node_x[hot], mf.node_y[hot], s=6, c=np.where(up, "#08306b", BREACH), zorder=5)
    for kind, marker in ((1, "s"), (2, "^")):
        k = mf.node_kind == kind
        ax.scatter(
            mf.node_x[k],
            mf.node_y[k],
            marker=marker,
            s=60,
            c=np.where(mf.node_up[k], "#ffffff", "#ffcccc"),
            edgecolors="#000000",
            linewidths=1.2,
            zorder=5,
        )


def _legend_handles(citizens: str) -> list[Line2D]:
    def dot(colour, label, marker="o", size=7, edge="none"):
        return Line2D([], [], ls="", marker=marker, markersize=size, color=colour, markeredgecolor=edge, label=label)

    h = [
        dot("#ffffff", "Wi-Fi hotspot (coverage to scale)", "o", 9, "#08306b"),
        dot("#ffffff", "access centre (library)", "s", 8, "#000000"),
        dot("#ffffff", "Thusong service centre", "^", 8, "#000000"),
    ]
    if citizens == "participation":
        h += [dot(NONE_COLOUR, "citizen, not taking part this week", size=4)]
        h += [dot(CHANNEL_COLOURS[c], f"via {CHANNEL_LABELS[c]}") for c in CHANNEL_NAMES]
    elif citizens == "adopted":
        h += [dot("#1f78b4", "uses e-participation"), dot(NONE_COLOUR, "does not", size=4)]
    else:
        h += [dot("#1a9850", "citizen, high trust"), dot("#d73027", "citizen, low trust")]
    return h
