"""Network statistics: degrees, components, triangles, clustering and path lengths.

:func:`network_stats` gathers the figures ``buzz network-stats`` prints, as a dict
that :func:`json.dumps` accepts as is. The figures it is built from
(:func:`triangles_per_node`, :func:`local_clustering`, :func:`transitivity`,
:func:`connected_components`, :func:`shortest_path_stats`) are public so that each
can be computed alone and checked against networkx (``tests/test_netstats.py``,
``benchmarks/bench_netstats.py``). The centralities seeding ranks people by are in
:mod:`sim.network.centrality`.

Every figure follows the networkx definition, so results can be checked against
networkx, but the work runs in numba kernels: triangles are counted with a
degree-ordered orientation (``O(m * sqrt(m))`` even with hubs), components by one
breadth-first search (BFS), and path lengths by one BFS per source, the sources
spread over threads. Each thread writes only its own nodes' or sources' slots and
the sums are taken afterwards in integers, so results do not depend on the number
of threads. Memory is ``O(n + m)`` plus one array of ``n`` per thread.

Directed graphs are measured on their undirected version
(:meth:`~sim.network.graph.Graph.undirected`) for triangles, clustering, components
(weakly connected ones) and path lengths; the output says so.
"""

from __future__ import annotations

import numba
import numpy as np

from sim.network.graph import Graph

__all__ = [
    "connected_components",
    "local_clustering",
    "network_stats",
    "shortest_path_stats",
    "transitivity",
    "triangles_per_node",
]

# More work items than threads so that a thread stuck with a hub (triangles) or a
# slow source does not leave the others idle at the end.
_CHUNKS_PER_THREAD = 8


# ----------------------------------------------------------------------------- kernels


@numba.njit(cache=True, parallel=True)
def _forward_adjacency(indptr, indices):
    """Orient each undirected edge towards its higher-ranked end.

    Rank is (degree, index). A node's forward row then holds at most
    ``sqrt(2 m)`` nodes, which is what bounds the triangle count's cost.
    """
    n_nodes = indptr.size - 1
    counts = np.zeros(n_nodes + 1, dtype=np.int64)
    for u in numba.prange(n_nodes):
        deg_u = indptr[u + 1] - indptr[u]
        n_forward = 0
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            deg_v = indptr[v + 1] - indptr[v]
            if deg_v > deg_u or (deg_v == deg_u and v > u):
                n_forward += 1
        counts[u + 1] = n_forward
    fwd_ptr = np.cumsum(counts)
    fwd_idx = np.empty(fwd_ptr[n_nodes], dtype=indices.dtype)
    for u in numba.prange(n_nodes):
        deg_u = indptr[u + 1] - indptr[u]
        write = fwd_ptr[u]
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            deg_v = indptr[v + 1] - indptr[v]
            if deg_v > deg_u or (deg_v == deg_u and v > u):
                fwd_idx[write] = v
                write += 1
    return fwd_ptr, fwd_idx


@numba.njit(cache=True, parallel=True)
def _triangles_kernel(indptr, indices, fwd_ptr, fwd_idx, n_chunks):
    """Triangles through each node = edges among its neighbours.

    Each such edge ``v-w`` is found once, from its lower-ranked end ``v`` via
    the forward row of ``v``, against a marker set on the node's neighbours.
    """
    n_nodes = indptr.size - 1
    triangles = np.zeros(n_nodes, dtype=np.int64)
    n_chunks = min(n_nodes, n_chunks)
    for chunk in numba.prange(n_chunks):
        # Marker holds the node whose neighbours are marked, so it never needs clearing.
        marker = np.full(n_nodes, -1, dtype=np.int64)
        # Interleaved nodes per chunk: hubs tend to cluster in id ranges.
        for x in range(chunk, n_nodes, n_chunks):
            for e in range(indptr[x], indptr[x + 1]):
                marker[indices[e]] = x
            count = 0
            for e in range(indptr[x], indptr[x + 1]):
                v = indices[e]
                for f in range(fwd_ptr[v], fwd_ptr[v + 1]):
                    if marker[fwd_idx[f]] == x:
                        count += 1
            triangles[x] = count
    return triangles


@numba.njit(cache=True)
def _component_labels(indptr, indices):
    """Label components by BFS, numbered in order of their lowest node."""
    n_nodes = indptr.size - 1
    labels = np.full(n_nodes, -1, dtype=np.int64)
    queue = np.empty(n_nodes, dtype=np.int64)
    n_components = 0
    for start in range(n_nodes):
        if labels[start] >= 0:
            continue
        labels[start] = n_components
        queue[0] = start
        head, tail = 0, 1
        while head < tail:
            u = queue[head]
            head += 1
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if labels[v] < 0:
                    labels[v] = n_components
                    queue[tail] = v
                    tail += 1
        n_components += 1
    return labels


@numba.njit(cache=True)
def _induced_subgraph(indptr, indices, keep):
    """CSR of the subgraph on ``keep``; renumbering keeps order, so rows stay sorted."""
    n_nodes = indptr.size - 1
    new_id = np.full(n_nodes, -1, dtype=np.int64)
    n_kept = 0
    for u in range(n_nodes):
        if keep[u]:
            new_id[u] = n_kept
            n_kept += 1
    sub_ptr = np.zeros(n_kept + 1, dtype=np.int64)
    for u in range(n_nodes):
        if keep[u]:
            n_row = 0
            for e in range(indptr[u], indptr[u + 1]):
                if keep[indices[e]]:
                    n_row += 1
            sub_ptr[new_id[u] + 1] = n_row
    for i in range(n_kept):
        sub_ptr[i + 1] += sub_ptr[i]
    sub_idx = np.empty(sub_ptr[n_kept], dtype=indices.dtype)
    write = 0
    for u in range(n_nodes):
        if keep[u]:
            for e in range(indptr[u], indptr[u + 1]):
                v = indices[e]
                if keep[v]:
                    sub_idx[write] = new_id[v]
                    write += 1
    return sub_ptr, sub_idx


# Direction-optimizing BFS switch points (Beamer, Asanovic and Patterson, SC 2012):
# go bottom-up once the frontier's edges exceed 1/ALPHA of the unexplored ones, and
# back top-down once the frontier holds fewer than 1/BETA of the nodes.
_BFS_ALPHA = 14
_BFS_BETA = 24


@numba.njit(cache=True, parallel=True)
def _bfs_from_sources(indptr, indices, sources, n_chunks):
    """Eccentricity, sum of distances and number of nodes reached, per source.

    Each BFS is direction-optimizing: on small-world graphs the middle levels
    hold most nodes, and there checking each unvisited node for a parent in the
    frontier (stopping at the first) reads far fewer edges than expanding the
    frontier. Distances, hence the results, are the same either way.
    """
    n_nodes = indptr.size - 1
    n_entries = indptr[n_nodes]
    n_sources = sources.size
    eccentricity = np.zeros(n_sources, dtype=np.int64)
    distance_sum = np.zeros(n_sources, dtype=np.int64)
    reached = np.zeros(n_sources, dtype=np.int64)
    n_chunks = min(n_sources, n_chunks)
    for chunk in numba.prange(n_chunks):
        # Narrow types: the BFS is bound by memory traffic, not arithmetic.
        dist = np.full(n_nodes, -1, dtype=np.int32)
        # Visited nodes in order of distance; queue[head:tail] is the current level.
        queue = np.empty(n_nodes, dtype=indices.dtype)
        for i in range(chunk, n_sources, n_chunks):
            source = sources[i]
            dist[source] = 0
            queue[0] = source
            head, tail = 0, 1
            level = 0
            total = 0
            unexplored_edges = n_entries - (indptr[source + 1] - indptr[source])
            bottom_up = False
            while head < tail:
                frontier_nodes = tail - head
                if bottom_up:
                    bottom_up = frontier_nodes * _BFS_BETA >= n_nodes
                else:
                    frontier_edges = 0
                    for j in range(head, tail):
                        u = queue[j]
                        frontier_edges += indptr[u + 1] - indptr[u]
                    bottom_up = frontier_edges * _BFS_ALPHA > unexplored_edges
                next_tail = tail
                if bottom_up:
                    for v in range(n_nodes):
                        if dist[v] < 0:
                            for e in range(indptr[v], indptr[v + 1]):
                                if dist[indices[e]] == level:
                                    dist[v] = level + 1
                                    queue[next_tail] = v
                                    next_tail += 1
                                    break
                else:
                    for j in range(head, tail):
                        u = queue[j]
                        for e in range(indptr[u], indptr[u + 1]):
                            v = indices[e]
                            if dist[v] < 0:
                                dist[v] = level + 1
                                queue[next_tail] = v
                                next_tail += 1
                for j in range(tail, next_tail):
                    v = queue[j]
                    unexplored_edges -= indptr[v + 1] - indptr[v]
                total += (next_tail - tail) * (level + 1)
                head, tail = tail, next_tail
                if head < tail:
                    level += 1
            eccentricity[i] = level
            distance_sum[i] = total
            reached[i] = tail
            # Reset only what this search touched: O(reached), not O(n).
            for j in range(tail):
                dist[queue[j]] = -1
    return eccentricity, distance_sum, reached


# ----------------------------------------------------------------------------- helpers


def _n_chunks() -> int:
    # Asked here, not inside the kernels: numba.get_num_threads() in a kernel stops caching.
    # The chunked kernels run under parallel_chunksize(1): threads then take chunks one at
    # a time as they finish, instead of a fixed share each, so a thread slowed by a hub or
    # by another process on its core does not hold the others up.
    return _CHUNKS_PER_THREAD * numba.get_num_threads()


def _triangles_undirected(graph: Graph) -> np.ndarray:
    fwd_ptr, fwd_idx = _forward_adjacency(graph.indptr, graph.indices)
    with numba.parallel_chunksize(1):
        return _triangles_kernel(graph.indptr, graph.indices, fwd_ptr, fwd_idx, _n_chunks())


def _clustering_from_triangles(triangles: np.ndarray, degree: np.ndarray) -> np.ndarray:
    # Same operations as networkx (2 T / (d (d - 1)) on exact integers), so the
    # floats are bit-identical, not merely close.
    pairs = degree * (degree - 1)
    clustering = np.zeros(triangles.size, dtype=np.float64)
    has_pairs = pairs > 0
    clustering[has_pairs] = (2 * triangles[has_pairs]) / pairs[has_pairs]
    return clustering


def _transitivity_from_triangles(triangles: np.ndarray, degree: np.ndarray) -> float:
    # Python ints: exact for any size, and the one rounding matches networkx's.
    closed = int(triangles.sum(dtype=np.int64))  # = 3 x triangles
    connected_triples = int((degree * (degree - 1)).sum(dtype=np.int64)) // 2
    return 0.0 if closed == 0 else closed / connected_triples


def _giant_component(graph: Graph, labels: np.ndarray) -> Graph:
    """The largest component as its own graph; ties go to the one with the lowest node."""
    sizes = np.bincount(labels, minlength=1)
    giant_label = int(np.argmax(sizes))
    sub_ptr, sub_idx = _induced_subgraph(graph.indptr, graph.indices, labels == giant_label)
    return Graph(indptr=sub_ptr, indices=sub_idx, directed=False)


def _summary(values: np.ndarray, whole: bool = True) -> dict:
    if values.size == 0:
        return dict.fromkeys(("mean", "std", "min", "max", "median", "p90", "p99"))
    median, p90, p99 = np.percentile(values, [50, 90, 99])
    extreme = int if whole else float
    return {
        "mean": float(values.mean()),
        "std": float(values.std()),
        "min": extreme(values.min()),
        "max": extreme(values.max()),
        "median": float(median),
        "p90": float(p90),
        "p99": float(p99),
    }


def _paths_on_connected(
    graph: Graph, exact_limit: int, n_sources: int, rng: np.random.Generator | None
) -> dict:
    """Path figures of a connected undirected graph (see :func:`shortest_path_stats`)."""
    n_nodes = graph.n_nodes
    sampled = n_nodes > exact_limit and n_sources < n_nodes
    seed: int | None = None
    if sampled:
        if rng is None:
            rng, seed = np.random.default_rng(0), 0
        sources = np.sort(rng.choice(n_nodes, size=n_sources, replace=False))
    else:
        sources = np.arange(n_nodes, dtype=np.int64)
    with numba.parallel_chunksize(1):
        eccentricity, distance_sum, reached = _bfs_from_sources(
            graph.indptr, graph.indices, sources, _n_chunks()
        )
    if reached.size and reached.min() != n_nodes:
        raise ValueError("shortest-path statistics need a connected graph")
    diameter = int(eccentricity.max()) if sources.size else 0
    # Integer total, divided once: exact, and the same float networkx returns.
    total = int(distance_sum.sum(dtype=np.int64))
    n_pairs = sources.size * (n_nodes - 1)
    result = {
        "diameter": diameter,
        "average_shortest_path_length": total / n_pairs if n_pairs else 0.0,
        "method": "sampled" if sampled else "exact",
        "sources": int(sources.size),
    }
    if sampled:
        result["diameter_is_lower_bound"] = True
        result["seed"] = seed
    return result


def _paths_on(graph: Graph) -> str:
    return "giant component of the undirected version" if graph.directed else "giant component"


def _check_path_options(exact_limit: int, n_sources: int) -> None:
    if exact_limit < 0:
        raise ValueError(f"exact_limit must be >= 0, got {exact_limit}")
    if n_sources < 1:
        raise ValueError(f"n_sources must be >= 1, got {n_sources}")


# ----------------------------------------------------------------------------- public API


def triangles_per_node(graph: Graph) -> np.ndarray:
    """Number of triangles each node belongs to (``networkx.triangles``).

    A directed graph is taken as undirected: ``u`` and ``v`` are linked if
    ``u -> v`` or ``v -> u``.

    Parameters
    ----------
    graph : Graph
        The network.

    Returns
    -------
    numpy.ndarray
        ``int64`` array of length ``n_nodes``; its sum is three times the
        number of triangles.

    Examples
    --------
    >>> g = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3])  # triangle 0-1-2, pendant 3
    >>> triangles_per_node(g).tolist()
    [1, 1, 1, 0]
    """
    return _triangles_undirected(graph.undirected())


def local_clustering(graph: Graph) -> np.ndarray:
    """Local clustering coefficient of each node (``networkx.clustering``).

    The fraction of pairs of a node's neighbours that are themselves linked;
    0 for nodes with fewer than two neighbours. A directed graph is taken as
    undirected.

    Parameters
    ----------
    graph : Graph
        The network.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of length ``n_nodes``. Its mean is networkx's
        ``average_clustering``.

    Examples
    --------
    >>> g = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3])
    >>> local_clustering(g).round(3).tolist()
    [1.0, 1.0, 0.333, 0.0]
    """
    undirected = graph.undirected()
    return _clustering_from_triangles(_triangles_undirected(undirected), undirected.degree)


def transitivity(graph: Graph) -> float:
    """Global clustering: 3 x triangles / connected triples (``networkx.transitivity``).

    A directed graph is taken as undirected.

    Parameters
    ----------
    graph : Graph
        The network.

    Returns
    -------
    float
        Between 0 and 1; 0 when the graph has no triangle.

    Examples
    --------
    >>> g = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3])
    >>> transitivity(g)  # 3 x 1 triangle / 5 connected triples
    0.6
    """
    undirected = graph.undirected()
    return _transitivity_from_triangles(_triangles_undirected(undirected), undirected.degree)


def connected_components(graph: Graph) -> np.ndarray:
    """Component label of each node (weakly connected components if directed).

    Parameters
    ----------
    graph : Graph
        The network.

    Returns
    -------
    numpy.ndarray
        ``int64`` labels ``0 .. n_components-1``, numbered in order of each
        component's lowest node (node 0 is always in component 0).

    Examples
    --------
    >>> g = Graph.from_edges([0, 3], [1, 4], n_nodes=5)  # 0-1, 2 alone, 3-4
    >>> connected_components(g).tolist()
    [0, 0, 1, 2, 2]
    """
    undirected = graph.undirected()
    return _component_labels(undirected.indptr, undirected.indices)


def shortest_path_stats(
    graph: Graph,
    *,
    exact_limit: int = 20_000,
    n_sources: int = 500,
    rng: np.random.Generator | None = None,
) -> dict:
    """Diameter and average shortest path length of the giant component.

    Distances are hop counts on the undirected version of the graph, within its
    largest (weakly) connected component, as ``networkx.diameter`` and
    ``networkx.average_shortest_path_length`` give on that component.

    Parameters
    ----------
    graph : Graph
        The network.
    exact_limit : int
        Largest giant component measured exactly, by a BFS from every node.
        Above it, BFS runs from ``n_sources`` random nodes: the average is then
        an unbiased estimate and the diameter a lower bound.
    n_sources : int
        Number of BFS sources in sampled mode.
    rng : numpy.random.Generator, optional
        Draws the sources; ``None`` means ``numpy.random.default_rng(0)``.

    Returns
    -------
    dict
        ``diameter``, ``average_shortest_path_length``, ``method`` (``"exact"`` or
        ``"sampled"``), ``sources`` (BFS sources used), ``on``; when sampled also
        ``diameter_is_lower_bound: True`` and ``seed`` (0 for the default
        generator, ``None`` when ``rng`` was given).

    Examples
    --------
    >>> g = Graph.from_edges([0, 1, 2, 4], [1, 2, 3, 5])  # path 0-1-2-3 and edge 4-5
    >>> stats = shortest_path_stats(g)
    >>> stats["diameter"], round(stats["average_shortest_path_length"], 4), stats["method"]
    (3, 1.6667, 'exact')
    """
    _check_path_options(exact_limit, n_sources)
    undirected = graph.undirected()
    if undirected.n_nodes == 0:
        raise ValueError("shortest-path statistics are undefined for a graph with no nodes")
    labels = _component_labels(undirected.indptr, undirected.indices)
    giant = _giant_component(undirected, labels)
    return {
        **_paths_on_connected(giant, exact_limit, n_sources, rng),
        "on": _paths_on(graph),
    }


def network_stats(
    graph: Graph,
    *,
    exact_limit: int = 20_000,
    n_sources: int = 500,
    rng: np.random.Generator | None = None,
) -> dict:
    """Summary statistics of a network, ready for :func:`json.dumps`.

    Parameters
    ----------
    graph : Graph
        The network.
    exact_limit, n_sources, rng
        How path lengths are measured; see :func:`shortest_path_stats`.

    Returns
    -------
    dict
        Plain Python values only:

        - ``nodes``, ``edges`` (undirected ties once, directed arcs each), ``directed``;
        - ``degree``: ``mean``, ``std``, ``min``, ``max``, ``median``, ``p90``,
          ``p99`` (out-degree if directed, and then also ``in_degree``);
        - on a weighted network, ``strength``, the weighted degree (the sum of the
          weights of one's ties; out-ties if directed, and then also
          ``in_strength``), summarised alike, and ``weight``, the ties' weights;
        - ``isolated_nodes``: nodes with no tie in either direction;
        - ``components``: ``count`` and ``kind`` (``"connected"`` or
          ``"weakly connected"``); ``giant_component``: ``nodes``, ``edges``,
          ``fraction`` of all nodes;
        - ``triangles``, ``average_clustering`` (mean over all nodes, 0 for those
          with fewer than two neighbours), ``transitivity``, and
          ``clustering_on`` (``"graph"``, or ``"undirected version"`` if directed);
        - ``paths``: as :func:`shortest_path_stats` (``None`` for an empty graph);
        - for a temporal network, everything above is of who was ever in contact with
          whom, and ``temporal`` gives the number of ``contacts`` and of ``steps``;
          with turnover, the number of ``ties`` (at any one step), of ``changes``
          (ties rewired) and of ``steps``.

    Examples
    --------
    >>> g = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3], n_nodes=5)
    >>> stats = network_stats(g)
    >>> stats["nodes"], stats["edges"], stats["triangles"], stats["isolated_nodes"]
    (5, 4, 1, 1)
    >>> stats["giant_component"], stats["paths"]["diameter"]
    ({'nodes': 4, 'edges': 4, 'fraction': 0.8}, 2)
    >>> weighted = network_stats(g.with_weights(np.array([1.0, 2.0, 0.5, 3.0])))
    >>> weighted["strength"]["max"], weighted["weight"]["mean"]
    (5.5, 1.625)
    """
    _check_path_options(exact_limit, n_sources)
    contacts = None
    if graph.temporal and graph.edge_until is not None:  # ties that turn over
        at_start = int((graph.edge_step == 0).sum())
        contacts = {"ties": at_start if graph.directed else at_start // 2,
                    "changes": int(graph.n_edges) - (at_start if graph.directed
                                                      else at_start // 2),
                    "steps": int(graph.edge_until.max(initial=0))}
        graph = graph.static()
    elif graph.temporal:  # measured on who was ever in contact with whom
        contacts = {"contacts": int(graph.n_edges),
                    "steps": int(graph.edge_step.max(initial=-1)) + 1}
        graph = graph.static()
    n_nodes = graph.n_nodes
    undirected = graph.undirected()
    degree = undirected.degree

    triangles = _triangles_undirected(undirected)
    labels = _component_labels(undirected.indptr, undirected.indices)
    n_components = int(labels.max()) + 1 if n_nodes else 0

    stats: dict = {
        "nodes": int(n_nodes),
        "edges": int(graph.n_edges),
        "directed": bool(graph.directed),
        "degree": _summary(graph.degree),
    }
    if graph.directed:
        stats["in_degree"] = _summary(graph.in_degree)
    if graph.weighted:
        stats["strength"] = _summary(graph.strength, whole=False)
        if graph.directed:
            stats["in_strength"] = _summary(graph.in_strength, whole=False)
        stats["weight"] = _summary(graph.edges_weights(), whole=False)
    stats["isolated_nodes"] = int(np.count_nonzero(degree == 0))
    stats["components"] = {
        "count": n_components,
        "kind": "weakly connected" if graph.directed else "connected",
    }
    if n_nodes:
        giant = _giant_component(undirected, labels)
        stats["giant_component"] = {
            "nodes": int(giant.n_nodes),
            "edges": int(giant.n_edges),
            "fraction": giant.n_nodes / n_nodes,
        }
    else:
        giant = None
        stats["giant_component"] = {"nodes": 0, "edges": 0, "fraction": 0.0}
    stats["triangles"] = int(triangles.sum(dtype=np.int64)) // 3
    clustering = _clustering_from_triangles(triangles, degree)
    stats["average_clustering"] = float(clustering.mean()) if n_nodes else 0.0
    stats["transitivity"] = _transitivity_from_triangles(triangles, degree)
    stats["clustering_on"] = "undirected version" if graph.directed else "graph"
    stats["paths"] = (
        None
        if giant is None
        else {**_paths_on_connected(giant, exact_limit, n_sources, rng), "on": _paths_on(graph)}
    )
    if contacts is not None:
        stats["temporal"] = contacts
    return stats
