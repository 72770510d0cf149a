"""Reproduce the dashboard's two runs per scenario and print what the teaching notes claim.

For every scenario table in ``cosim/dashboard/notes.toml`` that has a scenario file,
this builds the page's :class:`~cosim.dashboard.session.Dashboard` exactly as
``cosim dashboard`` does (the file's seed, the default 5,000 citizens, no page
settings), runs both runs (policy and baseline) to the horizon and prints:

- breach weeks (scheduled and random) in each run, as the page's event marks name them;
- headline levels at weeks 0, 52, 104, 156, 208 and the horizon: baseline, policy, gap;
- the trust drop at each breach (mean trust just before, lowest within 8 weeks after);
- the yearly pattern of weekly participation (week of the year with the highest mean);
- online share by income group (for the Wi-Fi notes).

Usage::

    PYTHONPATH=. .venv/bin/python benchmarks/check_dashboard_notes.py [name ...] [--citizens N]

Histories are cached in ``results/check_dashboard_notes/<name>.npz`` (``--fresh`` reruns).
"""

from __future__ import annotations

import argparse
import tomllib
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from cosim.dashboard.session import DEFAULT_CITIZENS, NOTES_FILE, SCENARIO_DIR, Dashboard

CACHE = Path(__file__).resolve().parent.parent / "results" / "check_dashboard_notes"
WEEKS = (0, 52, 104, 156, 208, 260)
METRICS = (
    "share_participated_year",
    "share_participated_year_low",
    "share_participated_year_high",
    "participation_rate",
    "share_adopted",
    "share_adopted_low",
    "share_online",
    "share_online_low",
    "share_online_high",
    "mean_literacy",
    "mean_literacy_low",
    "e_participation_rate_low",
    "e_participation_rate_high",
    "share_adopted_high",
    "mean_trust",
    "mean_trust_low",
    "share_trusting",
    "service_quality",
    "backlog_per_1000",
    "median_response_weeks",
    "share_dropped",
    "share_commented_window",
    "comments_per_commenter",
    "attendance_per_meeting",
    "officials_active",
    "official_skill",
    "official_ict_skill",
    "open_data_value",
    "mean_privacy",
    "sgi",
    "spend_cumulative",
    "share_hotspot_users",
    "hotspot_users_per_hotspot_day",
    "share_hotspot_ever",
    "share_hotspot_capped",
)


def run(name: str, citizens: int, fresh: bool) -> Path:
    out = CACHE / f"{name}_{citizens}.npz"
    if out.exists() and not fresh:
        return out
    d = Dashboard(SCENARIO_DIR / f"{name}.toml", n_citizens=citizens)
    d.sim.step(d.sim.horizon)
    f = d.sim.frame(with_map=False)
    arrays = {f"p_{k}": v for k, v in f.policy.items()} | {f"b_{k}": v for k, v in f.baseline.items()}
    arrays["p_breach_weeks"] = np.array(f.breaches, dtype=int)
    arrays["b_breach_weeks"] = np.array(f.baseline_breaches, dtype=int)
    arrays["scheduled"] = np.array(f.scheduled_breaches, dtype=int)
    arrays["seed"] = np.array(d.seed)
    arrays["n"] = np.array(d.sim.policy.n)
    arrays["hazard"] = np.array(d.breach_hazard())
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(out, **arrays)
    return out


def report(name: str, path: Path) -> None:
    z = np.load(path)
    p = {k[2:]: z[k] for k in z.files if k.startswith("p_")}
    b = {k[2:]: z[k] for k in z.files if k.startswith("b_")}
    horizon = len(p["mean_trust"]) - 1
    print(f"\n=== {name}  (seed {int(z['seed'])}, {int(z['n'])} citizens, {horizon} weeks)")
    hb, hp = z["hazard"]
    print(f"random-breach hazard/week: baseline {hb:.4%}, policy {hp:.4%}")
    print(
        f"breach weeks: policy {list(p['breach_weeks'])}, baseline {list(b['breach_weeks'])}, scheduled {list(z['scheduled'])}"
    )
    weeks = [w for w in WEEKS if w <= horizon] + ([horizon] if horizon not in WEEKS else [])
    print(f"{'metric':32s} " + " ".join(f"{'wk' + str(w):>22s}" for w in weeks))
    for m in METRICS:
        if m not in p:
            continue
        cells = []
        for w in weeks:
            bv, pv = b[m][w], p[m][w]
            cells.append(f"{bv:7.4g}/{pv:7.4g} {pv - bv:+7.3g}")
        print(f"{m:32s} " + " ".join(f"{c:>22s}" for c in cells))
    # mean gap over the last year
    print("mean gap over the last 52 weeks:")
    for m in METRICS:
        if m in p:
            print(f"  {m:32s} {np.mean(p[m][-52:] - b[m][-52:]):+.4g}")
    for label, h in (("policy", p), ("baseline", b)):
        for w in h["breach_weeks"]:
            before = h["mean_trust"][w]
            after = h["mean_trust"][w + 1 : w + 10]
            low = after.min()
            one = h["mean_trust"][min(w + 1, horizon)]
            back = h["mean_trust"][min(w + 52, horizon)]
            print(
                f"  {label} breach wk {w}: trust {before:.4f} -> {one:.4f} after a week (min {low:.4f} within 9), "
                f"drop {100 * (before - low):.2f} pts; a year later {back:.4f}; "
                f"online {h['share_online'][w]:.3f}->{h['share_online'][w + 1]:.3f}; "
                f"e-part/wk {h['e_participation_rate'][w]:.4f}->{h['e_participation_rate'][w + 1]:.4f}; "
                f"privacy {h['mean_privacy'][w]:.3f}->{h['mean_privacy'][min(w + 2, horizon)]:.3f}"
            )
    # yearly rhythm of weekly participation (baseline run)
    rate = b["participation_rate"][1:]
    years = len(rate) // 52
    if years:
        by_week = rate[: years * 52].reshape(years, 52).mean(axis=0)
        top = np.argsort(by_week)[::-1][:8]
        print(
            f"weekly participation by week of the year (baseline, mean of {years} years): "
            f"median {np.median(by_week):.4f}, highest weeks {sorted(int(t) for t in top)} "
            f"({by_week[top].min():.4f} to {by_week[top].max():.4f})"
        )


def detail(name: str, citizens: int) -> None:
    """Step the page's runs week by week: who a breach hurts, and each municipality's levels."""
    d = Dashboard(SCENARIO_DIR / f"{name}.toml", n_citizens=citizens)
    sim = d.sim
    rows: dict[str, list] = {"policy": [], "baseline": []}

    def snap(m) -> tuple:
        muni = m.wards.municipality[m.ward]
        k = m.n_muni
        per = [
            (
                float(m.trust[muni == j].mean()),
                float(m.online[muni == j].mean()),
                float(
                    np.average(
                        m.wards.quality[m.wards.municipality == j], weights=m.wards.size[m.wards.municipality == j]
                    )
                ),
            )
            for j in range(k)
        ]
        users = m.adopted.astype(bool)
        return float(m.trust[users].mean()) if users.any() else np.nan, float(m.trust[~users].mean()), per

    for _ in range(sim.horizon + 1):
        rows["policy"].append(snap(sim.policy))
        rows["baseline"].append(snap(sim.baseline))
        if not sim.step(1):
            break
    f = sim.frame(with_map=False)
    print(f"\n--- {name}: detail")
    for label, weeks in (("policy", f.breaches), ("baseline", f.baseline_breaches)):
        r = rows[label]
        for w in weeks:
            (u0, n0, _), (u1, n1, _) = r[w], r[w + 1]
            print(
                f"  {label} breach wk {w}: e-service users' trust {u0:.4f} -> {u1:.4f} ({100 * (u1 - u0):+.2f} pts), "
                f"others {n0:.4f} -> {n1:.4f} ({100 * (n1 - n0):+.2f} pts)"
            )
    k = sim.policy.n_muni
    if k > 1:
        print(f"  municipality wealth {sim.policy.municipalities.wealth}")
        for label in ("baseline", "policy"):
            for w in (0, 52, sim.horizon):
                per = rows[label][w][2]
                cells = "; ".join(
                    f"m{j}: trust {t:.3f} online {o:.3f} quality {q:.3f}" for j, (t, o, q) in enumerate(per)
                )
                print(f"  {label} wk {w}: {cells}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*")
    ap.add_argument("--citizens", type=int, default=DEFAULT_CITIZENS)
    ap.add_argument("--fresh", action="store_true")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument(
        "--detail", action="store_true", help="step week by week: breach harm by e-service use, per municipality"
    )
    args = ap.parse_args()
    with NOTES_FILE.open("rb") as fh:
        notes = tomllib.load(fh)
    names = args.names or [n for n in notes if (SCENARIO_DIR / f"{n}.toml").exists()]
    with ProcessPoolExecutor(args.jobs) as pool:
        paths = list(pool.map(run, names, [args.citizens] * len(names), [args.fresh] * len(names)))
    for name, path in zip(names, paths, strict=True):
        report(name, path)
    if args.detail:
        for name in names:
            detail(name, args.citizens)


if __name__ == "__main__":
    main()
