"""Compile every kernel once and cache it on disk: ``python -m cosim.model.kernels``.

``make setup`` runs this after installing, so that the first model a user
builds does not stop for the compiler (about 30 s on a 2-core machine; later
processes load the cached machine code in well under a second).  It builds and
runs a few weeks of small models that between them call every kernel: every
lever on in two municipalities (scenarios/all_levers.toml) and the trends of
2010-2030 (scenarios/baseline_2010_2030.toml).
"""

from __future__ import annotations

import sys
import time

from cosim.model.model import CoProductionModel
from cosim.scenario.library import scenario_path
from cosim.scenario.loading import load_scenario


def main() -> int:
    start = time.perf_counter()
    print("cosim: compiling the model's kernels (once; cached for later runs) ...", file=sys.stderr, flush=True)
    for name in ("all_levers", "baseline_2010_2030"):
        path = scenario_path(name)
        if path is None:
            continue
        model = CoProductionModel(load_scenario(path, {"run.n_citizens": 300, "run.burn_in_weeks": 4}), rng=1)
        model.run(56)  # an IDP window, a budget year
        model.timeseries()
    print(f"cosim: kernels ready ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
