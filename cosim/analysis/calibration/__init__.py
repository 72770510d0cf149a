"""Calibration: fit scenario parameters to observed targets (analysis only: no figures, no HTML).

``cosim calibrate TARGETS.csv --scenario FILE --params FILE [--method abc|optimize]
[--budget RUNS] [--workers N | --dask-local N | --dask ADDRESS] [--out DIR]``

- ``TARGETS.csv`` has columns ``metric, step, value, sd``: an observed value of a
  model metric (one of ``cosim.METRICS``, read from the region rows) at a week,
  with its uncertainty (one standard deviation).  Other columns (e.g. ``source``)
  are kept as notes; lines starting with ``#`` are comments.
- The params file (TOML) lists the parameters to fit with their prior ranges,
  the constants held fixed while fitting (e.g. a small ``run.n_citizens``) and
  the settings of the fit::

      [calibration]
      method = "abc"          # or "optimize"; --method wins
      seed = 2024             # root seed of every run and proposal
      replications = 1        # runs per parameter set (their mean is compared)
      population = 100        # ABC particles per generation
      [constants]
      "run.n_citizens" = 2000
      [parameters]
      "population.trust_mean" = [0.30, 0.60]                      # uniform prior
      "adoption.q" = { min = 0.003, max = 0.03, scale = "log" }   # log-uniform

The distance between a run and the targets is the root mean square of the
standardised errors, ``d = sqrt(mean_k ((model_k - value_k) / sd_k)^2)``, with
``model_k`` the mean over the replications.

Methods:

- ``abc``: approximate Bayesian computation by sequential Monte Carlo
  (ABC-SMC; Toni et al. 2009, J. R. Soc. Interface 6:187; population Monte
  Carlo weights, Beaumont, Cornuet, Marin & Robert 2009, Biometrika 96:983; the
  optimal local covariance kernel, Filippi et al. 2013, Stat. Appl. Genet. Mol.
  Biol. 12:87).  The tolerance of
  each generation is the ``alpha``-quantile of the previous generation's
  distances, and the fit stops when a generation accepts fewer than
  ``min_acceptance`` of its proposals or the run budget is spent (adaptive
  population Monte Carlo ABC, Lenormand, Jabot & Deffuant 2013, Comput. Stat.
  28:2777).  The last generation is the posterior sample
  (``posterior.parquet``; when the budget runs out during a generation, its
  accepted particles, at least 10, so no run is thrown away); ``best.toml`` takes each parameter's posterior median.
- ``optimize``: a point estimate by differential evolution (Storn & Price 1997;
  ``scipy.optimize.differential_evolution``, seeded) of the distance averaged
  over ``replications`` runs with common random numbers, then ``validation``
  fresh runs at the optimum for the model band (``best.toml``).

Every run goes through :func:`cosim.runs.backends.map_runs` as a
:class:`cosim.runs.evaluators.RunTask` and is committed to ``OUT/runs.sqlite`` the
moment it finishes (:class:`cosim.runs.store.RunStore`).  Proposals depend only on
the root seed, the point's number and the results before it, so rerunning the
same command on the same folder replays the fit and runs only what is missing.
Outputs (written by :func:`cosim.reports.calibration.write_outputs`):
``posterior.parquet`` (abc) or ``evaluations.parquet`` (optimize), ``bands.parquet``,
``best.toml``, ``figures/``, ``report.html`` (goodness of fit, identifiability)
and ``manifest.json``.

The package: :mod:`.targets` (the input files and the checked problem),
:mod:`.runner` (points -> cached runs), :mod:`.abc` (ABC-SMC), :mod:`.optimize`
(differential evolution), :mod:`.summaries` (bands, goodness of fit,
identifiability), :mod:`.best` (best.toml) and :mod:`.fit` (:func:`calibrate`).
"""

from __future__ import annotations

from cosim.analysis.calibration.abc import Generation, abc_smc, proposal_rng, weighted_cov, weighted_quantile
from cosim.analysis.calibration.best import best_scenario_text, toml_dumps
from cosim.analysis.calibration.fit import Calibration, calibrate
from cosim.analysis.calibration.optimize import optimize_de
from cosim.analysis.calibration.runner import Runner, distance, simulate_targets
from cosim.analysis.calibration.summaries import (
    abc_identifiability,
    goodness_of_fit,
    predictive_bands,
    profile_identifiability,
)
from cosim.analysis.calibration.targets import (
    DEFAULT_BUDGET,
    CalibrationSpec,
    Prior,
    Problem,
    Settings,
    Target,
    check_params_files,
    check_targets_files,
    is_params_file,
    load_problem,
    read_params,
    read_targets,
)

__all__ = [
    "DEFAULT_BUDGET", "Calibration", "CalibrationSpec", "Generation", "Prior", "Problem", "Runner", "Settings",
    "Target", "abc_identifiability", "abc_smc", "best_scenario_text", "calibrate", "check_params_files",
    "check_targets_files", "distance",
    "goodness_of_fit", "is_params_file", "load_problem", "optimize_de", "predictive_bands",
    "profile_identifiability", "proposal_rng", "read_params", "read_targets", "simulate_targets", "toml_dumps",
    "weighted_cov", "weighted_quantile",
]
