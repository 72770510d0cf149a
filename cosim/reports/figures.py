"""Figures from time-series tables.  Plotting never builds or runs a model."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FormatStrFormatter, MaxNLocator

from cosim.outputs.catalogue import CHANNEL_LABELS, GROUP_LABELS, LITERACY_TERCILES, label
from cosim.outputs.metrics import CHANNEL_NAMES, INCOME

SMOOTH = 4  # weeks: weekly rates are noisy; figures show a 4-week rolling mean
GROUP_COLOURS = {"low": "#d95f02", "mid": "#7570b3", "high": "#1b9e77",
                 "lit1": "#e7298a", "lit2": "#66a61e", "lit3": "#e6ab02"}
CHANNEL_COLOURS = {"portal": "#1f78b4", "ussd": "#33a02c", "social": "#6a3d9a", "meeting": "#ff7f00"}


def _region(df: pd.DataFrame) -> pd.DataFrame:
    return df[df["municipality"] == "region"].set_index("step").sort_index()


def _years(ax, r: pd.DataFrame | None = None) -> None:
    ax.set_xlabel("week (52 = one year)")
    ax.grid(alpha=0.3)
    if r is not None and "date" in r and len(r):
        # the calendar on top: decimal years from the date of week 0 (run.start_date)
        d0 = pd.Timestamp(r["date"].iloc[0]) - pd.Timedelta(days=7 * int(r.index[0]))
        y0 = d0.year + (d0.dayofyear - 1) / (366 if d0.is_leap_year else 365)
        top = ax.secondary_xaxis("top", functions=(lambda w: y0 + w * 7 / 365.25, lambda y: (y - y0) * 365.25 / 7))
        top.xaxis.set_major_locator(MaxNLocator(integer=True))
        top.xaxis.set_major_formatter(FormatStrFormatter("%d"))
        top.set_xlabel("year")


def run_figures(df: pd.DataFrame, out: Path, title: str) -> list[Path]:
    """The figures of ``cosim run``: channels, income groups, trust, backlog and quality."""
    r = _region(df)
    paths = []

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for ch in CHANNEL_NAMES:
        ax.plot(r.index, 100 * r[f"participation_rate_{ch}"].rolling(SMOOTH, min_periods=1).mean(),
                label=CHANNEL_LABELS[ch], color=CHANNEL_COLOURS[ch])
    ax.set_ylabel("% of citizens taking part per week")
    ax.set_title(f"{title}: participation by channel ({SMOOTH}-week mean)")
    ax.legend(title="channel")
    _years(ax, r)
    paths.append(_save(fig, out / "participation_by_channel.png"))

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for g in INCOME:
        axes[0].plot(r.index, 100 * r[f"share_participated_year_{g}"], label=GROUP_LABELS[g], color=GROUP_COLOURS[g])
        axes[1].plot(r.index, 100 * r[f"share_adopted_{g}"], label=GROUP_LABELS[g], color=GROUP_COLOURS[g])
    axes[0].set_ylabel("% who took part in the last 52 weeks")
    axes[0].set_title("Participation by income group")
    axes[1].set_ylabel("% using e-participation")
    axes[1].set_title("E-participation adoption by income group")
    for ax in axes:
        ax.legend()
        _years(ax, r)
    fig.suptitle(title)
    paths.append(_save(fig, out / "participation_by_income.png"))

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    for g in INCOME:
        axes[0].plot(r.index, r[f"mean_trust_{g}"], label=GROUP_LABELS[g], color=GROUP_COLOURS[g])
    for g in LITERACY_TERCILES:
        axes[1].plot(r.index, r[f"mean_trust_{g}"], label=GROUP_LABELS[g], color=GROUP_COLOURS[g])
    axes[0].plot(r.index, r["mean_trust"], color="black", lw=2, label="everyone")
    axes[1].plot(r.index, r["mean_trust"], color="black", lw=2, label="everyone")
    axes[0].set_ylabel(label("mean_trust"))
    axes[0].set_title("Trust by income group")
    axes[1].set_title("Trust by literacy tercile (at the start)")
    for ax in axes:
        ax.legend()
        _years(ax, r)
    breaches = r.index[r["breaches"] > 0]
    for ax in axes:
        for b in breaches:
            ax.axvline(b, color="red", alpha=0.4, ls="--")
    fig.suptitle(title + ("  (red dashes: data breaches)" if len(breaches) else ""))
    paths.append(_save(fig, out / "trust_by_group.png"))

    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(r.index, r["backlog_per_1000"], color="#b2182b", label="backlog per 1,000 citizens")
    ax.plot(r.index, r["requests_per_1000"].rolling(SMOOTH, min_periods=1).mean(), color="#999999",
            label=f"requests per 1,000 per week ({SMOOTH}-week mean)")
    ax.set_ylabel("requests per 1,000 citizens")
    ax2 = ax.twinx()
    ax2.plot(r.index, r["service_quality"], color="#2166ac", lw=2, label="service quality (right)")
    ax2.set_ylabel(label("service_quality"))
    ax2.set_ylim(0, 1)
    lines = [*ax.get_lines(), *ax2.get_lines()]
    ax.legend(lines, [str(ln.get_label()) for ln in lines], loc="upper left")
    ax.set_title(f"{title}: backlog and service quality")
    _years(ax, r)
    paths.append(_save(fig, out / "backlog_and_quality.png"))
    return paths


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
