"""Co-production and service production (MODEL.md s3 step 8): outcomes, the queue, ward quality, open data."""

from __future__ import annotations

import numpy as np


def coproduced_outcome(
    citizen_input: np.ndarray, official_input: np.ndarray, citizen_share: float
) -> np.ndarray:
    """Cobb-Douglas co-production: citizen and official inputs are complements.

    Ostrom 1996; Brudney & England 1983.  Both inputs in [0, 1].
    """
    return citizen_input**citizen_share * official_input ** (1.0 - citizen_share)



def citizen_input(
    literacy: np.ndarray, open_data_value: np.ndarray, report_floor: float, open_data_boost: float,
) -> np.ndarray:
    """Citizen input to a co-produced outcome: clip((f + (1 - f) literacy) (1 + b x open data)).

    MODEL.md s3 step 8: a literate reporter gives officials more to act on
    (Parks et al. 1981); open data raises the value of reports (civic tech,
    intermediaries; seed 000).  Magnitudes are assumptions.
    """
    return np.clip((report_floor + (1.0 - report_floor) * literacy) * (1.0 + open_data_boost * open_data_value),
                   0.0, 1.0)



def official_input(skill: np.ndarray, ict_skill: np.ndarray, digital: np.ndarray) -> np.ndarray:
    """Official input: mean skill, times sqrt(mean ICT skill) for a request made through an e-channel.

    MODEL.md s3 step 8 (Boyne 2003: skilled staff deliver better services; seed
    000: ICT skills short); the square root is an assumption.
    """
    return skill * np.where(digital, np.sqrt(np.maximum(ict_skill, 0.0)), 1.0)



def timely_outcome(outcome: np.ndarray, wait_weeks: np.ndarray, max_wait_weeks: float) -> np.ndarray:
    """Timeliness: an outcome resolved after w weeks is worth outcome x exp(-w / max wait).

    MODEL.md s3 step 8 (reporters hear back; a late answer is worth less);
    assumption.
    """
    return outcome * np.exp(-wait_weeks / max_wait_weeks)



def resolve_fifo(
    pool: np.ndarray, capacity: np.ndarray
) -> np.ndarray:
    """Indices of the pending requests resolved this week, first in first out.

    ``pool`` is each pending request's pool (municipality, or 0 when officials are
    pooled); ``capacity[k]`` the whole number of requests pool ``k`` resolves.
    Requests are stored in arrival order.
    """
    order = np.argsort(pool, kind="stable")
    sorted_pool = pool[order]
    first = np.searchsorted(sorted_pool, np.arange(capacity.size))
    rank = np.arange(pool.size) - first[sorted_pool]
    take = rank < capacity[sorted_pool]
    return np.sort(order[take])



def ward_coverage_update(
    coverage: np.ndarray, resolved_work: np.ndarray, expected_requests: np.ndarray, rate: float,
) -> np.ndarray:
    """Share of a ward's needs met, as an exponential moving average: (1 - r) c + r min(1, work / needs).

    MODEL.md s3 step 8; ``resolved_work`` sums the co-produced outcomes
    resolved in the ward this week, ``expected_requests`` its needs a week.
    The averaging rate is an assumption.
    """
    return (1.0 - rate) * coverage + rate * np.minimum(1.0, resolved_work / expected_requests)



def ward_quality_update(
    quality: np.ndarray, base_quality: np.ndarray, coverage: np.ndarray, quality_gain: float, response: float,
) -> np.ndarray:
    """Service quality moves toward base + (1 - base) x coverage x gain at rate ``response``.

    MODEL.md s3 step 8: quality is an output of the municipality's capacity,
    co-produced reports telling officials where to act (Ostrom 1996; Boyne
    2003).  Rates are assumptions.
    """
    target = base_quality + (1.0 - base_quality) * coverage * quality_gain
    quality = quality + response * (target - quality)
    return np.clip(quality, 0.0, 1.0)



def open_data_value(
    level: float, update_interval_weeks: float, ict_skill: np.ndarray,
    reference_weeks: float, reference_ict: float, capability_floor: float,
) -> np.ndarray:
    """Effective openness of data: level x (freshness / f0) x (capability / c0), unclipped.

    freshness = T / (T + interval), capability = c + (1 - c) x officials' mean
    ICT skill; f0 = 1/2 and c0 (the capability at the reference ICT skill)
    make the value equal the openness level at interval T and the reference
    ICT skill (defaults: T = 13 weeks, ICT 0.5, c = 0.5, so c0 = 0.75).
    MODEL.md s3 step 8; seed 000 on infrequent updates; the forms are assumptions.
    """
    freshness = reference_weeks / (reference_weeks + update_interval_weeks)
    capability = capability_floor + (1.0 - capability_floor) * ict_skill
    reference_freshness = reference_weeks / (reference_weeks + reference_weeks)
    reference_capability = capability_floor + (1.0 - capability_floor) * reference_ict
    return level * (freshness / reference_freshness) * (capability / reference_capability)
