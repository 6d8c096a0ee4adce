"""The base of every scenario section, shared by the config package and the rules.

Scenario sections are frozen pydantic models that reject unknown keys, so a typo is
an error, never a silent default. A validator that wants its error reported under a
particular key raises :class:`KeyedError`; :mod:`sim.config` turns it into one line.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Real = Annotated[float, Field(allow_inf_nan=False)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]


class KeyedError(ValueError):
    """A validator's error that names its key, relative to where pydantic reports it."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(allowed)
        self.key, self.value, self.allowed = key, value, allowed


class Frozen(BaseModel):
    """Base of every scenario section: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AliasedFrozen(Frozen):
    """A section with a key that is a Python keyword (``lambda``): the field has
    another name in code and the keyword in files."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, serialize_by_alias=True
    )
