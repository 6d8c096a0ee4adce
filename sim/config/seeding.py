"""Whom a message starts from: seeding strategies, seed costs and budgets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from sim.schema import Frozen, KeyedError, NonNegative, NonNegativeInt, Positive, Probability

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
    follower, ``sim.network.graph``). ``base`` is positive, so nobody is free.
    """

    model: Literal["degree"]
    base: Positive = 1.0
    per_neighbour: NonNegative = 1.0
    exponent: Annotated[float, Field(ge=0.0, le=4.0, allow_inf_nan=False)] = 1.0


SeedCost = Annotated[FlatCost | DegreeCost, Field(discriminator="model")]


class Seeding(Frozen):
    """Who starts a message, and when (``sim.seeding.strategies`` defines each strategy).

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
            raise KeyedError("nodes", None, "a non-empty list of ids with strategy 'nodes'")
        if self.strategy != "nodes" and self.nodes is not None:
            raise KeyedError("nodes", self.nodes, "a list only with strategy 'nodes'")
        if self.budget is not None and self.cost is None:
            raise KeyedError(
                "cost", None, "a cost model with a budget, e.g. {model: flat, per_seed: 10}"
            )
        if self.strategy == "nodes" and self.count is not None:
            raise KeyedError(
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
