"""Reach by layer, per run: on a network of several layers (``network.model: layers``),
how many people each layer carried the message to (the ``reach_<layer>`` columns of
``runs.parquet``)."""

from __future__ import annotations

import numpy as np

from sim.network.graph import Graph


def layer_ties(graph: Graph) -> list[np.ndarray]:
    """Per layer of ``graph``, its ties as sorted ``teller * n_nodes + person`` codes
    (``teller``'s feed reaches ``person`` on that layer); computed once per graph.

    Examples
    --------
    >>> g = Graph.from_layered_arcs([0, 1, 0, 1, 1, 2], [1, 0, 1, 0, 2, 1],
    ...                             [0, 0, 1, 1, 1, 1], 3, ("a", "b"), directed=False)
    >>> [ties.tolist() for ties in layer_ties(g)]
    [[1, 3], [1, 3, 5, 7]]
    """

    def sorted_ties() -> list[np.ndarray]:
        tellers = np.repeat(np.arange(graph.n_nodes, dtype=np.int64), graph.degree)
        pairs = tellers * graph.n_nodes + graph.indices
        layers = range(len(graph.layer_names))
        return [np.sort(pairs[graph.edge_layer == layer]) for layer in layers]

    # a batch measures every run of a replication on the same graph: once per graph
    return graph.cached("layer_ties", sorted_ties)


def reach_by_layer(graph: Graph, source: np.ndarray) -> dict[str, int]:
    """On a network of several layers, ``reach_<layer>``: the people reached through
    each layer, those whose teller (``source``) is tied to them on that layer (a tie
    on two layers counts for both; seeds and people reached by ads count for none).

    Examples
    --------
    >>> g = Graph.from_layered_arcs([0, 1, 0, 1, 1, 2], [1, 0, 1, 0, 2, 1],
    ...                             [0, 0, 1, 1, 1, 1], 3, ("a", "b"), directed=False)
    >>> reach_by_layer(g, np.array([-1, 0, 1]))
    {'reach_a': 1, 'reach_b': 2}
    """
    if graph.edge_layer is None:
        return {}
    ties = layer_ties(graph)
    told = np.flatnonzero(source >= 0)
    pairs = source[told].astype(np.int64) * graph.n_nodes + told
    counts = {}
    for name, layer_pairs in zip(graph.layer_names, ties, strict=True):
        where = np.searchsorted(layer_pairs, pairs)
        where[where == layer_pairs.size] = 0
        found = layer_pairs.size > 0 and layer_pairs[where] == pairs
        counts[f"reach_{name}"] = int(np.sum(found))
    return counts
