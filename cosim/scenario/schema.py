"""The scenario schema: the one source of truth for every parameter.

Each parameter is declared once, here, with its default, valid range, unit,
description and source (or the word "assumption"). The CLI (``--set``), the
scenario loader, the dashboard sliders, the ODD tables (``docs/ODD.md``) and the
sensitivity bounds all read this module; nothing declares a parameter twice.

A scenario file (TOML) lists only what differs from these defaults.  Policy
levers (``wifi``, ``open_data``, ``talent``, ``training``, ``security``,
``channels``, ``campaign``, ``links``) can be switched on for a window of weeks
``[start, stop)`` and can change in later ``phases``; outside every window the
lever is at its defaults (which are "off" for every policy).

Over 400 lines on purpose: the one source of truth for every parameter (about
190, a few lines each); the ODD tables, the dashboard and the sensitivity
bounds read it together (docs/architecture.md).
"""

from __future__ import annotations

import datetime
import itertools
from math import isfinite, sqrt
from typing import Any, ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ASSUMPTION = "assumption"


def param(
    default: Any,
    lo: float | None = None,
    hi: float | None = None,
    *,
    unit: str,
    desc: str,
    source: str,
    sa: tuple[float, float] | None = None,
) -> Any:
    """Declare a scenario parameter.

    ``lo``/``hi`` are the hard validity bounds; ``sa`` is the plausible range used
    by sensitivity analysis when it differs from the hard bounds.
    """
    extra: dict[str, Any] = {"unit": unit, "source": source}
    if sa is not None:
        extra["sa_range"] = list(sa)
    return Field(default, ge=lo, le=hi, description=desc, json_schema_extra=extra)


class Section(BaseModel):
    """A frozen table of parameters; unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _refuse_coercion(cls, value: Any, info: Any) -> Any:
        # pydantic's lax mode reads "40" as 40, true as 1 and "no" as False; in a
        # scenario file each is a typing mistake, so it is refused (whole floats such
        # as 40.0 stay accepted for integers: samplers produce them).
        field = cls.model_fields.get(info.field_name or "")
        kinds = set(get_args(field.annotation) or (field.annotation,)) if field else set()
        if bool in kinds and isinstance(value, str | int | float) and not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        number = "an integer" if int in kinds else "a number" if float in kinds else None
        if number and str not in kinds and isinstance(value, str | bool):
            raise ValueError(f"expected {number}, got {value!r}"
                             + (" (write numbers without quotes)" if isinstance(value, str) else ""))
        return value


# --------------------------------------------------------------------------- world


#: the calendar a run may cover (burn-in included): dates the time series store as datetime64[ns]
#: (1677-09-21 .. 2262-04-11), in round years
EARLIEST_DATE = datetime.date(1700, 1, 1)
LATEST_DATE = datetime.date(2261, 12, 31)


class RunConfig(Section):
    """How long and how large one run is."""

    steps: int = param(260, 1, 5200, unit="weeks", sa=(52, 260),
                       desc="Horizon in weekly steps; 260 = one 5-year IDP cycle.",
                       source="Municipal Systems Act 32 of 2000 s25 (5-year IDP); MODEL.md s2")
    n_citizens: int = param(10_000, 50, 2_000_000, unit="agents", sa=(2_000, 20_000),
                            desc="Simulated citizens (a sample of the population).",
                            source=ASSUMPTION)
    seed: int = param(1, 0, 2**63 - 1, unit="-",
                      desc="Default root seed when none is given on the command line.",
                      source=ASSUMPTION)
    burn_in_weeks: int = param(52, 0, 1040, unit="weeks",
                               desc="Weeks of history simulated before week 0 with every lever at its default (no policy), so that yearly measures, trust and the request queue are in steady state at week 0 (MODEL.md s2: a warm start).",
                               source="assumption: a year covers the 52-week measures; trust, service work and the queue start near their steady state by construction (docs/ODD.md, Initialisation)")
    start_date: datetime.date = param(datetime.date(2022, 7, 1), unit="date",
                                      desc="Calendar date of week 0 (week t is start_date + 7 t days; burn-in weeks are the dates before it). Budget years and the IDP window count their weeks from this date.",
                                      source="1 July 2022: start of the 2022/23 municipal financial year (MFMA 56 of 2003 s1) and of the 2022-2027 IDP cycle (Municipal Systems Act 32 of 2000 s25)")

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        # pydantic would read an integer as a Unix time stamp and a date-time as its date
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date | str):
            raise ValueError(f"expected a date (2022-07-01, or the string \"2022-07-01\"), got {value!r}")
        if isinstance(value, str):
            try:
                return datetime.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError(f"expected a date written YYYY-MM-DD, got {value!r}") from None
        return value

    @model_validator(mode="after")
    def _dates_in_range(self) -> RunConfig:
        # every week's date, burn-in included, must be one the time series can hold (datetime64[ns])
        first = self.start_date.toordinal() - 7 * self.burn_in_weeks
        last = self.start_date.toordinal() + 7 * (self.steps - 1)
        if first < EARLIEST_DATE.toordinal() or last > LATEST_DATE.toordinal():
            def when(d: int) -> str:
                return ("before year 1" if d < 1 else "after year 9999" if d > datetime.date.max.toordinal()
                        else str(datetime.date.fromordinal(d)))

            raise ValueError(f"start_date: expected a date that keeps every week of the run, burn-in included, "
                             f"between {EARLIEST_DATE} and {LATEST_DATE} (the dates the outputs can hold); "
                             f"with start_date = {self.start_date}, burn_in_weeks = {self.burn_in_weeks} and "
                             f"steps = {self.steps} the run covers {when(first)} to {when(last)}")
        return self


class MunicipalityConfig(Section):
    """The default municipality: geography, wards, needs and budget."""

    population: int = param(800_000, 1_000, 10_000_000, unit="residents",
                            desc="Real residents represented by the simulated citizens.",
                            source="assumption: order of a secondary metro")
    ward_rows: int = param(6, 1, 40, unit="wards",
                           desc="Rows of the ward grid.", source=ASSUMPTION)
    ward_cols: int = param(8, 1, 40, unit="wards",
                           desc="Columns of the ward grid (48 wards by default).",
                           source=ASSUMPTION)
    ward_km: float = param(2.0, 0.2, 20.0, unit="km", sa=(1.0, 4.0),
                           desc="Side of one square ward.", source=ASSUMPTION)
    ward_inequality: float = param(0.6, 0.0, 1.0, unit="-", sa=(0.2, 0.9),
                                   desc="How strongly ward wealth falls from the core to the periphery.",
                                   source="assumption: spatial legacy of apartheid planning (seed 000)")
    ward_wealth_noise: float = param(0.08, 0.0, 0.5, unit="-", sa=(0.0, 0.16),
                                     desc="Spread (sd) of ward wealth around its core-to-periphery gradient.",
                                     source=ASSUMPTION)
    baseline_service_quality: float = param(0.42, 0.0, 1.0, unit="-", sa=(0.3, 0.6),
                                            desc="Mean ward service quality when the municipality delivers the reference service work per need (coproduction.reference_work_per_need).",
                                            source="assumption near GCRO QoL 2017/18 (38% satisfied, Gauteng)")
    quality_floor_factor: float = param(0.6, 0.0, 2.0, unit="-", sa=(0.4, 0.8),
                                        desc="Base ward quality = baseline x (this + quality_wealth_factor x ward wealth): the poorest ward's share.",
                                        source=ASSUMPTION)
    quality_wealth_factor: float = param(0.8, 0.0, 2.0, unit="-", sa=(0.4, 1.2),
                                         desc="How much ward wealth raises base ward quality (see quality_floor_factor).",
                                         source="assumption: services follow the spatial legacy (seed 000)")
    need_rate: float = param(0.04, 0.0, 1.0, unit="1/week", sa=(0.02, 0.08),
                             desc="Weekly chance that a citizen has a service need (report, request).",
                             source=ASSUMPTION)
    need_gradient: float = param(1.0, 0.0, 5.0, unit="-", sa=(0.0, 2.0),
                                 desc="Extra need in the poorest ward relative to the richest.",
                                 source=ASSUMPTION)
    quality_response: float = param(0.05, 0.0, 1.0, unit="1/week", sa=(0.01, 0.1),
                                    desc="Rate at which ward service quality moves toward the quality its service work produces.",
                                    source=ASSUMPTION)
    coverage_rate: float = param(0.1, 0.0, 1.0, unit="1/week", sa=(0.05, 0.2),
                                 desc="Weight of this week in the moving average of a ward's service work per need.",
                                 source=ASSUMPTION)
    idp_window_weeks: int = param(6, 0, 26, unit="weeks",
                                  desc="Length of the annual IDP consultation window.",
                                  source="MODEL.md s2; MFMA 56 of 2003 s22-23 (draft budget consultation)")
    idp_window_start: int = param(40, 0, 51, unit="week of year",
                                  desc="Week of the financial year (from July) when the IDP window opens.",
                                  source="MFMA s16 (draft budget tabled 90 days before July): April")
    annual_budget_rand: float = param(40_000_000.0, 0.0, 1e10, unit="R/year", sa=(1e7, 8e7),
                                      desc="Annual budget for the smart-city levers.",
                                      source=ASSUMPTION)
    over_budget: Literal["refuse", "scale"] = param(
        "refuse", unit="-",
        desc="What to do when a year's planned lever spend exceeds the budget.",
        source=ASSUMPTION)


class RegionConfig(Section):
    """Several municipalities in one region (single, dual or multi linkage)."""

    n_municipalities: int = param(1, 1, 8, unit="-",
                                  desc="Municipalities in the region (citizens split evenly).",
                                  source="seed 000: single, dual or multi-municipality linkages")
    wealth_gradient: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.0, 0.6),
                                   desc="How much poorer each further municipality is than the first (a metro and its rural neighbours).",
                                   source=ASSUMPTION)


class PopulationConfig(Section):
    """Who the citizens are at the start."""

    share_low_income: float = param(0.55, 0.0, 1.0, unit="share", sa=(0.4, 0.7),
                                    desc="Share of low-income citizens.",
                                    source="assumption: RIA After Access 2017 (the online half earns > R7,200/month)")
    share_high_income: float = param(0.15, 0.0, 1.0, unit="share", sa=(0.1, 0.25),
                                     desc="Share of high-income citizens (middle = the rest).",
                                     source=ASSUMPTION)
    share_youth: float = param(0.35, 0.0, 1.0, unit="share",
                               desc="Share aged 15-34.", source="assumption near Stats SA mid-year estimates")
    share_senior: float = param(0.15, 0.0, 1.0, unit="share",
                                desc="Share aged 60+.", source="assumption near Stats SA mid-year estimates")
    phone_share: float = param(0.961, 0.0, 1.0, unit="share",
                               desc="Share with at least a mobile phone.",
                               source="GHS 2023: 96.1% of households have a mobile phone")
    smartphone_low: float = param(0.55, 0.0, 1.0, unit="share", sa=(0.35, 0.75),
                                  desc="Smartphone ownership, low income.",
                                  source="assumption anchored to GHS 2023 mobile internet 72.6% and RIA 2017 (53% online)")
    smartphone_mid: float = param(0.80, 0.0, 1.0, unit="share",
                                  desc="Smartphone ownership, middle income.",
                                  source="assumption anchored to GHS 2023 (metro 74.6%)")
    smartphone_high: float = param(0.95, 0.0, 1.0, unit="share",
                                   desc="Smartphone ownership, high income.", source=ASSUMPTION)
    data_low: float = param(0.633, 0.0, 1.0, unit="prob/week", sa=(0.5, 1.0),
                            desc="Chance a low-income smartphone owner can afford data in a given week.",
                            source="fitted with cosim calibrate to RIA After Access 2017 (53% online) and GHS 2023 (72.6% mobile internet) (docs/calibration.md)")
    data_mid: float = param(0.70, 0.0, 1.0, unit="prob/week",
                            desc="Chance a middle-income smartphone owner has data in a week.",
                            source="assumption: 24.7% of income on mobile services (WCG 2016)")
    data_high: float = param(0.95, 0.0, 1.0, unit="prob/week",
                             desc="Chance a high-income smartphone owner has data in a week.",
                             source=ASSUMPTION)
    literacy_low: float = param(0.35, 0.0, 1.0, unit="-", sa=(0.2, 0.5),
                                desc="Mean digital literacy, low income.",
                                source="assumption: RIA 2017 names literacy a main barrier")
    literacy_mid: float = param(0.55, 0.0, 1.0, unit="-", desc="Mean digital literacy, middle income.",
                                source=ASSUMPTION)
    literacy_high: float = param(0.75, 0.0, 1.0, unit="-", desc="Mean digital literacy, high income.",
                                 source=ASSUMPTION)
    literacy_sd: float = param(0.12, 0.0, 0.5, unit="-", desc="Spread of literacy within a group.",
                               source=ASSUMPTION)
    age_literacy_effect: float = param(0.10, 0.0, 0.5, unit="-",
                                       desc="Literacy bonus for youth and penalty for seniors.",
                                       source=ASSUMPTION)
    age_literacy_youth: float = param(1.0, -3.0, 3.0, unit="-", sa=(0.5, 1.5),
                                      desc="Youth's literacy shift, in units of age_literacy_effect.",
                                      source="assumption: the young are more digitally literate (van Deursen & van Dijk 2014)")
    age_literacy_adult: float = param(0.0, -3.0, 3.0, unit="-", sa=(-0.5, 0.5),
                                      desc="Adults' literacy shift, in units of age_literacy_effect.",
                                      source=ASSUMPTION)
    age_literacy_senior: float = param(-1.5, -3.0, 3.0, unit="-", sa=(-2.0, -1.0),
                                       desc="Seniors' literacy shift, in units of age_literacy_effect.",
                                       source="assumption: the second-level divide by age (van Deursen & van Dijk 2014)")
    trust_mean: float = param(0.453, 0.0, 1.0, unit="-", sa=(0.35, 0.6),
                              desc="Mean initial trust in the municipality.",
                              source="fitted with cosim calibrate to AB Round 8 (2021): under one third trust the local council (docs/calibration.md)")
    trust_sd: float = param(0.15, 0.0, 0.5, unit="-", desc="Spread of initial trust.", source=ASSUMPTION)
    privacy_mean: float = param(0.5, 0.0, 1.0, unit="-", sa=(0.3, 0.7),
                                desc="Mean privacy concern.", source=ASSUMPTION)
    privacy_sd: float = param(0.2, 0.0, 0.5, unit="-", desc="Spread of privacy concern.", source=ASSUMPTION)
    awareness_initial: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.05, 0.4),
                                     desc="Initial awareness of e-services.", source=ASSUMPTION)
    awareness_literacy_base: float = param(0.5, 0.0, 2.0, unit="-", sa=(0.25, 1.0),
                                           desc="Initial awareness = awareness_initial x (this + literacy).",
                                           source=ASSUMPTION)
    income_noise_sd: float = param(0.35, 0.0, 2.0, unit="-", sa=(0.2, 0.5),
                                   desc="Spread of a citizen's income index around their ward's wealth (before the cut into groups).",
                                   source=ASSUMPTION)
    township_density_base: float = param(0.5, 0.01, 5.0, unit="-", sa=(0.25, 1.0),
                                         desc="Citizens per ward weigh this + (1 - ward wealth): lower = townships denser than the core.",
                                         source="assumption: dense townships, sparse suburbs (seed 000)")
    adopted_initial: float = param(0.025, 0.0, 1.0, unit="share",
                                   desc="Share already using e-participation at the start (innovators).",
                                   source="Rogers 2003: innovators 2.5%")
    propensity_alpha: float = param(1.15, 1.01, 5.0, unit="-", sa=(1.1, 2.0),
                                    desc="Pareto tail index of the contribution propensity (lower = more unequal).",
                                    source="assumption tuned to 90-9-1 participation inequality (Nielsen 2006)")
    propensity_scale: float = param(0.160, 0.0, 1.0, unit="-", sa=(0.08, 0.25),
                                    desc="Propensity of the least active citizen (Pareto minimum).",
                                    source="fitted with cosim calibrate to AB 2008/2011: 26-36% contacted a councillor in the past year (docs/calibration.md)")
    homogeneous: bool = param(False, unit="-",
                              desc="Make every citizen identical at neutral values (for the Bass docking test).",
                              source="Bass 1969 docking; MODEL.md pattern 1")
    cohort_turnover_annual: float = param(
        0.02, 0.0, 0.2, unit="1/year", sa=(0.01, 0.04),
        desc="Share of residents replaced each year by young newcomers when a literacy trend is scheduled "
             "(cohort change: the young enter with the scheduled literacy; the others age, seniors leave).",
        source="assumption: about 50 years from age 15 to death (Stats SA mid-year estimates: life expectancy "
               "at birth about 62-65 years, 2010-2023)")


class NetworkConfig(Section):
    """The social network that carries word of mouth and trust."""

    kind: Literal["small_world", "complete"] = param(
        "small_world", unit="-",
        desc="small_world: ring lattice within wards, rewired; complete: well-mixed (mean field).",
        source="Watts & Strogatz 1998")
    degree: int = param(10, 2, 100, unit="ties", desc="Ties per citizen (even).",
                        source=ASSUMPTION)
    rewire: float = param(0.1, 0.0, 1.0, unit="prob", sa=(0.0, 0.3),
                          desc="Share of ties rewired to a random citizen of the same municipality.",
                          source="Watts & Strogatz 1998; assumption")

    @field_validator("degree")
    @classmethod
    def _even(cls, v: int) -> int:
        if v % 2:
            raise ValueError(f"must be even (got {v}): each citizen links k/2 neighbours on each side")
        return v


class AdoptionConfig(Section):
    """E-participation adoption: a Bass hazard modulated by UTAUT and privacy calculus."""

    p: float = param(0.03 / 52, 0.0, 1.0, unit="1/week", sa=(0.0002, 0.0012),
                     desc="Innovation coefficient (weekly).",
                     source="Bass 1969; mean p=0.03/year, Sultan, Farley & Lehmann 1990")
    q: float = param(0.38 / 52, 0.0, 1.0, unit="1/week", sa=(0.003, 0.015),
                     desc="Imitation coefficient (weekly).",
                     source="Bass 1969; mean q=0.38/year, Sultan, Farley & Lehmann 1990")
    beta_performance: float = param(1.0, 0.0, 5.0, unit="-", sa=(0.0, 2.0),
                                    desc="Weight of performance expectancy (responsiveness, open data).",
                                    source="UTAUT, Venkatesh et al. 2003; weight assumption")
    beta_effort: float = param(1.5, 0.0, 5.0, unit="-", sa=(0.5, 3.0),
                               desc="Weight of effort expectancy (digital literacy).",
                               source="UTAUT, Venkatesh et al. 2003; weight assumption")
    beta_trust: float = param(1.0, 0.0, 5.0, unit="-", sa=(0.0, 2.0),
                              desc="Weight of trust in the municipality.",
                              source="Carter & Belanger 2005; weight assumption")
    beta_privacy: float = param(1.0, 0.0, 5.0, unit="-", sa=(0.5, 3.0),
                                desc="Weight of perceived privacy risk = concern x (1 - security posture).",
                                source="privacy calculus, Dinev & Hart 2006; weight assumption")
    ussd_access: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.1, 0.6),
                               desc="Facilitating condition for adoption with USSD/SMS alone (1 = as good as being online).",
                               source="assumption: USSD menus carry reports and polls, not the portal's services (RIA 2017: devices and literacy are the barriers)")
    open_data_weight: float = param(0.5, 0.0, 2.0, unit="-", sa=(0.0, 1.0),
                                    desc="Weight of the usefulness of open data in performance expectancy (added to responsiveness).",
                                    source="assumption: civic tech makes e-services more useful (seed 000)")
    lapse_rate: float = param(0.005, 0.0, 1.0, unit="1/week", sa=(0.0, 0.05),
                              desc="Weekly lapse hazard of an adopter at zero intention (scaled by 1 - intention).",
                              source=ASSUMPTION)


class ParticipationConfig(Section):
    """Acting on a need or a consultation: channel costs and efficacy."""

    cost_portal: float = param(0.10, 0.0, 1.0, unit="-", desc="Effort cost of the portal/app.",
                               source=ASSUMPTION)
    cost_ussd: float = param(0.20, 0.0, 1.0, unit="-", desc="Effort cost of USSD/SMS.",
                             source=ASSUMPTION)
    cost_social: float = param(0.15, 0.0, 1.0, unit="-", desc="Effort cost of social media/chat.",
                               source=ASSUMPTION)
    youth_social_factor: float = param(0.5, 0.0, 2.0, unit="-", sa=(0.3, 1.0),
                                       desc="Social-media cost for youth relative to others (youth prefer it).",
                                       source="assumption: social media use in South Africa skews young (RIA After Access 2017)")
    cost_meeting: float = param(0.60, 0.0, 1.0, unit="-", sa=(0.4, 0.8),
                                desc="Effort cost of a ward meeting at the venue's door.",
                                source="assumption: AB 2011, 72-74% never contacted a councillor")
    meeting_distance_km: float = param(3.0, 0.1, 50.0, unit="km",
                                       desc="Distance at which travel doubles the meeting cost.",
                                       source=ASSUMPTION)
    efficacy_weight: float = param(0.6, 0.0, 1.0, unit="-", sa=(0.3, 0.9),
                                   desc="How much acting depends on trust (political efficacy).",
                                   source="OECD 2024: trust +43 points among those who feel they have a say; weight assumption")
    activist_reach_max: float = param(20.0, 1.0, 100.0, unit="-", sa=(1.0, 40.0),
                                      desc="The most active citizens also report their neighbourhood's needs: one whose contribution propensity before its cap at 1 is r > 1 meets min(r, this) times the need rate (1: everyone reports only their own needs).",
                                      source="Sjoberg, Mellon & Peixoto 2017 (a few FixMyStreet users file most reports); Nielsen 2006 (90-9-1); the cap is an assumption")
    iap2_efficacy: float = param(0.1, 0.0, 1.0, unit="-", sa=(0.0, 0.3),
                                 desc="Relative rise in acting per IAP2 level offered above consult.",
                                 source="assumption; OECD 2024 (a say raises trust and efficacy); Arnstein 1969")
    max_wait_weeks: int = param(12, 1, 260, unit="weeks", sa=(6, 26),
                                desc="Mean weeks a waiting request stays open before it is closed unresolved (weekly closure chance 1/this); also the time scale over which a late answer loses value.",
                                source="assumption: abandonment in queues with impatient customers (Palm 1943; Garnett, Mandelbaum & Reiman 2002)")
    efficacy_learning: float = param(0.1, 0.0, 1.0, unit="-", sa=(0.0, 0.3),
                                     desc="Share of the gap to 1 (resolved) or to 0 (closed unresolved) that a citizen's personal efficacy moves after a request.",
                                     source="Sjoberg, Mellon & Peixoto 2017 (FixMyStreet: a fixed first report makes a second likelier); magnitude assumption, kept modest")
    personal_efficacy_weight: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.0, 0.5),
                                            desc="How much acting depends on personal efficacy: multiplier (1 - w) + 2 w x efficacy (1 at efficacy 1/2).",
                                            source="Sjoberg, Mellon & Peixoto 2017; weight assumption")


class IdpConfig(Section):
    """The IDP consultation (MODEL.md s3 step 7): written comments and ward meetings, a process of its own.

    In each week of the IDP window a resident may write comments (online, by
    USSD/SMS, on paper at municipal offices, or at a meeting they attend) and
    attend a ward IDP meeting; neither joins the request queue.  Replaces v2's
    ``participation.idp_rate`` (issue 14).
    """

    comment_rate: float = param(0.02, 0.0, 1.0, unit="1/week", sa=(0.005, 0.05),
                                desc="Weekly chance of writing IDP comments at propensity 1, efficacy 1, full awareness and a free channel: chance = rate x propensity x efficacy x awareness x (1 - channel cost).",
                                source="assumption, set so that a few per cent of residents comment in a window (written IDP submissions are few: Mphahlele 2010, Siphuma 2009 on Limpopo municipalities); sa range wide")
    paper_cost: float = param(0.5, 0.0, 1.0, unit="-", sa=(0.3, 0.7),
                              desc="Effort cost of a written comment on paper (feedback forms and boxes at municipal offices and libraries); the in-person channel, open when channels.ward_meetings is.",
                              source="City of Cape Town 2009/10 IDP review (feedback forms and boxes at libraries and sub-council offices); cost assumption")
    count_exponent: float = param(2.0, 1.1, 10.0, unit="-", sa=(1.5, 3.0),
                                  desc="Tail exponent a of the number of comments a commenter writes in a week: discrete Pareto, P(K >= k) = (s / k)^a for k >= s (s: the activist's scale); lower, heavier tail.",
                                  source="assumption; participation inequality 90-9-1 (Nielsen 2006); a few FixMyStreet users file most reports (Sjoberg, Mellon & Peixoto 2017)")
    reach_exponent: float = param(0.5, 0.0, 2.0, unit="-", sa=(0.0, 1.0),
                                  desc="How the activist's reach raises the comments written: scale s = reach^this (reach capped at participation.activist_reach_max; 0: reach plays no part).",
                                  source="assumption; organised residents' associations file detailed submissions (Ndlambe 2025 IDP roadshow, news report)")
    max_comments: int = param(50, 1, 1000, unit="comments/week",
                              desc="Most comments one resident writes in a week (caps the discrete Pareto count).",
                              source=ASSUMPTION)
    meetings_per_window: float = param(1.0, 0.0, 10.0, unit="meetings/ward/window", sa=(0.5, 3.0),
                                       desc="Ward IDP meetings (imbizos, road shows) per ward in each window, spread evenly over its weeks.",
                                       source="Ndlambe 2024: 18 mayoral imbizos over four weeks, about one per ward; City of Cape Town 2008: 28 sub-council meetings and 5 public hearings")
    attend_rate: float = param(0.15, 0.0, 1.0, unit="1/meeting", sa=(0.05, 0.3),
                               desc="Chance of attending a ward IDP meeting at propensity 1, efficacy 1 and no travel cost: chance = rate x meetings this week x propensity x efficacy x (1 - meeting cost).",
                               source="assumption; meetings mainly attended by ward forum members and organisations (City of Cape Town 2009/10 IDP review)")
    speak_share: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.1, 0.5),
                               desc="Chance that a resident at a ward IDP meeting comments from the floor (orally or on a form handed in there), instead of the written-comment chance.",
                               source="assumption; residents raise their concerns at IDP road shows (Ulundi IDP review 2012; Ndlambe 2025 IDP roadshow, news report)")
    attendance_weight: float = param(0.5, 0.0, 2.0, unit="comments", sa=(0.0, 1.0),
                                     desc="Weight of one meeting attendance in a ward's IDP input, relative to one written comment.",
                                     source=ASSUMPTION)


class TrustConfig(Section):
    """Trust dynamics: asymmetric expectancy-disconfirmation plus social influence."""

    alpha_plus: float = param(0.05, 0.0, 1.0, unit="-", sa=(0.02, 0.1),
                              desc="Trust gain per unit of positive disconfirmation.",
                              source="expectancy-disconfirmation (Van Ryzin 2006); magnitude assumption")
    alpha_minus: float = param(0.15, 0.0, 1.0, unit="-", sa=(0.05, 0.3),
                               desc="Trust loss per unit of negative disconfirmation (> alpha_plus).",
                               source="trust asymmetry, Slovic 1993; Poortinga & Pidgeon 2004")
    expectation_rate: float = param(0.1, 0.0, 1.0, unit="-",
                                    desc="How fast a citizen's expectation follows experienced outcomes.",
                                    source=ASSUMPTION)
    responsiveness_rate: float = param(0.2, 0.0, 1.0, unit="-", sa=(0.1, 0.4),
                                       desc="How fast a citizen's experienced responsiveness (performance expectancy) follows outcomes.",
                                       source=ASSUMPTION)
    peer_weight: float = param(0.01, 0.0, 0.5, unit="1/week", sa=(0.0, 0.08),
                               desc="Weekly weight on neighbours' mean trust (DeGroot).",
                               source="DeGroot 1974; Friedkin & Johnsen 1990")
    anchor_weight: float = param(0.02, 0.0, 0.5, unit="1/week", sa=(0.005, 0.05),
                                 desc="Weekly pull of trust toward the citizen's generalised trust (Friedkin-Johnsen anchor).",
                                 source="Friedkin & Johnsen 1990; generalised vs specific trust, Van de Walle & Bouckaert 2003")
    quality_weight: float = param(0.02, 0.0, 0.5, unit="1/week", sa=(0.005, 0.05),
                                  desc="Weekly pull of everyone's trust toward the service quality they perceive in their ward (performance).",
                                  source="Van Ryzin 2004, 2006; Van de Walle & Bouckaert 2003; rate assumption")
    generalised_up: float = param(0.002, 0.0, 0.1, unit="1/week", sa=(0.0005, 0.005),
                                  desc="Weekly rate at which generalised trust rises toward a citizen's higher current trust.",
                                  source="assumption; learning from own experience (Kampen, Van de Walle & Bouckaert 2006)")
    generalised_down: float = param(0.006, 0.0, 0.1, unit="1/week", sa=(0.0015, 0.015),
                                    desc="Weekly rate at which generalised trust falls toward a citizen's lower current trust (> generalised_up: bad is learnt faster).",
                                    source="Kampen, Van de Walle & Bouckaert 2006 (negative experiences weigh more); Slovic 1993")
    transparency_weight: float = param(0.0005, 0.0, 0.1, unit="1/week", sa=(0.0, 0.005),
                                       desc="Weekly trust gain from fully valuable open data for a fully aware citizen (small on purpose).",
                                       source="Grimmelikhuijsen et al. 2013 (PAR 73(4)): transparency alone moves trust little")
    scandal_drop: float = param(0.15, 0.0, 1.0, unit="-",
                                desc="Share of trust lost in a scandal of severity 1.",
                                source=ASSUMPTION)
    share_trusting_threshold: float = param(0.5, 0.0, 1.0, unit="-",
                                            desc="Trust above which a citizen counts as trusting.",
                                            source="AB Round 8 'somewhat or a lot'")


class CoproductionConfig(Section):
    """How citizen and official inputs make service outcomes."""

    citizen_share: float = param(0.4, 0.0, 1.0, unit="-", sa=(0.2, 0.6),
                                 desc="Cobb-Douglas exponent of the citizen's input (official input gets 1 - this).",
                                 source="Ostrom 1996; Brudney & England 1983; value assumption")
    report_floor: float = param(0.4, 0.0, 1.0, unit="-",
                                desc="Value of a report from a citizen with zero digital literacy.",
                                source=ASSUMPTION)
    open_data_boost: float = param(0.3, 0.0, 2.0, unit="-", sa=(0.0, 0.6),
                                   desc="Relative rise in a report's value at full data openness (civic tech).",
                                   source="assumption; Gonzalvez-Gallego & Nieto-Torrejon 2021 (small positive effect)")
    open_data_reference_weeks: float = param(13.0, 1.0, 104.0, unit="weeks", sa=(6.0, 26.0),
                                             desc="Update interval at which the data's freshness is 1/2 (freshness = T / (T + interval)).",
                                             source="assumption: quarterly updates (seed 000: infrequent updates)")
    open_data_capability_floor: float = param(0.5, 0.0, 1.0, unit="-", sa=(0.25, 0.75),
                                              desc="Capability to publish with no ICT skill (rises linearly to 1 at ICT skill 1).",
                                              source=ASSUMPTION)
    reference_work_per_need: float = param(0.17, 1e-4, 10.0, unit="need-equivalents per need",
                                           desc="Service work per weekly need at which a ward's quality equals its baseline; the default is what the default municipality delivers (docs/ODD.md).",
                                           source="assumption: sets the scale of the production function (Boyne 2003)")
    production_elasticity: float = param(0.5, 0.0, 2.0, unit="-", sa=(0.25, 1.0),
                                         desc="Elasticity of ward quality in the saturating production index 1 - exp(-work / reference): higher, services follow capacity more.",
                                         source="assumption; Boyne 2003 (resources and staff quality improve services, modestly)")
    report_leverage: float = param(2.0, 0.0, 10.0, unit="need-equivalents", sa=(1.0, 4.0),
                                   desc="Needs served by a resolved report of value 1: a report points officials to a fault that affects others too.",
                                   source="assumption; Parks et al. 1981, Ostrom 1996 (citizens' information as an input to production)")
    unreported_discount: float = param(0.5, 0.0, 1.0, unit="-", sa=(0.25, 0.75),
                                       desc="Needs served per unit of capacity spent on unreported needs (officials must find them).",
                                       source="assumption; Brudney & England 1983 (co-production supplements officials' work)")
    planned_share: float = param(0.5, 0.0, 1.0, unit="-", sa=(0.3, 0.7),
                                 desc="Share of officials' capacity kept for planned work (IDP priorities); the rest serves reports first.",
                                 source="assumption: municipal planned vs reactive maintenance")
    max_resolution_rate: float = param(0.5, 0.01, 1.0, unit="1/week", sa=(0.3, 0.8),
                                       desc="Weekly chance that a waiting request is resolved when officials have capacity to spare (processing time).",
                                       source=ASSUMPTION)
    ict_productivity: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.1, 0.5),
                                    desc="Share of officials' capacity that depends on ICT skill: factor 1 - w (1 - ICT skill).",
                                    source="assumption; AGSA 2020-21 (IT governance ineffective in 75% of municipalities); seed 000 (ICT skills short)")
    idp_plan_weight: float = param(0.5, 0.0, 2.0, unit="-", sa=(0.0, 1.0),
                                   desc="How far IDP input moves planned work toward the wards that gave it, at IAP2 'empower' (scaled by (level - 1) / 4).",
                                   source="Grossman, Humphreys & Sacramone-Lutz 2014; Fox 2015 (voice needs teeth); weight assumption")
    plan_rate: float = param(0.3, 0.0, 1.0, unit="1/window week", sa=(0.1, 0.6),
                             desc="Weight of one IDP-window week in the moving average of each ward's input (comments per resident).",
                             source=ASSUMPTION)
    promise_weight: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.0, 0.6),
                                  desc="Disappointment a commenter feels per unit of IAP2 promise above 'consult' (a deeper promise raises expectations).",
                                  source="Arnstein 1969 (tokenism); IAP2 promise to the public; magnitude assumption")
    feedback_floor: float = param(0.3, 0.0, 1.0, unit="-",
                                  desc="Outcome a consultation comment is worth at 'inform'; rises to 1 at 'empower' when officials can deliver.",
                                  source="assumption; IAP2 promise to the public; Arnstein 1969")


class LiteracyConfig(Section):
    """Digital literacy: training, learning by doing, decay."""

    training_gain: float = param(0.2, 0.0, 1.0, unit="-", sa=(0.05, 0.3),
                                 desc="Share of the gap to 1 closed by one training seat.",
                                 source=ASSUMPTION)
    learning_by_doing: float = param(0.003, 0.0, 0.2, unit="1/week", sa=(0.0, 0.01),
                                     desc="Weekly share of the gap to 1 closed by using e-services online.",
                                     source="assumption; learning by doing (Arrow 1962); van Deursen & van Dijk 2014")
    decay: float = param(0.002, 0.0, 0.1, unit="1/week", sa=(0.0, 0.01),
                         desc="Weekly share of the gap to the citizen's floor lost in a week offline.",
                         source=ASSUMPTION)
    floor_share: float = param(0.9, 0.0, 1.0, unit="-", sa=(0.7, 1.0),
                               desc="Literacy floor as a share of the citizen's literacy at the start: skills decay toward it, not to zero.",
                               source=ASSUMPTION)
    use_floor: float = param(0.867, 0.0, 1.0, unit="-", sa=(0.4, 0.9),
                             desc="Weekly chance of going online, given access, at literacy 0; rises linearly to 1 at literacy 1 (second-level divide).",
                             source="Hargittai 2002; van Deursen & van Dijk 2014; value fitted with cosim calibrate to RIA After Access 2017 and GHS 2023 (docs/calibration.md)")
    training_awareness: float = param(0.5, 0.0, 1.0, unit="-", sa=(0.2, 0.8),
                                      desc="Share of the gap to full awareness of e-services closed by a training seat (trainees are also signed up).",
                                      source="assumption: assisted sign-up at SmartCape/Thusong-style centres")


class AwarenessConfig(Section):
    """Awareness of e-services: campaigns, word of mouth, the IDP window."""

    word_of_mouth: float = param(0.02, 0.0, 1.0, unit="1/week", sa=(0.01, 0.1),
                                 desc="Weekly awareness gain from aware neighbours.",
                                 source="Rogers 2003; magnitude assumption")
    idp_boost: float = param(0.03, 0.0, 1.0, unit="1/week",
                             desc="Weekly awareness gain during the IDP window.",
                             source=ASSUMPTION)
    decay: float = param(0.01, 0.0, 0.1, unit="1/week", desc="Weekly decay of awareness.",
                         source=ASSUMPTION)


class OfficialsConfig(Section):
    """Municipal officials who handle requests."""

    n_officials: int = param(80, 1, 5_000, unit="officials", sa=(40, 160),
                             desc="Officials handling citizen requests and participation.",
                             source=ASSUMPTION)
    capacity_per_week: float = param(340.0, 1.0, 5_000.0, unit="requests/week", sa=(170.0, 680.0),
                                     desc="Requests (or planned tasks of the same size) one official of skill 1 and ICT skill 1 handles per week; with the default skills about 150.",
                                     source="assumption: set so that the default municipality's reactive capacity is short of its demand (a backlog, as AGSA reports on municipal service delivery describe); sensitivity range 120-480")
    skill_mean: float = param(0.55, 0.0, 1.0, unit="-", sa=(0.4, 0.7),
                              desc="Mean general skill of officials.", source=ASSUMPTION)
    ict_skill_mean: float = param(0.35, 0.0, 1.0, unit="-", sa=(0.2, 0.5),
                                  desc="Mean ICT skill of officials.",
                                  source="AGSA 2020-21: IT governance ineffective in 75% of municipalities")
    skill_sd: float = param(0.12, 0.0, 0.5, unit="-", sa=(0.06, 0.2),
                            desc="Spread of officials' skill and ICT skill, at the start and among hires.",
                            source=ASSUMPTION)
    skill_floor: float = param(0.05, 0.0, 0.5, unit="-",
                               desc="Lowest general skill of an official (skills are clipped to [this, 1]).",
                               source=ASSUMPTION)
    initial_tenure_weeks: int = param(520, 1, 2_080, unit="weeks",
                                      desc="Officials' tenure at the start is uniform on [0, this).",
                                      source="assumption: up to ten years in post")
    attrition_annual: float = param(0.15, 0.0, 1.0, unit="1/year", sa=(0.05, 0.25),
                                    desc="Annual attrition hazard without incentives.",
                                    source="assumption: LGSETA 2020, over half in shortage occupations")
    vacancy_weeks: int = param(12, 0, 104, unit="weeks",
                               desc="Weeks a post stays vacant before the replacement starts.",
                               source=ASSUMPTION)
    market_skill_mean: float = param(0.5, 0.0, 1.0, unit="-",
                                     desc="Mean skill of hires from the labour market.",
                                     source=ASSUMPTION)
    salary_rand: float = param(450_000.0, 0.0, 1e7, unit="R/year",
                               desc="Annual cost of one official.", source=ASSUMPTION)


class InfrastructureConfig(Section):
    """ICT nodes the municipality already runs (access and service centres)."""

    access_centres: int = param(12, 0, 1_000, unit="nodes",
                                desc="Library/SmartCape-style access centres (computers, no device needed).",
                                source="assumption: SmartCape (Cape Town libraries)")
    access_centre_wealth_bias: float = param(0.2, 0.01, 2.0, unit="-", sa=(0.05, 0.5),
                                             desc="Access centres are placed in wards with weight ward wealth + this (libraries in the core).",
                                             source="assumption: SmartCape libraries in established suburbs")
    service_centre_need_base: float = param(1.2, 1.01, 3.0, unit="-", sa=(1.05, 2.0),
                                            desc="Service centres are placed in wards with weight this - ward wealth (Thusong centres in underserved areas).",
                                            source="assumption: Thusong programme targets underserved areas (GCIS)")
    access_centre_capacity: float = param(400.0, 0.0, 1e5, unit="users/week",
                                          desc="Weekly users one access centre serves.",
                                          source=ASSUMPTION)
    service_centres: int = param(3, 0, 500, unit="nodes",
                                 desc="Thusong-style service centres (assisted, offline services and meetings).",
                                 source="assumption: Thusong Service Centre programme")
    walk_km: float = param(0.8, 0.0, 10.0, unit="km", sa=(0.4, 1.5),
                           desc="Distance a citizen will walk to a node, added to its coverage radius.",
                           source=ASSUMPTION)
    outage_hazard: float = param(0.03, 0.0, 1.0, unit="1/week", sa=(0.0, 0.1),
                                 desc="Weekly chance a node is down.",
                                 source="assumption: load-shedding and vandalism")
    centre_radius_m: float = param(100.0, 0.0, 5_000.0, unit="m",
                                   desc="Coverage radius of an access or service centre.",
                                   source=ASSUMPTION)
    training_km: float = param(5.0, 0.0, 100.0, unit="km", sa=(2.0, 10.0),
                               desc="Distance a citizen will travel to a centre for a training seat.",
                               source=ASSUMPTION)
    data_need_mb: float = param(50.0, 1.0, 10_000.0, unit="MB/day", sa=(30.0, 100.0),
                                desc="Median daily data an adult hotspot user wants (lognormal across users, "
                                     "spread hotspot_demand_spread; youth x hotspot_youth_demand); a user "
                                     "wanting more than the daily cap hits it.",
                                source="Tshwane free Wi-Fi (Project Isizwe, July 2015, htxt.co.za): only 7% of "
                                       "users reach the 250 MB daily cap; the median, spread and youth factor "
                                       "give about that share (docs/ODD.md)")
    outage_data_loss: float = param(0.5, 0.0, 1.0, unit="-",
                                    desc="Share of own-data access lost in a full load-shedding spell (towers down).",
                                    source=ASSUMPTION)
    # hotspot dynamics (MODEL.md s3 step 3: residents discover a new hotspot over time and form habits)
    hotspot_signage: float = param(0.05, 0.0, 1.0, unit="1/week", sa=(0.01, 0.2),
                                   desc="Weekly chance a smartphone owner in reach of a hotspot discovers it "
                                        "unprompted (signage, seeing others use it).",
                                   source="assumption (MODEL.md s3 step 3: discovery by signage); the "
                                          "Johannesburg intensity target leaves it unidentified (posterior 90% "
                                          "0.014-0.187, most of the prior's 0.01-0.2; experiments/calibration/wifi_programme)")
    hotspot_word_of_mouth: float = param(0.5, 0.0, 5.0, unit="1/week", sa=(0.1, 1.0),
                                         desc="Added weekly chance of discovering a hotspot per share of network "
                                              "neighbours who used one last week.",
                                         source="assumption (word of mouth, Bass 1969 imitation form)")
    hotspot_use_base: float = param(0.71, 0.0, 1.0, unit="1/week", sa=(0.1, 0.8),
                                    desc="Weekly chance that an adult who knows a hotspot and could use it (no own "
                                         "data, hotspot up) does so without a habit; a full habit raises it to 1.",
                                    source="fitted with cosim calibrate to Johannesburg 2016's ~150-200 people per "
                                           "hotspot per day (posterior median 0.714, 90% 0.578-0.795; "
                                           "experiments/calibration/wifi_programme); habit raises use "
                                           "(Limayem, Hirt & Cheung 2007)")
    hotspot_habit_gain: float = param(0.27, 0.0, 1.0, unit="1/week", sa=(0.1, 0.5),
                                      desc="Share of the gap to a full habit closed by a week of hotspot use.",
                                      source="Lally et al. 2010: median 66 days (about 9.4 weeks) to 95% of the "
                                             "habit's plateau, 1 - 0.05^(1/9.4) = 0.27 a week")
    hotspot_habit_decay: float = param(0.1, 0.0, 1.0, unit="1/week", sa=(0.02, 0.3),
                                       desc="Share of the habit lost in a week without hotspot use.",
                                       source=ASSUMPTION)
    hotspot_youth_use: float = param(2.0, 1.0, 5.0, unit="-", sa=(1.0, 3.0),
                                     desc="Chances of hotspot use a young resident has for an adult's one: "
                                          "use chance 1 - (1 - p)^y for an adult's p.",
                                     source="assumption; Tshwane free Wi-Fi: 80% of users under 35 (Project Isizwe, "
                                            "July 2015, htxt.co.za), far above what the model gives "
                                            "(experiments/calibration/wifi_programme/README.md)")
    hotspot_youth_demand: float = param(1.5, 1.0, 5.0, unit="-", sa=(1.0, 2.5),
                                        desc="Youth's daily data demand relative to an adult's.",
                                        source="assumption (youth use more data; RIA After Access 2017)")
    hotspot_demand_spread: float = param(0.9, 0.0, 3.0, unit="-", sa=(0.5, 1.3),
                                         desc="Spread (log-sd) of hotspot users' daily data demand.",
                                         source="assumption; with data_need_mb about 7% of users above a 250 MB "
                                                "cap (Tshwane 2015)")
    hotspot_max_days: float = param(6.55, 1.0, 7.0, unit="days/week", sa=(3.0, 7.0),
                                    desc="Days a week a hotspot user with a full habit uses it (1 day without a "
                                         "habit); sets people per hotspot per day.",
                                    source="fitted with cosim calibrate to Johannesburg 2016's ~150-200 people per "
                                           "hotspot per day (posterior median 6.55, 90% 5.85-6.95; "
                                           "experiments/calibration/wifi_programme)")


class CostsConfig(Section):
    """Unit costs of the levers (Rand)."""

    hotspot_capex: float = param(80_000.0, 0.0, 1e7, unit="R/hotspot",
                                 desc="Cost of installing one access point, spread over 5 years.",
                                 source="Cape Town plan ~2014: R60,000-R100,000 per access point (secondary report)")
    hotspot_opex: float = param(30_000.0, 0.0, 1e7, unit="R/hotspot/year",
                                desc="Running cost of one hotspot (backhaul, data, maintenance).",
                                source=ASSUMPTION)
    open_data_full: float = param(3_000_000.0, 0.0, 1e9, unit="R/year",
                                  desc="Cost of full openness updated every 13 weeks.",
                                  source=ASSUMPTION)
    training_seat: float = param(250.0, 0.0, 1e5, unit="R/seat",
                                 desc="Cost of one digital-literacy training seat.", source=ASSUMPTION)
    channel_portal: float = param(1_500_000.0, 0.0, 1e9, unit="R/year",
                                  desc="Running cost of the portal/app.", source=ASSUMPTION)
    channel_ussd: float = param(600_000.0, 0.0, 1e9, unit="R/year",
                                desc="Running cost of the USSD/SMS line.", source=ASSUMPTION)
    channel_social: float = param(300_000.0, 0.0, 1e9, unit="R/year",
                                  desc="Running cost of social media/chat.", source=ASSUMPTION)
    channel_meetings: float = param(400_000.0, 0.0, 1e9, unit="R/year",
                                    desc="Running cost of ward meetings.", source=ASSUMPTION)
    legal_framework: float = param(1_000_000.0, 0.0, 1e9, unit="R/year",
                                   desc="Cost of a full-strength legal/compliance framework (POPIA office).",
                                   source=ASSUMPTION)


# --------------------------------------------------------------------------- levers


WEEKS_PER_YEAR = 52  # a calendar fact, not a parameter


class Lever(Section):
    """A policy lever active for weeks ``[start, stop)``, with optional later phases.

    Each entry of ``phases`` is a table with its own ``start``/``stop`` and any of
    the lever's parameters; parameters it does not name keep the section's values.
    A window without ``stop`` ends where the next one starts (or at the end of
    the run); an explicit ``stop`` past the next window's start is an
    overlapping schedule and is refused.

    Each lever declares its ``title`` and ``short_title`` (as the dashboard and
    the reports' legends show it),
    the fields that scale with money (``scalable``, for ``over_budget =
    "scale"``) and its ``weekly_cost`` in Rand per municipality.
    """

    title: ClassVar[str] = ""
    short_title: ClassVar[str] = ""
    scalable: ClassVar[tuple[str, ...]] = ()

    def weekly_cost(self, s: Scenario) -> float:
        """Rand per week of this configuration in one municipality (0: the lever costs nothing itself)."""
        return 0.0

    start: int = param(0, 0, None, unit="week", desc="First week the lever is active.",
                       source="scenario")
    stop: int | None = param(None, 0, None, unit="week",
                             desc="Week the lever stops (exclusive); none = end of run.",
                             source="scenario")
    phases: tuple[dict[str, Any], ...] = Field(default=(), description="Later phases of the lever.")

    @model_validator(mode="after")
    def _check_windows(self) -> Lever:
        windows = [(self.start, self.stop, "the section itself")]
        fields = {k for k in type(self).model_fields if k != "phases"}
        for i, ph in enumerate(self.phases):
            unknown = set(ph) - fields
            if unknown:
                raise ValueError(f"phases[{i}] has unknown key(s) {sorted(unknown)}; "
                                 f"allowed: {sorted(fields)}")
            if "start" not in ph:
                raise ValueError(f"phases[{i}] needs a start week")
            merged = {**self.model_dump(exclude={"phases"}), "stop": None, **ph}
            try:
                type(self).model_validate(merged)
            except Exception as exc:  # re-raised with the phase index in the path
                raise ValueError(f"phases[{i}]: {_first_error(exc)}") from None
            windows.append((ph["start"], ph.get("stop"), f"phases[{i}]"))
        for a in windows:
            if a[1] is not None and a[1] <= a[0]:
                raise ValueError(f"{a[2]}: stop ({a[1]}) must be after start ({a[0]})")
        ordered = sorted(windows, key=lambda w: w[0])
        for a, b in itertools.pairwise(ordered):
            if a[0] == b[0] or (a[1] is not None and a[1] > b[0]):
                raise ValueError(f"overlapping schedule: {a[2]} (weeks {a[0]}-{a[1] or 'end'}) "
                                 f"overlaps {b[2]} (from week {b[0]})")
        return self

    def windows(self) -> list[tuple[int, int | None, Lever]]:
        """The lever's windows as ``(start, stop, config)``, sorted by start."""
        out: list[tuple[int, int | None, Lever]] = [(self.start, self.stop, self)]
        base = self.model_dump(exclude={"phases"})
        for ph in self.phases:
            cfg = type(self).model_validate({**base, "stop": None, **ph})
            out.append((cfg.start, cfg.stop, cfg))
        out.sort(key=lambda w: w[0])
        # an open-ended window ends where the next one starts
        return [(a, b if b is not None or k + 1 == len(out) else out[k + 1][0], cfg)
                for k, (a, b, cfg) in enumerate(out)]

    def at(self, week: int) -> Lever:
        """The configuration in force in ``week`` (the defaults outside every window)."""
        for start, stop, cfg in self.windows():
            if start <= week and (stop is None or week < stop):
                return cfg
        return type(self)()


def _first_error(exc: Exception) -> str:
    errors = getattr(exc, "errors", None)
    if callable(errors):
        e = errors()[0]
        loc = ".".join(str(p) for p in e["loc"])
        return f"{loc}: {e['msg']}" if loc else e["msg"]
    return str(exc)


class WifiLever(Lever):
    """Free public Wi-Fi hotspots (ICT nodes)."""

    title: ClassVar[str] = "Free public Wi-Fi"
    short_title: ClassVar[str] = "free Wi-Fi"
    scalable: ClassVar[tuple[str, ...]] = ("hotspots",)

    def weekly_cost(self, s: Scenario) -> float:
        c = s.costs
        return self.hotspots * (c.hotspot_capex / 5.0 + c.hotspot_opex) / WEEKS_PER_YEAR

    hotspots: int = param(0, 0, 20_000, unit="hotspots", sa=(0, 200),
                          desc="Number of free Wi-Fi hotspots.",
                          source="Western Cape 2016: 384 planned, one per ward")
    placement: Literal["even", "central", "equity"] = param(
        "even", unit="-",
        desc="even: spread over wards; central: richest/central wards first; equity: least-connected wards first.",
        source="MODEL.md s4")
    daily_cap_mb: float = param(500.0, 0.0, 100_000.0, unit="MB/day", sa=(100.0, 1000.0),
                                desc="Daily data cap per user.",
                                source="Tshwane 2013 250 MB/day, later 500; Johannesburg 2020 500 MB/day")
    coverage_m: float = param(150.0, 10.0, 2_000.0, unit="m", sa=(100.0, 200.0),
                              desc="Coverage radius of one hotspot.",
                              source="Western Cape launch: 100-200 m per hotspot (news report)")
    capacity_per_week: float = param(1_200.0, 0.0, 1e6, unit="users/week",
                                     desc="Weekly users one hotspot serves.",
                                     source="Johannesburg 2016: ~150-200 people per hotspot per day (secondary report)")


class OpenDataLever(Lever):
    """Open municipal data (transparency; civic tech)."""

    title: ClassVar[str] = "Open data"
    short_title: ClassVar[str] = "open data"
    scalable: ClassVar[tuple[str, ...]] = ("level",)

    def weekly_cost(self, s: Scenario) -> float:
        # fresher data costs more: sqrt of updates per quarter (assumption)
        return self.level * s.costs.open_data_full * sqrt(13.0 / self.update_interval_weeks) / WEEKS_PER_YEAR

    level: float = param(0.0, 0.0, 1.0, unit="-", sa=(0.0, 1.0),
                         desc="Share of high-demand datasets published.", source="seed 000 (data transparency)")
    update_interval_weeks: int = param(26, 1, 260, unit="weeks", sa=(4, 52),
                                       desc="Weeks between data updates (fresher data is worth more).",
                                       source="seed 000: 'the frequency of updates to open data is low'")


class TalentLever(Lever):
    """Talent incentives for ICT-skilled officials."""

    title: ClassVar[str] = "Talent incentives (officials)"
    short_title: ClassVar[str] = "talent incentives"
    scalable: ClassVar[tuple[str, ...]] = ("salary_premium", "training_rand")

    def weekly_cost(self, s: Scenario) -> float:
        payroll = self.salary_premium * s.officials.salary_rand * s.officials.n_officials
        return (payroll + self.training_rand) / WEEKS_PER_YEAR

    salary_premium: float = param(0.0, 0.0, 1.0, unit="share of salary", sa=(0.0, 0.3),
                                  desc="Scarce-skills allowance as a share of salary.",
                                  source="a municipality paid 163 staff ~R7.8 m/year (2023, news)")
    training_rand: float = param(0.0, 0.0, 1e9, unit="R/year", sa=(0.0, 4e6),
                                 desc="Annual ICT training budget for officials.", source="scenario")
    retention_elasticity: float = param(1.5, 0.0, 5.0, unit="-",
                                        desc="Relative fall in attrition per unit of premium.",
                                        source=ASSUMPTION)
    hiring_skill_gain: float = param(0.5, 0.0, 2.0, unit="-",
                                     desc="Rise in hires' mean skill per unit of premium.",
                                     source=ASSUMPTION)
    training_per_million: float = param(1.0, 0.0, 1.0, unit="1/(R m per official-year)",
                                        desc="Annual ICT-skill gain (share of the gap) per R1 m of training per official.",
                                        source=ASSUMPTION)


class TrainingLever(Lever):
    """Digital-literacy training for citizens at access centres."""

    title: ClassVar[str] = "Digital-literacy training"
    short_title: ClassVar[str] = "literacy training"
    scalable: ClassVar[tuple[str, ...]] = ("seats_per_week",)

    def weekly_cost(self, s: Scenario) -> float:
        return self.seats_per_week * s.costs.training_seat

    seats_per_week: float = param(0.0, 0.0, 1e6, unit="seats/week", sa=(0.0, 1000.0),
                                  desc="Training seats offered per week across access centres.",
                                  source="scenario")
    targeting: Literal["random", "low_literacy", "low_income"] = param(
        "random", unit="-", desc="Who gets the seats first.", source="MODEL.md s4")


class SecurityLever(Lever):
    """Information security investment and legal framework."""

    title: ClassVar[str] = "Information security and legal framework"
    short_title: ClassVar[str] = "security & legal"
    scalable: ClassVar[tuple[str, ...]] = ("investment_rand", "legal_strength")

    def weekly_cost(self, s: Scenario) -> float:
        return (self.investment_rand + self.legal_strength * s.costs.legal_framework) / WEEKS_PER_YEAR

    investment_rand: float = param(0.0, 0.0, 1e9, unit="R/year", sa=(0.0, 1e7),
                                   desc="Annual information-security investment.", source="scenario")
    legal_strength: float = param(0.0, 0.0, 1.0, unit="-", sa=(0.0, 1.0),
                                  desc="Strength of the legal/compliance framework beyond the statutory minimum.",
                                  source="POPIA 4 of 2013; scenario")


class InfosecConfig(Section):
    """Information security: the posture without extra investment, breaches and their effects.

    This is the ``[infosec]`` section; the security lever (extra investment,
    a legal framework) is :class:`SecurityLever`, the ``[security]`` section.
    """

    base_posture: float = param(0.28, 0.0, 1.0, unit="-", sa=(0.15, 0.5),
                                desc="Security posture without the lever.",
                                source="AGSA 2012-13: security management effective in 28% of municipalities")
    breach_hazard: float = param(0.004, 0.0, 1.0, unit="1/week", sa=(0.0, 0.02),
                                 desc="Weekly breach chance at the base posture.",
                                 source="assumption: AGSA 2020-21, 86% of municipalities vulnerable")
    investment_scale: float = param(5_000_000.0, 1.0, 1e9, unit="R/year",
                                    desc="Investment that closes 63% of the gap to full posture.",
                                    source=ASSUMPTION)
    breach_trust_drop: float = param(0.2, 0.0, 1.0, unit="-", sa=(0.1, 0.4),
                                     desc="Share of trust lost in a breach (undamped) by a citizen who uses e-services; others lose breach_exposure_floor times as much.",
                                     source="assumption; City of Johannesburg ransomware, Oct 2019")
    breach_exposure_floor: float = param(0.3, 0.0, 1.0, unit="-", sa=(0.1, 0.6),
                                         desc="Exposure to a breach of a citizen who does not use e-services, relative to a user (news reaches everyone, the data loss only users).",
                                         source="assumption; Slovic 1993 (risk perception follows personal exposure)")
    breach_lasting_share: float = param(0.5, 0.0, 1.0, unit="-", sa=(0.2, 0.8),
                                        desc="Share of a breach's trust drop that also hits generalised trust: the lasting mark.",
                                        source="assumption; Slovic 1993 (trust is quickly destroyed and slowly rebuilt)")
    breach_privacy_rise: float = param(0.3, 0.0, 1.0, unit="-",
                                       desc="Share of the gap to 1 added to privacy concern in a breach.",
                                       source=ASSUMPTION)
    breach_downtime_weeks: int = param(1, 0, 52, unit="weeks",
                                       desc="Weeks the portal stays down after a breach.",
                                       source="City of Johannesburg ransomware, Oct 2019: e-services down for days")
    legal_damping: float = param(0.6, 0.0, 1.0, unit="-",
                                 desc="Share of the breach impact a full-strength legal framework removes.",
                                 source=ASSUMPTION)


class ChannelsLever(Lever):
    """Participation channels and the IAP2 level the municipality offers."""

    title: ClassVar[str] = "Participation channels and IAP2 level"
    short_title: ClassVar[str] = "channels"

    def weekly_cost(self, s: Scenario) -> float:
        c = s.costs
        on = (self.portal * c.channel_portal + self.ussd * c.channel_ussd
              + self.social * c.channel_social + self.ward_meetings * c.channel_meetings)
        return on / WEEKS_PER_YEAR

    portal: bool = param(True, unit="-", desc="Portal/app for reports and comments.", source="scenario")
    ussd: bool = param(True, unit="-", desc="USSD/SMS line (any phone).", source="scenario")
    social: bool = param(True, unit="-", desc="Social media and chat.", source="seed 002 (blogging, chat rooms)")
    ward_meetings: bool = param(True, unit="-", desc="Ward committee meetings.",
                                source="Municipal Structures Act 117 of 1998 (ward committees)")
    iap2_level: Literal["inform", "consult", "involve", "collaborate", "empower"] = param(
        "consult", unit="-", desc="Highest IAP2 engagement level offered.",
        source="IAP2 spectrum; Arnstein 1969; assumption that consult is typical")


class CampaignLever(Lever):
    """Informing campaigns (media advocacy)."""

    title: ClassVar[str] = "Informing campaign (media advocacy)"
    short_title: ClassVar[str] = "campaign"
    scalable: ClassVar[tuple[str, ...]] = ("reach_per_week",)

    def weekly_cost(self, s: Scenario) -> float:
        return self.reach_per_week * s.municipality.population * self.cost_per_reach

    reach_per_week: float = param(0.0, 0.0, 1.0, unit="share/week", sa=(0.0, 0.05),
                                  desc="Share of citizens a campaign reaches each week.",
                                  source="seed 002 (media advocacy)")
    cost_per_reach: float = param(5.0, 0.0, 1e4, unit="R/resident reached",
                                  desc="Cost per resident reached.", source=ASSUMPTION)


class LinksLever(Lever):
    """Inter-municipal links (G2G), meaningful with two or more municipalities."""

    title: ClassVar[str] = "Inter-municipal links"
    short_title: ClassVar[str] = "links"

    shared_data_platform: bool = param(False, unit="-",
                                       desc="All municipalities publish at the best member's openness.",
                                       source="seed 000: cross-border models of smart city governance")
    shared_talent_pool: bool = param(False, unit="-",
                                     desc="Officials' capacity is pooled across the region.",
                                     source="seed 000")
    shared_costs: bool = param(False, unit="-",
                               desc="Lever costs are shared (economies of scale).", source="seed 000")
    cost_saving: float = param(0.2, 0.0, 0.9, unit="share",
                               desc="Cost saved by sharing, per extra member, up to 50%.",
                               source=ASSUMPTION)


class Event(Section):
    """A shock at a given week."""

    kind: Literal["breach", "outage", "scandal"] = param(
        "breach", unit="-", desc="breach: data breach; outage: load-shedding spell; scandal: trust shock.",
        source="MODEL.md s4")
    step: int = param(0, 0, None, unit="week", desc="Week the event happens.", source="scenario")
    duration: int = param(1, 1, 260, unit="weeks", desc="Weeks the event lasts (outages).",
                          source="scenario")
    severity: float = param(1.0, 0.0, 1.0, unit="-",
                            desc="Strength relative to a typical event of its kind.", source="scenario")
    municipality: int | None = param(None, 0, 7, unit="-",
                                     desc="Which municipality (none = all).", source="scenario")


def parse_time(value: Any, where: str) -> datetime.date | int | float:
    """A schedule's time as written: a date, an ISO date string, a week (int) or a decimal year (float)."""
    if isinstance(value, datetime.datetime | bool):
        raise ValueError(f"{where}: expected a date (2015-06-01), a week number or a decimal year, got {value!r}")
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{where}: expected a date written YYYY-MM-DD, got {value!r}") from None
    if isinstance(value, float):
        if not (isfinite(value) and 1800.0 <= value <= 2300.0):
            raise ValueError(f"{where}: a float is a decimal year (2015.5) between 1800 and 2300, got {value!r} "
                             "(write a week number as an integer)")
        return value
    if isinstance(value, int):
        if abs(value) > 100_000:
            raise ValueError(f"{where}: an integer is a week number (week 0 = run.start_date), got {value!r}")
        return value
    raise ValueError(f"{where}: expected a date (2015-06-01), a week number or a decimal year, got {value!r}")


#: a time in a schedule: a date, a week number (int, from run.start_date) or a decimal year (float, 2015.5)
TimePoint = datetime.date | int | float


class Schedule(Section):
    """How one parameter changes over time (``[schedules."population.smartphone_low"]``).

    ``kind = "logistic"``: ``start + (end - start) / (1 + exp(-rate_per_year x
    (years - midpoint)))``, an S-curve (Rogers 2003; Bass 1969); ``"linear"``:
    piecewise-linear between ``points`` = ``[[time, value], ...]``, flat outside;
    ``"step"``: each point's value holds until the next point (the first one's
    before it).  A time is a date (``2015-06-01`` or ``"2015-06-01"``), a week
    number (an integer, week 0 = ``run.start_date``) or a decimal year (a float:
    ``2015.5`` is 2 July 2015).  Evaluation, checks and rounding are in
    :mod:`cosim.scenario.schedules` (which checks a scenario's schedules against the schema:
    :func:`~cosim.scenario.schedules.schedule_problem`, called by the loader and the model).
    """

    kind: Literal["linear", "logistic", "step"] = Field(description="linear, logistic or step.")
    start: float | None = Field(None, description="logistic: level long before the midpoint.")
    end: float | None = Field(None, description="logistic: level long after the midpoint (saturation).")
    midpoint: TimePoint | None = Field(None, description="logistic: when the level is halfway.")
    rate_per_year: float | None = Field(None, gt=0, description="logistic: steepness, 1/year.")
    points: tuple[tuple[TimePoint, float], ...] = Field((), description="linear/step: [time, value] pairs.")

    @model_validator(mode="before")
    @classmethod
    def _times(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if data.get("midpoint") is not None:
            data["midpoint"] = parse_time(data["midpoint"], "midpoint")
        if isinstance(data.get("points"), list | tuple):
            pts = []
            for i, pt in enumerate(data["points"]):
                if not isinstance(pt, list | tuple) or len(pt) != 2:
                    raise ValueError(f"points[{i}]: expected a pair [time, value], got {pt!r}")
                value = pt[1]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise ValueError(f"points[{i}]: expected a number as the value, got {value!r}")
                if not isfinite(value):
                    raise ValueError(f"points[{i}]: expected a finite number as the value, got {value!r}")
                pts.append((parse_time(pt[0], f"points[{i}]"), value))
            data["points"] = tuple(pts)
        return data

    @model_validator(mode="after")
    def _fields_of_kind(self) -> Schedule:
        logistic = ("start", "end", "midpoint", "rate_per_year")
        for key in ("start", "end", "rate_per_year"):
            value = getattr(self, key)
            if value is not None and not isfinite(value):
                raise ValueError(f"{key}: expected a finite number, got {value!r}")
        if self.kind == "logistic":
            missing = [k for k in logistic if getattr(self, k) is None]
            if missing:
                raise ValueError(f"a logistic schedule needs {', '.join(missing)}")
            if self.points:
                raise ValueError("a logistic schedule takes start, end, midpoint and rate_per_year, not points")
        else:
            extra = [k for k in logistic if getattr(self, k) is not None]
            if extra:
                raise ValueError(f"a {self.kind} schedule takes points, not {', '.join(extra)}")
            if not self.points:
                raise ValueError(f"a {self.kind} schedule needs points = [[time, value], ...] (at least one)")
        return self


#: the longest scenario name: it names the results folder, and reports and figures show it
MAX_NAME = 100

LEVERS = ("wifi", "open_data", "talent", "training", "security", "channels", "campaign", "links")


class Scenario(Section):
    """A fully resolved scenario: the world, the citizens, the policies and the events."""

    def __repr__(self) -> str:
        # short, so tables that hold scenarios (mesa.batch_run's rows) stay readable;
        # every value is in model_dump()
        return f"Scenario({self.name!r})"

    __str__ = __repr__

    name: str = Field("scenario", description="Short name, used for the results folder.")
    description: str = Field("", description="What the scenario asks.")
    run: RunConfig = RunConfig()
    region: RegionConfig = RegionConfig()
    municipality: MunicipalityConfig = MunicipalityConfig()
    population: PopulationConfig = PopulationConfig()
    network: NetworkConfig = NetworkConfig()
    adoption: AdoptionConfig = AdoptionConfig()
    participation: ParticipationConfig = ParticipationConfig()
    idp: IdpConfig = IdpConfig()
    trust: TrustConfig = TrustConfig()
    coproduction: CoproductionConfig = CoproductionConfig()
    literacy: LiteracyConfig = LiteracyConfig()
    awareness: AwarenessConfig = AwarenessConfig()
    officials: OfficialsConfig = OfficialsConfig()
    infrastructure: InfrastructureConfig = InfrastructureConfig()
    infosec: InfosecConfig = InfosecConfig()
    costs: CostsConfig = CostsConfig()
    # policy levers
    wifi: WifiLever = WifiLever()
    open_data: OpenDataLever = OpenDataLever()
    talent: TalentLever = TalentLever()
    training: TrainingLever = TrainingLever()
    security: SecurityLever = SecurityLever()
    channels: ChannelsLever = ChannelsLever()
    campaign: CampaignLever = CampaignLever()
    links: LinksLever = LinksLever()
    events: tuple[Event, ...] = ()
    # parameters that follow a schedule in time (cosim/scenario/schedules.py), by dotted path
    schedules: dict[str, Schedule] = Field(default_factory=dict,
                                           description="Parameters that change over time, by dotted path.")

    @field_validator("schedules", mode="before")
    @classmethod
    def _dotted_paths(cls, value: Any) -> Any:
        # [schedules.wifi.hotspots] (unquoted) is a table "wifi" holding a table "hotspots": the same path
        if not isinstance(value, dict):
            return value
        out: dict[str, Any] = {}
        for key, table in value.items():
            if (isinstance(key, str) and "." not in key and isinstance(table, dict) and table
                    and "kind" not in table and all(isinstance(t, dict) for t in table.values())):
                out.update({f"{key}.{field}": t for field, t in table.items()})
            else:
                out[key] = table
        return out

    @field_validator("name")
    @classmethod
    def _folder_name(cls, v: str) -> str:
        # the name becomes results/<name>/: an empty name would replace results/ itself
        # (and one the file system takes: not too long, no NUL or other control characters)
        if not v.strip() or v.startswith(".") or any(c in v for c in "/\\") or len(v) > MAX_NAME \
                or any(ord(c) < 32 or ord(c) == 127 for c in v):
            raise ValueError(f"expected a plain folder name (1 to {MAX_NAME} characters, no '/' or '\\', "
                             f"no control characters, not starting with '.'), got {v[:40]!r}"
                             + (f"... ({len(v)} characters)" if len(v) > 40 else ""))
        return v

    @model_validator(mode="after")
    def _check_consistency(self) -> Scenario:
        pop = self.population
        if pop.share_low_income + pop.share_high_income > 1.0:
            raise ValueError("population.share_low_income + population.share_high_income must be <= 1 "
                             f"(got {pop.share_low_income + pop.share_high_income:.3f})")
        if pop.share_youth + pop.share_senior > 1.0:
            raise ValueError("population.share_youth + population.share_senior must be <= 1")
        if self.trust.alpha_minus < self.trust.alpha_plus:
            raise ValueError("trust.alpha_minus must be >= trust.alpha_plus (trust asymmetry, Slovic 1993)")
        for i, ev in enumerate(self.events):
            if ev.municipality is not None and ev.municipality >= self.region.n_municipalities:
                raise ValueError(f"events[{i}].municipality = {ev.municipality} but the region has "
                                 f"{self.region.n_municipalities} municipalities")
        if self.run.n_citizens < 10 * self.region.n_municipalities:
            raise ValueError("run.n_citizens must be at least 10 per municipality")
        return self


# --------------------------------------------------------------------------- introspection


def iter_parameters(model: type[BaseModel] = Scenario, prefix: str = ""):
    """Yield ``(dotted_path, FieldInfo, annotation)`` for every scalar parameter."""
    for name, info in model.model_fields.items():
        if name in ("phases", "events", "name", "description", "schedules"):
            continue
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            yield from iter_parameters(ann, f"{prefix}{name}.")
        else:
            yield f"{prefix}{name}", info, ann


def parameter_table() -> list[dict[str, Any]]:
    """One dict per parameter: path, default, bounds, unit, description, source."""
    rows = []
    for path, info, ann in iter_parameters():
        extra = info.json_schema_extra or {}
        lo = hi = None
        for m in info.metadata:
            lo = getattr(m, "ge", lo)
            hi = getattr(m, "le", hi)
        rows.append({
            "path": path, "default": info.default, "min": lo, "max": hi,
            "type": getattr(ann, "__name__", str(ann)),
            "unit": extra.get("unit", ""), "description": info.description or "",
            "source": extra.get("source", ""), "sa_range": extra.get("sa_range"),
        })
    return rows


def parameter_bounds(path: str) -> tuple[Any, Any]:
    """The ``(min, max)`` the schema allows for the parameter at ``path`` (``run.steps`` -> ``(1, 5200)``)."""
    for row in parameter_table():
        if row["path"] == path:
            return row["min"], row["max"]
    raise KeyError(path)
