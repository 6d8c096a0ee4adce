"""Whom a message starts from.

- :mod:`~sim.seeding.strategies`: :func:`choose_seeds` and each strategy's order of
  preference (degree, PageRank, k-core, betweenness, communities, random neighbour);
- :mod:`~sim.seeding.costs`: what seeds cost and which people a budget buys;
- :mod:`~sim.seeding.greedy`: the adaptive strategies, degree discount and greedy
  influence maximization (CELF on live-edge samples).

The centralities the strategies rank by are graph measures, in
:mod:`sim.network.centrality`; :func:`communities` is re-exported here for the
``community`` strategy's callers.

Examples
--------
>>> import numpy as np
>>> from sim.config import Seeding
>>> from sim.network.graph import Graph
>>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
>>> choose_seeds(star, Seeding(strategy="top_degree", count=1), np.random.default_rng(0))
array([0], dtype=int32)
"""

from sim.network.centrality import communities
from sim.seeding.costs import BUDGET_SLACK, person_costs, seed_cost, take_within_budget
from sim.seeding.greedy import GreedyResult, degree_discount_seeds, greedy_seeds
from sim.seeding.strategies import (
    choose_seeds,
    community_order,
    preference_order,
    random_neighbor_order,
    rank_by_score,
    top_by_score,
)

__all__ = [
    "BUDGET_SLACK",
    "GreedyResult",
    "choose_seeds",
    "communities",
    "community_order",
    "degree_discount_seeds",
    "greedy_seeds",
    "person_costs",
    "preference_order",
    "random_neighbor_order",
    "rank_by_score",
    "seed_cost",
    "take_within_budget",
    "top_by_score",
]
