"""The brand's timed actions and the community manager who answers a complaint."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.config.seeding import Seeding
from sim.schema import (
    Frozen,
    Identifier,
    KeyedError,
    NonNegative,
    NonNegativeInt,
    Positive,
    PositiveInt,
    Probability,
)


class CommunityChoice(Frozen):
    """A community of the network: the ``rank``-th largest found by ``method`` (1 is
    the largest; communities are found with the run's own randomness), or ``nodes``."""

    rank: PositiveInt | None = 1
    method: Literal["louvain", "label_propagation"] = "louvain"
    nodes: Annotated[list[int | str], Field(min_length=1)] | None = None


class _TimedAction(Frozen):
    """An action of the brand on one message over the steps ``start <= t < end``."""

    message: Identifier
    start: NonNegativeInt = 0
    end: PositiveInt

    @model_validator(mode="after")
    def _window(self):
        if not self.start < self.end:
            raise KeyedError("end", self.end, f"a step after start = {self.start}")
        return self


class SeedWave(Frozen):
    """Seed a message (again) at ``step``: a launch, or a second wave.

    ``seeding`` chooses the people (any strategy, count, budget and cost); its own
    ``step`` is not used. People already sharing are not seeded twice, and pay nothing.
    """

    action: Literal["seed"]
    message: Identifier
    step: NonNegativeInt
    seeding: Seeding


class Broadcast(_TimedAction):
    """Paid broadcast (ads): at each step of the window everyone not yet sharing sees
    the ad with probability ``reach`` (an impression, paid ``cost_per_impression``);
    seeing it makes them hear the message, and share it with probability ``convert``.
    Offline people see nothing. Every step scans everyone (unlike word of mouth)."""

    action: Literal["broadcast"]
    reach: Probability
    convert: Probability = 0.0
    cost_per_impression: NonNegative = 0.0


class Promotion(_TimedAction):
    """A time-limited offer (an exclusive deal): the message's chances are multiplied
    by ``boost`` during the window, for a flat ``cost``."""

    action: Literal["promotion"]
    boost: Positive
    cost: NonNegative = 0.0


class CommunityBuilding(_TimedAction):
    """Cultivate a community (Lego's fans): during the window its members'
    receptivity to the message is multiplied by ``factor``, for a flat ``cost``."""

    action: Literal["community"]
    factor: Positive
    community: CommunityChoice = CommunityChoice()
    cost: NonNegative = 0.0


Action = Annotated[
    SeedWave | Broadcast | Promotion | CommunityBuilding, Field(discriminator="action")
]


class Campaign(Frozen):
    """The brand's plan: timed actions, carried out by a ``Brand`` actor.

    ``budget`` caps what the actions spend (seedings declared in ``messages`` have
    their own ``seeding.budget``). Actions are paid in the order they happen; one
    that no longer fits is cut: a wave takes the seeds it can still afford, a
    broadcast stops once its impressions have used the money, a promotion or a
    community action that costs more than what is left is dropped.
    """

    budget: NonNegative | None = None
    actions: list[Action] = []


class CommunityManager(Frozen):
    """Someone who watches a negative message (a complaint) and answers it.

    The manager notices the complaint once it has reached ``detect_reach`` people,
    or earlier by monitoring (each step, with probability ``monitoring``); after
    ``delay`` steps they seed ``respond_with`` (a message declared with no seeds of
    its own) at up to ``count`` people: ``complainers`` (people sharing the
    complaint, chosen at random), ``top_sharers`` (those who passed it to the most
    people) or ``both`` (half each), paying ``cost_per_seed`` each within
    ``budget``. ``credibility`` multiplies the response's chances: an answer seen as
    coming from inside the brand convinces less than an outside voice. Declare an
    ``inoculation`` interaction from the response to the complaint to make it protect.
    """

    watch: Identifier
    respond_with: Identifier
    detect_reach: PositiveInt | None = None
    monitoring: Probability = 0.0
    delay: NonNegativeInt = 0
    targets: Literal["complainers", "top_sharers", "both"] = "both"
    count: PositiveInt = 10
    cost_per_seed: NonNegative = 1.0
    budget: NonNegative | None = None
    credibility: Probability = 1.0

    @model_validator(mode="after")
    def _can_notice(self):
        if self.detect_reach is None and self.monitoring == 0.0:
            raise KeyedError("detect_reach", None, "a reach, or monitoring > 0, to notice by")
        if self.watch == self.respond_with:
            raise KeyedError("respond_with", self.respond_with, "a message other than watch")
        return self
