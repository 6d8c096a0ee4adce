"""What seeds cost, and which people a budget buys.

A seed's cost follows the message's ``cost`` model: a flat price
(:class:`~sim.config.FlatCost`) or one that grows with the seed's followers, the
people their shares reach (:class:`~sim.config.DegreeCost`). A budget is spent by
walking an order of preference and taking each person whose cost still fits what is
left (:func:`take_within_budget`); the adaptive strategies of
:mod:`sim.seeding.greedy` apply the same rule at each pick. Sums are compared with a
relative slack of ``BUDGET_SLACK``, so ten seeds at 0.1 fit a budget of 1.
"""

from __future__ import annotations

import math

import numpy as np

from sim.config import DegreeCost, FlatCost
from sim.jit import njit
from sim.network.graph import Graph

BUDGET_SLACK = 1e-9  # relative: sums of decimal costs must not lose a seed to rounding


def person_costs(graph: Graph, cost: FlatCost | DegreeCost) -> np.ndarray:
    """What seeding each person would cost (float64, one per person).

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
    >>> person_costs(star, DegreeCost(model="degree", base=10, per_neighbour=2)).tolist()
    [16.0, 12.0, 12.0, 12.0]
    """
    if isinstance(cost, FlatCost):
        return np.full(graph.n_nodes, float(cost.per_seed))
    followers = graph.degree.astype(np.float64)
    return cost.base + cost.per_neighbour * followers**cost.exponent


def seed_cost(graph: Graph, seeds: np.ndarray, cost: FlatCost | DegreeCost) -> float:
    """The total cost of a seed set (summed without rounding drift, ``math.fsum``).

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
    >>> seed_cost(star, np.array([0, 1]), DegreeCost(model="degree", base=10, per_neighbour=2))
    28.0
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    if isinstance(cost, FlatCost):
        return float(cost.per_seed) * seeds.size
    followers = graph.degree[seeds].astype(np.float64)
    return math.fsum(cost.base + cost.per_neighbour * followers**cost.exponent)


def take_within_budget(
    order: np.ndarray, costs: np.ndarray, max_count: int, budget: float
) -> np.ndarray:
    """The people of ``order`` taken while they fit ``budget``: one who does not fit
    what is left is skipped and the next one tried, up to ``max_count`` people.

    Examples
    --------
    >>> take_within_budget(np.array([3, 0, 1, 2]), np.array([1.0, 2.0, 5.0, 4.0]), 10, 6.0)
    array([3, 0])
    >>> take_within_budget(np.array([2, 1, 0]), np.array([0.1, 0.1, 0.1]), 10, 0.3)
    array([2, 1, 0])
    """
    order = np.ascontiguousarray(order, dtype=np.int64)
    costs = np.ascontiguousarray(costs, dtype=np.float64)
    return _take_within_budget(order, costs, int(max_count), float(budget) * (1.0 + BUDGET_SLACK))


@njit(cache=True)
def _take_within_budget(order, costs, max_count, budget):
    """Walk ``order`` and keep each person whose cost still fits what is left of
    ``budget``; one who does not fit is skipped for good (the remainder only
    shrinks). Stops at ``max_count`` people, or once nobody left could fit.
    Returns the kept people, in order."""
    kept = np.empty(min(max_count, order.size), dtype=order.dtype)
    cheapest_after = np.empty(order.size + 1)
    cheapest_after[order.size] = np.inf
    for i in range(order.size - 1, -1, -1):
        cheapest_after[i] = min(cheapest_after[i + 1], costs[order[i]])
    left = budget
    n_kept = 0
    for i in range(order.size):
        if n_kept == kept.size or cheapest_after[i] > left:
            break
        cost = costs[order[i]]
        if cost <= left:
            kept[n_kept] = order[i]
            n_kept += 1
            left -= cost
    return kept[:n_kept]
