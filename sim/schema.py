"""The base of every scenario section, shared by the config package and the rules.

Scenario sections are frozen pydantic models that reject unknown keys, so a typo is
an error, never a silent default. A validator that wants its error reported under a
particular key raises :class:`KeyedError`; :mod:`sim.config` turns it into one line.
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from sim.limits import MAX_INDEX, MAX_REPLICATIONS, MAX_SEED, MAX_STEPS

__all__ = ["MAX_INDEX", "MAX_REPLICATIONS", "MAX_SEED", "MAX_STEPS"]  # and the types below

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Real = Annotated[float, Field(allow_inf_nan=False)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]
NonNegativeInt = Annotated[int, Field(ge=0, le=MAX_INDEX)]
PositiveInt = Annotated[int, Field(gt=0, le=MAX_INDEX)]
Seed = Annotated[int, Field(ge=0, le=MAX_SEED)]

# The tags of a choice between a number and a section (``activity: 0.5`` or
# ``activity: {distribution: beta, ...}``); error messages skip them in key paths.
NUMBER_TAG, SECTION_TAG = "a number", "a section"
CHOICE_TAGS = (NUMBER_TAG, SECTION_TAG)


def _number_or_section(value: Any) -> str:
    return SECTION_TAG if isinstance(value, dict | BaseModel) else NUMBER_TAG


def number_or(number: Any, section: Any) -> Any:
    """A key that takes a number or a section (a distribution), told apart by the
    value's shape, so a mistake inside the section is reported there (``a = 0``)
    rather than as "not a number".

    Examples
    --------
    >>> from pydantic import TypeAdapter
    >>> class Fixed(Frozen):
    ...     value: float
    >>> TypeAdapter(number_or(float, Fixed)).validate_python({"value": 2})
    Fixed(value=2.0)
    """
    return Annotated[
        Union[Annotated[number, Tag(NUMBER_TAG)], Annotated[section, Tag(SECTION_TAG)]],  # noqa: UP007
        Discriminator(_number_or_section),
    ]


class KeyedError(ValueError):
    """A validator's error that names its key, relative to where pydantic reports it."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(allowed)
        self.key, self.value, self.allowed = key, value, allowed


class Frozen(BaseModel):
    """Base of every scenario section: immutable, unknown keys rejected, and strict
    types: ``steps: true`` or ``p: "0.1"`` are errors, never read as 1 or 0.1."""

    # defer_build: a section's validator is built into the scenario's when the first
    # scenario is validated; building each section's own at import as well took 13 ms
    # of every command (the sections that are used alone build theirs on first use)
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, defer_build=True)


class AliasedFrozen(Frozen):
    """A section with a key that is a Python keyword (``lambda``): the field has
    another name in code and the keyword in files."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, validate_by_name=True,
        serialize_by_alias=True,
    )
