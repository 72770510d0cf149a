"""Access (MODEL.md s3 step 3) and facilitating conditions (step 6): who can get online, and use an e-channel."""

from __future__ import annotations

import numpy as np


def online_access(
    smartphone: np.ndarray, has_data: np.ndarray, hotspot_ok: np.ndarray, centre_ok: np.ndarray
) -> np.ndarray:
    """Online this week: a smartphone with own data or a hotspot, or an access centre.

    MODEL.md s3 step 3; access centres lend a computer, so they need no device
    (SmartCape model).
    """
    return (smartphone & (has_data | hotspot_ok)) | centre_ok



def use_chance(literacy: np.ndarray, use_floor: float) -> np.ndarray:
    """Weekly chance of going online given access: f + (1 - f) x literacy.

    MODEL.md s3 step 3: the second-level digital divide, skills shape use
    given access (Hargittai 2002; van Deursen & van Dijk 2014; RIA After
    Access 2017: digital literacy a barrier); the floor f is an assumption.
    """
    return use_floor + (1.0 - use_floor) * literacy



def capacity_share(demand: np.ndarray, capacity: np.ndarray) -> np.ndarray:
    """Chance that a user of a node is served: capacity shared among its users.

    ``demand`` counts users (whole numbers), so dividing by ``max(demand, 1)``
    is dividing by the demand wherever there is any.
    """
    return np.where(demand > 0, np.minimum(1.0, capacity / np.maximum(demand, 1.0)), 1.0)



def facilitating_conditions(
    online: np.ndarray, e_channel_open: np.ndarray, municipality: np.ndarray,
    ussd_open: bool, ussd_access: float, phone: np.ndarray,
) -> np.ndarray:
    """Facilitating conditions (UTAUT) for adoption: 1 online with an open e-channel, else USSD's share.

    FC_i = 1 if online_i and an e-channel (portal up or social media) is open in
    i's municipality; else ``ussd_access`` if USSD is open and i has a phone;
    else 0.  MODEL.md s3 step 6 (Venkatesh et al. 2003); USSD menus carry
    reports and polls, not the portal's services (``ussd_access`` < 1: assumption).
    ``e_channel_open`` is per municipality.
    """
    if e_channel_open.all():
        fc = online.copy()
    elif e_channel_open.any():
        fc = online & e_channel_open[municipality]
    else:
        fc = np.zeros(online.size, dtype=bool)
    if ussd_open:
        # = np.where(fc, 1.0, ussd_access * phone), as ussd_access <= 1
        fc = np.maximum(fc, ussd_access * phone)
    return fc
