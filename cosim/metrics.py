"""Per-step metrics (MODEL.md s5) and per-run scalar outcomes.

``compute_metrics(model)`` returns one row per municipality plus a ``region``
row.  Rates are shares of citizens in [0, 1]; counts (requests, resolved,
dropped, backlog) are in simulated citizens (``*_per_1000`` rates compare
across population sizes); money is in Rand per municipality (region: summed).

The smart-governance index follows the four categories of seed 002
(governance in national space, organisational, service-space and community
governance); each is the plain mean of the indicators named in its function,
an assumption about weights that docs/ODD.md states.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from cosim.mechanisms import gini_from_counts, top_share_from_counts

if TYPE_CHECKING:
    from cosim.model import CoProductionModel

INCOME = ("low", "mid", "high")
LIT = ("lit1", "lit2", "lit3")
CHANNEL_NAMES = ("portal", "ussd", "social", "meeting")
LEVEL_NAMES = ("inform", "consult", "involve", "collaborate", "empower")

METRICS: tuple[str, ...] = (
    "share_online", *(f"share_online_{g}" for g in INCOME),
    "share_adopted", *(f"share_adopted_{g}" for g in INCOME),
    "participation_rate", *(f"participation_rate_{c}" for c in CHANNEL_NAMES),
    *(f"participation_rate_{lv}" for lv in LEVEL_NAMES),
    *(f"participation_rate_{g}" for g in INCOME), *(f"participation_rate_{g}" for g in LIT),
    "participation_gap",
    "e_participation_rate", *(f"e_participation_rate_{g}" for g in INCOME), "e_participation_gap",
    "share_participated_year", *(f"share_participated_year_{g}" for g in INCOME),
    "gini_contributions", "top1_share", "top10_share",
    "mean_trust", *(f"mean_trust_{g}" for g in INCOME), *(f"mean_trust_{g}" for g in LIT),
    "share_trusting", *(f"share_trusting_{g}" for g in INCOME),
    "mean_literacy", *(f"mean_literacy_{g}" for g in INCOME), "mean_awareness", "mean_privacy",
    "requests", "resolved", "dropped", "backlog", "requests_per_1000", "backlog_per_1000",
    "median_response_weeks", "mean_outcome", "service_quality",
    "officials_active", "official_skill", "official_ict_skill",
    "hotspots", "nodes_up_share", "trained", "breaches", "open_data_value", "security_posture",
    "spend", "spend_cumulative",
    "sgi_national", "sgi_organisational", "sgi_service", "sgi_community", "sgi",
)


def _group_keys(model: CoProductionModel) -> dict[str, Any]:
    keys = getattr(model, "_metric_keys", None)
    if keys is None:
        m = model.muni.astype(np.int64)
        M = model.n_muni
        keys = {
            "inc": m * 3 + model.income,
            "lit": m * 3 + model.lit_group,
            "n_m": np.bincount(m, minlength=M).astype(float),
        }
        keys["n_inc"] = np.bincount(keys["inc"], minlength=3 * M).reshape(M, 3).astype(float)
        keys["n_lit"] = np.bincount(keys["lit"], minlength=3 * M).reshape(M, 3).astype(float)
        model._metric_keys = keys
    return keys


def _by_muni(model, x, keys) -> np.ndarray:
    """Means over citizens per municipality, then the region: shape (M + 1,)."""
    s = np.bincount(model.muni, weights=x, minlength=model.n_muni)
    return np.r_[s, s.sum()] / np.r_[keys["n_m"], keys["n_m"].sum()]


def _by_group(key, counts, x, M) -> np.ndarray:
    """Means per municipality and group, then the region: shape (M + 1, G)."""
    s = np.bincount(key, weights=x, minlength=counts.size).reshape(M, -1)
    s = np.vstack([s, s.sum(axis=0)])
    c = np.vstack([counts, counts.sum(axis=0)])
    return s / np.maximum(c, 1.0)


def compute_metrics(model: CoProductionModel) -> list[dict[str, Any]]:
    """All metrics for the current week: rows for each municipality, then the region."""
    M = model.n_muni
    keys = _group_keys(model)
    n_m = np.r_[keys["n_m"], keys["n_m"].sum()]
    out: dict[str, np.ndarray] = {}

    def groups(prefix: str, x: np.ndarray, lit: bool = False) -> None:
        g = _by_group(keys["inc"], keys["n_inc"], x, M)
        for j, name in enumerate(INCOME):
            out[f"{prefix}_{name}"] = g[:, j]
        if lit:
            g = _by_group(keys["lit"], keys["n_lit"], x, M)
            for j, name in enumerate(LIT):
                out[f"{prefix}_{name}"] = g[:, j]

    online = model.online.astype(float)
    out["share_online"] = _by_muni(model, online, keys)
    groups("share_online", online)
    adopted = model.adopted.astype(float)
    out["share_adopted"] = _by_muni(model, adopted, keys)
    groups("share_adopted", adopted)

    ch = np.bincount(model.muni * 5 + model.channel, minlength=5 * M).reshape(M, 5).astype(float)
    ch = np.vstack([ch, ch.sum(axis=0)]) / n_m[:, None]
    out["participation_rate"] = 1.0 - ch[:, 0]
    for j, name in enumerate(CHANNEL_NAMES):
        out[f"participation_rate_{name}"] = ch[:, j + 1]
    lv = np.bincount(model.muni * 6 + model.level, minlength=6 * M).reshape(M, 6).astype(float)
    lv = np.vstack([lv, lv.sum(axis=0)]) / n_m[:, None]
    for j, name in enumerate(LEVEL_NAMES):
        out[f"participation_rate_{name}"] = lv[:, j + 1]
    took_part = (model.channel > 0).astype(float)
    groups("participation_rate", took_part, lit=True)
    out["participation_gap"] = out["participation_rate_high"] - out["participation_rate_low"]
    e_part = ((model.channel > 0) & (model.channel < 4)).astype(float)
    out["e_participation_rate"] = ch[:, 1] + ch[:, 2] + ch[:, 3]
    groups("e_participation_rate", e_part)
    out["e_participation_gap"] = out["e_participation_rate_high"] - out["e_participation_rate_low"]
    recent = ((model.week - 1 - model.last_participation) < 52).astype(float)
    out["share_participated_year"] = _by_muni(model, recent, keys)
    groups("share_participated_year", recent)

    # participation inequality (Nielsen 2006) from the histogram of contributions
    top = int(model.contributions.max()) + 1
    hist = np.bincount(model.muni * top + model.contributions, minlength=M * top).reshape(M, top)
    hist = np.vstack([hist, hist.sum(axis=0)])
    values = np.arange(top)
    out["gini_contributions"] = np.array([gini_from_counts(values, h) for h in hist])
    out["top1_share"] = np.array([top_share_from_counts(values, h, 0.01) for h in hist])
    out["top10_share"] = np.array([top_share_from_counts(values, h, 0.10) for h in hist])

    out["mean_trust"] = _by_muni(model, model.trust, keys)
    groups("mean_trust", model.trust, lit=True)
    trusting = (model.trust > model.config.trust.share_trusting_threshold).astype(float)
    out["share_trusting"] = _by_muni(model, trusting, keys)
    groups("share_trusting", trusting)
    out["mean_literacy"] = _by_muni(model, model.literacy, keys)
    groups("mean_literacy", model.literacy)
    out["mean_awareness"] = _by_muni(model, model.awareness, keys)
    out["mean_privacy"] = _by_muni(model, model.privacy, keys)

    ws = model.week_stats
    for name in ("requests", "resolved", "dropped"):
        out[name] = np.r_[ws[name], ws[name].sum()]
    backlog = np.bincount(model.muni[model.pend_cit], minlength=M).astype(float)
    out["backlog"] = np.r_[backlog, backlog.sum()]
    out["requests_per_1000"] = 1000.0 * out["requests"] / n_m
    out["backlog_per_1000"] = 1000.0 * out["backlog"] / n_m
    res = out["resolved"]
    out["median_response_weeks"] = np.r_[ws["median_wait"], np.average(ws["median_wait"], weights=np.maximum(res[:M], 1e-9))]
    osum = ws["outcome"] * ws["resolved"]
    out["mean_outcome"] = np.r_[ws["outcome"], osum.sum() / max(res[M], 1.0)]
    out["service_quality"] = _by_muni(model, model.ward_quality[model.ward], keys)

    act = model.off_active
    n_off = np.bincount(model.off_muni, weights=act, minlength=M)
    posts = np.bincount(model.off_muni, minlength=M).astype(float)
    out["officials_active"] = np.r_[n_off, n_off.sum()]
    sk = np.bincount(model.off_muni, weights=model.off_skill * act, minlength=M)
    ic = np.bincount(model.off_muni, weights=model.off_ict * act, minlength=M)
    out["official_skill"] = np.r_[sk, sk.sum()] / np.maximum(out["officials_active"], 1.0)
    out["official_ict_skill"] = np.r_[ic, ic.sum()] / np.maximum(out["officials_active"], 1.0)

    hot = np.bincount(model.hot_muni, minlength=M).astype(float)
    out["hotspots"] = np.r_[hot, hot.sum()]
    up = np.bincount(model.node_muni, weights=model.node_up, minlength=M)
    nodes = np.bincount(model.node_muni, minlength=M).astype(float)
    out["nodes_up_share"] = np.r_[up, up.sum()] / np.maximum(np.r_[nodes, nodes.sum()], 1.0)
    out["trained"] = np.r_[ws["trained"], ws["trained"].sum()]
    out["breaches"] = np.r_[ws["breaches"], ws["breaches"].sum()]
    out["open_data_value"] = np.r_[model.open_data_value, np.average(model.open_data_value, weights=keys["n_m"])]
    out["security_posture"] = np.r_[model.posture, np.average(model.posture, weights=keys["n_m"])]
    out["spend"] = np.r_[ws["spend"], ws["spend"].sum()]
    out["spend_cumulative"] = np.r_[model.spend_total, model.spend_total.sum()]

    # smart-governance index: the four categories of seed 002, equal weights (assumption)
    links = model._levers["links"]
    link_score = (links.shared_data_platform + links.shared_talent_pool + links.shared_costs) / 3.0 if M > 1 else 0.0
    out["sgi_national"] = (model.legal_strength + link_score + out["open_data_value"]) / 3.0
    retention = out["officials_active"] / np.r_[posts, posts.sum()]
    out["sgi_organisational"] = (out["official_skill"] + out["official_ict_skill"] + retention) / 3.0
    cr, cd = np.r_[model.cum["resolved"], model.cum["resolved"].sum()], np.r_[model.cum["dropped"], model.cum["dropped"].sum()]
    resolution = np.where(cr + cd > 0, cr / np.maximum(cr + cd, 1.0), 1.0)
    out["sgi_service"] = (out["service_quality"] + resolution + out["share_online"]) / 3.0
    equity = 1.0 - np.abs(out["share_participated_year_high"] - out["share_participated_year_low"])
    out["sgi_community"] = (out["share_participated_year"] + equity + out["mean_awareness"] + out["mean_trust"]) / 4.0
    out["sgi"] = (out["sgi_national"] + out["sgi_organisational"] + out["sgi_service"] + out["sgi_community"]) / 4.0

    names = [f"m{i + 1}" for i in range(M)] + ["region"]
    rows = []
    for i, name in enumerate(names):
        row = {"step": model.week, "municipality": name}
        for key in METRICS:
            v = out[key]
            row[key] = float(v[i]) if np.ndim(v) else float(v)
        rows.append(row)
    return rows


# --------------------------------------------------------------------------- outcomes

# Scalar outcomes of a run, from the region rows: (metric, how) where how is
# "final" (value at the last step), "year" (mean over the last 52 weeks) or
# "total" (sum over the run).
OUTCOMES: dict[str, tuple[str, str]] = {
    "share_adopted": ("share_adopted", "final"),
    "share_online": ("share_online", "year"),
    "participation_rate": ("participation_rate", "year"),
    "e_participation_rate": ("e_participation_rate", "year"),
    "share_participated_year": ("share_participated_year", "final"),
    "share_participated_year_low": ("share_participated_year_low", "final"),
    "share_participated_year_high": ("share_participated_year_high", "final"),
    "participation_gap": ("participation_gap", "year"),
    "e_participation_gap": ("e_participation_gap", "year"),
    "e_participation_rate_low": ("e_participation_rate_low", "year"),
    "e_participation_rate_high": ("e_participation_rate_high", "year"),
    "top1_share": ("top1_share", "final"),
    "top10_share": ("top10_share", "final"),
    "gini_contributions": ("gini_contributions", "final"),
    "mean_trust": ("mean_trust", "final"),
    "mean_trust_low": ("mean_trust_low", "final"),
    "mean_trust_high": ("mean_trust_high", "final"),
    "share_trusting": ("share_trusting", "final"),
    "mean_literacy": ("mean_literacy", "final"),
    "mean_literacy_low": ("mean_literacy_low", "final"),
    "requests_per_1000": ("requests_per_1000", "year"),
    "backlog_per_1000": ("backlog_per_1000", "final"),
    "median_response_weeks": ("median_response_weeks", "year"),
    "service_quality": ("service_quality", "final"),
    "official_skill": ("official_skill", "final"),
    "official_ict_skill": ("official_ict_skill", "final"),
    "spend": ("spend", "total"),
    "sgi_national": ("sgi_national", "final"),
    "sgi_organisational": ("sgi_organisational", "final"),
    "sgi_service": ("sgi_service", "final"),
    "sgi_community": ("sgi_community", "final"),
    "sgi": ("sgi", "final"),
}


def outcomes(timeseries, municipality: str = "region") -> dict[str, float]:
    """Scalar outcomes of one run from its time series (see ``OUTCOMES``)."""
    df = timeseries[timeseries["municipality"] == municipality]
    df = df[df["step"] > 0]
    last_year = df[df["step"] > df["step"].max() - 52]
    result = {}
    for name, (metric, how) in OUTCOMES.items():
        if how == "final":
            result[name] = float(df[metric].iloc[-1])
        elif how == "year":
            result[name] = float(last_year[metric].mean())
        else:
            result[name] = float(df[metric].sum())
    return result
