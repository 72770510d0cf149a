"""Co-production and service production (MODEL.md s3 step 8): outcomes, the queue, ward quality, open data."""

from __future__ import annotations

import math

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



def effective_capacity(capacity: np.ndarray | float, skill: np.ndarray, ict_skill: np.ndarray,
                       ict_productivity: float) -> np.ndarray:
    """Requests an official resolves a week: capacity x skill x (1 - w (1 - ICT skill)).

    MODEL.md s3 step 8: effective capacity is officials in post x capacity x
    skill x ICT (Boyne 2003: staff quality; seed 000 and AGSA 2020-21: ICT
    skills short); the share w of work that needs ICT skill is an assumption.
    """
    return capacity * skill * (1.0 - ict_productivity * (1.0 - ict_skill))



def resolution_chance(capacity: np.ndarray, waiting: np.ndarray, max_rate: float) -> np.ndarray:
    """Weekly chance that a waiting request is resolved: min(max rate, capacity / requests waiting).

    Triage under load (MODEL.md s3 step 8): officials share their reactive
    capacity over the requests waiting, so the chance falls smoothly as the
    load rises instead of a first-in-first-out line that hits a timeout
    (processor sharing; Kleinrock 1976); ``max_rate`` is the processing time
    when capacity is to spare (assumption).
    """
    return np.minimum(max_rate, capacity / np.maximum(waiting, 1e-12))



def queue_fate(u: np.ndarray, resolve_p: np.ndarray, close_p: float) -> tuple[np.ndarray, np.ndarray]:
    """Which waiting requests are resolved and which closed unresolved this week, from one uniform draw each.

    Resolved when u < r; else closed when u >= 1 - c (1 - r): a request not
    resolved is closed with chance c (abandonment at rate 1 / mean wait;
    Palm 1943; Garnett, Mandelbaum & Reiman 2002), so the share closed
    rises smoothly with the load.
    """
    resolved = u < resolve_p
    closed = u >= 1.0 - close_p * (1.0 - resolve_p)
    return resolved, closed



#: A ward's input counts up to this many times the municipal mean: plans answer
#: voice, but a handful of comments in a small sample cannot redirect them (assumption).
MAX_RELATIVE_INPUT = 3.0


def plan_priorities(needs: np.ndarray, ward_input: np.ndarray, mean_input: np.ndarray, shift: float) -> np.ndarray:
    """Planned work per ward: needs x max(0, 1 + s (min(input / mean input, 3) - 1)).

    MODEL.md s3 step 8: IDP input moves plans toward the wards that gave it,
    more at deeper IAP2 levels (``shift`` = plan weight x (level - 1) / 4;
    Grossman, Humphreys & Sacramone-Lutz 2014; Fox 2015); unequal input can
    widen gaps.  ``mean_input`` is each ward's municipality's need-weighted
    mean input (with none, plans follow needs).
    """
    relative = np.divide(ward_input, mean_input, out=np.ones_like(ward_input), where=mean_input > 0)
    relative = np.minimum(relative, MAX_RELATIVE_INPUT)
    return needs * np.maximum(0.0, 1.0 + shift * (relative - 1.0))



def unreported_value(discount: float, open_data_boost: float, open_data_value: np.ndarray) -> np.ndarray:
    """Needs served per unit of capacity spent on unreported needs: min(1, d x (1 + b x open data)).

    MODEL.md s3 step 8: without a report officials must find the need (the
    discount d; Brudney & England 1983); open data lets intermediaries and
    civic tech point to it (seed 000; Gonzalvez-Gallego & Nieto-Torrejon
    2021: small positive).  Magnitudes are assumptions.
    """
    return np.minimum(1.0, discount * (1.0 + open_data_boost * open_data_value))



def ward_work_update(work: np.ndarray, this_week: np.ndarray, rate: float) -> np.ndarray:
    """Service work per need, as an exponential moving average: (1 - r) w + r x this week's work / needs.

    MODEL.md s3 step 8; the averaging rate is an assumption.
    """
    return (1.0 - rate) * work + rate * this_week



def production_target(base_quality: np.ndarray, work_per_need: np.ndarray, reference: float,
                      elasticity: float) -> np.ndarray:
    """Ward quality the service work produces: min(1, base x (P(w / w0) / P(1))^e), P(x) = 1 - exp(-x).

    MODEL.md s3 step 8 and pattern 8: quality is an output of effective
    capacity per need with diminishing returns (Boyne 2003; Parks et al.
    1981); equal to the ward's base quality at the reference work per need
    ``w0``, 0 with no work, at most base / P(1)^e.  The form is an assumption.
    """
    index = (1.0 - np.exp(-work_per_need / reference)) / (1.0 - math.exp(-1.0))
    return np.minimum(1.0, base_quality * index**elasticity)



def ward_quality_update(quality: np.ndarray, target: np.ndarray, response: float) -> np.ndarray:
    """Service quality moves toward the quality its work produces at rate ``response``: q + r (target - q).

    MODEL.md s3 step 8 (services take time to improve or decay); the rate is
    an assumption.
    """
    return np.clip(quality + response * (target - quality), 0.0, 1.0)



def open_data_value(level: float, update_interval_weeks: float, ict_skill: np.ndarray, reference_weeks: float,
                    capability_floor: float) -> np.ndarray:
    """Value of the open data to its users: level x T / (T + interval) x (c + (1 - c) x officials' ICT skill).

    In [0, 1] with no clip, so every openness level and update interval
    counts: freshness T / (T + interval) is 1/2 at the reference interval T
    (13 weeks) and rises with more frequent updates; the capability to publish
    rises with officials' mean ICT skill from the floor c.  MODEL.md s3 step 8;
    seed 000 on infrequent updates; the forms are assumptions.
    """
    freshness = reference_weeks / (reference_weeks + update_interval_weeks)
    capability = capability_floor + (1.0 - capability_floor) * ict_skill
    return level * freshness * capability
