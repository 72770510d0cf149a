"""The model's mechanisms as pure array functions.

Each function updates all citizens at once and is what the vectorised step
(:mod:`cosim.model.stages`) calls; each is also tested on tiny hand-built
populations with exact expectations (tests/test_mechanisms.py).  Each docstring
gives the equation, the step of MODEL.md s3 / docs/ODD.md (Submodels) it
belongs to, and its source or "assumption".  The arithmetic of each form is
written in the order the golden outputs were produced with: reordering a
product or a sum changes the last bits of the results.
"""

from __future__ import annotations

import numpy as np

from cosim.model.mechanisms.access import capacity_share, facilitating_conditions, online_access, use_chance
from cosim.model.mechanisms.adoption import (
    adaptive_expectation,
    adoption_hazard,
    awareness_update,
    intention,
    lapse_hazard,
    literacy_update,
    open_data_reach,
    performance_expectancy,
    privacy_risk,
)
from cosim.model.mechanisms.hotspots import (
    cap_share,
    days_of_use,
    habit_update,
    hotspot_discovery,
    hotspot_use_chance,
)
from cosim.model.mechanisms.inequality import gini_from_counts, top_share_from_counts
from cosim.model.mechanisms.participation import (
    act_probability,
    attend_chance,
    cheapest_e_channel,
    comment_chance,
    comment_count,
    comment_count_pmf,
    efficacy,
    efficacy_update,
    idp_feedback,
    idp_input,
    personal_efficacy,
)
from cosim.model.mechanisms.services import (
    citizen_input,
    coproduced_outcome,
    effective_capacity,
    official_input,
    open_data_value,
    plan_priorities,
    production_target,
    queue_fate,
    resolution_chance,
    timely_outcome,
    unreported_value,
    ward_quality_update,
    ward_work_update,
)
from cosim.model.mechanisms.talent import attrition_probability, hiring_skill_mean, ict_training_rate
from cosim.model.mechanisms.trends import (
    ageing_chances,
    device_transition,
    newcomer_device,
    newcomer_literacy,
    next_device,
    residents_per_citizen,
    shifted_affordability,
)
from cosim.model.mechanisms.trust import (
    asymmetric_trust_update,
    breach_exposure,
    breach_hazard,
    breach_privacy,
    breach_trust,
    generalised_trust_update,
    legal_damping,
    quality_trust_update,
    security_posture,
    social_trust_update,
    transparency_update,
)

IAP2_LEVELS = ("inform", "consult", "involve", "collaborate", "empower")
CHANNELS = ("portal", "ussd", "social", "meeting")
# How an IDP comment is handed in (written online, by USSD/SMS, on paper at an office, or at a meeting).
COMMENT_CHANNELS = ("online", "ussd", "paper", "meeting")
# Deepest IAP2 level a channel can carry (1 = inform ... 5 = empower): USSD menus
# can collect a vote or a complaint but not deliberation (assumption).
CHANNEL_MAX_LEVEL = np.array([0, 5, 2, 3, 5], dtype=np.int8)  # index 0 = no channel

__all__ = [
    "CHANNELS",
    "CHANNEL_MAX_LEVEL",
    "COMMENT_CHANNELS",
    "IAP2_LEVELS",
    "act_probability",
    "adaptive_expectation",
    "adoption_hazard",
    "ageing_chances",
    "asymmetric_trust_update",
    "attend_chance",
    "attrition_probability",
    "awareness_update",
    "breach_exposure",
    "breach_hazard",
    "breach_privacy",
    "breach_trust",
    "cap_share",
    "capacity_share",
    "cheapest_e_channel",
    "citizen_input",
    "comment_chance",
    "comment_count",
    "comment_count_pmf",
    "coproduced_outcome",
    "days_of_use",
    "device_transition",
    "effective_capacity",
    "efficacy",
    "efficacy_update",
    "facilitating_conditions",
    "generalised_trust_update",
    "gini_from_counts",
    "habit_update",
    "hiring_skill_mean",
    "hotspot_discovery",
    "hotspot_use_chance",
    "ict_training_rate",
    "idp_feedback",
    "idp_input",
    "intention",
    "lapse_hazard",
    "legal_damping",
    "literacy_update",
    "newcomer_device",
    "newcomer_literacy",
    "next_device",
    "official_input",
    "online_access",
    "open_data_reach",
    "open_data_value",
    "performance_expectancy",
    "personal_efficacy",
    "plan_priorities",
    "privacy_risk",
    "production_target",
    "quality_trust_update",
    "queue_fate",
    "residents_per_citizen",
    "resolution_chance",
    "security_posture",
    "shifted_affordability",
    "social_trust_update",
    "timely_outcome",
    "top_share_from_counts",
    "transparency_update",
    "unreported_value",
    "use_chance",
    "ward_quality_update",
    "ward_work_update",
]
