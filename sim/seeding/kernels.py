"""Numba kernels for choosing seeds. ``@njit`` functions only.

Callers (``sim.seeding.strategies``) validate inputs; these functions trust them. Graphs are
passed as CSR ``(indptr, indices)`` with arcs ``u -> v`` meaning *v sees what u
shares* (``sim.network.graph``).

The influence kernels use the very coins of the spreading kernel
(:func:`sim.rules.coins.pair_bits` under a 64-bit key), so a key is one "live-edge"
sample of the independent cascade: the arc ``u -> v`` is live when its coin falls
below the threshold, and a seed set's cascade is everything reachable from it
along live arcs (Kempe, Kleinberg and Tardos 2003).
"""

from __future__ import annotations

import numpy as np

from sim.jit import njit
from sim.rules.coins import pair_bits

# status codes of a person in one live-edge sample
_NONE, _HEARD, _ADOPTED = np.uint8(0), np.uint8(1), np.uint8(2)


# ------------------------------------------------------------------- centralities
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


# ---------------------------------------------------------------------- budgets
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


# ---------------------------------------------------------- influence (live edges)
@njit(cache=True)
def _sample_gains(indptr, indices, status, keys, threshold, nodes, scratch):
    """Marginal gains of each of ``nodes`` over the seed set recorded in ``status``.

    ``status[r, v]`` is 0, 1 (heard) or 2 (adopted) under the current seed set in
    live-edge sample ``r`` (coin key ``keys[r]``). For each node, each sample is a
    breadth-first search from the node along live arcs that stops at people the
    seed set already made adopt (what they reach is already counted). Returns
    ``gains[i] = (new heard, new adopters)`` summed over the samples: with an empty
    ``status`` these are the final sizes of the node's own cascades.
    ``scratch`` is ``(mark, queue, touched)``: a zero uint8 array and two int32
    arrays, all of length ``n + 1``; ``mark`` is zero again on return.
    """
    mark, queue, touched = scratch
    gains = np.zeros((nodes.size, 2), dtype=np.int64)
    for i in range(nodes.size):
        start = nodes[i]
        for r in range(keys.size):
            row = status[r]
            if row[start] == _ADOPTED:
                continue
            key = np.uint64(keys[r])
            new_heard = 1 if row[start] == _NONE else 0
            new_adopters = 1
            mark[start] = _ADOPTED
            queue[0] = start
            touched[0] = start
            head, tail, n_touched = 0, 1, 1
            while head < tail:
                sharer = queue[head]
                head += 1
                for edge in range(indptr[sharer], indptr[sharer + 1]):
                    person = indices[edge]
                    if row[person] == _ADOPTED or mark[person] == _ADOPTED:
                        continue
                    if mark[person] == _NONE:
                        mark[person] = _HEARD
                        touched[n_touched] = person
                        n_touched += 1
                        if row[person] == _NONE:
                            new_heard += 1
                    if pair_bits(key, sharer, person) < threshold:
                        mark[person] = _ADOPTED
                        queue[tail] = person
                        tail += 1
                        new_adopters += 1
            for j in range(n_touched):
                mark[touched[j]] = _NONE
            gains[i, 0] += new_heard
            gains[i, 1] += new_adopters
    return gains


@njit(cache=True)
def _add_seed(indptr, indices, status, keys, threshold, node, queue):
    """Add ``node`` to the seed set recorded in ``status`` (see ``_sample_gains``):
    in every sample, mark what its live-arc search reaches beyond what the set
    already made adopt. ``queue`` is an int32 array of length ``n``."""
    for r in range(keys.size):
        row = status[r]
        if row[node] == _ADOPTED:
            continue
        key = np.uint64(keys[r])
        row[node] = _ADOPTED
        queue[0] = node
        head, tail = 0, 1
        while head < tail:
            sharer = queue[head]
            head += 1
            for edge in range(indptr[sharer], indptr[sharer + 1]):
                person = indices[edge]
                if row[person] == _ADOPTED:
                    continue
                if pair_bits(key, sharer, person) < threshold:
                    row[person] = _ADOPTED
                    queue[tail] = person
                    tail += 1
                else:
                    row[person] = _HEARD
