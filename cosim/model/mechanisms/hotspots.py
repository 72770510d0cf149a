"""Hotspot dynamics (MODEL.md s3 step 3): discovery, habit, use, daily data demand and the cap.

Residents discover a hotspot in reach over time (signage, word of mouth, an
awareness campaign), use it with a chance that a habit raises, use it on more
days as the habit grows, and meet its daily cap when they want more data than
it gives.  Each rule is a pure function of arrays (or of plain numbers, as the
per-citizen reference calls them).
"""

from __future__ import annotations

import numpy as np


def hotspot_discovery(signage: float, word_of_mouth: float, nbr_used, campaign_reach: float):
    """Weekly chance that a resident in reach of a hotspot who does not know it discovers it.

    d = min(1, s + w x n + c), with s the signage base rate, n the share of the
    resident's network neighbours who used a hotspot last week (word of mouth,
    the imitation term of Bass 1969) and c the awareness campaign's weekly reach
    (the campaign also announces the free Wi-Fi).  MODEL.md s3 step 3
    ("residents discover a new hotspot over time: word of mouth, signage"); the
    additive form and its rates are assumptions (``infrastructure.hotspot_signage``,
    ``infrastructure.hotspot_word_of_mouth``, sensitivity ranges in the schema).
    """
    return np.minimum(1.0, signage + word_of_mouth * nbr_used + campaign_reach)


def habit_update(habit, used, gain: float, decay: float):
    """Habit strength after a week: h + g (1 - h) after a week of use, h (1 - k) without.

    Habit as the automaticity that repetition builds toward a plateau
    (Lally et al. 2010: an exponential approach, median 66 days to 95% of it;
    for information systems, Limayem, Hirt & Cheung 2007); its decay without use
    is an assumption (``infrastructure.hotspot_habit_decay``).
    """
    return np.where(used, habit + gain * (1.0 - habit), habit * (1.0 - decay))


def hotspot_use_chance(habit, youth, base: float, youth_factor: float):
    """Weekly chance that a resident who knows a hotspot and could use it does: 1 - ((1 - b)(1 - h))^y.

    For an adult (y = 1) this is b + (1 - b) h: ``b`` the chance without a
    habit, ``h`` the habit strength (a full habit makes use certain: Limayem,
    Hirt & Cheung 2007, habit drives continued IS use).  A young resident
    (y = ``youth_factor``) uses it as an adult would given y chances, so youth
    use more however high the adult chance (a multiplier capped at 1 would
    saturate; 80% of Tshwane's free Wi-Fi users were under 35, Project Isizwe
    2015).  Assumption in form; rates in the schema with sensitivity ranges.
    """
    return 1.0 - ((1.0 - base) * (1.0 - habit)) ** np.where(youth, youth_factor, 1.0)


def cap_share(demand_mb, cap_mb: float):
    """Share of a user's daily data demand the daily cap lets through: min(1, cap / demand).

    A user who wants more than the cap (demand > cap) hits it; the hotspot is
    then worth cap / demand of what they want, and their weekly chance of using
    it is scaled by that share (assumption; caps of 250-500 MB/day in Tshwane
    and Johannesburg, DATA.md).
    """
    return np.minimum(1.0, cap_mb / demand_mb)


def days_of_use(habit, max_days: float):
    """Days a week a hotspot user uses it: 1 + (D - 1) h, from one day without a habit to D with a full one.

    Assumption (``infrastructure.hotspot_max_days``); it turns weekly users into
    people per hotspot per day, the figure programmes report (Johannesburg 2016:
    about 150-200, DATA.md).
    """
    return 1.0 + (max_days - 1.0) * habit
