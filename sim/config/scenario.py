"""A whole scenario: its messages (each with a rule from the registry) and its sections.

A message's ``rule`` is validated against the rules in the registry
(:mod:`sim.rules.registry`): the union of their schemas, told apart by ``model``. A
rule registered later (a plug-in) rebuilds it, so its keys are checked like a
built-in rule's."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import Field, field_validator, model_validator

from sim import rules as rule_registry
from sim.config.campaign import Campaign, CommunityManager
from sim.config.networks import AnyNetwork, Layered
from sim.config.people import Interaction, Modifiers, People
from sim.config.report import Report, Value
from sim.config.seeding import Seeding
from sim.config.sweep import Sweep
from sim.schema import (
    MAX_REPLICATIONS,
    MAX_STEPS,
    Frozen,
    Identifier,
    KeyedError,
    NonNegative,
    NonNegativeInt,
    Probability,
    Seed,
)


def rule_union() -> Any:
    """The type of a message's ``rule``: every registered rule's schema, by ``model``."""
    schemas = tuple(rule.schema for rule in rule_registry.rules().values())
    return Annotated[Union[schemas], Field(discriminator="model")]  # noqa: UP007


RuleSpec = rule_union()


class ShareByOpinion(Frozen):
    """How willing people are to share a message, by their opinion of the brand: a
    factor on their receptivity of ``against`` at opinion 0 and ``in_favour`` at 1,
    in a straight line between."""

    against: NonNegative = 1.0
    in_favour: NonNegative = 1.0


class Message(Frozen):
    """One message: its rule, its tone, how it is seeded and its modifiers.

    ``opinion_shift``: hearing the message moves a person's opinion of the brand (in
    [0, 1]) this share of the way to 1 (a positive message) or to 0 (a negative one,
    times its ``negativity_bias``, at most all the way); ``share_by_opinion``: how
    opinion changes the willingness to share it (:class:`ShareByOpinion`).
    """

    name: Identifier
    valence: Literal["positive", "negative", "neutral"] = "neutral"
    rule: RuleSpec
    seeding: Seeding = Seeding()
    modifiers: Modifiers = Modifiers()
    opinion_shift: Probability | None = None  # unset: 0, and left out of scenario.yaml
    share_by_opinion: ShareByOpinion | None = None

    @model_validator(mode="after")
    def _modifiers_fit(self):
        if self.modifiers.negativity_bias != 1.0 and self.valence != "negative":
            raise KeyedError(
                "modifiers.negativity_bias",
                self.modifiers.negativity_bias,
                f"1 unless valence is negative (this message is {self.valence})",
            )
        rule = rule_registry.rule_class(self.rule.model)
        planning = self.seeding.strategy in ("greedy", "degree_discount")
        if planning and self.seeding.p is None and rule.planning_probability(self.rule) is None:
            raise KeyedError(
                "seeding.p",
                None,
                f"the independent-cascade p that {self.seeding.strategy} plans with "
                f"(rule {self.rule.model} has none)",
            )
        if self.opinion_shift and self.valence == "neutral":
            raise KeyedError("opinion_shift", self.opinion_shift,
                             "0 for a neutral message (valence positive or negative moves "
                             "opinions)")
        if self.modifiers.forgetting > 0.0 and not rule.keeps_spreading:
            raise KeyedError(
                "modifiers.forgetting",
                self.modifiers.forgetting,
                f"0 with rule {self.rule.model}: its sharers do not keep spreading "
                "(forgetting applies to rules whose spreaders do, such as rumor)",
            )
        return self


class Scenario(Frozen):
    """A whole experiment: network, messages, steps, seeds, replications and sweep."""

    name: Identifier
    description: str = ""
    seed: Seed = 0
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] = 100
    replications: Annotated[int, Field(ge=1, le=MAX_REPLICATIONS)] = 1
    network: AnyNetwork
    messages: Annotated[list[Message], Field(min_length=1)]
    people: People = People()
    interactions: list[Interaction] = []
    campaign: Campaign = Campaign()
    community_manager: CommunityManager | None = None
    contain_below: NonNegativeInt = 10
    sweep: Sweep | None = None
    report: Report = Report()
    value: Value | None = None

    @field_validator("messages")
    @classmethod
    def _unique_names(cls, messages: list[Message]) -> list[Message]:
        names = [m.name for m in messages]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise KeyedError("", None, f"unique message names; repeated: {', '.join(repeated)}")
        return messages

    @model_validator(mode="after")
    def _interactions_name_messages(self):
        names = [message.name for message in self.messages]
        for i, interaction in enumerate(self.interactions):
            for field, alias in (("source", "from"), ("target", "to")):
                name = getattr(interaction, field)
                if name not in names:
                    raise KeyedError(
                        f"interactions.{i}.{alias}", name, f"a message name: {', '.join(names)}"
                    )
        return self

    @model_validator(mode="after")
    def _rule_layers_exist(self):
        names = self.network.layer_names if isinstance(self.network, Layered) else []
        for message in self.messages:
            for layer in getattr(message.rule, "layers", {}):
                if layer not in names:
                    allowed = (
                        f"a layer of the network: {', '.join(names)}"
                        if names
                        else "no layers: the network has one (use model: layers)"
                    )
                    raise KeyedError(f"messages.{message.name}.rule.layers", layer, allowed)
        return self

    @model_validator(mode="after")
    def _rules_know_time(self):
        if not self.network.temporal:
            return self
        for message in self.messages:
            if not rule_registry.rule_class(message.rule.model).temporal:
                known = [name for name, rule in rule_registry.rules().items() if rule.temporal]
                raise KeyedError(f"messages.{message.name}.rule.model", message.rule.model,
                                 f"a rule that knows contacts at times: {', '.join(known)}")
            if message.seeding.strategy in ("greedy", "degree_discount"):
                raise KeyedError(f"messages.{message.name}.seeding.strategy",
                                 message.seeding.strategy,
                                 "a strategy that needs no plan on a static network "
                                 "(the network is temporal)")
        return self

    @model_validator(mode="after")
    def _rules_fit(self):
        for message in self.messages:
            error = rule_registry.rule_class(message.rule.model).conflict(self, message)
            if error is not None:
                raise error
        return self

    @model_validator(mode="after")
    def _actors_name_messages(self):
        messages = {message.name: message for message in self.messages}
        names = ", ".join(messages)
        for i, action in enumerate(self.campaign.actions):
            if action.message not in messages:
                raise KeyedError(
                    f"campaign.actions.{i}.message", action.message, f"a message name: {names}"
                )
            if action.action == "community" and messages[action.message].share_by_opinion:
                raise KeyedError(f"campaign.actions.{i}.message", action.message,
                                 "a message without share_by_opinion (both would set "
                                 "its receptivity)")
        manager = self.community_manager
        if manager is not None:
            for field in ("watch", "respond_with"):
                name = getattr(manager, field)
                if name not in messages:
                    raise KeyedError(
                        f"community_manager.{field}", name, f"a message name: {names}"
                    )
            if messages[manager.watch].valence != "negative":
                raise KeyedError(
                    "community_manager.watch", manager.watch, "a message with valence negative"
                )
        return self

    @model_validator(mode="after")
    def _seeds_fit(self):
        n_nodes = getattr(self.network, "n", None)
        for message in self.messages:
            if n_nodes is not None and message.seeding.n_seeds > n_nodes:
                raise KeyedError(
                    f"messages.{message.name}.seeding.count",
                    message.seeding.n_seeds,
                    f"at most the number of people, {n_nodes}",
                )
        if n_nodes is not None and self.network.model != "edgelist":
            # people of a generated network are numbered 0 .. n-1
            listed = [(f"messages.{m.name}.seeding.nodes", m.seeding.nodes)
                      for m in self.messages]
            listed += [(f"people.roles.{role.name}.select.nodes", role.select.nodes)
                       for role in self.people.roles]
            listed += [(f"campaign.actions.{i}.community.nodes", action.community.nodes)
                       for i, action in enumerate(self.campaign.actions)
                       if hasattr(action, "community")]
            listed += [(f"campaign.actions.{i}.seeding.nodes", action.seeding.nodes)
                       for i, action in enumerate(self.campaign.actions)
                       if hasattr(action, "seeding")]
            for key, nodes in listed:
                for node in nodes or []:
                    if not (isinstance(node, int) and 0 <= node < n_nodes):
                        raise KeyedError(key, node, f"people's numbers, from 0 to {n_nodes - 1} "
                                         f"(a {self.network.model} network numbers its people)")
        return self

    @model_validator(mode="after")
    def _steps_fit(self):
        last = self.steps - 1
        for message in self.messages:
            if message.seeding.step > last:
                raise KeyedError(f"messages.{message.name}.seeding.step", message.seeding.step,
                                 f"a step before steps = {self.steps} (at most {last})")
        for i, action in enumerate(self.campaign.actions):
            start = getattr(action, "step", getattr(action, "start", 0))
            if start > last:
                key = "step" if hasattr(action, "step") else "start"
                raise KeyedError(f"campaign.actions.{i}.{key}", start,
                                 f"a step before steps = {self.steps} (at most {last})")
        return self

    @model_validator(mode="after")
    def _report_names_exist(self):
        names = [message.name for message in self.messages]
        if self.report.message is not None and self.report.message not in names:
            raise KeyedError("report.message", self.report.message,
                             f"a message name: {', '.join(names)}")
        for message in (self.value.messages or []) if self.value is not None else []:
            if message not in names:
                raise KeyedError("value.messages", message, f"a message name: {', '.join(names)}")
        arms = [arm.name for arm in self.sweep.arms] if self.sweep is not None else []
        baseline = self.report.baseline
        # Named arms: the baseline must be one (a typo is an error). A sweep without
        # names (one that replaced the file's arms, say) compares with its first point
        # unless the baseline is one of its labels.
        if arms and baseline is not None and baseline not in arms + self.point_labels():
            raise KeyedError("report.baseline", baseline, f"an arm of the sweep: {', '.join(arms)}")
        return self

    @property
    def coupled(self) -> bool:
        """Whether messages move people's opinions or opinions move sharing."""
        return any(bool(message.opinion_shift) or message.share_by_opinion is not None
                   for message in self.messages)

    @property
    def has_opinions(self) -> bool:
        """Whether people hold an opinion of the brand in this scenario (coupled
        messages or a continuous opinion rule)."""
        return self.coupled or any(
            rule_registry.rule_class(message.rule.model).opinion == "continuous"
            for message in self.messages)

    def point_labels(self) -> list[str]:
        """Each point's name in words (:meth:`sim.config.sweep.Sweep.labels`); a
        scenario without a sweep has one point, named after the scenario."""
        return self.sweep.labels(self.seed) if self.sweep is not None else [self.name]

    def valued(self, message: str) -> bool:
        """Whether ``value`` counts what ``message`` brings back."""
        if self.value is None:
            return False
        if self.value.messages is not None:
            return message in self.value.messages
        return self.message(message).valence != "negative"

    def message(self, name: str) -> Message:
        """The message called ``name``."""
        for message in self.messages:
            if message.name == name:
                return message
        raise KeyError(name)


def _rebuild_rule_field() -> None:
    """Let messages take every registered rule (called when one is registered)."""
    Message.model_fields["rule"].annotation = typing_args(rule_union())
    Message.model_rebuild(force=True)
    Scenario.model_rebuild(force=True)


def typing_args(annotated: Any) -> Any:
    """The bare union inside ``Annotated[union, ...]`` (the field keeps its discriminator)."""
    return annotated.__origin__


rule_registry.on_change(_rebuild_rule_field)
