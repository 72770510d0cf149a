"""Per-step metrics (MODEL.md s5) and per-run scalar outcomes.

``compute_metrics(model)`` returns one row per municipality plus a ``region``
row.  Rates are shares of citizens in [0, 1]; counts (requests, resolved,
dropped, backlog) are in simulated citizens (``*_per_1000`` rates compare
across population sizes); money is in Rand per municipality (region: summed).

The smart-governance index follows the four categories of seed 002
(governance in national space, organisational, service-space and community
governance); each is the plain mean of the indicators named in its function,
an assumption about weights that docs/ODD.md states.

The functions read a :class:`~cosim.model.model.CoProductionModel` (typed ``Any``:
this layer sits below the model, which records its week through it), through
its public state only: ``citizens``, ``officials``, ``nodes``, ``wards``,
``municipalities``, ``queue``, ``week_stats``, ``cumulative``, ``levers``,
``policy_now``, ``legal_strength``, ``week`` and ``config``.

Longer than 400 lines: the tally's column layout and the formulas that read it
must stay side by side (a column added to one is read by the other).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from typing import Any

import mesa
import numpy as np
import pandas as pd

from cosim.errors import UsageError, expect_table
from cosim.outputs import kernels
from cosim.outputs.catalogue import CATALOGUE, COMMENT_CHANNELS, run_outcomes
from cosim.outputs.catalogue import CHANNELS as CHANNEL_NAMES
from cosim.outputs.catalogue import IAP2_LEVELS as LEVEL_NAMES
from cosim.outputs.catalogue import INCOME_GROUPS as INCOME
from cosim.outputs.catalogue import LITERACY_TERCILES as LIT
from cosim.scenario.schema import WEEKS_PER_YEAR

METRICS: tuple[str, ...] = (
    "share_online", *(f"share_online_{g}" for g in INCOME), "share_online_month",
    "share_adopted", *(f"share_adopted_{g}" for g in INCOME),
    "participation_rate", *(f"participation_rate_{c}" for c in CHANNEL_NAMES),
    *(f"participation_rate_{lv}" for lv in LEVEL_NAMES),
    *(f"participation_rate_{g}" for g in INCOME), *(f"participation_rate_{g}" for g in LIT),
    "participation_gap",
    "e_participation_rate", *(f"e_participation_rate_{g}" for g in INCOME), "e_participation_gap",
    "share_participated_year", *(f"share_participated_year_{g}" for g in INCOME),
    "gini_contributions", "top1_share", "top10_share",
    "share_commented_window", *(f"share_commented_window_{g}" for g in INCOME),
    *(f"share_commented_window_{g}" for g in LIT), "comments_per_commenter", "comments_per_1000_window",
    "attendance_per_meeting", *(f"share_comments_{w}" for w in COMMENT_CHANNELS),
    "mean_trust", *(f"mean_trust_{g}" for g in INCOME), *(f"mean_trust_{g}" for g in LIT),
    "share_trusting", *(f"share_trusting_{g}" for g in INCOME),
    "mean_literacy", *(f"mean_literacy_{g}" for g in INCOME), "mean_awareness", "mean_privacy",
    "requests", "resolved", "dropped", "backlog", "requests_per_1000", "backlog_per_1000",
    "median_response_weeks", "share_dropped", "mean_outcome", "service_quality",
    "officials_active", "official_skill", "official_ict_skill",
    "hotspots", "share_hotspot_users", "hotspot_users_per_hotspot_day", "share_hotspot_ever", "share_hotspot_capped",
    "nodes_up_share", "trained", "breaches", "open_data_value", "security_posture",
    "spend", "spend_cumulative",
    "sgi_national", "sgi_organisational", "sgi_service", "sgi_community", "sgi",
)


# Columns of the tally of each citizen group (kernels.group_tally): counts of
# citizens online, adopted, taking part this week (through an e-channel), in the
# last 52 weeks, trusting, by channel (CH0 + 0-4) and IAP2 level (LV0 + 0-5); sums
# of trust, literacy, awareness, privacy concern; the latest IDP window's
# commenters and comments.
ONLINE, ADOPTED, PART, E_PART, RECENT, TRUSTING = (kernels.ONLINE, kernels.ADOPTED, kernels.PART, kernels.E_PART,
                                                   kernels.RECENT, kernels.TRUSTING)
CH0, LV0 = kernels.CH0, kernels.LV0
TRUST, LITERACY, AWARENESS, PRIVACY = kernels.TRUST, kernels.LITERACY, kernels.AWARENESS, kernels.PRIVACY
COMMENTED, COMMENTS = kernels.COMMENTED, kernels.COMMENTS
_N_COLS = kernels.N_COLS


# The tally is summed into 7 views per municipality: all its citizens, each
# income group, each literacy tercile.  Metrics read straight from a view:
# name -> (view, tally column).
ALL, BY_INCOME, BY_LITERACY = 0, 1, 4


def _tally_metrics() -> dict[str, tuple[int, int]]:
    layout: dict[str, tuple[int, int]] = {}

    def add(prefix: str, col: int, every: bool = True, income: bool = True, lit: bool = False) -> None:
        if every:
            layout[prefix] = (ALL, col)
        for j, name in enumerate(INCOME if income else ()):
            layout[f"{prefix}_{name}"] = (BY_INCOME + j, col)
        for j, name in enumerate(LIT if lit else ()):
            layout[f"{prefix}_{name}"] = (BY_LITERACY + j, col)

    add("share_online", ONLINE)
    add("share_adopted", ADOPTED)
    for j, name in enumerate(CHANNEL_NAMES):
        add(f"participation_rate_{name}", CH0 + j + 1, income=False)
    for j, name in enumerate(LEVEL_NAMES):
        add(f"participation_rate_{name}", LV0 + j + 1, income=False)
    add("participation_rate", PART, every=False, lit=True)
    add("e_participation_rate", E_PART, every=False)
    add("share_participated_year", RECENT)
    add("share_commented_window", COMMENTED, lit=True)
    add("mean_trust", TRUST, lit=True)
    add("share_trusting", TRUSTING)
    add("mean_literacy", LITERACY)
    add("mean_awareness", AWARENESS, income=False)
    add("mean_privacy", PRIVACY, income=False)
    return layout


TALLY_METRICS = _tally_metrics()
ROW = {name: i for i, name in enumerate(METRICS)}  # row of each metric in the week's table
# rows of the per-municipality block (metric_table), some of them metrics as they are
PER_MUNI = ("requests", "resolved", "dropped", "backlog", "trained", "breaches", "spend", "spend_cumulative",
            "officials_active", "skill_sum", "ict_sum", "posts", "hotspots", "nodes_up", "nodes",
            "cum_resolved", "cum_dropped", "quality_sum",
            # the latest IDP window: attendances in real residents, meetings held, comments by way of handing in
            "attended_real", "meetings_held", *(f"comments_{w}" for w in COMMENT_CHANNELS),
            # hotspot use this week
            "hotspot_users", "hotspot_ever", "hotspot_capped", "hotspot_daily",
            "online_month")
# the rows kernels.municipality_block fills, in this order
assert PER_MUNI.index("comments_online") == kernels.COMMENTS_FIRST and PER_MUNI.index("online_month") == len(PER_MUNI) - 1
assert len(PER_MUNI) == kernels.COMMENTS_FIRST + len(COMMENT_CHANNELS) + kernels.HOTSPOT_ROWS
COPIED_METRICS = tuple(name for name in PER_MUNI if name in METRICS)
# ratio metrics: (numerator row of PER_MUNI, factor, per 0 citizen / 1 active official / 2 node)
RATIO_METRICS = {
    "requests_per_1000": ("requests", 1000.0, 0), "backlog_per_1000": ("backlog", 1000.0, 0),
    "service_quality": ("quality_sum", 1.0, 0), "official_skill": ("skill_sum", 1.0, 1),
    "official_ict_skill": ("ict_sum", 1.0, 1), "nodes_up_share": ("nodes_up", 1.0, 2),
    "share_hotspot_users": ("hotspot_users", 1.0, 0), "share_hotspot_ever": ("hotspot_ever", 1.0, 0),
    "share_online_month": ("online_month", 1.0, 0),
}
WEIGHTED_METRICS = ("median_response_weeks", "mean_outcome", "open_data_value", "security_posture")
assert len(WEIGHTED_METRICS) == kernels.WEIGHTED_ROWS
OTHER_METRICS = tuple(name for name in METRICS if name not in TALLY_METRICS and name not in COPIED_METRICS
                      and name not in RATIO_METRICS and name not in WEIGHTED_METRICS)


class _Keys:
    """Fixed group keys of a model's citizens, computed once per model.

    A citizen's group is (municipality, income group, literacy tercile): all
    three are fixed at the start, so every per-group metric of a week is a
    sum over the ``9 * M`` groups of one tally.
    """

    def __init__(self, model: Any):
        M = model.n_muni
        cit = model.citizens
        self.M = M
        self.G = 9 * M
        group = (cit.municipality.astype(np.intp) * 9 + cit.income * 3 + cit.lit_group).astype(np.intp)
        self.group = group
        n_g = np.bincount(group, minlength=self.G).astype(float).reshape(M, 3, 3)
        self.n_m = _with_total(n_g.sum(axis=(1, 2)))
        # citizens in each view (groups: at least 1, so an empty group reads 0)
        self.n_view = np.concatenate([self.n_m[:, None], np.maximum(_with_total(n_g.sum(axis=2)), 1.0),
                                      np.maximum(_with_total(n_g.sum(axis=1)), 1.0)], axis=1)[:, :, None]
        # positions in the flattened (row, view, column) array of each tally metric
        row = np.arange(M + 1)[None, :] * (7 * _N_COLS)
        self.tally_src = np.array([[view * _N_COLS + col] for view, col in TALLY_METRICS.values()]) + row
        self.tally_rows = np.array([METRICS.index(name) for name in TALLY_METRICS])
        self.other_rows = [METRICS.index(name) for name in OTHER_METRICS]
        self.copied_rows = [METRICS.index(name) for name in COPIED_METRICS]
        self.copied_src = [PER_MUNI.index(name) for name in COPIED_METRICS]
        self.ratio_rows = [METRICS.index(name) for name in RATIO_METRICS]
        self.ratio_src = [PER_MUNI.index(num) for num, _, _ in RATIO_METRICS.values()]
        self.ratio_factor = np.array([[factor] for _, factor, _ in RATIO_METRICS.values()])
        self.ratio_per = [per for _, _, per in RATIO_METRICS.values()]
        self.weighted_rows = [METRICS.index(name) for name in WEIGHTED_METRICS]
        self.n_ward = np.bincount(cit.ward, minlength=model.wards.n).astype(float)
        self.posts = np.bincount(model.officials.municipality, minlength=M).astype(float)
        self.n_citizens = np.ascontiguousarray(self.n_m[:M])
        self.muni = cit.municipality.astype(np.intp)
        # the length of a week's tallies in one array (WeekTally.flat)
        self.flat_size = self.G * _N_COLS + (len(PER_MUNI) + 2 * len(WEIGHTED_METRICS)) * M + 2
        # width of the histograms of contributions: a power of two (at least 16) above the largest
        # count so far, so that it changes seldom (kernels.contribution_histogram)
        self.stride = 0


# each model's group keys, computed at its first recorded week (they go with the model)
_KEYS: weakref.WeakKeyDictionary[Any, _Keys] = weakref.WeakKeyDictionary()

# np.add.reduce is what ndarray.sum calls, without its Python wrapper (some 30
# calls a week: 2-3% of the week at 2,000 citizens)


def _weighted_mean(x: np.ndarray, w: np.ndarray) -> float:
    """``np.average(x, weights=w)`` without its checks (same arithmetic)."""
    return np.add.reduce(x * w) / np.add.reduce(w)


def _with_total(a: np.ndarray, axis: int = 0) -> np.ndarray:
    """Append the region (the sum over municipalities, along ``axis``) after them."""
    return np.concatenate([a, np.add.reduce(a, axis=axis, keepdims=True)], axis=axis)


_NO_LEVELS = np.zeros(5, dtype=np.int8)


def _tally(model: Any, keys: _Keys, out: np.ndarray | None = None) -> np.ndarray:
    """Counts and sums per (municipality, income group, literacy tercile): shape (M, 3, 3, columns).

    One pass over the citizens (:func:`kernels.group_tally`): counts are exact,
    and each sum adds the group's values in citizen order, as a bincount would.
    """
    cit = model.citizens
    out = np.empty((keys.G, _N_COLS)) if out is None else out
    # None before the first week: no IAP2 levels are counted then (after a burn-in the
    # citizens still hold week -1's channels, so week 0's level shares read 0)
    policy = model.policy_now
    level_of_channel = _NO_LEVELS if policy is None else policy.level_of_channel
    # participated in the last 52 weeks: last > week - 1 - 52
    kernels.group_tally(out, keys.group, cit.channel, cit.online, cit.adopted, cit.last_participation,
                        model.week - 1 - WEEKS_PER_YEAR, cit.trust, float(model.config.trust.share_trusting_threshold),
                        cit.literacy, cit.awareness, cit.privacy_concern, cit.window_comments, level_of_channel)
    return out.reshape(keys.M, 3, 3, _N_COLS)


def _inequality_rows(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gini coefficient and shares held by the top 1% and 10%, per histogram row.

    ``counts[..., v]`` is the number of people of a row with ``v``
    contributions.  Row by row this is ``mechanisms.gini_from_counts`` and
    ``top_share_from_counts`` (:func:`kernels.inequality_rows`); every sum is of
    whole (or half) numbers, so the result does not depend on the order of
    summation (nor on empty bins added at the top).
    """
    flat = np.ascontiguousarray(counts.reshape(-1, counts.shape[-1]), dtype=np.int64)
    gini, top1, top10 = np.empty(flat.shape[0]), np.empty(flat.shape[0]), np.empty(flat.shape[0])
    kernels.inequality_rows(flat, gini, top1, top10)
    shape = counts.shape[:-1]
    return gini.reshape(shape), top1.reshape(shape), top10.reshape(shape)


@dataclass
class WeekTally:
    """What the week's metrics are computed from (see :func:`week_tally`).

    ``flat`` holds, one after the other: the group tally (groups x tally
    columns), the per-municipality block (``PER_MUNI``, then the values of
    ``WEIGHTED_METRICS`` and their weights, x municipalities), the legal
    strength and the link score; :func:`metric_tables` stacks the weeks' at
    once.  The properties are views of its parts.
    """

    keys: _Keys
    flat: np.ndarray
    contributions: np.ndarray  # (M, width): citizens by number of contributions

    @property
    def groups(self) -> np.ndarray:
        """(M, 3, 3, tally columns): counts and sums per group."""
        return self.flat[:self.keys.G * _N_COLS].reshape(self.keys.M, 3, 3, _N_COLS)

    def _block(self, first: int, rows: int) -> np.ndarray:
        start = self.keys.G * _N_COLS + first * self.keys.M
        return self.flat[start:start + rows * self.keys.M].reshape(rows, self.keys.M)

    @property
    def per_muni(self) -> np.ndarray:
        """(PER_MUNI, M): per-municipality quantities."""
        return self._block(0, len(PER_MUNI))

    @property
    def own(self) -> np.ndarray:
        """(WEIGHTED_METRICS, M): values with a weighted region mean."""
        return self._block(len(PER_MUNI), len(WEIGHTED_METRICS))

    @property
    def weight(self) -> np.ndarray:
        """(WEIGHTED_METRICS, M): their weights."""
        return self._block(len(PER_MUNI) + len(WEIGHTED_METRICS), len(WEIGHTED_METRICS))

    @property
    def legal_strength(self) -> float:
        return float(self.flat[-2])

    @property
    def link_score(self) -> float:
        return float(self.flat[-1])


def week_tally(model: Any) -> WeekTally:
    """The week's tallies: everything the metrics need from the model's state, in small arrays."""
    keys = _KEYS.get(model)
    if keys is None:
        keys = _KEYS[model] = _Keys(model)
    cit, off, nodes, munis, wards, ws = (model.citizens, model.officials, model.nodes, model.municipalities,
                                         model.wards, model.week_stats)
    # PER_MUNI, then the values of WEIGHTED_METRICS and their weights (the region's figure is their
    # weighted mean): median wait (weighted by requests resolved), mean outcome (the same, 0 when
    # none), openness and security posture (by citizens).  Hotspot users this week, ever (since
    # week 0), hitting the daily cap; real people on a hotspot on an average day (days of use / 7,
    # times real residents per simulated citizen); online at least once in the last 4 weeks (this
    # week and the 3 before; record follows the week).
    G, M, P, W = keys.G, keys.M, len(PER_MUNI), len(WEIGHTED_METRICS)
    # everything but the histogram in one array (metric_tables stacks the weeks' at once): the group
    # tally, the block, legal strength and link score
    flat = np.empty(keys.flat_size)
    _tally(model, keys, flat[:G * _N_COLS].reshape(G, _N_COLS))
    hist = kernels.municipality_block(
        flat[G * _N_COLS:-2].reshape(P + 2 * W, M), cit.municipality, cit.contributions, keys.stride,
        cit.window_attended, cit.hotspot_used, cit.hotspot_ever, cit.hotspot_capped, cit.hotspot_days,
        cit.last_online, model.week - 4, model.queue.citizen,
        ws["requests"], ws["resolved"], ws["dropped"], ws["trained"], ws["breaches"], ws["spend"], munis.spend_total,
        model.cumulative["resolved"], model.cumulative["dropped"],
        off.municipality, off.active, off.skill, off.ict_skill, keys.posts,
        nodes.hotspot_municipality, nodes.municipality, nodes.up,
        wards.municipality, wards.quality, keys.n_ward, munis.scale, munis.window_meetings, munis.window_comments,
        ws["median_wait"], ws["outcome"], munis.open_data_value, munis.posture, keys.n_citizens)
    keys.stride = hist.shape[1]
    links = model.levers["links"]
    flat[-2] = model.legal_strength
    flat[-1] = (links.shared_data_platform + links.shared_talent_pool + links.shared_costs) / 3.0 if M > 1 else 0.0
    return WeekTally(keys, flat, hist)


def metric_tables(weeks: list[WeekTally]) -> np.ndarray:
    """The metrics of several weeks of one model at once: (weeks, M + 1, len(METRICS)).

    Rows are the municipalities then the region; columns follow ``METRICS``.
    Working on all pending weeks together pays numpy's per-call cost once for
    them all instead of once a week.
    """
    keys = weeks[0].keys
    T, M = len(weeks), keys.M
    n_m = keys.n_m
    out: dict[str, Any] = {}
    table = np.empty((T, len(METRICS), M + 1))

    G, P, W = keys.G, len(PER_MUNI), len(WEIGHTED_METRICS)
    stacked = np.array([w.flat for w in weeks])  # each week's tallies in one array: one stack
    t = np.ascontiguousarray(stacked[:, :G * _N_COLS]).reshape(T, M, 3, 3, _N_COLS)
    block = stacked[:, G * _N_COLS:-2].reshape(T, P + 2 * W, M)
    week_per_muni = np.ascontiguousarray(block[:, :P])
    own, weight = np.ascontiguousarray(block[:, P:P + W]), np.ascontiguousarray(block[:, P + W:])
    legal, link_score = stacked[:, -2:-1], stacked[:, -1:]

    # shares and means per view: (weeks, municipalities + region, 7 views, tally columns)
    views = np.concatenate([np.add.reduce(t, axis=(2, 3))[:, :, None], np.add.reduce(t, axis=3),
                            np.add.reduce(t, axis=2)], axis=2)
    share = _with_total(views, axis=1) / keys.n_view
    table[:, keys.tally_rows] = share.reshape(T, -1)[:, keys.tally_src]

    def col(name: str) -> np.ndarray:
        view, column = TALLY_METRICS[name]
        return share[:, :, view, column]

    out["participation_rate"] = 1.0 - share[:, :, ALL, CH0]
    out["participation_gap"] = col("participation_rate_high") - col("participation_rate_low")
    out["e_participation_rate"] = share[:, :, ALL, CH0 + 1] + share[:, :, ALL, CH0 + 2] + share[:, :, ALL, CH0 + 3]
    out["e_participation_gap"] = col("e_participation_rate_high") - col("e_participation_rate_low")

    # participation inequality (Nielsen 2006) from the histograms of contributions
    width = max(w.contributions.shape[1] for w in weeks)
    hist = np.zeros((T, M, width), dtype=np.int64)
    start = 0
    for i in range(1, T + 1):  # runs of weeks with histograms of one width: one copy each
        if i == T or weeks[i].contributions.shape[1] != weeks[start].contributions.shape[1]:
            hist[start:i, :, :weeks[start].contributions.shape[1]] = [w.contributions for w in weeks[start:i]]
            start = i
    out["gini_contributions"], out["top1_share"], out["top10_share"] = _inequality_rows(_with_total(hist, axis=1))

    # per-municipality quantities, region totals appended: (weeks, PER_MUNI, M + 1)
    per_muni = _with_total(week_per_muni, axis=2)
    v = {name: per_muni[:, i] for i, name in enumerate(PER_MUNI)}
    n_off, nodes = v["officials_active"], v["nodes"]
    table[:, keys.copied_rows] = per_muni[:, keys.copied_src]
    # ratios: numerator x factor / (citizens, active officials or ICT nodes)
    per = np.stack([np.broadcast_to(n_m, n_off.shape), np.maximum(n_off, 1.0), np.maximum(nodes, 1.0)], axis=1)
    table[:, keys.ratio_rows] = keys.ratio_factor * per_muni[:, keys.ratio_src] / per[:, keys.ratio_per]
    # values whose region figure is a weighted mean
    total = np.add.reduce(weight, axis=2)
    total[:, 1] = np.maximum(v["resolved"][:, M], 1.0)
    table[:, keys.weighted_rows, :M] = own
    table[:, keys.weighted_rows, M] = np.add.reduce(own * weight, axis=2) / total

    # smart-governance index: the four categories of seed 002, equal weights (assumption)
    out["sgi_national"] = (legal + link_score + table[:, ROW["open_data_value"]]) / 3.0
    retention = n_off / v["posts"]
    out["sgi_organisational"] = (table[:, ROW["official_skill"]] + table[:, ROW["official_ict_skill"]]
                                 + retention) / 3.0
    # the IDP consultation of the latest window
    commented, comments = share[:, :, ALL, COMMENTED], share[:, :, ALL, COMMENTS]
    out["comments_per_commenter"] = np.where(commented > 0, comments / np.where(commented > 0, commented, 1.0), 0.0)
    out["comments_per_1000_window"] = 1000.0 * comments
    meetings = v["meetings_held"]
    out["attendance_per_meeting"] = np.where(meetings > 0, v["attended_real"] / np.where(meetings > 0, meetings, 1.0),
                                             0.0)
    by_way = np.array([v[f"comments_{way}"] for way in COMMENT_CHANNELS])
    total_comments = np.add.reduce(by_way, axis=0)
    for way, n_way in zip(COMMENT_CHANNELS, by_way, strict=True):
        out[f"share_comments_{way}"] = np.where(total_comments > 0, n_way / np.maximum(total_comments, 1.0), 0.0)
    closed_now = v["resolved"] + v["dropped"]
    out["share_dropped"] = np.where(closed_now > 0, v["dropped"] / np.maximum(closed_now, 1.0), 0.0)
    # Wi-Fi intensity: real people on a hotspot on an average day per hotspot placed (up or down);
    # share of this week's hotspot users hitting the daily cap (0 when none)
    out["hotspot_users_per_hotspot_day"] = v["hotspot_daily"] / np.maximum(v["hotspots"], 1.0)
    out["share_hotspot_capped"] = v["hotspot_capped"] / np.maximum(v["hotspot_users"], 1.0)
    closed = v["cum_resolved"] + v["cum_dropped"]
    resolution = np.where(closed > 0, v["cum_resolved"] / np.maximum(closed, 1.0), 1.0)
    out["sgi_service"] = (table[:, ROW["service_quality"]] + resolution + col("share_online")) / 3.0
    equity = 1.0 - np.abs(col("share_participated_year_high") - col("share_participated_year_low"))
    out["sgi_community"] = (col("share_participated_year") + equity + col("mean_awareness") + col("mean_trust")) / 4.0
    out["sgi"] = (out["sgi_national"] + out["sgi_organisational"] + out["sgi_service"] + out["sgi_community"]) / 4.0

    for row, name in zip(keys.other_rows, OTHER_METRICS, strict=True):
        table[:, row] = out[name]
    return table.transpose(0, 2, 1)


def metric_table(model: Any) -> np.ndarray:
    """All metrics of the current week as an array (M + 1, len(METRICS)).

    Rows are the municipalities then the region; columns follow ``METRICS``.
    """
    return metric_tables([week_tally(model)])[0]


class MetricsCollector(mesa.DataCollector):
    """Mesa's DataCollector for the model's metrics, filled a week at a time.

    ``tables["timeseries"]`` (a row per week and municipality, then the
    region), ``model_vars`` (the region's value of each metric, one per
    recorded week) and ``get_table_dataframe`` / ``get_model_vars_dataframe``
    give what ``DataCollector.collect`` with a reporter per metric would.  A
    week arrives as its tallies (:func:`week_tally`); the metrics of all the
    weeks not yet read are computed together (:func:`metric_tables`) and kept
    as one array (:meth:`arrays`), which becomes those lists only when they
    are read: :meth:`timeseries_frame` and :func:`model_outcomes` read the
    array.  Per-value appends and per-week metric arithmetic were a third of
    the week at 2,000 citizens (docs/performance.md).
    """

    def __init__(self, n_muni: int):
        self._pending: list[tuple[int, float, WeekTally]] = []  # (week, model time, tallies)
        self._weeks: list[int] = []  # the weeks whose metrics are computed
        self._times: list[float] = []
        self._values: list[np.ndarray] = []  # their metric tables, (weeks, rows, metrics) blocks
        self._listed = 0  # computed weeks already in the Mesa lists
        self._row_names = row_names(n_muni)
        super().__init__(model_reporters={name: _region_value(name) for name in METRICS},
                         tables={"timeseries": ["step", "municipality", *METRICS]})

    def add_week(self, week: int, time: float, tally: WeekTally) -> None:
        """Record a week's :func:`week_tally` (``time`` is the Mesa model time)."""
        self._pending.append((week, time, tally))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """The recorded weeks and their metrics: (weeks,) and (weeks, M + 1, len(METRICS)).

        Rows are :func:`row_names`; columns follow ``METRICS``.  (Rows added to
        the Mesa lists by other means than :meth:`add_week` are not in them.)
        """
        pending = self.__dict__.get("_pending")
        if pending:
            self._pending = []
            self._values.append(metric_tables([tally for _, _, tally in pending]))
            self._weeks.extend(week for week, _, _ in pending)
            self._times.extend(time for _, time, _ in pending)
        if len(self._values) > 1:
            self._values = [np.concatenate(self._values)]
        values = self._values[0] if self._values else np.empty((0, len(self._row_names), len(METRICS)))
        return np.array(self._weeks, dtype=np.int64), values

    def _flush(self) -> None:
        if "_values" not in self.__dict__:  # Mesa's __init__ reading the tables
            return
        weeks, values = self.arrays()
        if self._listed == len(weeks):
            return
        new, new_weeks = values[self._listed:], weeks[self._listed:].tolist()
        self._listed = len(weeks)
        tables, model_vars = self.__dict__["_tables"], self.__dict__["_model_vars"]
        timeseries = tables["timeseries"]
        rows = len(self._row_names)
        timeseries["step"].extend(week for week in new_weeks for _ in range(rows))
        timeseries["municipality"].extend(self._row_names * len(new_weeks))
        for name, column in zip(METRICS, new.reshape(-1, len(METRICS)).T.tolist(), strict=True):
            timeseries[name].extend(column)
        for name, column in zip(METRICS, new[:, -1].T.tolist(), strict=True):
            model_vars[name].extend(column)
        self.__dict__["_steps"].extend(self._times[len(self._times) - len(new_weeks):])

    def timeseries_frame(self) -> pd.DataFrame:
        """``get_table_dataframe("timeseries")``, built from :meth:`arrays` while the lists are unread.

        The same frame: ``step`` (int64), ``municipality`` (str), then the
        metrics (float64) in one block laid out as pandas lays out the
        columns of a dict.
        """
        listed = self._tables["timeseries"]["step"]
        weeks, values = self.arrays()
        if listed or not len(weeks):  # rows already in the Mesa lists (or none at all): Mesa's frame
            return self.get_table_dataframe("timeseries")
        rows = len(self._row_names)
        # (metrics, rows) C-contiguous: the block pandas makes of a dict of columns
        block = np.ascontiguousarray(values.reshape(-1, len(METRICS)).T)
        df = pd.DataFrame(block.T, columns=list(METRICS), copy=False)
        df.insert(0, "step", np.repeat(weeks, rows))
        df.insert(1, "municipality", self._row_names * len(weeks))
        return df

    @property  # type: ignore[override]
    def tables(self) -> dict[str, dict[str, list]]:
        self._flush()
        return self._tables

    @tables.setter
    def tables(self, value: dict) -> None:
        self._tables = value

    @property  # type: ignore[override]
    def model_vars(self) -> dict[str, list]:
        self._flush()
        return self._model_vars

    @model_vars.setter
    def model_vars(self, value: dict) -> None:
        self._model_vars = value

    @property
    def _collection_steps(self) -> list[float]:  # read by mesa.batch_run
        self._flush()
        return self._steps

    @_collection_steps.setter
    def _collection_steps(self, value: list[float]) -> None:
        self._steps = value


def _region_value(name: str):
    return lambda model: model.latest[name]


def row_names(n_muni: int) -> list[str]:
    """Names of the rows of :func:`metric_table`: ``m1`` ... ``mM`` then ``region``."""
    return [f"m{i + 1}" for i in range(n_muni)] + ["region"]


def compute_metrics(model: Any) -> list[dict[str, Any]]:
    """All metrics for the current week: rows for each municipality, then the region."""
    table = metric_table(model)
    return [{"step": model.week, "municipality": name, **dict(zip(METRICS, row, strict=True))}
            for name, row in zip(row_names(model.n_muni), table.tolist(), strict=True)]


# --------------------------------------------------------------------------- outcomes

# Scalar outcomes of a run, from the region rows: (metric, how) where how is
# "final" (value at the last step), "year" (mean over the last 52 weeks) or
# "total" (sum over the run).
# Per-run scalar outcomes: name -> (metric, how), from the outcome catalogue.
OUTCOMES: dict[str, tuple[str, str]] = {name: (CATALOGUE[name].metric, how) for name, how in run_outcomes().items()}


def outcomes(timeseries, municipality: str = "region") -> dict[str, float]:
    """Scalar outcomes of one run from its time series (see ``OUTCOMES``)."""
    expect_table(timeseries, "timeseries", ["step", "municipality", *(m for m, _ in OUTCOMES.values())],
                 what="a run's time series (the table simulate() returns)")
    metrics = [m for m, _ in OUTCOMES.values()]
    step = timeseries["step"]
    if step.dtype.kind in "iu" and all(timeseries[m].dtype == np.float64 for m in set(metrics)):
        # the table's own numbers (float64 metrics, whole steps): the arithmetic below without pandas
        steps = step.to_numpy()
        keep = (timeseries["municipality"] == municipality).to_numpy(dtype=bool) & (steps > 0)
        if keep.any():
            return _aggregate(steps[keep], np.ascontiguousarray(timeseries[metrics].to_numpy()[keep].T))
    df = timeseries[timeseries["municipality"] == municipality]
    df = df[df["step"] > 0]
    if df.empty:
        known = sorted(map(str, timeseries["municipality"].unique()))
        if municipality not in known:
            raise UsageError(f"expected one of the table's municipalities {known}, got {municipality!r}",
                             argument="municipality")
        raise UsageError(f"expected a run's time series with weeks after week 0 for {municipality!r}",
                         argument="timeseries")
    last_year = df[df["step"] > df["step"].max() - WEEKS_PER_YEAR]
    result = {}
    for name, (metric, how) in OUTCOMES.items():
        if how == "final":
            result[name] = float(df[metric].iloc[-1])
        elif how == "year":
            result[name] = float(last_year[metric].mean())
        else:
            result[name] = float(df[metric].sum())
    return result


def _aggregate(steps: np.ndarray, columns: np.ndarray) -> dict[str, float]:
    """``OUTCOMES`` from one place's rows after week 0: ``steps`` (weeks,) and ``columns`` (outcome, weeks).

    The arithmetic of the pandas code in :func:`outcomes`: the last value; the
    mean over the last 52 weeks skipping NaN (the sum with NaN as 0, pairwise
    as NumPy sums, over the count of the others; NaN when none); the sum with
    NaN as 0.
    """
    last_year = steps > steps.max() - WEEKS_PER_YEAR
    result = {}
    for (name, (_, how)), column in zip(OUTCOMES.items(), columns, strict=True):
        if how == "final":
            result[name] = float(column[-1])
            continue
        x = np.ascontiguousarray(column[last_year]) if how == "year" else column
        missing = np.isnan(x)
        if missing.any():
            x = x.copy()
            np.putmask(x, missing, 0.0)
        total = np.add.reduce(x)
        if how == "year":
            count = np.float64(x.size - np.count_nonzero(missing))
            result[name] = float(total / count) if count > 0 else float("nan")
        else:
            result[name] = float(total)
    return result


_OUTCOME_COLUMNS = np.array([METRICS.index(metric) for metric, _ in OUTCOMES.values()])


def model_outcomes(model: Any) -> dict[str, float]:
    """``outcomes(model.timeseries())`` without building the table: the same keys and values, bit for bit.

    For runs whose scalar outcomes are all that is kept (sensitivity analysis,
    calibration).  Reads the region's rows of the recorded metrics
    (``MetricsCollector.arrays``) and aggregates them as :func:`outcomes` does.
    """
    weeks, values = model.datacollector.arrays()
    after = weeks > 0
    if not after.any():
        if not len(weeks):
            raise UsageError("expected one of the table's municipalities [], got 'region'", argument="municipality")
        raise UsageError("expected a run's time series with weeks after week 0 for 'region'", argument="timeseries")
    # (outcome, week) rows of the region's values after week 0, each contiguous
    return _aggregate(weeks[after], np.ascontiguousarray(values[after, -1][:, _OUTCOME_COLUMNS].T))


# Runs that keep only their outcomes (cosim.runs.evaluators) need the full metrics of few weeks:
# every OUTCOMES entry reads the last week ("final") or the last 52 ("year"), except the spend,
# summed over every week ("total").  Each week's metrics are computed from that week's tallies
# alone (the model's state then: the last-52-weeks and last-4-weeks counts are kept in the
# citizens' arrays, the cumulative counts in the model), so the other weeks need not be recorded.
assert all(metric == "spend" for metric, how in OUTCOMES.values() if how == "total")
_TOTAL_ROWS = np.array([i for i, (_, how) in enumerate(OUTCOMES.values()) if how == "total"], dtype=np.intp)


def first_outcome_week(steps: int) -> int:
    """The first week of a run of ``steps`` weeks whose metrics its ``OUTCOMES`` read, but for the spend.

    The "year" outcomes average weeks ``> steps - 52`` (and after week 0),
    "final" reads week ``steps``.
    """
    return max(1, steps - WEEKS_PER_YEAR + 1)


def outcomes_of_last_weeks(model: Any, spend: np.ndarray) -> dict[str, float]:
    """:func:`model_outcomes` of a run that recorded only what its outcomes read, bit for bit.

    ``model`` recorded (``model.record()``) weeks ``first_outcome_week(steps)``
    to ``steps`` (and perhaps week 0); ``spend`` (steps, municipalities) is the
    week's spend (``week_stats["spend"]``) of weeks 1 to ``steps``.  The
    region's spend of a week is their sum along the contiguous last axis,
    which NumPy adds in the same order as :func:`metric_tables` does (a
    reduction along a contiguous last axis does not depend on the other axes;
    tests/test_fixed_cost_outputs.py checks it against full recording).
    """
    steps = spend.shape[0]
    weeks, values = model.datacollector.arrays()
    full = weeks >= first_outcome_week(steps)
    if steps < 1 or not np.array_equal(weeks[full], np.arange(first_outcome_week(steps), steps + 1)):
        raise UsageError(f"expected weeks {first_outcome_week(steps)} to {steps} recorded, got {weeks.tolist()}",
                         argument="model")
    # (outcome, week) rows for weeks 1..steps: the recorded weeks' region values (NaN in the weeks
    # before, which no "final" or "year" outcome reads), and the spend of every week
    columns = np.full((len(OUTCOMES), steps), np.nan)
    columns[:, weeks[full] - 1] = values[full, -1][:, _OUTCOME_COLUMNS].T
    columns[_TOTAL_ROWS] = np.add.reduce(spend, axis=1)
    return _aggregate(np.arange(1, steps + 1, dtype=np.int64), columns)
