"""One scheme for run ids and seeds, used by compare, experiments, sensitivity and calibration.

A run is a (point, replication) pair: ``run_id = point_id * REPLICATION_STRIDE +
replication``.  Every seed is drawn from ``numpy.random.SeedSequence(root,
spawn_key=...)`` (the NumPy way to derive independent streams), so a run's seed
depends on the root seed and its own id only: adding replications, extending a
design or splitting the batch differently never changes a finished run.
"""

from __future__ import annotations

import numpy as np

from cosim.errors import expect_int

#: The largest seed a results table can hold (seeds are stored as signed 64-bit integers).
MAX_SEED = 2**63 - 1

#: run_id = point_id * REPLICATION_STRIDE + replication (stable when replications grow)
REPLICATION_STRIDE = 1_000_000

# Spawn key reserved for the design's own random numbers; run seeds use keys of
# length 1 (common random numbers) or 2 (point, replication), so they never meet.
_DESIGN_KEY = (0xDE5, 0x16, 0)


def design_seed(root_seed: int) -> int:
    """The seed the design's sampler gets, from the root seed alone (never 0: SALib's 0 means unseeded)."""
    state = np.random.SeedSequence(root_seed, spawn_key=_DESIGN_KEY).generate_state(1, np.uint32)[0]
    return int(state) or 1


def run_seed_of(root_seed: int, point_id: int, replication: int, common_random_numbers: bool = False) -> int:
    """The model seed of replication ``replication`` of design point ``point_id``.

    From ``numpy.random.SeedSequence(root_seed, spawn_key=(point_id, replication))``:
    it depends on nothing else, so adding replications, extending a Sobol
    design or splitting the batch differently never changes an existing run.
    With common random numbers every point's replication r gets the seed of
    ``cosim.run_seed(root_seed, r)``, so points (or compared scenarios) differ
    only by their parameters.
    """
    key = (int(replication),) if common_random_numbers else (int(point_id), int(replication))
    return _seed(root_seed, key)


def run_id_of(point_id: int, replication: int) -> int:
    """A run's stable id: point 17, replication 3 is run 17_000_003."""
    if not 0 <= int(replication) < REPLICATION_STRIDE:
        raise ValueError(f"replication {replication} is outside 0..{REPLICATION_STRIDE - 1}")
    return int(point_id) * REPLICATION_STRIDE + int(replication)


def run_seed(root: int, run_id: int) -> int:
    """The seed of run ``run_id`` under root seed ``root`` (public as ``cosim.run_seed``).

    From ``numpy.random.SeedSequence(root, spawn_key=(run_id,))``, so run k gets
    the same seed however many runs there are and however they are split; it
    is the common-random-numbers seed of replication ``run_id``.  Both are
    integers from 0 to 2**63 - 1 (a UsageError names the one that is not).
    """
    root = expect_int(root, "root", minimum=0, maximum=MAX_SEED)
    return _seed(root, (expect_int(run_id, "run_id", minimum=0, maximum=MAX_SEED),))


#: Calibration (ABC-SMC) seeds are ``run_seed(root, point * 1000 + replication)``:
#: they predate ``run_seed_of`` and are kept so earlier calibrations reproduce bit for bit.
CALIBRATION_SEED_STRIDE = 1000


def calibration_seed_of(root_seed: int, point_id: int, replication: int) -> int:
    """The seed of replication ``replication`` of ABC particle ``point_id`` (replication < 1000)."""
    if not 0 <= int(replication) < CALIBRATION_SEED_STRIDE:
        raise ValueError(f"replication {replication} is outside 0..{CALIBRATION_SEED_STRIDE - 1}")
    return run_seed(root_seed, int(point_id) * CALIBRATION_SEED_STRIDE + int(replication))


def _seed(root: int, spawn_key: tuple[int, ...]) -> int:
    """The one seed formula: 63 bits of ``SeedSequence(root, spawn_key=spawn_key)`` (fits an int64 column)."""
    return int(np.random.SeedSequence(int(root), spawn_key=spawn_key).generate_state(1, np.uint64)[0] >> 1)
