"""Centralities: PageRank, core numbers, betweenness and communities of a network.

The seeding strategies rank people by these (``top_pagerank``, ``kcore``,
``betweenness``, ``community`` in :mod:`sim.seeding.strategies`), and a campaign's
community actions find their community with :func:`communities`
(:meth:`sim.model.BuzzModel.community_members`). The counting runs in the ``@njit``
kernels below; communities come from networkx.

Graphs are CSR ``(indptr, indices)`` with arcs ``u -> v`` meaning *v sees what u
shares* (:mod:`sim.network.graph`). Core numbers and communities ignore direction
(:meth:`~sim.network.graph.Graph.undirected`); PageRank and betweenness follow it.
The public functions check their inputs; the kernels trust them.
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit
from sim.network.graph import Graph

__all__ = ["betweenness", "communities", "core_numbers", "pagerank"]


# ----------------------------------------------------------------------------- kernels


@njit(cache=True)
def _pagerank_pull(indptr, indices, listens_to, damping, tolerance, max_iterations):
    """PageRank with rank flowing from each listener to the people they listen to.

    ``listens_to[v]`` is v's in-degree (how many people v sees). A listener who sees
    nobody spreads their rank uniformly (the usual dangling-node rule). Each
    iteration pulls, for every ``u``, the rank of u's audience ``indices[indptr[u]:
    indptr[u + 1]]``. Stops when the L1 change falls below ``tolerance`` or after
    ``max_iterations``. Returns ``(rank, iterations)``.
    """
    n = indptr.size - 1
    rank = np.full(n, 1.0 / n)
    share = np.empty(n)
    new = np.empty(n)
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        dangling = 0.0
        for v in range(n):
            if listens_to[v] > 0:
                share[v] = rank[v] / listens_to[v]
            else:
                share[v] = 0.0
                dangling += rank[v]
        base = (1.0 - damping) / n + damping * dangling / n
        change = 0.0
        for u in range(n):
            total = 0.0
            for edge in range(indptr[u], indptr[u + 1]):
                total += share[indices[edge]]
            new[u] = base + damping * total
            change += abs(new[u] - rank[u])
        rank, new = new, rank
        if change < tolerance:
            break
    return rank, iterations


@njit(cache=True)
def _core_numbers(indptr, indices):
    """Core number of every node of an undirected CSR graph without self-loops
    (Batagelj and Zaversnik 2003, O(m)): bucket nodes by degree, peel the smallest."""
    n = indptr.size - 1
    degree = np.empty(n, dtype=np.int64)
    max_degree = 0
    for v in range(n):
        degree[v] = indptr[v + 1] - indptr[v]
        max_degree = max(max_degree, degree[v])
    bin_start = np.zeros(max_degree + 1, dtype=np.int64)
    for v in range(n):
        bin_start[degree[v]] += 1
    start = 0
    for d in range(max_degree + 1):
        count = bin_start[d]
        bin_start[d] = start
        start += count
    position = np.empty(n, dtype=np.int64)
    vertex = np.empty(n, dtype=np.int64)
    for v in range(n):
        position[v] = bin_start[degree[v]]
        vertex[position[v]] = v
        bin_start[degree[v]] += 1
    for d in range(max_degree, 0, -1):
        bin_start[d] = bin_start[d - 1]
    bin_start[0] = 0
    for i in range(n):
        v = vertex[i]
        for edge in range(indptr[v], indptr[v + 1]):
            u = indices[edge]
            if degree[u] > degree[v]:
                du = degree[u]
                pu = position[u]
                pw = bin_start[du]
                w = vertex[pw]
                if u != w:
                    position[u], position[w] = pw, pu
                    vertex[pu], vertex[pw] = w, u
                bin_start[du] += 1
                degree[u] -= 1
    return degree


@njit(cache=True)
def _betweenness_from_sources(indptr, indices, sources):
    """Brandes' dependency accumulation from each of ``sources`` (unweighted arcs).

    Returns, for every node ``w``, the sum over sources ``s != w`` of the share of
    shortest ``s -> t`` paths through ``w`` (Brandes 2001; with a random sample of
    sources this is the estimator of Brandes and Pich 2007, up to the factor
    ``n / len(sources)``). Arrays are reset through the BFS order, so a source costs
    the size of what it reaches, never ``n``.
    """
    n = indptr.size - 1
    score = np.zeros(n)
    sigma = np.zeros(n)
    delta = np.zeros(n)
    distance = np.full(n, -1, dtype=np.int64)
    order = np.empty(n, dtype=np.int64)
    for s in sources:
        sigma[s] = 1.0
        distance[s] = 0
        order[0] = s
        head, tail = 0, 1
        while head < tail:
            v = order[head]
            head += 1
            for edge in range(indptr[v], indptr[v + 1]):
                w = indices[edge]
                if distance[w] < 0:
                    distance[w] = distance[v] + 1
                    order[tail] = w
                    tail += 1
                if distance[w] == distance[v] + 1:
                    sigma[w] += sigma[v]
        # successors instead of predecessor lists: w follows v on a shortest path
        # exactly when v -> w is an arc and distance[w] == distance[v] + 1
        for i in range(tail - 1, -1, -1):
            v = order[i]
            total = 0.0
            for edge in range(indptr[v], indptr[v + 1]):
                w = indices[edge]
                if distance[w] == distance[v] + 1:
                    total += (1.0 + delta[w]) / sigma[w]
            delta[v] = sigma[v] * total
            if v != s:
                score[v] += delta[v]
        for i in range(tail):
            v = order[i]
            sigma[v] = 0.0
            delta[v] = 0.0
            distance[v] = -1
    return score


# ----------------------------------------------------------------------------- public API


def pagerank(
    graph: Graph, damping: float = 0.85, tolerance: float = 1e-10, max_iterations: int = 1000
) -> np.ndarray:
    """PageRank of everyone, rank flowing from each person to those they listen to.

    In an undirected network this is ordinary PageRank; in a directed one it is
    PageRank of the "who listens to whom" graph, so the followed collect rank from
    their followers. People who listen to nobody spread their rank uniformly.
    Power iteration on the CSR until the L1 change is below ``tolerance``.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
    >>> rank = pagerank(star)
    >>> round(float(rank.sum()), 9), bool(rank[0] > rank[1])
    (1.0, True)
    """
    if not 0.0 < damping < 1.0:
        raise ValueError(f"damping must lie in (0, 1), got {damping}")
    if graph.n_nodes == 0:
        return np.zeros(0)
    listens_to = graph.in_degree.astype(np.float64)
    rank, _ = _pagerank_pull(
        graph.indptr,
        graph.indices,
        listens_to,
        float(damping),
        float(tolerance),
        int(max_iterations),
    )
    return rank


def core_numbers(graph: Graph) -> np.ndarray:
    """Core number of everyone in the undirected network (arcs taken as ties).

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> triangle_with_tail = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3])
    >>> core_numbers(triangle_with_tail).tolist()
    [2, 2, 2, 1]
    """
    undirected = graph.undirected()
    return _core_numbers(undirected.indptr, undirected.indices)


def betweenness(graph: Graph, sources: np.ndarray | None = None) -> np.ndarray:
    """Shortest-path betweenness along the arcs messages travel (Brandes 2001).

    Unnormalized and counting ordered pairs ``(s, t)``: in an undirected network
    each unordered pair counts twice (networkx's value times 2). With ``sources``
    only those sources are summed, an unbiased estimate up to the factor
    ``n / len(sources)`` (Brandes and Pich 2007).

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> path = Graph.from_edges([0, 1], [1, 2])
    >>> betweenness(path).tolist()
    [0.0, 2.0, 0.0]
    """
    if sources is None:
        sources = np.arange(graph.n_nodes)
    sources = np.ascontiguousarray(sources, dtype=np.int64)
    if sources.size and (sources.min() < 0 or sources.max() >= graph.n_nodes):
        raise ValueError(f"sources must lie in 0..{graph.n_nodes - 1}")
    return _betweenness_from_sources(graph.indptr, graph.indices, sources)


def communities(graph: Graph, method: str, rng: np.random.Generator) -> np.ndarray:
    """A community label for everyone (int64, ``0 ..``), from networkx on the
    undirected network with a seed drawn from ``rng``.

    ``louvain`` is ``networkx.community.louvain_communities``; ``label_propagation``
    is ``asyn_lpa_communities``. Both are pure Python. Measured on the benchmark
    machine (benchmarks/bench_celf.py): Louvain takes about 20 s on a 10^5-person
    small world (Watts-Strogatz, 5 x 10^5 ties) but 20 s already on a 10^4-person
    Barabasi-Albert network and more than 5 minutes at 10^5; label propagation
    takes 6-8 s at 10^5 but splits scale-free networks into many tiny communities
    (27,000 on Barabasi-Albert m = 5, n = 10^5).

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> two_triangles = Graph.from_edges([0, 1, 2, 3, 4, 5, 2], [1, 2, 0, 4, 5, 3, 3])
    >>> labels = communities(two_triangles, "louvain", np.random.default_rng(0))
    >>> len(set(labels[:3])), len(set(labels[3:])), len(set(labels))
    (1, 1, 2)
    """
    seed = int(rng.integers(2**32))
    # the labels depend only on the network, the method and the seed, and common
    # random numbers give every point of a replication the same seed: find them once
    labels = graph.cached(
        ("communities", method, seed), lambda: _find_communities(graph, method, seed)
    )
    return labels.copy()


def _find_communities(graph: Graph, method: str, seed: int) -> np.ndarray:
    """networkx's communities of the undirected network, as one label per person."""
    import networkx as nx

    undirected = graph.undirected()
    G = nx.Graph()
    G.add_nodes_from(range(graph.n_nodes))
    src, dst = undirected.edges()
    G.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
    if method == "louvain":
        parts = nx.community.louvain_communities(G, seed=seed)
    elif method == "label_propagation":
        parts = nx.community.asyn_lpa_communities(G, seed=seed)
    else:
        raise ValueError(f"method must be louvain or label_propagation, got {method!r}")
    labels = np.empty(graph.n_nodes, dtype=np.int64)
    for label, part in enumerate(parts):
        labels[np.fromiter(part, dtype=np.int64, count=len(part))] = label
    return labels

