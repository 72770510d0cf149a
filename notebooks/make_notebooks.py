"""Write the teaching notebooks (``notebooks/*.ipynb``) from the cells below.

Edit the cells here and run ``python notebooks/make_notebooks.py``: the
notebooks are written with nbformat, outputs stripped, so the repository holds
only code and text.  Every notebook reads results through the ``cosim``
package (no model logic of its own) and has a size knob: the environment
variable ``COSIM_NOTEBOOK_SIZE`` is ``small`` in CI (``tests/test_notebooks.py``)
and ``full`` by default.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
# Parameters. CI runs every notebook small (COSIM_NOTEBOOK_SIZE=small); in class use "full".
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import cosim

SIZE = os.environ.get("COSIM_NOTEBOOK_SIZE", "full")
N_CITIZENS, STEPS, REPLICATIONS = {"small": (400, 104, 2), "full": (3000, 260, 8)}[SIZE]
SCENARIOS = Path(cosim.__file__).resolve().parent.parent / "scenarios"
BASELINE = SCENARIOS / "baseline.toml"
SMALL = {"run.n_citizens": N_CITIZENS, "run.steps": STEPS}
plt.rcParams.update({"figure.figsize": (9, 4), "axes.grid": True, "grid.alpha": 0.3})
print(f"size {SIZE}: {N_CITIZENS:,} citizens, {STEPS} weeks, {REPLICATIONS} replications")"""


def tour() -> list:
    return [
        new_markdown_cell(
            "# A quick tour of cosim\n\n"
            "cosim simulates citizens, officials and ICT nodes in a South African municipality over "
            "one five-year IDP cycle (260 weekly steps). This notebook loads a scenario, runs it, looks "
            "at the agents with Mesa's `AgentSet`, and plots what happened. Every number comes from the "
            "`cosim` package; the notebook only asks and draws."
        ),
        new_code_cell(SETUP),
        new_markdown_cell(
            "## 1. A scenario is a validated, frozen set of parameters\n\n"
            "Scenario files (TOML) list only what differs from the schema's defaults; `load_scenario` "
            "validates them, and overrides use dotted paths. Every parameter is declared once, with its "
            "unit, range and source, in `cosim.scenario.schema`."
        ),
        new_code_cell(
            "from cosim import load_scenario\n"
            "from cosim.scenario.schema import parameter_table\n\n"
            "scenario = load_scenario(BASELINE, SMALL)\n"
            'print(scenario.name, "-", scenario.description)\n'
            'table = pd.DataFrame(parameter_table()).set_index("path")\n'
            'table.loc[[p for p in table.index if p.startswith("wifi.")], ["default", "min", "max", "unit", "source"]]'
        ),
        new_markdown_cell(
            "## 2. Run it\n\n"
            "`CoProductionModel` is a Mesa model; one `step()` is one week. `timeseries()` is a tidy "
            "table: one row per week and municipality, plus a `region` row."
        ),
        new_code_cell(
            "from cosim import CoProductionModel\n\n"
            "model = CoProductionModel(scenario, rng=1)\n"
            "model.run()\n"
            "df = model.timeseries()\n"
            'region = df[df["municipality"] == "region"].set_index("step")\n'
            'print(f"{model.week} weeks, {len(df)} rows, {len(df.columns)} columns")\n'
            'region[["share_online", "share_adopted", "share_participated_year", "mean_trust", "sgi"]].tail()'
        ),
        new_markdown_cell(
            "## 3. Look at the agents with AgentSet\n\n"
            "Citizens are real Mesa agents, views of the model's arrays. `select`, `groupby`, `agg` and "
            "`get` work as in any Mesa model."
        ),
        new_code_cell(
            "from cosim import Citizen, ICTNode, Official\n\n"
            "citizens = model.agents_by_type[Citizen]\n"
            'low = citizens.select(lambda c: c.income == "low")\n'
            'print(f"{len(citizens):,} citizens, {len(low):,} with low income")\n'
            'print("one of them:", low.to_list()[0])\n'
            "by_income = pd.DataFrame({\n"
            '    "citizens": citizens.groupby("income").count(),\n'
            '    "mean trust": citizens.groupby("income").agg("trust", np.mean),\n'
            '    "mean literacy": citizens.groupby("income").agg("literacy", np.mean),\n'
            '    "use e-participation": citizens.groupby("income").agg("adopted", np.mean),\n'
            '}).loc[["low", "mid", "high"]]\n'
            "by_income.round(3)"
        ),
        new_code_cell(
            "nodes = model.agents_by_type[ICTNode]\n"
            "officials = model.agents_by_type[Official]\n"
            'print("ICT nodes by kind:", nodes.groupby("kind").count())\n'
            "active = officials.select(lambda o: o.active)\n"
            'print(f"{len(active)} of {len(officials)} official posts filled; "\n'
            "      f\"mean ICT skill {active.agg('ict_skill', np.mean):.2f}\")"
        ),
        new_markdown_cell("## 4. Where the citizens live, and whom they trust"),
        new_code_cell(
            "fig, ax = plt.subplots(figsize=(8, 6))\n"
            'sc = ax.scatter(citizens.get("x"), citizens.get("y"), c=citizens.get("trust"), cmap="RdYlGn",\n'
            "                vmin=0, vmax=1, s=8)\n"
            'kinds = np.array(nodes.get("kind"))\n'
            'for kind, marker in (("access_centre", "s"), ("service_centre", "^")):\n'
            "    k = kinds == kind\n"
            '    ax.scatter(np.array(nodes.get("x"))[k], np.array(nodes.get("y"))[k], marker=marker, s=80,\n'
            '               facecolor="white", edgecolor="black", label=kind.replace("_", " "))\n'
            'fig.colorbar(sc, label="trust in the municipality")\n'
            'ax.set(xlabel="km east", ylabel="km north", title="Citizens coloured by trust; the core is richer")\n'
            'ax.set_aspect("equal")\n'
            'ax.legend(loc="upper right");'
        ),
        new_markdown_cell("## 5. What happened over the run"),
        new_code_cell(
            "fig, axes = plt.subplots(1, 2, figsize=(12, 4))\n"
            'for g, colour in (("low", "#d95f02"), ("mid", "#7570b3"), ("high", "#1b9e77")):\n'
            '    axes[0].plot(region.index, 100 * region[f"share_adopted_{g}"], label=f"{g} income", color=colour)\n'
            '    axes[1].plot(region.index, region[f"mean_trust_{g}"], label=f"{g} income", color=colour)\n'
            'axes[0].set(title="Use of e-participation (%)", xlabel="week")\n'
            'axes[1].set(title="Mean trust (0-1)", xlabel="week")\n'
            "for ax in axes:\n"
            "    ax.legend()"
        ),
        new_code_cell('from cosim import outcomes\n\npd.Series(outcomes(df)).round(3).to_frame("outcome of this run")'),
        new_markdown_cell(
            "**Next**: `02_policy_comparison.ipynb` compares policies over replications; the dashboard "
            "(`cosim dashboard`) runs the same model live in a browser."
        ),
    ]


def comparison() -> list:
    return [
        new_markdown_cell(
            "# Comparing policies, fairly\n\n"
            "`cosim.compare.compare` runs each scenario several times. Replication *k* of every scenario "
            "uses the same seed (common random numbers), so the paired difference from the baseline is "
            "the policy's effect, not the noise between two random towns. Intervals are 95% Student t "
            "intervals over replications."
        ),
        new_code_cell(SETUP),
        new_code_cell(
            "from cosim import load_scenario\n"
            "from cosim.analysis.compare import compare\n\n"
            "POLICIES = {\n"
            '    "baseline": {},\n'
            '    "wifi_equity": {"wifi.hotspots": 100, "wifi.placement": "equity"},\n'
            '    "wifi_central": {"wifi.hotspots": 100, "wifi.placement": "central"},\n'
            '    "campaign": {"campaign.reach_per_week": 0.02},\n'
            '    "open_data": {"open_data.level": 1.0},\n'
            '    "bundle": {"wifi.hotspots": 100, "wifi.placement": "equity", "campaign.reach_per_week": 0.02,\n'
            '               "open_data.level": 1.0, "training.seats_per_week": 300, "training.targeting": "low_literacy"},\n'
            "}\n"
            'scenarios = [load_scenario(BASELINE, {**SMALL, "name": name, **levers})\n'
            "             for name, levers in POLICIES.items()]\n"
            "result = compare(scenarios, replications=REPLICATIONS, workers=1, progress=False)\n"
            'print(f"{len(result.outcomes)} runs in {result.wall_time_s:.1f} s; reference: {result.reference}")'
        ),
        new_markdown_cell("## The effects, with intervals"),
        new_code_cell(
            'HEADLINE = ["share_online", "share_adopted", "share_participated_year", "share_participated_year_low",\n'
            '            "mean_trust", "sgi"]\n'
            "s = result.summary\n"
            'effects = s[s["outcome"].isin(HEADLINE) & (s["scenario"] != result.reference)]\n'
            'effects.pivot(index="outcome", columns="scenario", values="diff").loc[HEADLINE].round(4)'
        ),
        new_code_cell(
            "fig, axes = plt.subplots(1, 3, figsize=(14, 4))\n"
            'for ax, outcome in zip(axes, ["share_online", "share_participated_year_low", "mean_trust"]):\n'
            '    e = effects[effects["outcome"] == outcome]\n'
            '    lo = e["diff"] - e["diff_ci_low"]\n'
            '    hi = e["diff_ci_high"] - e["diff"]\n'
            '    ax.barh(e["scenario"], e["diff"], xerr=[lo, hi], color="#1f78b4", alpha=0.8)\n'
            '    ax.axvline(0, color="black", lw=0.8)\n'
            '    ax.set_title(f"{outcome}\\n(policy minus baseline, 95% CI)", fontsize=10)\n'
            "fig.tight_layout()"
        ),
        new_markdown_cell(
            "## Over time\n\n`result.runs` holds every run's time series; the mean over replications per "
            "week shows when a policy starts to pay."
        ),
        new_code_cell(
            'runs = result.runs[result.runs["municipality"] == "region"]\n'
            'mean = runs.groupby(["scenario", "step"])[["share_online", "share_adopted", "share_online_low"]].mean()\n'
            "fig, axes = plt.subplots(1, 3, figsize=(14, 4), sharex=True)\n"
            "for name in POLICIES:\n"
            "    m = mean.loc[name]\n"
            '    style = dict(color="black", lw=2) if name == "baseline" else {}\n'
            '    axes[0].plot(m.index, 100 * m["share_online"], label=name, **style)\n'
            '    axes[1].plot(m.index, 100 * m["share_online_low"], label=name, **style)\n'
            '    axes[2].plot(m.index, 100 * m["share_adopted"], label=name, **style)\n'
            'for ax, title in zip(axes, ["online this week (%)", "low income online (%)", "use e-participation (%)"]):\n'
            '    ax.set(title=title, xlabel="week")\n'
            "axes[0].legend(fontsize=8);"
        ),
        new_markdown_cell("## What it costs"),
        new_code_cell(
            'budget = result.budget.groupby(["scenario", "lever"])["spend"].sum().unstack(fill_value=0) / 1e6\n'
            "budget.round(2)  # Rand million over the run, per municipality"
        ),
        new_code_cell("result.cost_effectiveness.round(3)"),
        new_markdown_cell(
            "**Read with care**: at the small size CI uses, intervals are wide. In class, set "
            "`COSIM_NOTEBOOK_SIZE=full` (3,000 citizens, 260 weeks, 8 replications), or run "
            "`cosim compare` from the command line for a full report."
        ),
    ]


def sensitivity() -> list:
    return [
        new_markdown_cell(
            "# Which parameters matter? Morris screening\n\n"
            "Morris elementary effects (Morris 1991; Campolongo et al. 2007) move one input at a time along "
            "random trajectories: **mu\\*** is the mean absolute effect of an input over its range (in "
            "outcome units), **sigma** the spread of its effects (non-linearity or interactions). This "
            "notebook runs a tiny screening of six policy levers through `cosim sensitivity` (the "
            "experiment runner and SALib) and reads its results folder. For the full screening of every "
            "parameter run `cosim sensitivity experiments/morris_screening.toml --workers 2` and point "
            "`COSIM_SENSITIVITY_RESULTS` at its folder."
        ),
        new_code_cell(SETUP),
        new_code_cell(
            "import textwrap\n\n"
            "from cosim.cli import main as cosim_cli\n\n"
            'OUT = Path(os.environ.get("COSIM_NOTEBOOK_OUT", "results/notebooks")).resolve() / "lever_screening"\n'
            'TRAJECTORIES = {"small": 4, "full": 12}[SIZE]\n'
            'OUTCOMES = ["share_adopted", "share_participated_year", "participation_gap", "mean_trust", "sgi"]\n'
            "LEVERS = {  # dotted path: (min, max, integer); ranges are the schema's plausible ranges\n"
            '    "wifi.hotspots": (0, 200, True), "open_data.level": (0.0, 1.0, False),\n'
            '    "talent.salary_premium": (0.0, 0.3, False), "training.seats_per_week": (0.0, 1000.0, False),\n'
            '    "security.legal_strength": (0.0, 1.0, False), "campaign.reach_per_week": (0.0, 0.05, False),\n'
            "}\n"
            'factors = "".join(f\'\\n[[factors]]\\npath = "{p}"\\nmin = {lo}\\nmax = {hi}\\ninteger = {str(i).lower()}\\n\'\n'
            "                  for p, (lo, hi, i) in LEVERS.items())\n"
            'experiment = textwrap.dedent(f"""\\\n'
            "    [experiment]\n"
            '    name = "lever_screening"\n'
            '    base = "{BASELINE.as_posix()}"\n'
            '    design = "morris"\n'
            "    samples = {TRAJECTORIES}\n"
            "    levels = 4\n"
            "    replications = {max(1, REPLICATIONS // 2)}\n"
            "    root_seed = 20261201\n"
            "    outcomes = {OUTCOMES!r}\n"
            "    [experiment.constants]\n"
            '    "run.n_citizens" = {N_CITIZENS}\n'
            '    "run.steps" = {STEPS}\n'
            '    "municipality.over_budget" = "scale"\n'
            '    """) + factors\n'
            "OUT.mkdir(parents=True, exist_ok=True)\n"
            'file = OUT.parent / "lever_screening.toml"\n'
            "file.write_text(experiment)\n"
            "print(experiment)"
        ),
        new_code_cell(
            'RESULTS = os.environ.get("COSIM_SENSITIVITY_RESULTS")\n'
            "if RESULTS:  # a screening you ran before, e.g. results/morris_screening\n"
            '    folder = Path(RESULTS) / "sensitivity"\n'
            "else:\n"
            '    status = cosim_cli(["sensitivity", str(file), "--out", str(OUT), "--quiet"])\n'
            '    assert status == 0, f"cosim sensitivity exited with {status}"\n'
            '    folder = OUT / "sensitivity"\n'
            'indices = pd.read_csv(folder / "indices.csv")\n'
            "indices.head()"
        ),
        new_markdown_cell("## mu\\* per lever and outcome"),
        new_code_cell(
            'mu_star = (indices[indices["kind"] == "mu_star"]\n'
            '           .pivot(index="parameter", columns="outcome", values="value"))\n'
            "mu_star.round(4)"
        ),
        new_code_cell(
            "%matplotlib inline\n"
            "# (the line above restores inline figures: cosim.reports.sensitivity, which draws the report figures, selects the Agg backend on import)\n"
            "from cosim.analysis.sensitivity import classify_morris\n\n"
            "fig, axes = plt.subplots(1, len(OUTCOMES), figsize=(3.2 * len(OUTCOMES), 3.6), sharey=True)\n"
            "for ax, outcome in zip(axes, OUTCOMES):\n"
            '    table = classify_morris(indices[indices["outcome"] == outcome]).sort_index()\n'
            '    colours = np.where(table["influential"], "#b2182b", "#9e9e9e")\n'
            '    ax.barh(table.index, table["mu_star"], xerr=table["mu_star_conf"], color=colours)\n'
            "    ax.set_title(outcome, fontsize=9)\n"
            'fig.suptitle("Morris mu* (red: influential); bars are bootstrap 95% intervals")\n'
            "fig.tight_layout()"
        ),
        new_markdown_cell(
            "**Reading it**: a lever with a small mu\\* barely moves that outcome over its whole range; a "
            "sigma close to mu\\* means the effect depends on the other levers. With the few trajectories "
            "of the small size the intervals are wide: the ranking, not the decimals, is the lesson. "
            "`report.html` in the results folder explains each figure."
        ),
        new_code_cell("sorted(p.name for p in folder.iterdir())"),
    ]


def teaching() -> list:
    return [
        new_markdown_cell(
            "# Teaching: trust asymmetry and the digital divide\n\n"
            "Two patterns the model was built to reproduce (MODEL.md s1):\n\n"
            "1. **Trust asymmetry** (Slovic 1993; Poortinga & Pidgeon 2004): bad news lowers trust more "
            "than equally good news raises it. After a data breach trust falls in a week and climbs back "
            "for years.\n"
            "2. **The digital divide**: online participation rises with income and digital literacy; "
            "offline channels (USSD, ward meetings) narrow the gap.\n\n"
            "Every run below uses the package (`simulate`, `run_seed`, `compare`); replication *k* has the "
            "same seed in every scenario, so differences are the policy's."
        ),
        new_code_cell(SETUP),
        new_code_cell(
            "from cosim import load_scenario, run_seed, simulate\n\n"
            "SEEDS = [run_seed(1, k) for k in range(REPLICATIONS)]\n\n\n"
            "def region_mean(overrides, metrics):\n"
            '    """Mean over the replications of the region\'s weekly metrics."""\n'
            "    scenario = load_scenario(BASELINE, {**SMALL, **overrides})\n"
            "    frames = [simulate(scenario, seed) for seed in SEEDS]\n"
            "    runs = pd.concat(frames)\n"
            '    return runs[runs["municipality"] == "region"].groupby("step")[metrics].mean()'
        ),
        new_markdown_cell(
            "## 1. A breach at week 52\n\nRandom breaches are switched off (`infosec.breach_hazard = 0`) so "
            "the only shock is the one we schedule."
        ),
        new_code_cell(
            'BREACH = {"events": [{"kind": "breach", "step": 52}], "infosec.breach_hazard": 0.0}\n'
            'calm = region_mean({"infosec.breach_hazard": 0.0}, ["mean_trust", "share_adopted"])\n'
            'breach = region_mean(BREACH, ["mean_trust", "share_adopted"])\n'
            'protected = region_mean({**BREACH, "security.legal_strength": 1.0}, ["mean_trust", "share_adopted"])\n\n'
            "fig, axes = plt.subplots(1, 2, figsize=(13, 4))\n"
            'for frame, label, colour in ((calm, "no breach", "grey"), (breach, "breach at week 52", "#d62728"),\n'
            '                             (protected, "breach, full legal framework", "#1f78b4")):\n'
            '    axes[0].plot(frame.index, frame["mean_trust"], label=label, color=colour)\n'
            '    axes[1].plot(frame.index, 100 * frame["share_adopted"], label=label, color=colour)\n'
            "for ax in axes:\n"
            '    ax.axvline(52, color="#d62728", ls="--", lw=0.8)\n'
            '    ax.set_xlabel("week")\n'
            'axes[0].set_title("Mean trust (0-1)")\n'
            'axes[1].set_title("Use of e-participation (%)")\n'
            "axes[0].legend();"
        ),
        new_markdown_cell(
            "How fast down, how slow up? The drop is measured from week 52 to 53 against the calm run; "
            "recovery is the number of weeks until half of that gap has closed."
        ),
        new_code_cell(
            "def drop_and_recovery(shocked, calm, week=52):\n"
            '    gap = calm["mean_trust"] - shocked["mean_trust"]\n'
            "    drop = gap.loc[week + 1]\n"
            "    after = gap.loc[week + 1:]\n"
            "    healed = after[after <= drop / 2]\n"
            "    weeks = int(healed.index[0] - (week + 1)) if len(healed) else None\n"
            "    return drop, weeks\n\n"
            "rows = []\n"
            'for label, frame in (("breach", breach), ("breach, full legal framework", protected)):\n'
            "    drop, weeks = drop_and_recovery(frame, calm)\n"
            '    rows.append({"run": label, "trust lost in one week": round(drop, 4),\n'
            '                 "weeks to win back half": weeks if weeks is not None else f"> {STEPS - 53}"})\n'
            "pd.DataFrame(rows)"
        ),
        new_markdown_cell(
            "**Why the asymmetry?** Each participant compares what they got with what they expected and "
            "moves trust toward it at rate `alpha_plus` when pleasantly surprised and `alpha_minus` when "
            "disappointed, with `alpha_minus > alpha_plus`. Make the two equal and see what the "
            "asymmetry costs in trust."
        ),
        new_code_cell(
            "from cosim.scenario.schema import TrustConfig\n\n"
            "a_plus = TrustConfig().alpha_plus\n"
            'asymmetric = region_mean({}, ["mean_trust"])\n'
            'symmetric = region_mean({"trust.alpha_minus": a_plus}, ["mean_trust"])\n'
            "fig, ax = plt.subplots()\n"
            'ax.plot(asymmetric.index, asymmetric["mean_trust"], label=f"alpha_minus = {TrustConfig().alpha_minus} (default)")\n'
            'ax.plot(symmetric.index, symmetric["mean_trust"], label=f"alpha_minus = alpha_plus = {a_plus}")\n'
            'ax.set(title="Mean trust with and without asymmetric updating", xlabel="week")\n'
            "ax.legend();"
        ),
        new_markdown_cell("## 2. Who is left out"),
        new_code_cell(
            "from cosim.analysis.compare import compare\n\n"
            "DIVIDE = {\n"
            '    "today": {},\n'
            '    "online only": {"channels.ussd": False, "channels.ward_meetings": False},\n'
            '    "wifi, central": {"wifi.hotspots": 100, "wifi.placement": "central"},\n'
            '    "wifi, equity": {"wifi.hotspots": 100, "wifi.placement": "equity"},\n'
            "}\n"
            'result = compare([load_scenario(BASELINE, {**SMALL, "name": n.replace(" ", "_").replace(",", ""), **o})\n'
            "                  for n, o in DIVIDE.items()], replications=REPLICATIONS, workers=1, progress=False)\n"
            'means = result.outcomes.groupby("scenario").mean(numeric_only=True)\n'
            'groups = ["low", "mid", "high"]\n'
            "table = pd.DataFrame({\n"
            '    **{f"online {g} (%)": 100 * means[f"share_online_{g}"] for g in groups},\n'
            '    **{f"took part {g} (%)": 100 * means[f"share_participated_year_{g}"] for g in groups},\n'
            "}).loc[result.names]\n"
            "table.round(1)"
        ),
        new_code_cell(
            "fig, axes = plt.subplots(1, 2, figsize=(13, 4), sharey=False)\n"
            "x = np.arange(len(result.names))\n"
            'for j, (g, colour) in enumerate(zip(groups, ("#d95f02", "#7570b3", "#1b9e77"))):\n'
            '    axes[0].bar(x + (j - 1) * 0.27, table[f"online {g} (%)"], 0.27, label=f"{g} income", color=colour)\n'
            '    axes[1].bar(x + (j - 1) * 0.27, table[f"took part {g} (%)"], 0.27, label=f"{g} income", color=colour)\n'
            'for ax, title in zip(axes, ["Online in a typical week (%)", "Took part in the last year (%)"]):\n'
            "    ax.set_xticks(x, result.names, rotation=15)\n"
            "    ax.set_title(title)\n"
            "axes[0].legend();"
        ),
        new_markdown_cell(
            "**Questions for the class**\n\n"
            "1. Which income group loses most when the municipality goes online only?\n"
            "2. Free Wi-Fi brings people online; does it bring them to participate? What else is "
            "missing (literacy, trust, awareness)?\n"
            "3. Equity-first placement versus central placement: who gains in each case, and what does "
            "that say about where infrastructure goes by default?\n"
            "4. After a breach, is it cheaper to prevent the next one or to win the trust back?"
        ),
    ]


NOTEBOOKS = {
    "01_quick_tour.ipynb": tour,
    "02_policy_comparison.ipynb": comparison,
    "03_sensitivity.ipynb": sensitivity,
    "04_teaching_trust_and_divide.ipynb": teaching,
}


def write_all(folder: Path = HERE) -> list[Path]:
    """Write every notebook (outputs stripped); return the paths."""
    paths = []
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(
            cells=cells(),
            metadata={
                "kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
                "language_info": {"name": "python"},
            },
        )
        nbformat.validate(nb)
        path = folder / name
        nbformat.write(nb, path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_all():
        print(p)
