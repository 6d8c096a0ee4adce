"""Scenario files: the pydantic schema, YAML loading and ``--set`` overrides.

A scenario is data: a frozen pydantic model with ``extra="forbid"``, so a typo is an
error, never a silent default. Every problem becomes one :class:`~sim.errors.InputError`
line naming the file, the dotted key (messages addressed by name:
``messages.promo.rule.p``), the bad value and what is allowed.

Examples
--------
>>> scenario = scenario_from_dict({
...     "name": "demo", "seed": 1, "steps": 50,
...     "network": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1},
...     "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.2},
...                   "seeding": {"strategy": "random", "count": 3}}],
... })
>>> scenario.messages[0].rule.p
0.2
>>> with_overrides(scenario, ["messages.promo.rule.p=0.3"]).messages[0].rule.p
0.3
"""

from __future__ import annotations

import copy
import itertools
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import numpy as np
import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeInt,
    PositiveInt,
    ValidationError,
    field_validator,
    model_validator,
)

from sim.errors import InputError
from sim.randomness import SWEEP as SWEEP_STREAM

Probability = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*$", max_length=64)]


class _KeyedError(ValueError):
    """A validator's error that names its key, relative to where pydantic reports it."""

    def __init__(self, key: str, value: Any, allowed: str) -> None:
        super().__init__(allowed)
        self.key, self.value, self.allowed = key, value, allowed


class Frozen(BaseModel):
    """Base of every scenario section: immutable, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------- networks
_DETERMINISTIC_NETWORKS = ("ring_lattice", "complete", "edgelist")


class _Network(Frozen):
    """What every network section has besides its model's own keys.

    ``fixed``: draw the network once, from replication 0's network stream, and let
    every replication use it; replications then differ only in their seeding and
    coins. By default (``false``) each replication draws its own network, so results
    average over networks of the model as well. Replication 0's network is the
    same either way, and deterministic networks (``ring_lattice``, ``complete``,
    ``edgelist``) are shared whatever ``fixed`` says. Replications that share a
    network can run together (:mod:`sim.multirep`).
    """

    model: str  # each subclass narrows it to its own name; declared here to come first
    fixed: bool = False

    @property
    def shared_by_replications(self) -> bool:
        """Whether every replication runs on the same network."""
        return self.fixed or self.model in _DETERMINISTIC_NETWORKS

    def graph_replication(self, replication: int) -> int:
        """Whose network stream draws the network of ``replication``."""
        return 0 if self.shared_by_replications else replication


class _RewiredLattice(_Network):
    """A ring of ``n`` people tied to their ``k`` nearest, changed with probability ``p``."""

    n: PositiveInt
    k: PositiveInt = 10
    p: Probability = 0.1

    @model_validator(mode="after")
    def _k_fits(self):
        _check_lattice(self.n, self.k)
        return self


class WattsStrogatz(_RewiredLattice):
    """Ring lattice of ``n`` people, each tied to ``k`` nearest; each tie rewired with ``p``."""

    model: Literal["watts_strogatz"]


class NewmanWatts(_RewiredLattice):
    """Ring lattice plus shortcuts: each lattice tie adds a random shortcut with ``p``."""

    model: Literal["newman_watts"]


class RingLattice(_Network):
    """Each of ``n`` people tied to the ``k`` nearest on a ring (``k`` even)."""

    model: Literal["ring_lattice"]
    n: PositiveInt
    k: PositiveInt = 10

    @model_validator(mode="after")
    def _k_fits(self):
        _check_lattice(self.n, self.k)
        return self


class ErdosRenyi(_Network):
    """G(n, p): every pair tied independently; give ``p`` or ``mean_degree``."""

    model: Literal["erdos_renyi"]
    n: PositiveInt
    mean_degree: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None
    p: Probability | None = None

    @model_validator(mode="after")
    def _one_density(self):
        if (self.mean_degree is None) == (self.p is None):
            raise _KeyedError("", None, "exactly one of mean_degree or p")
        if self.mean_degree is not None and self.mean_degree > self.n - 1:
            raise _KeyedError("mean_degree", self.mean_degree, f"at most n - 1 = {self.n - 1}")
        return self

    @property
    def edge_probability(self) -> float:
        """The pair probability, from ``p`` or ``mean_degree / (n - 1)``."""
        if self.p is not None:
            return self.p
        return 0.0 if self.n < 2 else self.mean_degree / (self.n - 1)


class BarabasiAlbert(_Network):
    """Preferential attachment: each newcomer ties to ``m`` people, the well connected likelier."""

    model: Literal["barabasi_albert"]
    n: PositiveInt
    m: PositiveInt = 5

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise _KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class HolmeKim(_Network):
    """Clustered scale-free graph: preferential attachment plus triad formation
    (closing a triangle) with probability ``p_triangle``."""

    model: Literal["holme_kim"]
    n: PositiveInt
    m: PositiveInt = 5
    p_triangle: Probability = 0.5

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise _KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class StochasticBlock(_Network):
    """Communities: ``sizes`` blocks, ties inside with ``p_in`` and across with ``p_out``."""

    model: Literal["stochastic_block"]
    sizes: Annotated[list[PositiveInt], Field(min_length=1)]
    p_in: Probability = 0.1
    p_out: Probability = 0.01

    @property
    def n(self) -> int:
        """Total number of people."""
        return sum(self.sizes)


class Complete(_Network):
    """Everyone tied to everyone (a well-mixed population)."""

    model: Literal["complete"]
    n: Annotated[int, Field(ge=1, le=20_000)]


class Follower(_Network):
    """Directed follower graph (Twitter-like): each newcomer follows ``m`` people chosen
    by preferential attachment on followers; a followed person follows back with
    ``reciprocity``. Arcs point from the followed to the follower (who sees whom)."""

    model: Literal["follower"]
    n: PositiveInt
    m: PositiveInt = 5
    reciprocity: Probability = 0.1

    @model_validator(mode="after")
    def _m_fits(self):
        if self.m >= self.n:
            raise _KeyedError("m", self.m, f"a whole number smaller than n = {self.n}")
        return self


class EdgeList(_Network):
    """A network read from a file of ``u v`` pairs (whitespace or commas, ``#``/``%``
    comments, optional header, ``.gz``). Relative paths are relative to the scenario."""

    model: Literal["edgelist"]
    path: str
    directed: bool = False


_ONE_NETWORK = (
    WattsStrogatz
    | NewmanWatts
    | RingLattice
    | ErdosRenyi
    | BarabasiAlbert
    | HolmeKim
    | StochasticBlock
    | Complete
    | Follower
    | EdgeList
)
NetworkSpec = Annotated[_ONE_NETWORK, Field(discriminator="model")]


class Layer(Frozen):
    """One platform over the same people: its own network among its members.

    ``membership`` is the fraction of people on the platform (drawn at random for
    each replication from the network's stream); the layer's ``network`` is built
    among them, its ``n`` filled in as ``round(membership * n)``. An ``edgelist``
    layer names people by their numbers (``0 .. n-1``) and its members are the
    people it lists (its membership must stay 1).
    """

    name: Identifier
    membership: Annotated[float, Field(gt=0.0, le=1.0, allow_inf_nan=False)] = 1.0
    network: NetworkSpec

    @model_validator(mode="after")
    def _edgelist_lists_its_members(self):
        if isinstance(self.network, EdgeList) and self.membership != 1.0:
            raise _KeyedError(
                "membership", self.membership, "1 for an edge list (its members are listed)"
            )
        return self


class Layered(_Network):
    """Several platforms (layers) over the same ``n`` people: a friendship layer, a
    follower layer, an offline one. A tie on several layers is several ties, each
    with its own chance; rules may set their parameter per layer (``rule.layers``)."""

    model: Literal["layers"]
    n: PositiveInt
    layers: Annotated[list[Layer], Field(min_length=1, max_length=16)]

    @model_validator(mode="before")
    @classmethod
    def _layer_sizes(cls, raw: Any) -> Any:
        if not isinstance(raw, dict) or not isinstance(raw.get("layers"), list):
            return raw
        n_people = raw.get("n")
        if not isinstance(n_people, int) or isinstance(n_people, bool):
            return raw
        layers = []
        for layer in raw["layers"]:
            if isinstance(layer, dict) and isinstance(layer.get("network"), dict):
                network = dict(layer["network"])
                membership = layer.get("membership", 1.0)
                sized = network.get("model") not in ("edgelist", "stochastic_block")
                if sized and "n" not in network and isinstance(membership, int | float):
                    network["n"] = max(1, round(membership * n_people))
                layer = {**layer, "network": network}
            layers.append(layer)
        return {**raw, "layers": layers}

    @model_validator(mode="after")
    def _unique_names(self):
        names = [layer.name for layer in self.layers]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise _KeyedError("layers", repeated, "unique layer names")
        for layer in self.layers:
            size = getattr(layer.network, "n", None)
            if size is not None and size > self.n:
                raise _KeyedError(f"layers.{layer.name}.network.n", size, f"at most n = {self.n}")
        return self

    @property
    def layer_names(self) -> list[str]:
        """The layers' names, in order."""
        return [layer.name for layer in self.layers]


AnyNetwork = Annotated[_ONE_NETWORK | Layered, Field(discriminator="model")]


def _check_lattice(n: int, k: int) -> None:
    if k % 2 or k >= n:
        raise _KeyedError("k", k, f"an even number smaller than n = {n}")


# ------------------------------------------------------------------------ rules
class LayerP(Frozen):
    """An independent cascade's ``p`` on one layer."""

    p: Probability


class IndependentCascade(Frozen):
    """Each new sharer gets one chance, with probability ``p``, to make each neighbour share.

    On a network of several layers, ``layers`` may give a layer its own ``p``
    (``{twitter: {p: 0.02}}``); the others use ``p``.
    """

    model: Literal["independent_cascade"]
    p: Probability
    layers: dict[str, LayerP] = {}


class LinearThreshold(Frozen):
    """A person starts sharing once enough of the people they see have shared
    (Watts 2002; Centola and Macy 2007 for ``count``; Kempe et al. 2003 for drawn thresholds).

    Give exactly one of ``threshold`` (a fraction of in-neighbours) or ``count`` (a
    number of them); with ``threshold_distribution: uniform`` give neither: each
    person's fractional threshold is drawn from U(0, 1).
    """

    model: Literal["linear_threshold"]
    threshold: Probability | None = None
    count: PositiveInt | None = None
    threshold_distribution: Literal["fixed", "uniform"] = "fixed"

    @model_validator(mode="after")
    def _one_threshold(self):
        if self.threshold_distribution == "uniform":
            if self.threshold is not None or self.count is not None:
                raise _KeyedError(
                    "threshold_distribution",
                    "uniform",
                    "no threshold or count with uniform (each person's threshold is drawn)",
                )
        elif (self.threshold is None) == (self.count is None):
            raise _KeyedError("", None, "exactly one of threshold (a fraction) or count")
        return self


class Bass(Frozen):
    """Each step a person who has not adopted does so with probability
    ``p_external + q * (fraction of in-neighbours who have adopted)`` (Bass 1969)."""

    model: Literal["bass"]
    p_external: Probability
    q: Probability


class LayerLambda(Frozen):
    """A rumour's ``lambda`` on one layer (a call over a tie of that layer)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, serialize_by_alias=True
    )

    spread: Probability = Field(alias="lambda")


class Rumor(Frozen):
    """Ignorant, spreader, stifler (Daley and Kendall 1965; Maki and Thompson 1973).

    Each step every spreader, in a random order, calls one random person their shares
    reach: an ignorant becomes a spreader with probability ``lambda``; reaching a
    spreader or stifler turns the caller (``maki_thompson``) or both
    (``daley_kendall``) into stiflers with probability ``alpha``. ``lambda`` is a
    Python keyword, so the field is ``spread`` in code and ``lambda`` in files.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, serialize_by_alias=True
    )

    model: Literal["rumor"]
    variant: Literal["maki_thompson", "daley_kendall"] = "maki_thompson"
    spread: Probability = Field(1.0, alias="lambda")
    alpha: Probability = 1.0
    layers: dict[str, LayerLambda] = {}


RuleSpec = Annotated[
    IndependentCascade | LinearThreshold | Bass | Rumor, Field(discriminator="model")
]


# --------------------------------------------------------------- people and modifiers
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Real = Annotated[float, Field(allow_inf_nan=False)]


class UniformDraw(Frozen):
    """Each person's value drawn from U(low, high)."""

    distribution: Literal["uniform"]
    low: NonNegative = 0.0
    high: NonNegative = 1.0

    @model_validator(mode="after")
    def _ordered(self):
        if not self.low <= self.high:
            raise _KeyedError("high", self.high, f"at least low = {self.low}")
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


class LogNormalDraw(Frozen):
    """Each person's value drawn from exp(N(mu, sigma)): heavy-tailed, positive."""

    distribution: Literal["lognormal"]
    mu: Real = 0.0
    sigma: NonNegative = 1.0


class DegreePower(Frozen):
    """A function of degree: ``scale * (degree / mean degree) ** exponent`` (people
    with no neighbours get 0 when ``exponent > 0``). Degree is out-degree: the
    number of people one's shares reach (followers, in a follower network)."""

    distribution: Literal["degree_power"]
    scale: NonNegative = 1.0
    exponent: Real = 1.0


AttributeDraw = Annotated[
    UniformDraw | BetaDraw | NormalDraw | LogNormalDraw | DegreePower,
    Field(discriminator="distribution"),
]
Attribute = NonNegative | AttributeDraw
# attributes that are probabilities: values drawn outside [0, 1] are clipped to it
PROBABILITY_ATTRIBUTES = ("activity", "visibility")
ATTRIBUTES = ("activity", "susceptibility", "influence", "visibility")


def _check_probability_attribute(name: str, value: Attribute | None) -> None:
    if isinstance(value, float | int) and value > 1.0:
        raise _KeyedError(name, value, "a probability in [0, 1] (or a distribution)")
    if isinstance(value, UniformDraw) and value.high > 1.0:
        raise _KeyedError(f"{name}.high", value.high, "at most 1 for a probability")


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
            raise _KeyedError("", given or None, "exactly one of fraction, top_degree, nodes")
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
      influencers.
    """

    activity: Attribute = 1.0
    susceptibility: Attribute = 1.0
    influence: Attribute = 1.0
    visibility: Attribute = 1.0
    roles: list[Role] = []

    @model_validator(mode="after")
    def _probabilities(self):
        for name in PROBABILITY_ATTRIBUTES:
            _check_probability_attribute(name, getattr(self, name))
        names = [role.name for role in self.roles]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise _KeyedError("roles", repeated, "unique role names")
        return self

    @property
    def is_default(self) -> bool:
        """Whether everyone is the same, always online, public, with weight 1."""
        return self == People()


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


class Interaction(Frozen):
    """How one message changes people's response to another.

    - ``inoculation``: having heard ``from`` multiplies one's receptivity to ``to``
      by ``factor`` (a response that inoculates against a complaint: factor < 1);
    - ``reinforcement``: having adopted ``from`` multiplies it by ``factor`` (> 1);
    - ``competition``: a person adopts at most one of ``from`` and ``to``, first
      come; when both would start at the same step, the message listed first in
      ``messages`` wins. Seeds are started whatever they adopted before.
    """

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_by_name=True, serialize_by_alias=True
    )

    kind: Literal["inoculation", "reinforcement", "competition"]
    source: Identifier = Field(alias="from")
    target: Identifier = Field(alias="to")
    factor: NonNegative | None = None

    @model_validator(mode="after")
    def _factor_matches_kind(self):
        if self.kind == "competition" and self.factor is not None:
            raise _KeyedError("factor", self.factor, "no factor with competition")
        if self.kind != "competition" and self.factor is None:
            raise _KeyedError("factor", None, f"a factor >= 0 with {self.kind}")
        if self.source == self.target:
            raise _KeyedError("to", self.target, "a message other than 'from'")
        return self


# ---------------------------------------------------------------------- seeding

SEEDING_STRATEGIES = (
    "random",
    "top_degree",
    "top_pagerank",
    "kcore",
    "betweenness",
    "community",
    "degree_discount",
    "greedy",
    "random_neighbor",
    "nodes",
)


class FlatCost(Frozen):
    """Every seed costs ``per_seed``."""

    model: Literal["flat"]
    per_seed: Positive = 1.0


class DegreeCost(Frozen):
    """Influencers cost more: a seed with ``d`` followers costs
    ``base + per_neighbour * d ** exponent``.

    Followers are the people a seed's shares reach: neighbours in an undirected
    network, out-degree in a directed one (arcs point from the followed to the
    follower, ``sim.graph``). ``base`` is positive, so nobody is free.
    """

    model: Literal["degree"]
    base: Positive = 1.0
    per_neighbour: NonNegative = 1.0
    exponent: Annotated[float, Field(ge=0.0, le=4.0, allow_inf_nan=False)] = 1.0


SeedCost = Annotated[FlatCost | DegreeCost, Field(discriminator="model")]


class Seeding(Frozen):
    """Who starts a message, and when (``sim.campaigns`` defines each strategy).

    ``strategy``: ``random``, ``top_degree``, ``top_pagerank``, ``kcore``,
    ``betweenness``, ``community``, ``degree_discount``, ``greedy``,
    ``random_neighbor`` or ``nodes`` (the listed original ids).

    How many: ``count`` seeds, or as many as ``budget`` buys at ``cost`` (each
    strategy takes people in its order of preference and skips anyone who no longer
    fits what is left), or both (at most ``count`` within the budget). With neither,
    one seed. With ``nodes`` the list is the seeds; a ``budget`` is then checked.
    Without a ``cost`` seeds are free (a complaint's customers cost the brand
    nothing); a ``budget`` needs one.

    Options, ignored by strategies that do not use them (so one sweep can compare
    strategies): ``samples`` (greedy: Monte Carlo cascades per estimate, default
    1000; betweenness: sampled sources, default all up to 500 people, else 500),
    ``p`` (the independent-cascade probability greedy and degree_discount plan
    with; default the message's own rule ``p`` when it is an independent cascade),
    ``objective`` (what greedy maximizes: ``reach``, people who hear, or
    ``adopters``) and ``method`` (community detection: ``louvain`` or
    ``label_propagation``).
    """

    strategy: Literal[SEEDING_STRATEGIES] = "random"
    count: NonNegativeInt | None = None
    budget: NonNegative | None = None
    cost: SeedCost | None = None
    step: NonNegativeInt = 0
    nodes: list[int | str] | None = None
    samples: Annotated[int, Field(ge=1, le=1_000_000)] | None = None
    p: Probability | None = None
    objective: Literal["reach", "adopters"] = "reach"
    method: Literal["louvain", "label_propagation"] = "louvain"

    @model_validator(mode="after")
    def _nodes_match_strategy(self):
        if self.strategy == "nodes" and not self.nodes:
            raise _KeyedError("nodes", None, "a non-empty list of ids with strategy 'nodes'")
        if self.strategy != "nodes" and self.nodes is not None:
            raise _KeyedError("nodes", self.nodes, "a list only with strategy 'nodes'")
        if self.budget is not None and self.cost is None:
            raise _KeyedError(
                "cost", None, "a cost model with a budget, e.g. {model: flat, per_seed: 10}"
            )
        if self.strategy == "nodes" and self.count is not None:
            raise _KeyedError(
                "count", self.count, "no count with strategy 'nodes' (the list sets it)"
            )
        return self

    @property
    def n_seeds(self) -> int:
        """How many people this seeding asks for, as far as is known before the network
        exists: the listed nodes, else ``count``, else 1 without a budget; with a budget
        alone the number depends on the network's costs, and 0 is returned."""
        if self.strategy == "nodes":
            return len(self.nodes)
        if self.count is not None:
            return self.count
        return 0 if self.budget is not None else 1


class Message(Frozen):
    """One message: its rule, its tone, how it is seeded and its modifiers."""

    name: Identifier
    valence: Literal["positive", "negative", "neutral"] = "neutral"
    rule: RuleSpec
    seeding: Seeding = Seeding()
    modifiers: Modifiers = Modifiers()

    @model_validator(mode="after")
    def _modifiers_fit(self):
        if self.modifiers.negativity_bias != 1.0 and self.valence != "negative":
            raise _KeyedError(
                "modifiers.negativity_bias",
                self.modifiers.negativity_bias,
                f"1 unless valence is negative (this message is {self.valence})",
            )
        planning = self.seeding.strategy in ("greedy", "degree_discount")
        if planning and self.seeding.p is None and self.rule.model != "independent_cascade":
            raise _KeyedError(
                "seeding.p",
                None,
                f"the independent-cascade p that {self.seeding.strategy} plans with "
                f"(rule {self.rule.model} has none)",
            )
        if self.modifiers.forgetting > 0.0 and self.rule.model != "rumor":
            raise _KeyedError(
                "modifiers.forgetting",
                self.modifiers.forgetting,
                f"0 with rule {self.rule.model}: only rumour spreaders keep spreading",
            )
        return self


# --------------------------------------------------------------------- campaigns
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
            raise _KeyedError("end", self.end, f"a step after start = {self.start}")
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
            raise _KeyedError("detect_reach", None, "a reach, or monitoring > 0, to notice by")
        if self.watch == self.respond_with:
            raise _KeyedError("respond_with", self.respond_with, "a message other than watch")
        return self


class SampleSweep(Frozen):
    """``n`` points drawn from ranges by a quasi-random design (scipy.stats.qmc).

    ``ranges`` maps dotted keys to ``[low, high]``; when both bounds are integers the
    key is sampled as an integer. ``method`` is ``lhs`` (Latin hypercube) or
    ``sobol``; ``seed`` defaults to the scenario's seed.
    """

    n: Annotated[int, Field(ge=1, le=100_000)]
    method: Literal["lhs", "sobol"] = "lhs"
    ranges: Annotated[
        dict[str, Annotated[list[int | float], Field(min_length=2, max_length=2)]],
        Field(min_length=1),
    ]
    seed: NonNegativeInt | None = None

    @model_validator(mode="after")
    def _ordered(self):
        if self.method == "sobol" and self.n & (self.n - 1):
            raise _KeyedError(
                "n",
                self.n,
                "a power of 2 with method sobol (its balance "
                "properties need it); method lhs takes any n",
            )
        for key, (low, high) in self.ranges.items():
            if not low < high:
                raise _KeyedError(f"ranges.{key}", [low, high], "[low, high] with low < high")
        return self

    def draw(self, default_seed: int) -> list[dict[str, Any]]:
        """The sampled points, reproducible from the seed."""
        from scipy.stats import qmc

        seed = self.seed if self.seed is not None else default_seed
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(SWEEP_STREAM,)))
        keys = list(self.ranges)
        if self.method == "lhs":
            unit = qmc.LatinHypercube(d=len(keys), rng=rng).random(self.n)
        else:
            unit = qmc.Sobol(d=len(keys), scramble=True, rng=rng).random(self.n)
        points = []
        for row in unit:
            point = {}
            for key, u in zip(keys, row, strict=True):
                low, high = self.ranges[key]
                if isinstance(low, int) and isinstance(high, int):
                    # every integer in [low, high] gets an equal share of the unit interval
                    point[key] = min(int(np.floor(low + u * (high - low + 1))), high)
                else:
                    point[key] = float(low + u * (high - low))
            points.append(point)
        return points


class Sweep(Frozen):
    """Points to run, as the cartesian product of up to three parts.

    ``grid``: every combination of the listed values; ``zip``: lists of equal
    length taken together (point i uses the i-th value of each); ``sample``: points
    drawn from ranges. A part that is absent contributes one empty point.
    """

    grid: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    zip: dict[str, Annotated[list[Any], Field(min_length=1)]] = {}
    sample: SampleSweep | None = None

    @model_validator(mode="after")
    def _zip_lengths(self):
        lengths = {key: len(values) for key, values in self.zip.items()}
        if len(set(lengths.values())) > 1:
            raise _KeyedError("zip", lengths, "lists of the same length")
        repeated = set(self.grid) & set(self.zip)
        if self.sample is not None:
            repeated |= (set(self.grid) | set(self.zip)) & set(self.sample.ranges)
        if repeated:
            raise _KeyedError("", sorted(repeated), "each key in one part of the sweep only")
        return self

    def keys(self) -> list[str]:
        """The swept keys, in column order."""
        sampled = list(self.sample.ranges) if self.sample is not None else []
        return [*self.grid, *self.zip, *sampled]

    def points(self, default_seed: int = 0) -> list[dict[str, Any]]:
        """The override dictionaries, one per point, in a stable order."""
        grid_keys = list(self.grid)
        grid = [
            dict(zip(grid_keys, combo, strict=True))
            for combo in itertools.product(*self.grid.values())
        ]
        n_zip = len(next(iter(self.zip.values()))) if self.zip else 1
        zipped = [{key: values[i] for key, values in self.zip.items()} for i in range(n_zip)]
        sampled = self.sample.draw(default_seed) if self.sample is not None else [{}]
        return [{**a, **b, **c} for a in grid for b in zipped for c in sampled]


class Scenario(Frozen):
    """A whole experiment: network, messages, steps, seeds, replications and sweep."""

    name: Identifier
    description: str = ""
    seed: NonNegativeInt = 0
    steps: PositiveInt = 100
    replications: PositiveInt = 1
    network: AnyNetwork
    messages: Annotated[list[Message], Field(min_length=1)]
    people: People = People()
    interactions: list[Interaction] = []
    campaign: Campaign = Campaign()
    community_manager: CommunityManager | None = None
    contain_below: NonNegativeInt = 10
    sweep: Sweep | None = None

    @field_validator("messages")
    @classmethod
    def _unique_names(cls, messages: list[Message]) -> list[Message]:
        names = [m.name for m in messages]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise _KeyedError("", None, f"unique message names; repeated: {', '.join(repeated)}")
        return messages

    @model_validator(mode="after")
    def _interactions_name_messages(self):
        names = [message.name for message in self.messages]
        for i, interaction in enumerate(self.interactions):
            for field, alias in (("source", "from"), ("target", "to")):
                name = getattr(interaction, field)
                if name not in names:
                    raise _KeyedError(
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
                    raise _KeyedError(f"messages.{message.name}.rule.layers", layer, allowed)
        return self

    @model_validator(mode="after")
    def _actors_name_messages(self):
        messages = {message.name: message for message in self.messages}
        names = ", ".join(messages)
        for i, action in enumerate(self.campaign.actions):
            if action.message not in messages:
                raise _KeyedError(
                    f"campaign.actions.{i}.message", action.message, f"a message name: {names}"
                )
        manager = self.community_manager
        if manager is not None:
            for field in ("watch", "respond_with"):
                name = getattr(manager, field)
                if name not in messages:
                    raise _KeyedError(
                        f"community_manager.{field}", name, f"a message name: {names}"
                    )
            if messages[manager.watch].valence != "negative":
                raise _KeyedError(
                    "community_manager.watch", manager.watch, "a message with valence negative"
                )
        return self

    @model_validator(mode="after")
    def _seeds_fit(self):
        n_nodes = getattr(self.network, "n", None)
        for message in self.messages:
            if n_nodes is not None and message.seeding.n_seeds > n_nodes:
                raise _KeyedError(
                    f"messages.{message.name}.seeding.count",
                    message.seeding.n_seeds,
                    f"at most the number of people, {n_nodes}",
                )
        return self

    def message(self, name: str) -> Message:
        """The message called ``name``."""
        for message in self.messages:
            if message.name == name:
                return message
        raise KeyError(name)


# ---------------------------------------------------------------------- loading
def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    Relative edge-list paths are made absolute against the scenario's folder, and a
    missing file is reported now rather than mid-run.

    Raises
    ------
    InputError
        For anything wrong, in one line.
    """
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(source, "", None, "an existing scenario file (not found)") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(source, "", None, f"a readable UTF-8 file ({err})") from None
    raw = parse_yaml(text, source)
    raw = apply_overrides(raw, overrides or [], f"{source} --set")
    try:
        return scenario_from_dict(raw, source=source, base_dir=path.parent)
    except InputError as error:
        overridden = [item.partition("=")[0].strip() for item in overrides or []]
        if any(error.where == key or error.where.startswith(key + ".") for key in overridden):
            raise InputError(f"{source} --set", error.where, error.value, error.allowed) from None
        raise


def parse_yaml(text: str, source: str) -> dict:
    """Parse YAML text into a mapping, reporting syntax errors by line."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(source, where, None, f"valid YAML ({problem})") from None
    if not isinstance(raw, dict):
        raise InputError(source, "", type(raw).__name__, "a mapping of scenario keys at top level")
    return raw


def scenario_from_dict(
    raw: dict,
    source: str = "<scenario>",
    base_dir: str | Path | None = None,
    *,
    check_sweep: bool = True,
) -> Scenario:
    """Validate a scenario mapping, with every error in one line.

    With ``check_sweep`` every sweep point is validated too, so a bad value in a
    sweep is reported before anything runs.
    """
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        raise _first_error(err, raw, source) from None
    if isinstance(scenario.network, EdgeList | Layered):
        scenario = _resolve_edgelist(scenario, source, base_dir)
    if check_sweep and scenario.sweep is not None:
        sweep = scenario.sweep
        part = {**dict.fromkeys(sweep.grid, "sweep.grid"), **dict.fromkeys(sweep.zip, "sweep.zip")}
        if sweep.sample is not None:
            part.update(dict.fromkeys(sweep.sample.ranges, "sweep.sample.ranges"))
        for point in sweep.points(scenario.seed):
            overrides = [f"{key}={yaml.safe_dump(value)}" for key, value in point.items()]
            apply_overrides(raw, overrides, source, validate_as=part)
    return scenario


def _resolve_edgelist(scenario: Scenario, source: str, base_dir) -> Scenario:
    """Make the edge-list paths of the network (or of its layers) absolute and check
    that the files exist."""

    def resolved(network: EdgeList, key: str) -> EdgeList:
        given = Path(network.path).expanduser()
        path = given if given.is_absolute() or base_dir is None else Path(base_dir) / given
        if not path.is_file():
            raise InputError(
                source,
                key,
                network.path,
                "an existing edge-list file (relative paths start at the scenario's folder)",
            )
        return network.model_copy(update={"path": str(path.resolve())})

    network = scenario.network
    if isinstance(network, EdgeList):
        network = resolved(network, "network.path")
    else:
        layers = [
            layer.model_copy(update={
                "network": resolved(layer.network, f"network.layers.{layer.name}.network.path")
            }) if isinstance(layer.network, EdgeList) else layer
            for layer in network.layers
        ]
        network = network.model_copy(update={"layers": layers})
    return scenario.model_copy(update={"network": network})


def with_overrides(scenario: Scenario, overrides: list[str], source: str = "--set") -> Scenario:
    """A new scenario with ``key=value`` overrides applied and validated."""
    raw = scenario.model_dump(mode="json", exclude_none=True)
    return scenario_from_dict(apply_overrides(raw, overrides, source), source=source)


def with_values(scenario: Scenario, values: dict[str, Any], source: str = "sweep") -> Scenario:
    """A new scenario with dotted-key values set (used for sweep points)."""
    raw = scenario.model_dump(mode="json", exclude_none=True)
    for key, value in values.items():
        raw = _set_dotted(raw, key, value, source)
    return scenario_from_dict(raw, source=source, check_sweep=False)  # checked at load


def apply_overrides(
    raw: dict, overrides: list[str], source: str, validate_as: dict[str, str] | None = None
) -> dict:
    """Apply ``key=value`` strings (values parsed as YAML) to a copy of ``raw``.

    With ``validate_as`` (key -> prefix), the result is validated after each key and
    errors are reported under the prefix (``sweep.grid.messages.promo.rule.p``).
    """
    out = copy.deepcopy(raw)
    applied: dict[str, Any] = {}
    for item in overrides:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InputError(source, item, None, "KEY=VALUE with a dotted key, e.g. steps=50")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputError(source, key, text, "a YAML value (number, string, list)") from None
        out = _set_dotted(out, key, value, source)
        applied[key] = value
    if validate_as:
        # a point's values are checked together (one may need another, such as a
        # strategy and its list of nodes); the error names the key it concerns
        try:
            Scenario.model_validate(out)
        except ValidationError as err:
            first = _first_error(err, out, source)
            key = max(applied, key=lambda k: _shared_prefix(k, first.where))
            where = f"{validate_as[key]}.{key}"
            raise InputError(source, where, applied[key], first.allowed) from None
    return out


def _shared_prefix(key: str, where: str) -> int:
    """How many leading dotted parts ``key`` and ``where`` have in common."""
    count = 0
    for a, b in zip(key.split("."), where.split("."), strict=False):
        if a != b:
            break
        count += 1
    return count


def _set_dotted(raw: dict, key: str, value: Any, source: str) -> dict:
    out = copy.deepcopy(raw)
    parts = key.split(".")
    node: Any = out
    for depth, part in enumerate(parts[:-1]):
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            # items with names (messages, roles) by name; others (interactions) by position
            names = [m.get("name") for m in node if isinstance(m, dict)]
            if part in names:
                node = node[names.index(part)]
            elif part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                allowed = (
                    f"a name: {', '.join(map(str, names))}"
                    if any(names)
                    else f"a position from 0 to {len(node) - 1}"
                )
                raise InputError(source, here, part, allowed)
        elif isinstance(node, dict):
            if node.get(part) is None:
                node[part] = {}
            node = node[part]
        else:
            raise InputError(source, key, value, f"a key inside a mapping ({here} is a value)")
    if not isinstance(node, dict):
        raise InputError(source, key, value, "a key inside a mapping")
    node[parts[-1]] = value
    return out


# ----------------------------------------------------------- error translation
def _first_error(err: ValidationError, raw: dict, source: str) -> InputError:
    """Translate pydantic's first error into one line with a dotted key."""
    error = err.errors(include_url=False)[0]
    loc = list(error["loc"])
    key, value, model_cls = _dotted(loc, raw)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "union_tag_invalid":
        allowed_tags = ctx.get("expected_tags", "").replace("'", "")
        return InputError(source, _join(key, "model"), ctx.get("tag"), f"one of {allowed_tags}")
    if kind == "union_tag_not_found":
        return InputError(source, _join(key, "model"), None, "a 'model' key naming the kind")
    if kind == "extra_forbidden":
        keys = (
            ", ".join(field.alias or name for name, field in model_cls.model_fields.items())
            if model_cls
            else "see the scenario docs"
        )
        return InputError(source, key, None, f"no such key here; known keys: {keys}")
    if kind == "missing":
        return InputError(source, key, None, "a value (this key is required)")
    exc = ctx.get("error")
    if isinstance(exc, _KeyedError):
        return InputError(source, _join(key, exc.key), exc.value, exc.allowed)
    message = str(exc) if exc is not None else error["msg"]
    message = message[0].lower() + message[1:] if message else message
    return InputError(source, key, error.get("input", value), message)


def _join(key: str, leaf: str) -> str:
    return ".".join(part for part in (key, leaf) if part)


def _dotted(loc: list, raw: Any) -> tuple[str, Any, type[BaseModel] | None]:
    """Walk pydantic's ``loc`` through the raw data: list items become message names,
    discriminator tags are skipped. Returns the key, the raw value and the model class
    that holds the last key."""
    parts: list[str] = []
    node = raw
    annotation: Any = Scenario
    holder: type[BaseModel] | None = Scenario
    for index, part in enumerate(loc):
        is_last = index == len(loc) - 1
        if isinstance(node, list) and isinstance(part, int):
            item = node[part] if part < len(node) else None
            name = item.get("name") if isinstance(item, dict) else None
            parts.append(str(name) if isinstance(name, str) and name else str(part))
            node = item
            annotation = _list_item(annotation)
            continue
        # a tag equal to a field's name (model "layers" has a field "layers") is a
        # tag when the field itself comes next
        tagged = (
            isinstance(node, dict)
            and any(node.get(tag) == part for tag in _DISCRIMINATORS)
            and (part not in node or (not is_last and loc[index + 1] == part))
        )
        if tagged:
            annotation = _union_member(annotation, part)
            continue  # a discriminator tag pydantic put in the path
        parts.append(str(part))
        model_cls = _model_class(annotation)
        if is_last:
            holder = model_cls
        if model_cls is not None and isinstance(part, str) and part in model_cls.model_fields:
            annotation = model_cls.model_fields[part].annotation
        node = node.get(part) if isinstance(node, dict) else None
    if loc and isinstance(loc[-1], int):
        holder = None
    return ".".join(parts), node, holder


def _unwrap(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _unwrap(arg)]
    return [annotation]


def _model_class(annotation: Any) -> type[BaseModel] | None:
    members = [m for m in _unwrap(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
    return members[0] if len(members) == 1 else None


_DISCRIMINATORS = ("model", "action", "distribution")


def _union_member(annotation: Any, tag: str) -> Any:
    for member in _unwrap(annotation):
        if isinstance(member, type) and issubclass(member, BaseModel):
            for discriminator in _DISCRIMINATORS:
                field = member.model_fields.get(discriminator)
                if field is not None and tag in typing.get_args(field.annotation):
                    return member
    return annotation


def _list_item(annotation: Any) -> Any:
    for member in _unwrap(annotation):
        if typing.get_origin(member) is list:
            return typing.get_args(member)[0]
    return annotation
