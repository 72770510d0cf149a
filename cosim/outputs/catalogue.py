"""The outcome catalogue: every metric and outcome cosim reports, declared once.

Each entry says what a number is, in the words a policy analyst reads (EMA
Workbench's ``ScalarOutcome(name, kind=MAXIMIZE)``, extended with the unit and
how a run is summarised).  Metrics, ``cosim run``'s summary, compare reports,
sensitivity and calibration reports and the dashboard all read it, so a label,
a unit or a "lower is better" can no longer disagree between them.

Category labels (income groups, literacy terciles, channels, IAP2 levels) are
declared here too, for the same reason.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

# ------------------------------------------------------------------ categories
INCOME_GROUPS = ("low", "mid", "high")
LITERACY_TERCILES = ("lit1", "lit2", "lit3")
CHANNELS = ("portal", "ussd", "social", "meeting")
# how an IDP comment is handed in (cosim.model.mechanisms.COMMENT_CHANNELS)
COMMENT_CHANNELS = ("online", "ussd", "paper", "meeting")
IAP2_LEVELS = ("inform", "consult", "involve", "collaborate", "empower")

GROUP_LABELS: dict[str, str] = {
    "low": "low income", "mid": "middle income", "high": "high income",
    "lit1": "lowest literacy third", "lit2": "middle literacy third", "lit3": "highest literacy third",
}
CHANNEL_LABELS: dict[str, str] = {
    "portal": "portal or app", "ussd": "USSD/SMS", "social": "social media or chat", "meeting": "ward meeting",
}
LEVEL_LABELS: dict[str, str] = {level: level for level in IAP2_LEVELS}
COMMENT_CHANNEL_LABELS: dict[str, str] = {
    "online": "online (portal, app or social media)", "ussd": "by USSD/SMS",
    "paper": "on paper at a municipal office", "meeting": "at a ward IDP meeting",
}

# ------------------------------------------------------------------ outcomes
#: How a value is shown.  share: a fraction of residents (shown in %, differences
#: in percentage points); weekly: a weekly share (shown per 1,000 residents a week);
#: index: 0-1; per1000: per 1,000 residents; weeks; count: simulated residents or
#: requests; residents: a number of real residents; rand: Rand.
#: number: a plain ratio whose label says of what (comments per commenter, residents per meeting).
Kind = Literal["share", "weekly", "index", "per1000", "weeks", "count", "residents", "rand", "number"]
UNITS: dict[str, str] = {
    "share": "share of residents (0-1)", "weekly": "share of residents a week (0-1)", "index": "0-1",
    "per1000": "per 1,000 residents", "weeks": "weeks", "count": "simulated residents or requests",
    "residents": "residents", "rand": "Rand", "number": "as the label says (a ratio)",
}
#: How one run's time series becomes a scalar outcome: the last week's value,
#: the mean of the last 52 weeks, or the sum over the run.
Aggregation = Literal["final", "year", "total"]


@dataclass(frozen=True)
class Outcome:
    """One reported quantity: a metric column and, where ``aggregation`` is set, a per-run outcome."""

    name: str
    label: str
    kind: Kind
    better: int  # +1 higher is better, -1 lower is better, 0 neither (a cost, a count)
    group: str  # access, participation, inequality, trust, services, officials, infrastructure, budget, governance
    aggregation: Aggregation | None = None  # None: a metric only, not a per-run outcome
    of: str | None = None  # the metric a per-run outcome aggregates, when it is not a metric itself

    @property
    def metric(self) -> str:
        """The metric column this entry reads (its own name unless it aggregates another metric)."""
        return self.of or self.name

    @property
    def unit(self) -> str:
        return UNITS[self.kind]

    @property
    def lower_is_better(self) -> bool:
        return self.better < 0


def _o(name: str, label: str, kind: Kind, better: int, group: str, agg: Aggregation | None = None) -> Outcome:
    return Outcome(name, label, kind, better, group, agg)


_BASE: tuple[Outcome, ...] = (
    _o("share_online", "residents online in a typical week", "share", 1, "access", "year"),
    _o("share_online_month", "residents online at least once in the last 4 weeks", "share", 1, "access"),
    _o("share_adopted", "residents using e-participation (portal, app, USSD or social media)", "share", 1,
       "participation", "final"),
    _o("participation_rate", "residents taking part in a typical week", "weekly", 1, "participation", "year"),
    _o("participation_gap", "weekly participation gap (high minus low income)", "weekly", -1, "inequality", "year"),
    _o("e_participation_rate", "residents taking part electronically in a typical week", "weekly", 1,
       "participation", "year"),
    _o("e_participation_gap", "weekly e-participation gap (high minus low income)", "weekly", -1, "inequality",
       "year"),
    _o("share_participated_year", "residents who took part in the last 12 months", "share", 1, "participation",
       "final"),
    _o("gini_contributions", "Gini coefficient of contributions", "index", 0, "inequality", "final"),
    _o("top1_share", "share of contributions made by the most active 1%", "share", 0, "inequality", "final"),
    _o("top10_share", "share of contributions made by the most active 10%", "share", 0, "inequality", "final"),
    # the IDP consultation, as of the latest window (its tallies are kept until the next opens)
    _o("share_commented_window", "residents who commented on the IDP in the latest consultation window", "share",
       1, "participation", "final"),
    _o("comments_per_commenter", "IDP comments per commenter in the latest window", "number", 0,
       "participation", "final"),
    _o("comments_per_1000_window", "IDP comments per 1,000 residents in the latest window", "per1000", 1,
       "participation", "final"),
    _o("attendance_per_meeting", "residents attending a ward IDP meeting, per meeting, in the latest window",
       "number", 1, "participation", "final"),
    _o("mean_trust", "mean trust in the municipality (0-1)", "index", 1, "trust", "final"),
    # the label's threshold is the scenario's trust.share_trusting_threshold: see label()
    _o("share_trusting", "residents who trust the municipality (trust above {threshold})", "share", 1, "trust",
       "final"),
    _o("mean_literacy", "mean digital literacy (0-1)", "index", 1, "access", "final"),
    _o("mean_awareness", "mean awareness of e-services (0-1)", "index", 1, "access"),
    _o("mean_privacy", "mean privacy concern (0-1)", "index", -1, "trust"),
    _o("requests", "service requests this week", "count", 0, "services"),
    _o("resolved", "requests resolved this week", "count", 1, "services"),
    _o("dropped", "requests dropped unresolved this week", "count", -1, "services"),
    _o("backlog", "requests waiting", "count", -1, "services"),
    _o("requests_per_1000", "service requests per 1,000 residents a week", "per1000", 0, "services", "year"),
    _o("backlog_per_1000", "unresolved requests per 1,000 residents at the end", "per1000", -1, "services",
       "final"),
    _o("median_response_weeks", "median time to resolution of the requests resolved (weeks)", "weeks", -1,
       "services", "year"),
    _o("share_dropped", "requests closed unresolved (share of the requests closed in a week)", "share", -1,
       "services", "year"),
    _o("mean_outcome", "value of a resolved co-produced request (0-1)", "index", 1, "services"),
    _o("service_quality", "service quality (0-1)", "index", 1, "services", "final"),
    _o("officials_active", "officials in post", "count", 1, "officials"),
    _o("official_skill", "officials' skill (0-1)", "index", 1, "officials", "final"),
    _o("official_ict_skill", "officials' ICT skill (0-1)", "index", 1, "officials", "final"),
    _o("hotspots", "free Wi-Fi hotspots", "count", 0, "infrastructure"),
    _o("share_hotspot_users", "residents using a free Wi-Fi hotspot in a typical week", "weekly", 1, "access",
       "year"),
    _o("hotspot_users_per_hotspot_day", "people using a hotspot on an average day, per hotspot (real residents)",
       "residents", 0, "infrastructure", "year"),
    _o("share_hotspot_ever", "residents who have ever used a free Wi-Fi hotspot (since week 0)", "share", 1,
       "access", "final"),
    _o("share_hotspot_capped", "hotspot users hitting the daily data cap (share of the week's hotspot users)",
       "share", -1, "access", "year"),
    _o("nodes_up_share", "ICT nodes working this week", "share", 1, "infrastructure"),
    _o("trained", "residents trained this week", "count", 0, "access"),
    _o("breaches", "security breaches this week", "count", -1, "trust"),
    _o("open_data_value", "value of the open data to its users (0-1)", "index", 1, "governance"),
    _o("security_posture", "information-security posture (0-1)", "index", 1, "governance"),
    _o("spend", "lever spend", "rand", 0, "budget", "total"),
    _o("spend_cumulative", "lever spend so far", "rand", 0, "budget"),
    _o("sgi_national", "governance in national space (0-1)", "index", 1, "governance", "final"),
    _o("sgi_organisational", "organisational governance (0-1)", "index", 1, "governance", "final"),
    _o("sgi_service", "service-space governance (0-1)", "index", 1, "governance", "final"),
    _o("sgi_community", "community governance (0-1)", "index", 1, "governance", "final"),
    _o("sgi", "smart-governance index (0-1)", "index", 1, "governance", "final"),
)

# Metrics by group: (base metric, groups).  Aggregations of per-group per-run
# outcomes are listed where a run reports them.
_BY_GROUP: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("share_online", INCOME_GROUPS), ("share_adopted", INCOME_GROUPS),
    ("participation_rate", INCOME_GROUPS + LITERACY_TERCILES), ("e_participation_rate", INCOME_GROUPS),
    ("share_participated_year", INCOME_GROUPS),
    ("share_commented_window", INCOME_GROUPS + LITERACY_TERCILES), ("mean_trust", INCOME_GROUPS + LITERACY_TERCILES),
    ("share_trusting", INCOME_GROUPS), ("mean_literacy", INCOME_GROUPS),
)
# Final-value outcomes also reported as their mean over the last 52 weeks (``<name>_year``):
# a breach or a bad week late in the run should not decide the comparison alone.
_YEAR_MEANS = ("mean_trust", "share_trusting", "service_quality")
_GROUP_OUTCOMES = {  # per-group outcomes each run reports (cosim.outcomes)
    "share_participated_year_low", "share_participated_year_high", "e_participation_rate_low",
    "e_participation_rate_high", "mean_trust_low", "mean_trust_high", "mean_literacy_low",
}


def _build() -> dict[str, Outcome]:
    out = {o.name: o for o in _BASE}
    for base, groups in _BY_GROUP:
        b = out[base]
        for g in groups:
            name = f"{base}_{g}"
            out[name] = replace(b, name=name, label=f"{b.label}, {GROUP_LABELS[g]}",
                                aggregation=b.aggregation if name in _GROUP_OUTCOMES else None)
    for base in _YEAR_MEANS:  # per-run outcomes only: a metric's mean over the last 52 weeks
        b = out[base]
        name = f"{base}_year"
        out[name] = replace(b, name=name, label=f"{b.label}, mean over the last year", aggregation="year", of=base)
    for c in CHANNELS:
        name = f"participation_rate_{c}"
        out[name] = _o(name, f"residents taking part through {CHANNEL_LABELS[c]} in a typical week", "weekly", 1,
                       "participation")
    for way in COMMENT_CHANNELS:
        name = f"share_comments_{way}"
        out[name] = _o(name, f"share of the latest window's IDP comments handed in {COMMENT_CHANNEL_LABELS[way]}",
                       "share", 0, "participation")
    for level in IAP2_LEVELS:
        name = f"participation_rate_{level}"
        out[name] = _o(name, f"residents taking part at the IAP2 level '{level}' in a typical week", "weekly", 1,
                       "participation")
    return out


CATALOGUE: dict[str, Outcome] = _build()


def outcome(name: str) -> Outcome:
    """The catalogue entry of ``name`` (a KeyError names the unknown outcome)."""
    return CATALOGUE[name]


def label(name: str, scenario: Any = None) -> str:
    """The plain-words label of ``name``, with the scenario's trust threshold where the label has one."""
    threshold = 0.5 if scenario is None else scenario.trust.share_trusting_threshold
    return CATALOGUE[name].label.format(threshold=f"{threshold:g}")


# The order of per-run outcomes in tables (runs.parquet, summaries): participation first.
_RUN_ORDER = (
    "share_adopted", "share_online", "participation_rate", "e_participation_rate", "share_participated_year",
    "share_participated_year_low", "share_participated_year_high", "participation_gap", "e_participation_gap",
    "e_participation_rate_low", "e_participation_rate_high", "top1_share", "top10_share", "gini_contributions",
    "share_commented_window", "comments_per_commenter", "comments_per_1000_window", "attendance_per_meeting",
    "mean_trust", "mean_trust_year", "mean_trust_low", "mean_trust_high", "share_trusting", "share_trusting_year",
    "mean_literacy", "mean_literacy_low", "share_hotspot_users", "hotspot_users_per_hotspot_day",
    "share_hotspot_ever", "share_hotspot_capped", "requests_per_1000", "backlog_per_1000", "median_response_weeks",
    "share_dropped", "service_quality", "service_quality_year", "official_skill",
    "official_ict_skill", "spend", "sgi_national", "sgi_organisational", "sgi_service", "sgi_community", "sgi",
)


def run_outcomes() -> dict[str, Aggregation]:
    """Per-run outcomes and how each is aggregated from a run's time series (``final``, ``year``, ``total``)."""
    listed = {name: o.aggregation for name, o in CATALOGUE.items() if o.aggregation is not None}
    assert set(listed) == set(_RUN_ORDER), "every per-run outcome has a place in _RUN_ORDER"
    return {name: listed[name] for name in _RUN_ORDER}


def significant(x: float) -> str:
    """``x`` to 4 significant digits, but with two decimals from 1,000 to 1,000,000.

    A decimal year (a schedule's midpoint, 2015.56) or a count of residents
    keeps its fraction instead of rounding to 2016.
    """
    return f"{x:.6g}" if 1_000 <= abs(x) < 1_000_000 else f"{x:.4g}"
