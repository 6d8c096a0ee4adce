"""Seeding strategies: who starts a message.

Each strategy is deterministic for a given generator: ``random`` draws people
uniformly without replacement; ``top_degree`` takes the best connected (most
followers in a directed graph), breaking ties at random so that no id order is
favoured; ``nodes`` takes the listed original ids.
"""

from __future__ import annotations

import numpy as np

from sim.config import Seeding
from sim.errors import InputError
from sim.graph import Graph


def choose_seeds(
    graph: Graph,
    seeding: Seeding,
    rng: np.random.Generator,
    *,
    source: str = "<scenario>",
    key: str = "seeding",
) -> np.ndarray:
    """Return the internal indices (int32, distinct) of the people who start a message.

    Parameters
    ----------
    graph : Graph
        The network.
    seeding : Seeding
        The strategy and its count or nodes.
    rng : numpy.random.Generator
        The run's seeding stream.
    source, key : str
        Where the seeding was declared, for error messages.

    Raises
    ------
    InputError
        When more seeds are asked for than there are people, or an id is unknown.

    Examples
    --------
    >>> from sim.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
    >>> choose_seeds(star, Seeding(strategy="top_degree", count=1), np.random.default_rng(0))
    array([0], dtype=int32)
    """
    if seeding.strategy == "nodes":
        try:
            nodes = graph.internal_index(seeding.nodes)
        except KeyError as missing:
            raise InputError(
                source, f"{key}.nodes", missing.args[0], "ids of people in the network"
            ) from None
        return np.unique(nodes).astype(np.int32)
    if seeding.count > graph.n_nodes:
        raise InputError(
            source, f"{key}.count", seeding.count, f"at most the number of people, {graph.n_nodes}"
        )
    if seeding.strategy == "random":
        chosen = rng.choice(graph.n_nodes, size=seeding.count, replace=False)
    elif seeding.strategy == "top_degree":
        chosen = top_by_score(graph.degree, seeding.count, rng)
    else:  # the schema admits no other strategy
        raise InputError(source, f"{key}.strategy", seeding.strategy, "random, top_degree, nodes")
    return np.sort(chosen).astype(np.int32)


def top_by_score(score: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``count`` highest scores, ties broken by a random permutation.

    Examples
    --------
    >>> top_by_score(np.array([1, 5, 5, 2]), 2, np.random.default_rng(0)).tolist()
    [1, 2]
    """
    tie_break = rng.permutation(score.size)
    order = np.lexsort((tie_break, -np.asarray(score)))
    return np.sort(order[:count])
