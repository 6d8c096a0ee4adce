"""People, their attributes and roles, message modifiers and interactions between messages."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.schema import (
    AliasedFrozen,
    Frozen,
    Identifier,
    KeyedError,
    NonNegative,
    Positive,
    Probability,
    Real,
    number_or,
)


class UniformDraw(Frozen):
    """Each person's value drawn from U(low, high)."""

    distribution: Literal["uniform"]
    low: NonNegative = 0.0
    high: NonNegative = 1.0

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.high:
            raise KeyedError("high", self.high, f"at least low = {self.low}")
        return self


class BetaDraw(Frozen):
    """Each person's value drawn from Beta(a, b), in [0, 1]."""

    distribution: Literal["beta"]
    a: Positive
    b: Positive


class NormalDraw(Frozen):
    """Each person's value drawn from N(mean, sd), clipped to [low, high]."""

    distribution: Literal["normal"]
    mean: Real
    sd: NonNegative
    low: NonNegative = 0.0
    high: NonNegative | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.high is not None and not self.low <= self.high:
            raise KeyedError("high", self.high, f"at least low = {self.low}")
        return self


class LogNormalDraw(Frozen):
    """Each person's value drawn from exp(N(mu, sigma)): heavy-tailed, positive."""

    distribution: Literal["lognormal"]
    mu: Real = 0.0
    sigma: NonNegative = 1.0


class PowerLawDraw(Frozen):
    """Each value drawn from the density ``F(x) ~ x ** -exponent`` on ``[low, high]``
    (``0 < low < high``): many small values, a few large ones (Perra et al. 2012's
    activities, with ``low`` their epsilon)."""

    distribution: Literal["power_law"]
    exponent: Real = 2.1
    low: Positive = 0.001
    high: Positive = 1.0

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low < self.high:
            raise KeyedError("high", self.high, f"more than low = {self.low}")
        return self

    def moment(self, order: int) -> float:
        """The mean of ``x ** order`` under this density.

        Examples
        --------
        >>> round(PowerLawDraw(distribution="power_law", exponent=0.0, low=0.5).moment(1), 6)
        0.75
        """
        def integral(power: float) -> float:  # of x ** power over [low, high]
            if abs(power + 1.0) < 1e-12:
                return math.log(self.high / self.low)
            return (self.high ** (power + 1) - self.low ** (power + 1)) / (power + 1)

        return integral(order - self.exponent) / integral(-self.exponent)


class DegreePower(Frozen):
    """A function of degree: ``scale * (degree / mean degree) ** exponent`` (people
    with no neighbours get 0 when ``exponent > 0``). Degree is out-degree: the
    number of people one's shares reach (followers, in a follower network)."""

    distribution: Literal["degree_power"]
    scale: NonNegative = 1.0
    exponent: Real = 1.0


AttributeDraw = Annotated[
    UniformDraw | BetaDraw | NormalDraw | LogNormalDraw | PowerLawDraw | DegreePower,
    Field(discriminator="distribution"),
]
Attribute = number_or(NonNegative, AttributeDraw)
# attributes that are probabilities: values drawn outside [0, 1] are clipped to it
PROBABILITY_ATTRIBUTES = ("activity", "visibility")
ATTRIBUTES = ("activity", "susceptibility", "influence", "visibility")


def _check_probability_attribute(name: str, value: Attribute | None) -> None:
    if isinstance(value, float | int) and value > 1.0:
        raise KeyedError(name, value, "a probability in [0, 1] (or a distribution)")
    if isinstance(value, UniformDraw | PowerLawDraw) and value.high > 1.0:
        raise KeyedError(f"{name}.high", value.high, "at most 1 for a probability")


class RoleSelect(Frozen):
    """Who has a role: exactly one of ``fraction`` (people drawn at random),
    ``top_degree`` (that fraction of the best connected, ties broken at random)
    or ``nodes`` (original ids)."""

    fraction: Probability | None = None
    top_degree: Probability | None = None
    nodes: Annotated[list[int | str], Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("fraction", "top_degree", "nodes") if getattr(self, k) is not None]
        if len(given) != 1:
            raise KeyedError("", given or None, "exactly one of fraction, top_degree, nodes")
        return self


class Role(Frozen):
    """A group of people with their own attributes (influencers, protected accounts).

    Attributes given here replace the population's for the role's members; roles
    are applied in order, so a later role wins where they overlap. A protected
    account is a role with ``visibility`` below 1: its shares reach only that
    fraction of its neighbours (the same ones for the whole run).
    """

    name: Identifier
    select: RoleSelect
    activity: Attribute | None = None
    susceptibility: Attribute | None = None
    influence: Attribute | None = None
    visibility: Attribute | None = None

    @model_validator(mode="after")
    def _probabilities(self):
        for name in PROBABILITY_ATTRIBUTES:
            _check_probability_attribute(name, getattr(self, name))
        return self


class People(Frozen):
    """Per-person attributes that modify every rule (DESIGN: modifiers).

    Each is a number (everyone the same) or a distribution drawn per person from
    the run's population stream (one named sub-stream per attribute and role):

    - ``activity``: the chance to be online in a step; offline people neither see
      nor share that step (default 1: always online);
    - ``susceptibility``: multiplies the chance that a share convinces them;
    - ``influence``: multiplies the chance that their shares convince others (in
      threshold and Bass rules, their weight in their neighbours' counts);
    - ``visibility``: the fraction of their neighbours their shares reach (1:
      public; below 1: a protected account);
    - ``roles``: groups with their own values, such as the top 1% by degree as
      influencers;
    - ``opinion``: where each person's opinion starts under a continuous opinion rule
      (``bounded_confidence``), in [0, 1] (values drawn outside are clipped to it;
      unset: uniform on [0, 1]); read by no other rule.
    """

    activity: Attribute = 1.0
    susceptibility: Attribute = 1.0
    influence: Attribute = 1.0
    visibility: Attribute = 1.0
    roles: list[Role] = []
    opinion: Attribute | None = None

    @model_validator(mode="after")
    def _probabilities(self):
        for name in (*PROBABILITY_ATTRIBUTES, "opinion"):
            _check_probability_attribute(name, getattr(self, name))
        names = [role.name for role in self.roles]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise KeyedError("roles", repeated, "unique role names")
        return self

    @property
    def is_default(self) -> bool:
        """Whether everyone is the same, always online, public, with weight 1 (where
        opinions start does not matter to the modifiers)."""
        return self.model_copy(update={"opinion": None}) == People()


class Modifiers(Frozen):
    """How a message's own appeal changes (DESIGN: modifiers).

    - ``half_life``: novelty decay; in the step from ``t`` to ``t + 1`` every chance
      is multiplied by ``0.5 ** ((t - seeding step) / half_life)``;
    - ``negativity_bias``: multiplies every chance of a negative message (unhappy
      customers complain louder than happy ones praise); only for ``valence:
      negative``;
    - ``forgetting``: each step, each spreader forgets the message (stops spreading)
      with this probability; for the rumour rule, whose spreaders keep calling
      (an independent-cascade sharer shares once; a threshold or Bass adopter's
      influence is their adoption itself).
    """

    half_life: Positive | None = None
    negativity_bias: Positive = 1.0
    forgetting: Probability = 0.0

    @property
    def is_default(self) -> bool:
        """Whether the message has no modifier."""
        return self == Modifiers()


class Interaction(AliasedFrozen):
    """How one message changes people's response to another.

    - ``inoculation``: having heard ``from`` multiplies one's receptivity to ``to``
      by ``factor`` (a response that inoculates against a complaint: factor < 1);
    - ``reinforcement``: having adopted ``from`` multiplies it by ``factor`` (> 1);
    - ``competition``: a person adopts at most one of ``from`` and ``to``, first
      come; when both would start at the same step, the message listed first in
      ``messages`` wins. Seeds are started whatever they adopted before.
    """

    kind: Literal["inoculation", "reinforcement", "competition"]
    source: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")
    factor: NonNegative | None = None

    @model_validator(mode="after")
    def _factor_matches_kind(self):
        if self.kind == "competition" and self.factor is not None:
            raise KeyedError("factor", self.factor, "no factor with competition")
        if self.kind != "competition" and self.factor is None:
            raise KeyedError("factor", None, f"a factor >= 0 with {self.kind}")
        if self.source == self.target:
            raise KeyedError("to", self.target, "a message other than 'from'")
        return self
