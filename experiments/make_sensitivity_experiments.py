"""Write the two sensitivity experiment files from the schema (the single source of truth).

    .venv/bin/python experiments/make_sensitivity_experiments.py          # rewrite both files
    .venv/bin/python experiments/make_sensitivity_experiments.py --check  # exit 1 if they are stale

Ranges come from each parameter's ``sa_range`` in ``cosim.scenario.schema`` (its
plausible range for sensitivity analysis); switch-like parameters (a choice of
kinds, on/off) become discrete ``values`` lists from their type.  A test checks
that the committed files equal this script's output, so a changed range in the
schema cannot silently drift from the experiments.
"""

from __future__ import annotations

import sys
import typing
from pathlib import Path
from typing import Any, Literal

from cosim.scenario.schema import iter_parameters, parameter_table

HERE = Path(__file__).resolve().parent

# ---- sobol_policies: the policy levers and the behavioural parameters they act through.
# Levers (EMA Workbench's word): every lever with an intensity, plus the switches
# a council actually chooses (where hotspots go, how far up the IAP2 ladder it
# engages, whether it runs a USSD/SMS channel).  Security investment and legal
# strength form one group, "security": the lever package of MODEL.md section 4.
SOBOL_LEVERS = (
    "wifi.hotspots", "wifi.placement", "open_data.level", "talent.salary_premium",
    "training.seats_per_week", "security.investment_rand", "security.legal_strength",
    "campaign.reach_per_week", "channels.iap2_level", "channels.ussd",
)
SOBOL_GROUPS = {"security.investment_rand": "security", "security.legal_strength": "security"}
# Uncertainties: the behavioural parameters each lever works through (imitation
# in adoption, privacy calculus, trust asymmetry, efficacy of taking part).
SOBOL_UNCERTAINTIES = (
    "adoption.q", "adoption.beta_privacy", "trust.alpha_minus", "participation.efficacy_weight",
)
# Participation, equity (the low-income share taking part), trust, co-production
# (backlog) and the smart-governance index.  A pilot (16 base samples x 2
# replications) measured run-to-run noise at 2,000 citizens: under 15 % of a
# run's variance for these, except mean trust (75 %), which is kept because it
# is the question researchers ask; the report shows its noise floor.
SOBOL_OUTCOMES = (
    "share_adopted", "share_participated_year", "share_participated_year_low", "mean_trust",
    "backlog_per_1000", "sgi",
)

# Cross-parameter rules of the schema that independent ranges could break:
# (lower, upper) means upper >= lower must hold at every design point, so the
# upper parameter's range starts at the lower one's maximum.
ORDERED = (("trust.alpha_plus", "trust.alpha_minus"),)  # trust asymmetry (Slovic 1993)

# run.* sets resolution and horizon (citizens simulated, weeks), not the world:
# it is held fixed, and so is the seed.
MORRIS_EXCLUDE_SECTIONS = ("run",)


def _annotations() -> dict[str, Any]:
    return {path: ann for path, _info, ann in iter_parameters()}


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    if isinstance(v, float):
        return repr(v)
    return str(v)


def factor_ranges(paths: list[str]) -> dict[str, list[float]]:
    """sa_range of each ranged parameter, with the lower end raised where ORDERED requires."""
    rows = {r["path"]: r for r in parameter_table()}
    ranges = {p: list(rows[p]["sa_range"]) for p in paths if rows[p]["sa_range"] is not None}
    for lower, upper in ORDERED:
        if lower in ranges and upper in ranges:
            ranges[upper][0] = max(ranges[upper][0], ranges[lower][1])
    return ranges


def factor_block(path: str, rows: dict[str, dict[str, Any]], anns: dict[str, Any], group: str | None = None,
                 ranges: dict[str, list[float]] | None = None) -> str:
    """One ``[[factors]]`` table: a range from sa_range, or the levels of a choice or switch."""
    ann = anns[path]
    if typing.get_origin(ann) is Literal:
        values = list(typing.get_args(ann))
    elif ann is bool:
        values = [False, True]
    else:
        values = None
    lines = ["[[factors]]", f'path = "{path}"']
    if values is not None:
        lines.append("values = [" + ", ".join(_toml_value(v) for v in values) + "]")
    else:
        lo, hi = (ranges or {}).get(path, rows[path]["sa_range"])
        if rows[path]["type"] == "int":
            lines += [f"min = {int(lo)}", f"max = {int(hi)}", "integer = true"]
        else:
            lines += [f"min = {_toml_value(float(lo))}", f"max = {_toml_value(float(hi))}"]
    if group:
        lines.append(f'group = "{group}"')
    desc = rows[path]["description"].split(". ")[0].rstrip(".")
    unit = rows[path]["unit"]
    return f"# {desc} ({unit})\n" + "\n".join(lines) + "\n" if unit else f"# {desc}\n" + "\n".join(lines) + "\n"


def sobol_policies() -> str:
    rows = {r["path"]: r for r in parameter_table()}
    anns = _annotations()
    head = '''# GENERATED by experiments/make_sensitivity_experiments.py from the schema's sa_range; edit the script.
#
# Which policy levers, and which behavioural parameters they act through, drive
# adoption, participation, equity, trust, the co-production backlog and the
# smart-governance index over one five-year IDP cycle?  Sobol' indices with
# convergence check: cosim sensitivity experiments/sobol_policies.toml --workers 2
#
# Size (wall time measured on a 2-core machine: see docs/sensitivity.md):
# - 14 inputs in 13 groups (security is one), first and total order only:
#   second order would take N (2D + 2) rows instead of N (D + 2).
# - N = 1,024 base samples -> 1,024 x (13 + 2) = 15,360 sample points: the N
#   at which the indices converge (95 % half-widths about 0.1 or less; the
#   report's convergence check says so per outcome).  For a first look, copy
#   this file with samples = 64 (960 points), which ranks the inputs in a few
#   minutes; runs already made are kept when N is raised in the same results
#   folder (the design for N is a prefix of 2N's).
# - 2 replications per point (30,720 runs): the fewest that measure run-to-run
#   noise (the noise share and noise floor in the report); averaging two
#   leaves a floor of a few percent for most outcomes (mean trust's noise share
#   is about 40 %, docs/sensitivity.md; the report says how much of each
#   outcome is noise).
# - 2,000 citizens, 260 weeks (one IDP cycle) after the 52-week burn-in: a run
#   takes about 0.1-0.2 s of CPU with the compiled kernels (issue 16).
# The budget is fixed at R80 m (the top of its plausible range) so every lever
# mix is affordable and no lever is scaled down by another's cost.

[experiment]
name = "sobol_policies"
description = "Sobol' indices of 10 policy levers (9 groups) and 4 behavioural parameters on six outcomes."
base = "../scenarios/baseline.toml"
design = "sobol"
samples = 1024
second_order = false
replications = 2
root_seed = 20261125
outcomes = [''' + ", ".join(f'"{o}"' for o in SOBOL_OUTCOMES) + ''']

[experiment.constants]
"run.n_citizens" = 2000
"run.steps" = 260
"municipality.annual_budget_rand" = 80000000.0
"municipality.over_budget" = "scale"

# ---- levers
'''
    body = "\n".join(factor_block(p, rows, anns, SOBOL_GROUPS.get(p)) for p in SOBOL_LEVERS)
    body += "\n# ---- uncertainties (behavioural parameters)\n"
    body += "\n".join(factor_block(p, rows, anns) for p in SOBOL_UNCERTAINTIES)
    return head + body


def morris_paths() -> list[str]:
    """Every schema parameter with an sa_range, except the run.* settings."""
    return [r["path"] for r in parameter_table()
            if r["sa_range"] is not None and r["path"].split(".")[0] not in MORRIS_EXCLUDE_SECTIONS]


def morris_screening() -> str:
    rows = {r["path"]: r for r in parameter_table()}
    anns = _annotations()
    paths = morris_paths()
    head = f'''# GENERATED by experiments/make_sensitivity_experiments.py from the schema's sa_range; edit the script.
#
# Screening: which of the model's {len(paths)} parameters with a plausible range
# (every schema parameter with an sa_range except run.*) move the outcomes at
# all?  Morris elementary effects, to decide which to vary in a Sobol' study
# and which to fix at their defaults:
#     cosim sensitivity experiments/morris_screening.toml --workers 2
#
# Size: 20 trajectories on a 4-level grid (Campolongo et al. 2007 use 10-20)
# -> 20 x ({len(paths)} + 1) = {20 * (len(paths) + 1):,} sample points, 2 replications each
# ({2 * 20 * (len(paths) + 1):,} runs) at 2,000 citizens for 260 weeks.
# The budget is a factor here, so an over-budget mix is scaled down
# (over_budget = "scale") rather than refused.  trust.alpha_minus starts at
# alpha_plus's maximum ({factor_ranges(paths)["trust.alpha_minus"][0]}) instead of its sa_range's
# {rows["trust.alpha_minus"]["sa_range"][0]}: the schema requires alpha_minus >= alpha_plus.

[experiment]
name = "morris_screening"
description = "Morris screening of every parameter with a plausible range."
base = "../scenarios/baseline.toml"
design = "morris"
samples = 20
levels = 4
replications = 2
root_seed = 20261126
outcomes = [''' + ", ".join(f'"{o}"' for o in SOBOL_OUTCOMES) + ''']

[experiment.constants]
"run.n_citizens" = 2000
"run.steps" = 260
"municipality.over_budget" = "scale"

'''
    ranges = factor_ranges(paths)
    return head + "\n".join(factor_block(p, rows, anns, ranges=ranges) for p in paths)


FILES = {"sobol_policies.toml": sobol_policies, "morris_screening.toml": morris_screening}


def main(argv: list[str]) -> int:
    stale = []
    for name, make in FILES.items():
        text = make()
        path = HERE / name
        if "--check" in argv:
            if not path.is_file() or path.read_text() != text:
                stale.append(name)
        else:
            path.write_text(text)
            print(f"wrote {path}")
    if stale:
        print(f"stale: {', '.join(stale)} (run experiments/make_sensitivity_experiments.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
