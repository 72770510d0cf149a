"""The experiment file's format: factors, a design and what to keep (validated, frozen).

Types are strict, as in scenario files: ``"2"`` is not 2 and ``"no"`` is not false.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, model_validator

from cosim.runs.ids import REPLICATION_STRIDE

#: the largest ``noise_sd`` accepted (in units of the Ishigami function's output)
MAX_NOISE_SD = 1000.0

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


def _level_key(v: Any) -> tuple[str, Any]:
    """Levels that are equal to the model are duplicates: 1 and 1.0 are one level, true and 1 are not."""
    if isinstance(v, bool):
        return ("bool", v)
    if isinstance(v, int | float):
        return ("number", float(v))
    return ("str", v)


class Factor(BaseModel):
    """One factor: a scenario parameter the design varies, over a range or a list of levels.

    A range (``min``, ``max``) is sampled continuously (rounded when
    ``integer``); ``steps`` evenly spaced points span it in a grid.  ``values``
    lists discrete levels (switches, placement kinds, or chosen numbers).
    ``group`` bundles factors for SALib's grouped indices.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: StrictStr = Field(min_length=1)
    min: StrictInt | StrictFloat | None = None
    max: StrictInt | StrictFloat | None = None
    integer: StrictBool = False
    steps: StrictInt | None = Field(None, ge=2)
    values: tuple[Scalar, ...] | None = None
    group: StrictStr | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _range_or_values(self) -> Factor:
        ranged = self.min is not None or self.max is not None
        if self.values is not None:
            if ranged:
                raise ValueError("give either min and max or a values list, not both")
            if not self.values:
                raise ValueError("values is empty: an empty design (give at least one value)")
            if len({_level_key(v) for v in self.values}) < len(self.values):
                raise ValueError(f"values has duplicates: {list(self.values)}")
            if self.steps is not None:
                raise ValueError("steps applies to a min/max range, not to a values list")
            if self.integer:
                raise ValueError("integer applies to a min/max range; list whole numbers in values instead")
            return self
        if self.min is None or self.max is None:
            raise ValueError("needs min and max (a range) or values (a list of levels)")
        if not self.min < self.max:
            raise ValueError(f"min ({self.min}) must be below max ({self.max}); "
                             "a fixed value belongs under [experiment.constants]")
        if self.integer and (self.min != int(self.min) or self.max != int(self.max)):
            raise ValueError(f"an integer factor needs whole-number bounds (got {self.min} to {self.max})")
        return self

    @property
    def discrete(self) -> bool:
        """Whether the factor takes listed levels rather than a range."""
        return self.values is not None


class Experiment(BaseModel):
    """A validated experiment: a base scenario, factors, a design and what to keep.

    Load it with :func:`load_experiment`, which resolves ``base`` to an
    absolute path, fills ``outcomes`` and ``levels``, marks factors of integer
    parameters as integer and checks every factor against the schema.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: StrictStr = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: StrictStr = ""
    base: StrictStr | None = None
    model: Literal["cosim", "ishigami"] = "cosim"
    design: Literal["grid", "lhs", "sobol", "morris"] = "grid"
    samples: StrictInt | None = Field(None, ge=1)
    replications: StrictInt = Field(1, ge=1, le=REPLICATION_STRIDE - 1)
    root_seed: StrictInt = Field(1, ge=0, le=2**63 - 1)
    outcomes: tuple[StrictStr, ...] | None = None
    keep_timeseries: StrictBool = False
    common_random_numbers: StrictBool = False
    second_order: StrictBool = False
    levels: StrictInt | None = Field(None, ge=2, le=100)
    # Ishigami's y lies in about [-11, 18]; noise far beyond that only overflows the figures' axes
    noise_sd: StrictFloat = Field(0.0, ge=0.0, le=MAX_NOISE_SD, allow_inf_nan=False)
    constants: dict[str, Any] = Field(default_factory=dict)
    factors: tuple[Factor, ...] = Field(min_length=1)
    source: str = "<experiment>"

    @property
    def outcome_names(self) -> list[str]:
        """The outcomes kept in ``runs.parquet``."""
        return list(self.outcomes or ())

    @property
    def factor_paths(self) -> list[str]:
        """The factors' dotted paths, in design-column order."""
        return [f.path for f in self.factors]
