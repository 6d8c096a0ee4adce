"""Network generators, and conversion to and from networkx.

Every random generator takes a keyword ``rng`` (a :class:`numpy.random.Generator`) and
draws all its randomness from it, so one seed gives one graph, bit for bit. The work is
done on arrays by private ``@numba.njit`` kernels (numba advances the very same
generator state), then :meth:`Graph.from_edges` builds the CSR form. Nothing here goes
through networkx, which would be two orders of magnitude slower at a million people.

The random models follow networkx's definitions (``watts_strogatz_graph``,
``newman_watts_strogatz_graph``, ``gnp_random_graph``, ``barabasi_albert_graph``,
``powerlaw_cluster_graph``, ``stochastic_block_model``), so their statistics match,
though not their exact draws.

Examples
--------
>>> import numpy as np
>>> g = watts_strogatz(1000, 10, 0.1, rng=np.random.default_rng(7))
>>> g.n_nodes, g.n_edges
(1000, 5000)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numba
import numpy as np

from sim.config import (
    ActivityDriven,
    BarabasiAlbert,
    Complete,
    EdgeList,
    ErdosRenyi,
    Follower,
    HolmeKim,
    Layered,
    NewmanWatts,
    RingLattice,
    StochasticBlock,
    WattsStrogatz,
)
from sim.config.networks import lattice_fits
from sim.network.graph import INT32_MAX, Graph, index_dtype
from sim.network.temporal import activity_driven, with_turnover
from sim.network.weights import draw_values

__all__ = [
    "barabasi_albert",
    "build_network",
    "complete",
    "erdos_renyi",
    "follower",
    "from_networkx",
    "holme_kim",
    "newman_watts",
    "ring_lattice",
    "stochastic_block",
    "to_networkx",
    "watts_strogatz",
]

if TYPE_CHECKING:  # networkx is imported by the conversions that use it
    import networkx as nx


# ------------------------------------------------------------------- validation
def _check_rng(rng: np.random.Generator) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, not {type(rng).__name__}")


def _check_probability(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be a probability in [0, 1], got {value}")


def _check_size(n: int) -> None:
    # the kernels keep people's numbers in int32 arrays: half the memory traffic
    if not 1 <= n <= INT32_MAX:
        raise ValueError(f"n must be in 1..{INT32_MAX}, got {n}")


def _check_lattice(n: int, k: int) -> None:
    _check_size(n)
    if not lattice_fits(n, k):
        raise ValueError(f"k must be an even number in 0..n-1 = {n - 1}, got {k}")


def _check_attachment(n: int, m: int) -> None:
    _check_size(n)
    if not 1 <= m < n:
        raise ValueError(f"m must satisfy 1 <= m < n = {n}, got {m}")


# ---------------------------------------------------------------------- lattices
def _lattice_edges(n: int, half_k: int) -> tuple[np.ndarray, np.ndarray]:
    """Edges ``(u, u + j mod n)`` for ``j = 1 .. half_k``, ordered by ``u`` then ``j``."""
    src = np.repeat(np.arange(n, dtype=np.int64), half_k)
    dst = (src + np.tile(np.arange(1, half_k + 1, dtype=np.int64), n)) % n
    return src, dst


def ring_lattice(n: int, k: int) -> Graph:
    """Ring of ``n`` people, each tied to the ``k`` nearest (``k / 2`` on each side).

    Parameters
    ----------
    n : int
        Number of people, at least 1.
    k : int
        Even number of neighbours per person, below ``n``.

    Examples
    --------
    >>> g = ring_lattice(6, 2)
    >>> g.neighbors(0).tolist(), g.n_edges
    ([1, 5], 6)
    """
    _check_lattice(n, k)
    src, dst = _lattice_edges(n, k // 2)
    return Graph.from_edges(src, dst, n)


@numba.njit(cache=True)
def _row_contains(values, start, length, target):
    for i in range(start, start + length):
        if values[i] == target:
            return True
    return False


@numba.njit(cache=True)
def _rewire_lattice(n, half_k, p, rng):
    """Watts-Strogatz rewiring, in networkx's order (distance ``j`` outer, node inner).

    Slot ``u * half_k + j - 1`` holds the far end of the tie ``u`` owns from the lattice
    (initially ``u + j``). A rewired tie keeps its owner, so every tie is exactly one
    slot and "is u tied to w" is a scan of u's and w's ``half_k`` slots: no hash set.
    """
    targets = np.empty(n * half_k, dtype=np.int32)
    for u in range(n):
        for j in range(1, half_k + 1):
            targets[u * half_k + j - 1] = (u + j) % n
    degree = np.full(n, 2 * half_k, dtype=np.int64)
    for j in range(1, half_k + 1):
        for u in range(n):
            if rng.random() >= p:
                continue
            w = rng.integers(0, n)
            skip = False
            while w == u or (
                _row_contains(targets, u * half_k, half_k, w)
                or _row_contains(targets, w * half_k, half_k, u)
            ):
                w = rng.integers(0, n)
                if degree[u] >= n - 1:  # u is tied to everyone: nowhere to rewire to
                    skip = True
                    break
            if not skip:
                slot = u * half_k + j - 1
                degree[targets[slot]] -= 1
                degree[w] += 1
                targets[slot] = w
    return targets


def watts_strogatz(n: int, k: int, p: float, *, rng: np.random.Generator) -> Graph:
    """Watts-Strogatz small world: a ring lattice whose ties are rewired with ``p``.

    Each lattice tie ``(u, u + j)`` is, with probability ``p``, moved to ``(u, w)`` for
    a uniformly random ``w`` that is neither ``u`` nor already tied to ``u`` (networkx's
    ``watts_strogatz_graph``). The number of ties stays ``n k / 2``.

    Parameters
    ----------
    n : int
        Number of people.
    k : int
        Even number of lattice neighbours, below ``n``.
    p : float
        Rewiring probability per tie.
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = watts_strogatz(100, 4, 0.0, rng=np.random.default_rng(0))
    >>> g.neighbors(0).tolist()
    [1, 2, 98, 99]
    """
    _check_lattice(n, k)
    _check_probability("p", p)
    _check_rng(rng)
    half_k = k // 2
    src = np.repeat(np.arange(n, dtype=np.int64), half_k)
    dst = _rewire_lattice(n, half_k, float(p), rng)
    return Graph.from_edges(src, dst, n)


@numba.njit(cache=True)
def _add_shortcuts(n, half_k, p, rng):
    """Newman-Watts shortcuts: lattice tie ``(u, u + j)`` adds ``(u, w)`` with ``p``.

    ``shortcuts[u * half_k + j - 1]`` is ``w``, or -1 when no shortcut was added.
    """
    shortcuts = np.full(n * half_k, -1, dtype=np.int32)
    degree = np.full(n, 2 * half_k, dtype=np.int64)
    for u in range(n):
        for j in range(1, half_k + 1):
            if rng.random() >= p:
                continue
            w = rng.integers(0, n)
            skip = False
            while w == u or _tied_with_shortcuts(n, half_k, shortcuts, u, w):
                w = rng.integers(0, n)
                if degree[u] >= n - 1:
                    skip = True
                    break
            if not skip:
                shortcuts[u * half_k + j - 1] = w
                degree[u] += 1
                degree[w] += 1
    return shortcuts


@numba.njit(cache=True)
def _tied_with_shortcuts(n, half_k, shortcuts, u, w):
    gap = abs(u - w)
    if min(gap, n - gap) <= half_k:  # lattice ties are never removed
        return True
    return _row_contains(shortcuts, u * half_k, half_k, w) or _row_contains(
        shortcuts, w * half_k, half_k, u
    )


def newman_watts(n: int, k: int, p: float, *, rng: np.random.Generator) -> Graph:
    """Newman-Watts small world: a ring lattice plus random shortcuts, none removed.

    For each lattice tie ``(u, u + j)``, with probability ``p`` a shortcut ``(u, w)``
    to a uniformly random person not yet tied to ``u`` is added (networkx's
    ``newman_watts_strogatz_graph``).

    Parameters
    ----------
    n, k : int
        Number of people; even number of lattice neighbours below ``n``.
    p : float
        Shortcut probability per lattice tie.
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = newman_watts(1000, 6, 0.2, rng=np.random.default_rng(1))
    >>> g.n_edges > 3000, bool((g.degree >= 6).all())
    (True, True)
    """
    _check_lattice(n, k)
    _check_probability("p", p)
    _check_rng(rng)
    half_k = k // 2
    lattice_src, lattice_dst = _lattice_edges(n, half_k)
    shortcut_dst = _add_shortcuts(n, half_k, float(p), rng)
    added = shortcut_dst >= 0
    src = np.concatenate([lattice_src, lattice_src[added]])
    dst = np.concatenate([lattice_dst, shortcut_dst[added]])
    return Graph.from_edges(src, dst, n)


# ------------------------------------------------------------ independent pairs
def _distinct_indices(n_items: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct integers drawn uniformly from ``0 .. n_items-1``, sorted.

    Draws with replacement and tops up the shortfall until ``count`` are distinct: the
    resulting set is uniform over all subsets of that size. Above half the range it
    picks the complement instead, so the number of draws stays below ``2 count``.
    """
    if 2 * count > n_items:
        excluded = _distinct_indices(n_items, n_items - count, rng)
        keep = np.ones(n_items, dtype=bool)
        keep[excluded] = False
        return np.flatnonzero(keep)
    chosen = _sorted_unique(rng.integers(0, n_items, size=count, dtype=np.int64))
    while chosen.size < count:
        extra = rng.integers(0, n_items, size=count - chosen.size, dtype=np.int64)
        chosen = _sorted_unique(np.concatenate([chosen, extra]))
    return chosen


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` for int64, by an in-place sort: numpy 2.4's hash-based ``unique``
    is some 50 times slower on millions of values."""
    values.sort()
    keep = np.empty(values.size, dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _random_pair_indices(n_pairs: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Each of ``n_pairs`` pairs kept independently with ``p``: Binomial count, then
    that many distinct pairs (same law as one coin per pair, in O(m log m))."""
    count = int(rng.binomial(n_pairs, p)) if n_pairs else 0
    return _distinct_indices(n_pairs, count, rng)


def _unordered_pair(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Decode ``index = i (i - 1) / 2 + j`` into the pair ``j < i`` (row-major triangle)."""
    i = ((1.0 + np.sqrt(1.0 + 8.0 * index.astype(np.float64))) / 2.0).astype(np.int64)
    # float rounding can put i one off for indices near 2**53; nudge it back
    i -= i * (i - 1) // 2 > index
    i += (i + 1) * i // 2 <= index
    return i, index - i * (i - 1) // 2


def erdos_renyi(n: int, p: float, *, rng: np.random.Generator) -> Graph:
    """G(n, p): each of the ``n (n - 1) / 2`` pairs tied independently with ``p``.

    Draws the number of ties ``m ~ Binomial(n (n - 1) / 2, p)`` and then ``m``
    distinct pairs uniformly, in O(n + m log m) time; never a loop over all pairs.

    Parameters
    ----------
    n : int
        Number of people.
    p : float
        Tie probability per pair (use ``mean_degree / (n - 1)`` for a mean degree).
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = erdos_renyi(10_000, 8 / 9_999, rng=np.random.default_rng(3))
    >>> bool(abs(g.degree.mean() - 8) < 0.2)
    True
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    _check_probability("p", p)
    _check_rng(rng)
    chosen = _random_pair_indices(n * (n - 1) // 2, float(p), rng)
    i, j = _unordered_pair(chosen)
    return Graph.from_edges(i, j, n)


def stochastic_block(
    sizes: Sequence[int], p_in: float, p_out: float, *, rng: np.random.Generator
) -> Graph:
    """Stochastic block model: communities tied inside with ``p_in``, across with ``p_out``.

    People are numbered block by block (block 0 is ``0 .. sizes[0]-1``). Each block
    pair gets a Binomial number of ties placed on distinct pairs, so the cost is
    O(n + m log m).

    Parameters
    ----------
    sizes : sequence of int
        Number of people in each block (each at least 1).
    p_in, p_out : float
        Tie probability for a pair in the same block / in different blocks.
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = stochastic_block([50, 50], 0.3, 0.0, rng=np.random.default_rng(5))
    >>> src, dst = g.edges()
    >>> bool(((src < 50) == (dst < 50)).all())  # no tie crosses blocks when p_out = 0
    True
    """
    sizes = [int(s) for s in sizes]
    if not sizes or min(sizes) < 1:
        raise ValueError(f"sizes must be a non-empty list of positive integers, got {sizes}")
    _check_probability("p_in", p_in)
    _check_probability("p_out", p_out)
    _check_rng(rng)
    starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
    src_parts, dst_parts = [], []
    for a, size_a in enumerate(sizes):
        chosen = _random_pair_indices(size_a * (size_a - 1) // 2, float(p_in), rng)
        i, j = _unordered_pair(chosen)
        src_parts.append(starts[a] + i)
        dst_parts.append(starts[a] + j)
        for b in range(a + 1, len(sizes)):
            chosen = _random_pair_indices(size_a * sizes[b], float(p_out), rng)
            src_parts.append(starts[a] + chosen // sizes[b])
            dst_parts.append(starts[b] + chosen % sizes[b])
    return Graph.from_edges(np.concatenate(src_parts), np.concatenate(dst_parts), int(starts[-1]))


# --------------------------------------------------------- preferential attachment
@numba.njit(cache=True)
def _draw_distinct(pool, pool_size, count, stamp, mark, out, rng):
    """Fill ``out[:count]`` with distinct entries of ``pool[:pool_size]`` drawn uniformly
    (so proportionally to how often each appears); ``stamp[x] == mark`` flags a pick."""
    picked = 0
    while picked < count:
        x = pool[rng.integers(0, pool_size)]
        if stamp[x] != mark:
            stamp[x] = mark
            out[picked] = x
            picked += 1


@numba.njit(cache=True)
def _edge_source(edge, m):
    """Who made tie ``edge``: the star's centre 0 for the first ``m``, then the
    newcomers ``m + 1, m + 2, ...`` in blocks of ``m``."""
    return 0 if edge < m else m + 1 + (edge - m) // m


@numba.njit(cache=True)
def _barabasi_albert_targets(n, m, rng):
    """The far ends of the ``m (n - m)`` ties, in order of creation.

    Drawing a uniform end of a uniform existing tie picks people proportionally to
    degree (networkx keeps a list with everyone repeated once per tie for this). The
    near end of tie ``e`` is arithmetic (:func:`_edge_source`), so half the draws
    touch no memory and no list of repeats is kept.
    """
    n_edges = m * (n - m)
    targets = np.empty(n_edges, dtype=np.int32)
    for leaf in range(1, m + 1):  # the star on m + 1 people
        targets[leaf - 1] = leaf
    stamp = np.full(n, -1, dtype=np.int32)  # stamp[x] == v: v already picked x
    for newcomer in range(m + 1, n):
        first = m + (newcomer - m - 1) * m  # ties made before this newcomer
        picked = 0
        while picked < m:
            end = rng.integers(0, 2 * first)
            edge = end >> 1
            person = targets[edge] if end & 1 else _edge_source(edge, m)
            if stamp[person] != newcomer:
                stamp[person] = newcomer
                targets[first + picked] = person
                picked += 1
    return targets


def barabasi_albert(n: int, m: int, *, rng: np.random.Generator) -> Graph:
    """Barabási-Albert preferential attachment (networkx's ``barabasi_albert_graph``).

    Starts from a star on ``m + 1`` people (person 0 the centre); each later newcomer
    ties to ``m`` distinct people chosen with probability proportional to their
    degree. The graph has exactly ``m (n - m)`` ties and a power-law degree tail.

    Parameters
    ----------
    n : int
        Number of people.
    m : int
        Ties per newcomer, ``1 <= m < n``.
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = barabasi_albert(1000, 3, rng=np.random.default_rng(2))
    >>> g.n_edges == 3 * (1000 - 3), int(g.degree.min())
    (True, 3)
    """
    _check_attachment(n, m)
    _check_rng(rng)
    targets = _barabasi_albert_targets(n, m, rng)
    sources = np.concatenate(
        [np.zeros(m, dtype=np.int64), np.repeat(np.arange(m + 1, n, dtype=np.int64), m)]
    )
    return Graph.from_edges(sources, targets, n)


@numba.njit(cache=True)
def _append_neighbour(adj, rows, used, node, neighbour):
    """Append ``neighbour`` to ``node``'s row of the growable adjacency ``adj``.

    ``rows[node]`` is (start, length, capacity): rows share one pool, and a full row
    moves to the pool's end with twice the room (amortised O(1), like a list).
    Returns the pool (reallocated when it fills up) and its new fill mark.
    """
    first, length, capacity = rows[node, 0], rows[node, 1], rows[node, 2]
    if length == capacity:
        capacity = max(2 * capacity, 4)
        adj, used = _reserve(adj, used, capacity)
        for i in range(length):  # a plain loop: slice assignment costs seconds to compile
            adj[used + i] = adj[first + i]
        first = used
        used += capacity
        rows[node, 0] = first
        rows[node, 2] = capacity
    adj[first + length] = neighbour
    rows[node, 1] = length + 1
    return adj, used


@numba.njit(cache=True)
def _reserve(adj, used, extra):
    """The pool, reallocated if ``extra`` more entries do not fit after ``used``."""
    if used + extra <= adj.size:
        return adj, used
    bigger = np.empty(max(2 * adj.size, used + extra), dtype=adj.dtype)
    for i in range(used):
        bigger[i] = adj[i]
    return bigger, used


@numba.njit(cache=True)
def _open_neighbour(adj, first, degree, linked, newcomer, rng):
    """A uniformly random neighbour (row ``adj[first : first + degree]``) that is not
    ``newcomer`` and not yet tied to it, or -1 if there is none.

    Few of a large row are excluded (the newcomer has fewer than m ties), so a few
    uniform tries almost always succeed; rejection keeps the pick uniform, and an
    exact count-and-pick scan covers small rows and unlucky streaks.
    """
    if degree > 8:
        for _ in range(32):
            other = adj[first + rng.integers(0, degree)]
            if other != newcomer and linked[other] != newcomer:
                return other
    n_open = 0
    for i in range(first, first + degree):
        if adj[i] != newcomer and linked[adj[i]] != newcomer:
            n_open += 1
    if n_open == 0:
        return -1
    pick = rng.integers(0, n_open)
    for i in range(first, first + degree):
        if adj[i] != newcomer and linked[adj[i]] != newcomer:
            if pick == 0:
                return adj[i]
            pick -= 1
    return -1


@numba.njit(cache=True)
def _holme_kim_slots(n, m, p_triangle, rng):
    """networkx ``powerlaw_cluster_graph``: newcomer ``s`` fills slots
    ``(s - m) m .. (s - m + 1) m - 1`` with the people it ties to (-1: a repeat that
    networkx also silently skips)."""
    n_slots = m * (n - m)
    out_targets = np.full(n_slots, -1, dtype=np.int32)
    adj = np.empty(3 * n_slots + 4 * m, dtype=np.int32)
    rows = np.zeros((n, 3), dtype=np.int64)  # start, length, capacity of each row
    used = 0
    repeated = np.empty(m + 2 * n_slots, dtype=np.int32)
    for person in range(m):
        repeated[person] = person
    n_repeated = m
    linked = np.full(n, -1, dtype=np.int32)  # linked[x] == s: x already tied to s
    stamp = np.full(n, -1, dtype=np.int32)
    candidates = np.empty(m, dtype=np.int32)
    for newcomer in range(m, n):
        _draw_distinct(repeated, n_repeated, m, stamp, newcomer, candidates, rng)
        # a newcomer's row starts with room for its own m ties and m later ones
        adj, used = _reserve(adj, used, 2 * m)
        rows[newcomer, 0] = used
        rows[newcomer, 2] = 2 * m
        used += 2 * m
        target = candidates[0]
        used_candidates = 1
        chosen = target
        count = 0
        while True:
            if linked[chosen] != newcomer:
                out_targets[(newcomer - m) * m + count] = chosen
                linked[chosen] = newcomer
                adj, used = _append_neighbour(adj, rows, used, chosen, newcomer)
                adj, used = _append_neighbour(adj, rows, used, newcomer, chosen)
            repeated[n_repeated] = chosen  # networkx appends even a repeated tie
            n_repeated += 1
            count += 1
            if count == m:
                break
            chosen = -1
            if rng.random() < p_triangle:  # triad formation around the last target
                chosen = _open_neighbour(
                    adj, rows[target, 0], rows[target, 1], linked, newcomer, rng
                )
            if chosen < 0:  # preferential attachment step
                target = candidates[used_candidates]
                used_candidates += 1
                chosen = target
        for _ in range(m):
            repeated[n_repeated] = newcomer
            n_repeated += 1
    return out_targets


def holme_kim(n: int, m: int, p_triangle: float, *, rng: np.random.Generator) -> Graph:
    """Holme-Kim clustered scale-free graph (networkx's ``powerlaw_cluster_graph``).

    Starts from ``m`` isolated people. Each newcomer draws ``m`` distinct candidates
    by preferential attachment and ties to the first; each of its other ``m - 1`` ties
    is, with probability ``p_triangle``, a triangle (a random neighbour of the last
    preferential target, not yet tied to the newcomer), else the next candidate. As in
    networkx, a candidate already reached through a triangle adds no second tie, so
    there are at most ``m (n - m)`` ties. Candidates are used in the order they were
    drawn (networkx pops them from a set, in hash order).

    Parameters
    ----------
    n : int
        Number of people.
    m : int
        Ties per newcomer, ``1 <= m < n``.
    p_triangle : float
        Probability that a tie after the first closes a triangle.
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = holme_kim(2000, 3, 0.8, rng=np.random.default_rng(4))
    >>> g.n_nodes, g.n_edges <= 3 * (2000 - 3)
    (2000, True)
    """
    _check_attachment(n, m)
    _check_probability("p_triangle", p_triangle)
    _check_rng(rng)
    out_targets = _holme_kim_slots(n, m, float(p_triangle), rng)
    filled = np.flatnonzero(out_targets >= 0)
    return Graph.from_edges(m + filled // m, out_targets[filled], n)


@numba.njit(cache=True)
def _follower_arcs(n, m, reciprocity, rng):
    """Newcomer ``v`` follows ``min(v, m)`` distinct earlier people, drawn from ``pool``
    (everyone once, plus once per follower: proportional to followers + 1)."""
    n_follows = 0
    for v in range(n):
        n_follows += min(v, m)
    followed = np.empty(n_follows, dtype=np.int32)
    follower_of = np.empty(n_follows, dtype=np.int32)
    follows_back = np.zeros(n_follows, dtype=np.bool_)
    pool = np.empty(n + 2 * n_follows, dtype=np.int32)
    n_pool = 0
    stamp = np.full(n, -1, dtype=np.int32)
    chosen = np.empty(m, dtype=np.int32)
    arc = 0
    for v in range(n):
        n_choose = min(v, m)
        if v <= m:  # too few people to choose from: follow them all
            for u in range(v):
                chosen[u] = u
        else:
            _draw_distinct(pool, n_pool, n_choose, stamp, v, chosen, rng)
        for c in range(n_choose):
            u = chosen[c]
            followed[arc] = u
            follower_of[arc] = v
            pool[n_pool] = u  # u gained follower v
            n_pool += 1
            if rng.random() < reciprocity:
                follows_back[arc] = True
                pool[n_pool] = v  # v gained follower u
                n_pool += 1
            arc += 1
        pool[n_pool] = v  # the "+ 1": newcomers can be found before anyone follows them
        n_pool += 1
    return followed, follower_of, follows_back


def follower(n: int, m: int, reciprocity: float, *, rng: np.random.Generator) -> Graph:
    """Directed follower network (Twitter-like), grown by preferential attachment.

    Newcomer ``v`` follows ``min(v, m)`` distinct earlier people, each chosen with
    probability proportional to (its followers + 1). Following adds the arc
    ``u -> v`` (v sees what u shares); with probability ``reciprocity`` the followed
    ``u`` follows back, adding ``v -> u``. So a person's in-degree counts whom they
    follow (at least ``min(v, m)``) and out-degree counts their followers.

    Parameters
    ----------
    n : int
        Number of people.
    m : int
        Accounts each newcomer follows, ``1 <= m < n``.
    reciprocity : float
        Probability that a followed person follows back.
    rng : numpy.random.Generator
        The only source of randomness.

    Examples
    --------
    >>> g = follower(500, 3, 0.0, rng=np.random.default_rng(6))
    >>> g.directed, g.n_edges == 0 + 1 + 2 + 3 * (500 - 3)
    (True, True)
    """
    _check_attachment(n, m)
    _check_probability("reciprocity", reciprocity)
    _check_rng(rng)
    followed, follower_of, follows_back = _follower_arcs(n, m, float(reciprocity), rng)
    src = np.concatenate([followed, follower_of[follows_back]])
    dst = np.concatenate([follower_of, followed[follows_back]])
    return Graph.from_edges(src, dst, n, directed=True)


# ----------------------------------------------------------------- deterministic
@numba.njit(cache=True)
def _complete_indices(n, indices):
    write = 0
    for u in range(n):
        for v in range(n):
            if v != u:
                indices[write] = v
                write += 1


def complete(n: int) -> Graph:
    """Everyone tied to everyone: ``n (n - 1) / 2`` ties (memory grows as ``n**2``).

    Examples
    --------
    >>> g = complete(4)
    >>> g.n_edges, g.neighbors(2).tolist()
    (6, [0, 1, 3])
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    n_entries = n * (n - 1)
    # rows are already sorted and unique, so the CSR arrays are written directly
    indptr = (np.arange(n + 1, dtype=np.int64) * (n - 1)).astype(index_dtype(n_entries))
    indices = np.empty(n_entries, dtype=index_dtype(n))
    _complete_indices(n, indices)
    return Graph(indptr=indptr, indices=indices, directed=False)


# ---------------------------------------------------------------------- dispatch
def build_network(spec, rng: np.random.Generator, n_steps: int | None = None) -> Graph:
    """Build the graph a scenario's ``network`` section describes.

    Parameters
    ----------
    spec : NetworkSpec
        One of the network classes of :mod:`sim.config` (edge-list paths already
        absolute, as :func:`sim.config.load_scenario` leaves them).
    rng : numpy.random.Generator
        The run's generator; deterministic models draw nothing from it.
    n_steps : int, optional
        The run's steps (the scenario's ``steps``): a generator of contacts
        (``activity_driven``) draws contacts for steps ``0 .. n_steps - 1``, and
        ``turnover`` rewires ties at steps ``1 .. n_steps - 1``; others ignore it.

    Examples
    --------
    >>> from sim.config import WattsStrogatz
    >>> spec = WattsStrogatz(model="watts_strogatz", n=300, k=6, p=0.1)
    >>> build_network(spec, np.random.default_rng(0)).n_edges
    900
    """
    if spec.temporal and not isinstance(spec, EdgeList) and n_steps is None:
        raise ValueError("a network that changes during a run needs n_steps, its steps")
    if isinstance(spec, ActivityDriven):
        return activity_driven(
            draw_values(spec.activity, spec.n, rng), spec.m, n_steps,
            memory=None if spec.memory is None else spec.memory.c, rng=rng,
        )
    graph = _build_unweighted(spec, rng)
    if spec.turnover is not None:
        return with_turnover(graph, spec.turnover.rate, n_steps, rng=rng)
    if spec.weights is None:
        return graph
    return graph.with_weights(draw_values(spec.weights, graph.n_edges, rng))


def _build_unweighted(spec, rng: np.random.Generator) -> Graph:
    """The graph of ``spec`` before any weights are drawn (an edge list may read its own)."""
    if isinstance(spec, WattsStrogatz):
        return watts_strogatz(spec.n, spec.k, spec.p, rng=rng)
    if isinstance(spec, NewmanWatts):
        return newman_watts(spec.n, spec.k, spec.p, rng=rng)
    if isinstance(spec, RingLattice):
        return ring_lattice(spec.n, spec.k)
    if isinstance(spec, ErdosRenyi):
        return erdos_renyi(spec.n, spec.edge_probability, rng=rng)
    if isinstance(spec, BarabasiAlbert):
        return barabasi_albert(spec.n, spec.m, rng=rng)
    if isinstance(spec, HolmeKim):
        return holme_kim(spec.n, spec.m, spec.p_triangle, rng=rng)
    if isinstance(spec, StochasticBlock):
        return stochastic_block(spec.sizes, spec.p_in, spec.p_out, rng=rng)
    if isinstance(spec, Complete):
        return complete(spec.n)
    if isinstance(spec, Follower):
        return follower(spec.n, spec.m, spec.reciprocity, rng=rng)
    if isinstance(spec, EdgeList):
        from sim.network.edgelist import read_edgelist  # edgelist imports pandas: load on demand

        return read_edgelist(
            spec.path, directed=spec.directed, weight=spec.columns.weight,
            time=spec.columns.time, step_duration=spec.step_duration or 1.0,
        )
    if isinstance(spec, Layered):
        return layered(spec, rng)
    raise TypeError(f"unknown network spec: {type(spec).__name__}")


def layered(spec: Layered, rng: np.random.Generator) -> Graph:
    """Several platforms over the same ``spec.n`` people (see :class:`sim.config.Layered`).

    Layer by layer, in order: draw its members (``round(membership * n)`` people at
    random, everyone with membership 1), build its network among them from the same
    generator, and map it onto the members. The result keeps each tie's layer
    (``Graph.edge_layer``); it is directed if any layer is.

    Examples
    --------
    >>> from sim.config import Layered
    >>> spec = Layered(model="layers", n=100, layers=[
    ...     {"name": "friends", "network": {"model": "ring_lattice", "n": 100, "k": 2}},
    ...     {"name": "work", "membership": 0.5,
    ...      "network": {"model": "complete", "n": 50}}])
    >>> g = layered(spec, np.random.default_rng(0))
    >>> g.n_nodes, g.n_edges, g.layer_names
    (100, 1325, ('friends', 'work'))
    """
    sources, targets, layers = [], [], []
    directed = False
    for number, layer in enumerate(spec.layers):
        graph = build_network(layer.network, rng)
        if isinstance(layer.network, EdgeList):
            ids = graph.original_ids(np.arange(graph.n_nodes)).tolist()
            bad = [i for i in ids if not (str(i).isdigit() and int(i) < spec.n)]
            if bad:
                from sim.errors import InputError

                raise InputError(
                    layer.network.path, f"network.layers.{layer.name}", bad[0],
                    f"people's numbers 0 .. {spec.n - 1} in a layer's edge list",
                )
            members = np.array([int(i) for i in ids], dtype=np.int64)
        elif graph.n_nodes == spec.n:
            members = np.arange(spec.n)
        else:
            members = np.sort(rng.choice(spec.n, size=graph.n_nodes, replace=False))
        src = np.repeat(np.arange(graph.n_nodes), graph.degree)
        sources.append(members[src])
        targets.append(members[graph.indices])
        layers.append(np.full(src.size, number, dtype=np.int8))
        directed = directed or graph.directed
    return Graph.from_layered_arcs(
        np.concatenate(sources), np.concatenate(targets), np.concatenate(layers), spec.n,
        tuple(spec.layer_names), directed=directed,
    )


# ---------------------------------------------------------------------- networkx
def _labels_as_ids(labels: list) -> np.ndarray | None:
    """``None`` for labels exactly ``0 .. n-1``; else int64 ids if all are integers,
    else their strings (the same rule as edge lists)."""
    if labels == list(range(len(labels))):
        return None
    if all(isinstance(x, int | np.integer) and not isinstance(x, bool) for x in labels):
        return np.asarray(labels, dtype=np.int64)
    return np.asarray([str(x) for x in labels], dtype=str)


def from_networkx(G: nx.Graph) -> Graph:
    """Convert a networkx graph; people are numbered in ``G``'s node order.

    Labels other than exactly ``0 .. n-1`` are kept as ``node_ids`` (int64 when all
    are integers, else converted to strings). Self-loops and multi-edges are dropped
    and counted. Directed if ``G.is_directed()``.

    Examples
    --------
    >>> import networkx as nx
    >>> g = from_networkx(nx.path_graph(["a", "b", "c"]))
    >>> g.n_edges, g.node_ids.tolist()
    (2, ['a', 'b', 'c'])
    """
    labels = list(G.nodes())
    position = {label: i for i, label in enumerate(labels)}
    pairs = np.array([(position[u], position[v]) for u, v in G.edges()], dtype=np.int64)
    pairs = pairs.reshape(-1, 2)
    return Graph.from_edges(
        pairs[:, 0],
        pairs[:, 1],
        len(labels),
        directed=G.is_directed(),
        node_ids=_labels_as_ids(labels),
    )


def to_networkx(graph: Graph) -> nx.Graph:
    """Convert to ``networkx.Graph`` (``DiGraph`` if directed), labelled by original ids.

    Examples
    --------
    >>> G = to_networkx(ring_lattice(5, 2))
    >>> G.number_of_edges(), sorted(G.neighbors(0))
    (5, [1, 4])
    """
    import networkx as nx

    G = nx.DiGraph() if graph.directed else nx.Graph()
    labels = graph.original_ids(np.arange(graph.n_nodes)).tolist()
    G.add_nodes_from(labels)
    src, dst = graph.edges()
    labelled = zip(graph.original_ids(src).tolist(), graph.original_ids(dst).tolist(), strict=True)
    G.add_edges_from(labelled)
    return G
