"""Figures of the dashboard, drawn from a :class:`~cosim.dashboard.session.Frame`.

Charts are ECharts option dicts (the browser draws them, so the server only
sends numbers); the city map is a matplotlib PNG (circles in km need data
units).  Nothing here builds or steps a model.  Colours are those of
``cosim.reports.figures`` so the dashboard and ``cosim run`` figures agree.
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

from cosim.dashboard.session import Frame, MapFrame
from cosim.outputs.metrics import CHANNEL_NAMES, INCOME
from cosim.reports.figures import CHANNEL_COLOURS, GROUP_COLOURS, SMOOTH

BAND = "rgba(255, 193, 7, 0.35)"  # the highlighted gap between policy and baseline
BREACH = "#d62728"
EVERYONE = "#222222"
GAP_COLOURS = {
    "share_participated_year": "#1b9e77",
    "share_adopted": "#1f78b4",
    "mean_trust": "#7570b3",
    "sgi": "#e7298a",
    "participation_gap": "#d95f02",
}
SGI_PARTS = {
    "sgi": ("index", EVERYONE),
    "sgi_national": ("national space (G2G)", "#1b9e77"),
    "sgi_organisational": ("organisational (G2E)", "#7570b3"),
    "sgi_service": ("service space (G2C)", "#1f78b4"),
    "sgi_community": ("community", "#d95f02"),
}



def _week_axis(horizon: int) -> dict:
    """The x axis every chart shares: weeks from 0 to the horizon."""
    return {"type": "value", "min": 0, "max": horizon, "name": "week", "nameLocation": "middle",
            "nameGap": 22, "splitLine": {"show": False}}

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


def _breach_marks(weeks: list[int]) -> list[dict[str, Any]]:
    """Vertical marks at breach weeks; a label only when 10+ weeks after the last labelled one."""
    marks, last = [], -(10**9)
    for w in weeks:
        mark: dict[str, Any] = {"xAxis": w}
        if w - last < 10:
            mark["label"] = {"show": False}
        else:
            last = w
        marks.append(mark)
    return marks


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
) -> dict[str, Any]:
    """An ECharts line chart: policy solid, baseline dashed, gap of ``band`` shaded.

    ``lines`` are ``(metric, label, colour)``; values are multiplied by ``scale``.
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
    if frame.breaches and series:
        series[0]["markLine"] = {
            "symbol": "none",
            "silent": True,
            "label": {"formatter": "breach", "color": BREACH, "fontSize": 10},
            "lineStyle": {"color": BREACH, "type": "dashed", "width": 1.2},
            "data": _breach_marks(frame.breaches),
        }
    only_baseline = [w for w in frame.baseline_breaches if w not in frame.breaches]
    if only_baseline and len(series) > 1:
        # a breach the policy avoided (e.g. with security investment): grey, on the baseline line
        series[1]["markLine"] = {
            "symbol": "none",
            "silent": True,
            "label": {"formatter": "breach (baseline)", "color": "#777777", "fontSize": 10, "position": "insideEndTop"},
            "lineStyle": {"color": "#777777", "type": "dotted", "width": 1.2},
            "data": _breach_marks(only_baseline),
        }
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
        "title": {"text": title, "left": 8, "top": 4, "textStyle": {"fontSize": 14, "fontWeight": "bold"}},
        "legend": {
            "data": [label for _, label, _ in lines],
            "bottom": 0,
            "type": "scroll",
            "textStyle": {"fontSize": 11},
        },
        "grid": {"left": 52, "right": 18, "top": 42, "bottom": 58},
        "tooltip": {"trigger": "axis"},
        "xAxis": _week_axis(frame.horizon),
        "yAxis": y_axis,
        "series": series,
    }


def gap_chart(frame: Frame) -> dict[str, Any]:
    """Policy minus baseline over time for the headline outcomes, each gap shaded."""
    items = (
        ("share_participated_year", "took part in the last year (pp)"),
        ("share_adopted", "use e-participation (pp)"),
        ("mean_trust", "mean trust (points of 100)"),
        ("sgi", "smart-governance index (points of 100)"),
    )
    series = []
    for metric, label in items:
        d = (frame.policy[metric] - frame.baseline[metric]) * 100.0
        c = GAP_COLOURS[metric]
        series.append(
            {
                "name": label,
                "type": "line",
                "data": _pairs(d),
                "showSymbol": False,
                "lineStyle": {"width": 2, "color": c},
                "itemStyle": {"color": c},
                "areaStyle": {"color": c, "opacity": 0.15},
            }
        )
    series[0]["markLine"] = {
        "symbol": "none",
        "silent": True,
        "label": {"show": False},
        "lineStyle": {"color": "#555555", "width": 1},
        "data": [{"yAxis": 0}],
    }
    return {
        "animation": False,
        "title": {
            "text": "The gap: your policy minus the baseline",
            "left": 8,
            "top": 4,
            "textStyle": {"fontSize": 14, "fontWeight": "bold"},
        },
        "legend": {"bottom": 0, "type": "scroll", "textStyle": {"fontSize": 11}},
        "grid": {"left": 52, "right": 18, "top": 42, "bottom": 58},
        "tooltip": {"trigger": "axis"},
        "xAxis": _week_axis(frame.horizon),
        "yAxis": {
            "type": "value",
            "name": "policy - baseline",
            "scale": True,
            "splitLine": {"lineStyle": {"color": "#eeeeee"}},
        },
        "series": series,
    }


def all_charts(frame: Frame) -> dict[str, dict[str, Any]]:
    """Every live chart of the page, by name."""
    inc = [(f"share_participated_year_{g}", f"{g} income", GROUP_COLOURS[g]) for g in INCOME]
    return {
        "gap": gap_chart(frame),
        "income": overlay_chart(
            frame,
            "Who takes part: share who took part in the last year",
            [("share_participated_year", "everyone", EVERYONE), *inc],
            band="share_participated_year",
        ),
        "channels": overlay_chart(
            frame,
            f"Participation by channel, % per week ({SMOOTH}-week mean)",
            [(f"participation_rate_{c}", c, CHANNEL_COLOURS[c]) for c in CHANNEL_NAMES],
            smooth=SMOOTH,
        ),
        "adoption": overlay_chart(
            frame,
            "Adoption of e-participation (the S-curve)",
            [
                ("share_adopted", "everyone", EVERYONE),
                *[(f"share_adopted_{g}", f"{g} income", GROUP_COLOURS[g]) for g in INCOME],
            ],
            band="share_adopted",
        ),
        "trust": overlay_chart(
            frame,
            "Trust in the municipality by income group (0-100)",
            [
                ("mean_trust", "everyone", EVERYONE),
                *[(f"mean_trust_{g}", f"{g} income", GROUP_COLOURS[g]) for g in INCOME],
            ],
            unit="trust",
            band="mean_trust",
        ),
        "backlog": overlay_chart(
            frame,
            "Backlog of requests per 1,000 citizens",
            [("backlog_per_1000", "backlog", "#b2182b")],
            scale=1.0,
            unit="per 1,000",
            band="backlog_per_1000",
            y_range=(0, None),
        ),
        "sgi": overlay_chart(
            frame,
            "Smart-governance index and its four parts (0-100)",
            [(m, label, c) for m, (label, c) in SGI_PARTS.items()],
            unit="index",
            band="sgi",
        ),
    }


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
        items += [("circle", CHANNEL_COLOURS[c], f"took part via {c}") for c in CHANNEL_NAMES]
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
        h += [dot(CHANNEL_COLOURS[c], f"via {c}") for c in CHANNEL_NAMES]
    elif citizens == "adopted":
        h += [dot("#1f78b4", "uses e-participation"), dot(NONE_COLOUR, "does not", size=4)]
    else:
        h += [dot("#1a9850", "citizen, high trust"), dot("#d73027", "citizen, low trust")]
    return h
