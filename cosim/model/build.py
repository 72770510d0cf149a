"""The world at week 0: wards, citizens, the social network, officials, centres, hotspots.

Each function draws from the generator it is given, in a fixed order
(:meth:`CoProductionModel.__init__` calls them in the order of this file), so
the same seed builds the same world.  Sources of the forms are in
docs/ODD.md (Initialisation); magnitudes without a source are assumptions.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
from collections.abc import Iterator

import numpy as np
from scipy.spatial import cKDTree

from cosim.model.network import small_world
from cosim.model.state import (
    ACCESS_CENTRE,
    KIND_HOTSPOT,
    SERVICE_CENTRE,
    Citizens,
    Municipalities,
    Nodes,
    Officials,
    Wards,
)
from cosim.scenario.schema import Scenario


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector (restored on exit, also on error).

    Building creates one Python object per agent; the collector would rescan
    them all again and again while they are made (most of the build time at
    10^5-10^6 citizens), so it waits until the build is done.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def build_wards(c: Scenario, rng: np.random.Generator) -> Wards:
    """Ward grid per municipality; wealth falls from the core to the periphery."""
    n_muni = c.region.n_municipalities
    rows, cols, km = c.municipality.ward_rows, c.municipality.ward_cols, c.municipality.ward_km
    per = rows * cols
    n_w = per * n_muni
    r = np.tile(np.repeat(np.arange(rows), cols), n_muni)
    q = np.tile(np.tile(np.arange(cols), rows), n_muni)
    m = np.repeat(np.arange(n_muni), per)
    cy, cx = (rows - 1) / 2.0, (cols - 1) / 2.0
    dist = np.hypot(r - cy, q - cx)
    centrality = 1.0 - dist / max(dist.max(), 1e-9)
    # apartheid spatial legacy: wealthy core, poor periphery (seed 000; assumption)
    noise = rng.normal(0.0, c.municipality.ward_wealth_noise, n_w)
    muni_factor = (1.0 - c.region.wealth_gradient) ** m
    wealth = (1.0 - c.municipality.ward_inequality * (1.0 - centrality) + noise)
    wealth = np.clip(wealth * muni_factor, 0.0, 1.0)
    need_mult = 1.0 + c.municipality.need_gradient * (1.0 - wealth)
    mc = c.municipality
    base_quality = np.clip(mc.baseline_service_quality * (mc.quality_floor_factor + mc.quality_wealth_factor * wealth),
                           0.0, 1.0)
    return Wards(
        # municipalities sit side by side, one ward-width apart
        x0=(q + m * (cols + 1)) * km, y0=r * km, municipality=m, centrality=centrality, wealth=wealth,
        need_mult=need_mult, base_quality=base_quality, quality=base_quality.copy(), work=np.zeros(n_w))


def initial_awareness(p, literacy: np.ndarray) -> np.ndarray:
    """Awareness of e-services at the start (and of a newcomer, stages.trends): clip(a0 x (base + literacy))."""
    return np.clip(p.awareness_initial * (p.awareness_literacy_base + literacy), 0.0, 1.0)


def mean_base_quality(wards: Wards, ward: np.ndarray, muni: np.ndarray, n_muni: int) -> np.ndarray:
    """Each municipality's mean base service quality over its citizens (the disposition's reference)."""
    return np.bincount(muni, weights=wards.base_quality[ward], minlength=n_muni) / np.maximum(
        np.bincount(muni, minlength=n_muni), 1)


def build_citizens(c: Scenario, rng: np.random.Generator, wards: Wards) -> Citizens:
    """Citizens placed in wards (townships denser), with income, age, device, skills and attitudes."""
    p = c.population
    n_muni = c.region.n_municipalities
    n = c.run.n_citizens
    m_counts = np.full(n_muni, n // n_muni)
    m_counts[: n % n_muni] += 1
    placed = []
    for m in range(n_muni):
        w_ids = np.flatnonzero(wards.municipality == m)
        # townships are denser than the core (assumption)
        weight = p.township_density_base + (1.0 - wards.wealth[w_ids])
        counts = rng.multinomial(m_counts[m], weight / weight.sum())
        placed.append(np.repeat(w_ids, counts))
    ward = np.concatenate(placed)
    muni = wards.municipality[ward]
    km = c.municipality.ward_km
    x = wards.x0[ward] + rng.random(n) * km
    y = wards.y0[ward] + rng.random(n) * km
    # income from ward wealth plus individual variation, cut at regional shares
    z = wards.wealth[ward] + rng.normal(0.0, p.income_noise_sd, n)
    lo_cut = np.quantile(z, p.share_low_income)
    hi_cut = np.quantile(z, 1.0 - p.share_high_income)
    income = np.where(z < lo_cut, 0, np.where(z >= hi_cut, 2, 1)).astype(np.int8)
    u = rng.random(n)
    age = np.where(u < p.share_youth, 0, np.where(u < 1.0 - p.share_senior, 1, 2)).astype(np.int8)
    smart_p = np.array([p.smartphone_low, p.smartphone_mid, p.smartphone_high])[income]
    u = rng.random(n)
    device = np.where(u < np.minimum(smart_p, p.phone_share), 2, np.where(u < p.phone_share, 1, 0)).astype(np.int8)
    data_affordability = np.array([p.data_low, p.data_mid, p.data_high])[income]
    lit_mean = np.array([p.literacy_low, p.literacy_mid, p.literacy_high])[income]
    age_profile = np.array([p.age_literacy_youth, p.age_literacy_adult, p.age_literacy_senior])
    lit_mean = lit_mean + p.age_literacy_effect * age_profile[age]
    literacy = np.clip(lit_mean + rng.normal(0.0, p.literacy_sd, n), 0.0, 1.0)
    trust = np.clip(rng.normal(p.trust_mean, p.trust_sd, n), 0.0, 1.0)
    privacy_concern = np.clip(rng.normal(p.privacy_mean, p.privacy_sd, n), 0.0, 1.0)
    awareness = initial_awareness(p, literacy)
    adopted = (rng.random(n) < p.adopted_initial) & (device >= 1)
    # heavy-tailed contribution propensity: Pareto (Nielsen 2006: 90-9-1)
    raw_propensity = p.propensity_scale * (1.0 + rng.pareto(p.propensity_alpha, n))
    propensity = np.minimum(1.0, raw_propensity)
    # beyond the cap, propensity is reach: activists report their neighbourhood's needs too
    reach = np.maximum(1.0, raw_propensity)
    if p.homogeneous:
        income[:] = 1
        age[:] = 1
        device[:] = 2
        data_affordability[:] = 1.0
        literacy[:] = 0.5
        trust[:] = 0.5
        privacy_concern[:] = 0.0
        awareness[:] = 1.0
        adopted[:] = False
        propensity[:] = p.propensity_scale
        reach[:] = 1.0
    # literacy terciles fixed at the start: stable groups for "for whom"
    t1, t2 = np.quantile(literacy, [1 / 3, 2 / 3])
    lit_group = np.where(literacy <= t1, 0, np.where(literacy <= t2, 1, 2)).astype(np.int8)
    if p.homogeneous:
        lit_group[:] = 1
    # perceived service quality = ward quality + a fixed disposition, so that trust
    # follows performance (Van Ryzin 2004) and stays heterogeneous; the municipality's
    # initial mean quality is taken out, so mean trust starts at population.trust_mean
    mean_quality = mean_base_quality(wards, ward, muni, n_muni)
    return Citizens(
        ward=ward, municipality=muni, x=x, y=y, income=income, age=age, device=device,
        data_affordability=data_affordability, literacy=literacy, trust=trust,
        privacy_concern=privacy_concern, awareness=awareness, adopted=adopted, propensity=propensity, reach=reach,
        generalised=trust.copy(), disposition=trust - mean_quality[muni], efficacy=np.full(n, 0.5),
        literacy_floor=c.literacy.floor_share * literacy,
        expectation=np.full(n, 0.5), responsiveness=np.full(n, 0.5), lit_group=lit_group)


def build_network(c: Scenario, citizens: Citizens, rng: np.random.Generator):
    """The social network's row-normalised adjacency (None: complete, well-mixed)."""
    net = c.network
    if net.kind == "complete":
        return None
    return small_world(citizens.ward, citizens.municipality, net.degree, net.rewire, rng)


def municipality_wealth(c: Scenario) -> np.ndarray:
    """Each municipality's wealth factor: 1 for the first, falling by the regional gradient."""
    return (1.0 - c.region.wealth_gradient) ** np.arange(c.region.n_municipalities)


def build_officials(c: Scenario, rng: np.random.Generator, muni_wealth: np.ndarray) -> Officials:
    """Officials per municipality; skills fall with the square root of its wealth (assumption)."""
    o = c.officials
    n_muni = c.region.n_municipalities
    k = o.n_officials * n_muni
    muni = np.repeat(np.arange(n_muni), o.n_officials)
    wf = np.sqrt(muni_wealth[muni])
    skill = np.clip(rng.normal(o.skill_mean * wf, o.skill_sd), o.skill_floor, 1.0)
    ict = np.clip(rng.normal(o.ict_skill_mean * wf, o.skill_sd), 0.0, 1.0)
    return Officials(municipality=muni, skill=skill, ict_skill=ict, active=np.ones(k, dtype=bool),
                     vacant_until=np.zeros(k, dtype=np.int64), tenure=rng.integers(0, o.initial_tenure_weeks, k))


def build_centres(c: Scenario, rng: np.random.Generator, wards: Wards, citizens: Citizens) -> Nodes:
    """Access and service centres: fixed ICT nodes placed at the start.

    Also sets each citizen's access centre in reach, whether a training venue
    is in reach, and the distance to a ward meeting.
    """
    inf = c.infrastructure
    km = c.municipality.ward_km
    xs, ys, kinds, munis = [], [], [], []
    for m in range(c.region.n_municipalities):
        w_ids = np.flatnonzero(wards.municipality == m)
        for kind, count, weight in (
            (ACCESS_CENTRE, inf.access_centres, wards.wealth[w_ids] + inf.access_centre_wealth_bias),  # libraries
            (SERVICE_CENTRE, inf.service_centres, inf.service_centre_need_base - wards.wealth[w_ids]),  # Thusong
        ):
            chosen = rng.choice(w_ids, size=count, p=weight / weight.sum())
            xs.append(wards.x0[chosen] + rng.random(count) * km)
            ys.append(wards.y0[chosen] + rng.random(count) * km)
            kinds.append(np.full(count, kind))
            munis.append(np.full(count, m))
    nodes = Nodes(
        centre_x=np.concatenate(xs) if xs else np.zeros(0),
        centre_y=np.concatenate(ys) if ys else np.zeros(0),
        centre_kind=np.concatenate(kinds).astype(np.int8) if kinds else np.zeros(0, np.int8),
        centre_municipality=np.concatenate(munis).astype(np.int64) if munis else np.zeros(0, np.int64))
    reach = inf.centre_radius_m / 1000.0 + inf.walk_km
    pts = np.column_stack([citizens.x, citizens.y])
    acc = np.flatnonzero(nodes.centre_kind == ACCESS_CENTRE)
    citizens.access_centre = nearest_within(nodes.centre_x[acc], nodes.centre_y[acc], pts, reach, acc)
    svc = np.flatnonzero(nodes.centre_kind == SERVICE_CENTRE)
    d_svc = nearest_distance(nodes.centre_x[svc], nodes.centre_y[svc], pts)
    all_c = np.arange(nodes.centre_x.size)
    d_any = nearest_distance(nodes.centre_x[all_c], nodes.centre_y[all_c], pts)
    citizens.near_training = d_any <= inf.training_km
    # ward meetings at the ward's centre, or at a nearer Thusong centre
    ward = citizens.ward
    d_ward = np.hypot(citizens.x - (wards.x0[ward] + km / 2), citizens.y - (wards.y0[ward] + km / 2))
    citizens.meeting_km = np.minimum(d_ward, d_svc)
    citizens.hotspot = np.full(citizens.n, -1, dtype=np.int64)
    return nodes


def hotspot_order(nodes: Nodes, placement: str, wards: Wards, citizens: Citizens,
                  rng_place: np.random.Generator) -> list[np.ndarray]:
    """Ward sequence that hotspots fill, per municipality round-robin (fixed at first use)."""
    if placement not in nodes.hotspot_orders:
        n_wards = wards.n
        connected = np.bincount(citizens.ward, weights=(citizens.device == 2) * citizens.data_affordability,
                                minlength=n_wards)
        size = np.maximum(np.bincount(citizens.ward, minlength=n_wards), 1)
        connectivity = connected / size
        orders = []
        for m in range(int(wards.municipality.max()) + 1):
            w_ids = np.flatnonzero(wards.municipality == m)
            if placement == "even":
                seq = w_ids[rng_place.permutation(w_ids.size)]
            else:
                key = -wards.centrality[w_ids] if placement == "central" else connectivity[w_ids]
                seq = w_ids[np.argsort(key, kind="stable")][: max(1, w_ids.size // 2)]
            orders.append(seq)
        nodes.hotspot_orders[placement] = orders
    return nodes.hotspot_orders[placement]


def place_hotspots(nodes: Nodes, wifi, c: Scenario, wards: Wards, citizens: Citizens,
                   rng_place: np.random.Generator) -> bool:
    """(Re)place the hotspots when the Wi-Fi lever changes; True when they changed.

    Positions drawn for a placement are kept, so later phases add to earlier ones.
    """
    key = (wifi.hotspots, wifi.placement, wifi.coverage_m)
    if key == nodes.hotspot_key:
        return False
    nodes.hotspot_key = key
    km = c.municipality.ward_km
    xs, ys, ms = [], [], []
    for m, seq in enumerate(hotspot_order(nodes, wifi.placement, wards, citizens, rng_place)):
        cache_key = (wifi.placement, m)
        have = nodes.hotspot_positions.get(cache_key, np.zeros((0, 2)))
        if have.shape[0] < wifi.hotspots:
            extra = wifi.hotspots - have.shape[0]
            chosen = seq[np.arange(have.shape[0], wifi.hotspots) % seq.size]
            pos = np.column_stack([wards.x0[chosen] + rng_place.random(extra) * km,
                                   wards.y0[chosen] + rng_place.random(extra) * km])
            have = np.vstack([have, pos])
            nodes.hotspot_positions[cache_key] = have
        xs.append(have[: wifi.hotspots, 0])
        ys.append(have[: wifi.hotspots, 1])
        ms.append(np.full(wifi.hotspots, m))
    nodes.hotspot_x = np.concatenate(xs)
    nodes.hotspot_y = np.concatenate(ys)
    nodes.hotspot_municipality = np.concatenate(ms).astype(np.int64)
    reach = wifi.coverage_m / 1000.0 + c.infrastructure.walk_km
    citizens.hotspot = nearest_within(nodes.hotspot_x, nodes.hotspot_y, np.column_stack([citizens.x, citizens.y]),
                                      reach, np.arange(nodes.hotspot_x.size))
    nodes.hotspot_radius_km = wifi.coverage_m / 1000.0
    # node arrays: centres first, then hotspots
    nodes.x = np.r_[nodes.centre_x, nodes.hotspot_x]
    nodes.y = np.r_[nodes.centre_y, nodes.hotspot_y]
    nodes.kind = np.r_[nodes.centre_kind, np.full(nodes.hotspot_x.size, KIND_HOTSPOT, np.int8)]
    nodes.municipality = np.r_[nodes.centre_municipality, nodes.hotspot_municipality]
    nodes.up = np.ones(nodes.x.size, dtype=bool)
    return True


def start_dynamics(c: Scenario, citizens: Citizens, wards: Wards, muni_wealth: np.ndarray) -> Municipalities:
    """The changing state at week 0 (nobody has taken part yet) and the per-municipality state."""
    n, n_muni = citizens.n, c.region.n_municipalities
    citizens.contributions = np.zeros(n, dtype=np.int64)
    citizens.last_participation = np.full(n, -10_000, dtype=np.int64)
    citizens.channel = np.zeros(n, dtype=np.int8)  # this week's channel (0 = none)
    citizens.level = np.zeros(n, dtype=np.int8)    # this week's IAP2 level (0 = none)
    citizens.online = np.zeros(n, dtype=bool)
    citizens.last_online = np.full(n, -10_000, dtype=np.int64)  # nobody has been online yet
    citizens.commented = np.zeros(n, dtype=bool)  # nobody has commented yet
    citizens.commenters = np.zeros(0, dtype=np.int64)
    citizens.comments = np.zeros(n, dtype=np.int64)
    citizens.attended = np.zeros(n, dtype=bool)
    citizens.window_comments = np.zeros(n, dtype=np.int64)
    citizens.window_attended = np.zeros(n, dtype=np.int64)
    wards.quality = wards.base_quality.copy()
    wards.work = np.full(wards.n, c.coproduction.reference_work_per_need)  # at the reference: quality = base
    return Municipalities(
        scale=c.municipality.population / np.bincount(citizens.municipality, minlength=n_muni),
        wealth=muni_wealth,
        delivery=np.ones(n_muni),
        portal_down_until=np.zeros(n_muni, dtype=np.int64),
        posture=np.full(n_muni, c.infosec.base_posture),
        open_data_value=np.zeros(n_muni),
        spend_total=np.zeros(n_muni),
        attrition_count=np.zeros(n_muni),
        n_wards=np.bincount(wards.municipality, minlength=n_muni).astype(float),
        window_meetings=np.zeros(n_muni),
        window_comments=np.zeros((n_muni, 4)))


def week_constants(c: Scenario, citizens: Citizens, wards: Wards) -> None:
    """Per-citizen and per-ward quantities the week uses that do not change during a run.

    Citizens keep their ward, municipality and position, so their need rate,
    their cost of reaching a ward meeting and their access centre are fixed;
    keeping them saves recomputing them every week (docs/performance.md).
    """
    pc = c.participation
    n_muni = c.region.n_municipalities
    wards.size = np.bincount(citizens.ward, minlength=wards.n)
    # activists meet their neighbourhood's needs too (Sjoberg, Mellon & Peixoto 2017); the ward's
    # needs (expected_requests below) are unchanged: they report needs others also have
    reach = np.minimum(citizens.reach, pc.activist_reach_max)
    citizens.need_chance = np.minimum(1.0, c.municipality.need_rate * wards.need_mult[citizens.ward] * reach)
    citizens.meeting_cost = pc.cost_meeting * (1.0 + citizens.meeting_km / pc.meeting_distance_km)
    expected_w = np.maximum(wards.size, 1) * c.municipality.need_rate * wards.need_mult
    wards.expected_requests = np.maximum(expected_w, 1e-12)  # requests a ward needs each week
    wards.idp_input = np.zeros(wards.n)
    wards.priority = wards.expected_requests.copy()  # planned work follows needs until IDP input moves it
    # citizens are created municipality by municipality, ward by ward
    assert np.all(np.diff(citizens.ward) >= 0), "citizens must be sorted by ward"
    bounds = np.searchsorted(citizens.municipality, np.arange(n_muni + 1)).tolist()
    citizens.municipality_slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    citizens.youth_bit = (citizens.age == 0).astype(np.uint8) * np.uint8(8)
    citizens.centre_users = np.flatnonzero(citizens.access_centre >= 0)  # within reach of an access centre
    citizens.centre_user_node = citizens.access_centre[citizens.centre_users]


def nearest_within(nx: np.ndarray, ny: np.ndarray, pts: np.ndarray, reach: float, ids: np.ndarray) -> np.ndarray:
    """For each point, ``ids`` of the nearest node within ``reach`` km, or -1."""
    out = np.full(pts.shape[0], -1, dtype=np.int64)
    if nx.size == 0:
        return out
    d, j = cKDTree(np.column_stack([nx, ny])).query(pts, distance_upper_bound=reach)
    ok = np.isfinite(d)
    out[ok] = ids[j[ok]]
    return out


def nearest_distance(nx: np.ndarray, ny: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """For each point, the distance to the nearest node, km (inf with no nodes)."""
    if nx.size == 0:
        return np.full(pts.shape[0], np.inf)
    d, _ = cKDTree(np.column_stack([nx, ny])).query(pts)
    return d


def hotspot_state(c: Scenario, citizens: Citizens, rng_demand: np.random.Generator) -> None:
    """Hotspot dynamics at the start: no hotspot known, no habits, no use; each resident's daily data demand.

    Demand on a hotspot (MB/day) is lognormal: ``infrastructure.data_need_mb``
    x ``hotspot_youth_demand`` for the young x exp(``hotspot_demand_spread`` z),
    z standard normal, drawn from ``rng_demand`` (a stream of its own, so a
    world without hotspots draws everything else as before).
    """
    inf = c.infrastructure
    n = citizens.n
    z = rng_demand.standard_normal(n)
    youth = np.where(citizens.age == 0, inf.hotspot_youth_demand, 1.0)
    citizens.hotspot_demand_mb = inf.data_need_mb * youth * np.exp(inf.hotspot_demand_spread * z)
    citizens.hotspot_known = np.zeros(n, dtype=bool)
    citizens.hotspot_habit = np.zeros(n)
    citizens.hotspot_used = np.zeros(n, dtype=bool)
    citizens.hotspot_days = np.zeros(n)
    citizens.hotspot_capped = np.zeros(n, dtype=bool)
    citizens.hotspot_ever = np.zeros(n, dtype=bool)
    citizens.nbr_hotspot = np.zeros(n)

