"""The compressed sparse row (CSR) graph every other module works on.

A :class:`Graph` stores, for each person ``u`` (numbered ``0 .. n_nodes-1``), the
people ``u``'s messages reach: ``indices[indptr[u]:indptr[u + 1]]``, sorted and
without repeats. An undirected friendship appears in both rows. In a directed graph
an edge ``u -> v`` means *v sees what u shares* (v follows u).

Indices are ``int32`` whenever they fit, which halves the memory traffic of the
spreading kernels compared with ``int64``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

INT32_MAX = np.iinfo(np.int32).max


def index_dtype(max_value: int) -> type[np.integer]:
    """Return the smallest of int32/int64 that holds ``max_value``.

    Examples
    --------
    >>> index_dtype(10)
    <class 'numpy.int32'>
    >>> index_dtype(2**40)
    <class 'numpy.int64'>
    """
    return np.int32 if max_value <= INT32_MAX else np.int64


@numba.njit(cache=True)
def _csr_from_edges(src, dst, n_nodes, symmetric, indptr_dtype_probe):
    """Counting-sort ``src -> dst`` pairs into CSR rows (both ways if ``symmetric``),
    sort each row and drop repeats, without copying the input.

    Self-loops must already be gone. Returns ``(indptr, indices)``.
    """
    n_pairs = src.size
    ptr_t = indptr_dtype_probe.dtype
    counts = np.zeros(n_nodes + 1, dtype=ptr_t)
    for e in range(n_pairs):
        counts[src[e] + 1] += 1
        if symmetric:
            counts[dst[e] + 1] += 1
    for u in range(n_nodes):
        counts[u + 1] += counts[u]
    fill = counts[:-1].copy()
    raw = np.empty(counts[n_nodes], dtype=dst.dtype)
    for e in range(n_pairs):
        u, v = src[e], dst[e]
        raw[fill[u]] = v
        fill[u] += 1
        if symmetric:
            raw[fill[v]] = u
            fill[v] += 1
    indptr = np.zeros(n_nodes + 1, dtype=ptr_t)
    write = 0
    for u in range(n_nodes):
        start, end = counts[u], counts[u + 1]
        _sort_in_place(raw, start, end)
        last = -1
        for i in range(start, end):
            v = raw[i]
            if v != last:
                raw[write] = v
                write += 1
                last = v
        indptr[u + 1] = write
    return indptr, raw[:write].copy()


@numba.njit(cache=True)
def _sort_in_place(values, start, end):
    """Sort ``values[start:end]`` without allocating: insertion sort for the short rows
    most people have, heapsort for hubs. (numpy's sort, compiled by numba, costs
    several seconds of compiling on a first run after install.)"""
    if end - start > 32:
        _heapsort(values, start, end)
        return
    for i in range(start + 1, end):
        item = values[i]
        j = i - 1
        while j >= start and values[j] > item:
            values[j + 1] = values[j]
            j -= 1
        values[j + 1] = item


@numba.njit(cache=True)
def _heapsort(values, start, end):
    """Sort ``values[start:end]`` in place in O(m log m) for ``m = end - start``."""
    m = end - start
    for root in range(m // 2 - 1, -1, -1):
        _sift_down(values, start, root, m)
    for last in range(m - 1, 0, -1):
        values[start], values[start + last] = values[start + last], values[start]
        _sift_down(values, start, 0, last)


@numba.njit(cache=True)
def _sift_down(values, start, root, size):
    """Restore the max-heap below ``root`` of the heap ``values[start:start + size]``."""
    item = values[start + root]
    while True:
        child = 2 * root + 1
        if child >= size:
            break
        if child + 1 < size and values[start + child + 1] > values[start + child]:
            child += 1
        if values[start + child] <= item:
            break
        values[start + root] = values[start + child]
        root = child
    values[start + root] = item


@dataclass(frozen=True, eq=False)
class Graph:
    """A social network in CSR form.

    Parameters
    ----------
    indptr : numpy.ndarray
        Row pointers, length ``n_nodes + 1``.
    indices : numpy.ndarray
        Concatenated sorted neighbour rows (``int32`` where it fits).
    directed : bool
        Whether ``u -> v`` may exist without ``v -> u``.
    node_ids : numpy.ndarray or None
        The original id of each node (from an edge list or networkx); ``None``
        means the ids are ``0 .. n_nodes-1``.
    dropped_self_loops, dropped_duplicates : int
        What the builder removed from its input, for reporting.
    edge_layer : numpy.ndarray or None
        For a network of several layers (platforms), the layer of each entry of
        ``indices`` (int8); a tie on two layers is two entries, next to each other.
    layer_names : tuple of str
        The layers' names, by number.
    edge_weight : numpy.ndarray or None
        For a weighted network, the weight of each entry of ``indices`` (float64,
        finite, at least 0; an undirected tie has the same weight in both rows);
        ``None`` means every tie weighs 1.
    edge_step : numpy.ndarray or None
        For a temporal network, the step of each entry of ``indices`` (int32): each
        entry is a contact, and two people in contact at several steps have an entry
        for each (a row is sorted by neighbour, then step).
    edge_until : numpy.ndarray or None
        For a temporal network of ties that last (turnover), the step each entry's tie
        ends (int32): the tie is there at steps ``edge_step <= t < edge_until``;
        ``None`` means each entry is a contact at its one step.

    Examples
    --------
    >>> g = Graph.from_edges([0, 1], [1, 2], n_nodes=3)
    >>> g.n_nodes, g.n_edges, g.degree.tolist()
    (3, 2, [1, 2, 1])
    >>> g.neighbors(1).tolist()
    [0, 2]
    """

    indptr: np.ndarray
    indices: np.ndarray
    directed: bool = False
    node_ids: np.ndarray | None = None
    dropped_self_loops: int = 0
    dropped_duplicates: int = 0
    edge_layer: np.ndarray | None = None
    layer_names: tuple[str, ...] = ()
    edge_weight: np.ndarray | None = None
    edge_step: np.ndarray | None = None
    edge_until: np.ndarray | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def cached(self, key: Hashable, make: Callable[[], Any]) -> Any:
        """What ``make()`` returns, made on the first call with ``key`` and kept with the graph.

        For figures derived from the network alone (degrees, the reversed graph,
        communities found with a given seed, a layer's ties), so that every
        replication on a shared network finds them once. The graph is immutable, so
        what is kept never goes stale; it lives as long as the graph. Callers that
        hand out a kept array the caller may modify should hand out a copy.

        Examples
        --------
        >>> g = Graph.from_edges([0, 1], [1, 2])
        >>> g.cached("leaves", lambda: np.flatnonzero(g.degree == 1)).tolist()
        [0, 2]
        >>> g.cached("leaves", lambda: None).tolist()  # kept: make is not called again
        [0, 2]
        """
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @classmethod
    def from_layered_arcs(
        cls, src, dst, layer, n_nodes: int, layer_names: tuple[str, ...], *, directed: bool
    ) -> Graph:
        """Build a several-layer network from arcs ``src -> dst`` on ``layer``.

        Give undirected ties in both directions. Each row is sorted by neighbour, then
        layer; an arc repeated on the same layer is kept once, one on another layer
        is another tie.

        Examples
        --------
        >>> g = Graph.from_layered_arcs([0, 1, 0, 1], [1, 0, 1, 0], [0, 0, 1, 1], 2,
        ...                             ("friends", "work"), directed=False)
        >>> g.neighbors(0).tolist(), g.edge_layer.tolist(), g.n_edges
        ([1, 1], [0, 1, 0, 1], 2)
        """
        n_layers = len(layer_names)
        src = np.asarray(src, dtype=np.int64)
        keep = src != np.asarray(dst)
        encoded = np.asarray(dst, dtype=np.int64)[keep] * n_layers + np.asarray(layer)[keep]
        src = src[keep]
        ptr_t = index_dtype(max(src.size, 1))
        indptr, indices = _csr_from_edges(src, encoded, n_nodes, False, np.zeros(1, ptr_t))
        idx_t = index_dtype(max(n_nodes, 1))
        return cls(
            indptr=indptr,
            indices=(indices // n_layers).astype(idx_t),
            directed=directed,
            edge_layer=(indices % n_layers).astype(np.int8),
            layer_names=tuple(layer_names),
        )

    @classmethod
    def from_edges(
        cls,
        src,
        dst,
        n_nodes: int | None = None,
        *,
        directed: bool = False,
        node_ids: np.ndarray | None = None,
    ) -> Graph:
        """Build a graph from endpoint arrays of internal indices ``0 .. n_nodes-1``.

        Self-loops and repeated edges are dropped and counted; an undirected
        edge given in both directions counts once.

        Examples
        --------
        >>> g = Graph.from_edges([0, 0, 1, 2], [1, 1, 0, 2])  # 0-1 three times, 2-2 a loop
        >>> g.n_edges, g.dropped_self_loops, g.dropped_duplicates
        (1, 1, 2)
        """
        src, dst = np.asarray(src).ravel(), np.asarray(dst).ravel()
        if src.shape != dst.shape:
            raise ValueError(f"src and dst differ in length: {src.size} vs {dst.size}")
        if src.size and not (np.issubdtype(src.dtype, np.integer)
                             and np.issubdtype(dst.dtype, np.integer)):
            raise ValueError("edge endpoints must be integers")
        if n_nodes is None:
            n_nodes = int(max(src.max(initial=-1), dst.max(initial=-1)) + 1)
        if src.size and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n_nodes):
            raise ValueError(f"edge endpoints must lie in 0..{n_nodes - 1}")
        idx_t = index_dtype(max(n_nodes, 1))
        # int32 endpoints stay as they are: no int64 copies of a large edge list
        src, dst = src.astype(idx_t, copy=False), dst.astype(idx_t, copy=False)
        loops = src == dst
        n_loops = int(loops.sum())
        if n_loops:
            src, dst = src[~loops], dst[~loops]
        n_given = src.size
        entries = n_given if directed else 2 * n_given
        ptr_t = index_dtype(entries)
        indptr, indices = _csr_from_edges(
            src, dst, n_nodes, not directed, np.zeros(1, dtype=ptr_t)
        )
        n_kept = indices.size if directed else indices.size // 2
        return cls(
            indptr=indptr,
            indices=indices,
            directed=directed,
            node_ids=None if node_ids is None else np.asarray(node_ids),
            dropped_self_loops=n_loops,
            dropped_duplicates=n_given - n_kept,
        )

    @classmethod
    def from_weighted_edges(
        cls,
        src,
        dst,
        weights,
        n_nodes: int | None = None,
        *,
        directed: bool = False,
        node_ids: np.ndarray | None = None,
    ) -> Graph:
        """Build a weighted graph from endpoint arrays and one weight per pair.

        As :meth:`from_edges`; a repeated tie (an undirected one given both ways
        included) keeps its largest weight.

        Examples
        --------
        >>> g = Graph.from_weighted_edges([0, 1, 1], [1, 0, 2], [2.0, 5.0, 0.5])
        >>> g.n_edges, g.dropped_duplicates, g.edge_weight.tolist()
        (2, 1, [5.0, 5.0, 0.5, 0.5])
        """
        weights = np.asarray(weights, dtype=np.float64).ravel()
        plain = cls.from_edges(src, dst, n_nodes, directed=directed, node_ids=node_ids)
        src = np.asarray(src, dtype=np.int64).ravel()
        dst = np.asarray(dst, dtype=np.int64).ravel()
        if weights.shape != src.shape:
            raise ValueError(f"one weight per pair: {weights.size} weights, {src.size} pairs")
        keep = src != dst
        src, dst, weights = src[keep], dst[keep], weights[keep]
        if not directed:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            weights = np.concatenate([weights, weights])
        # each (row, neighbour) once, the largest weight first: the CSR order
        order = np.lexsort((-weights, dst, src))
        src, dst, weights = src[order], dst[order], weights[order]
        first = np.ones(src.size, dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        return cls(
            indptr=plain.indptr, indices=plain.indices, directed=directed,
            node_ids=plain.node_ids, dropped_self_loops=plain.dropped_self_loops,
            dropped_duplicates=plain.dropped_duplicates, edge_weight=weights[first],
        )

    @classmethod
    def from_contacts(
        cls,
        src,
        dst,
        steps,
        n_nodes: int | None = None,
        *,
        directed: bool = False,
        node_ids: np.ndarray | None = None,
        until=None,
    ) -> Graph:
        """Build a temporal network from contacts ``src - dst`` at ``steps`` (a contact
        given twice, or both ways when undirected, is kept once; self-loops dropped).
        With ``until``, each is a tie that lasts from ``steps`` to the step before
        ``until``.

        Examples
        --------
        >>> g = Graph.from_contacts([0, 1, 0], [1, 2, 1], [2, 1, 2])
        >>> g.n_edges, g.dropped_duplicates, g.edge_step.tolist(), g.neighbors(1).tolist()
        (2, 1, [2, 2, 1, 1], [0, 2])
        """
        src = np.asarray(src, dtype=np.int64).ravel()
        dst = np.asarray(dst, dtype=np.int64).ravel()
        steps = np.asarray(steps, dtype=np.int64).ravel()
        ends = None if until is None else np.asarray(until, dtype=np.int64).ravel()
        if not src.shape == dst.shape == steps.shape == (steps.shape if ends is None
                                                         else ends.shape):
            raise ValueError(f"one step per contact: {steps.size} steps, {src.size} contacts")
        if n_nodes is None:
            n_nodes = int(max(src.max(initial=-1), dst.max(initial=-1)) + 1)
        loops = src == dst
        src, dst, steps = src[~loops], dst[~loops], steps[~loops]
        ends = steps + 1 if ends is None else ends[~loops]
        n_given = src.size
        if not directed:
            src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
            steps, ends = np.concatenate([steps, steps]), np.concatenate([ends, ends])
        src, dst, steps, ends = _sorted_unique_contacts(src, dst, steps, ends, n_nodes,
                                                        lasting=until is not None)
        indptr = np.zeros(n_nodes + 1, dtype=index_dtype(max(src.size, 1)))
        np.cumsum(np.bincount(src, minlength=n_nodes), out=indptr[1:])
        n_kept = src.size if directed else src.size // 2
        return cls(
            indptr=indptr,
            indices=dst.astype(index_dtype(max(n_nodes, 1))),
            directed=directed,
            node_ids=None if node_ids is None else np.asarray(node_ids),
            dropped_self_loops=int(loops.sum()),
            dropped_duplicates=n_given - n_kept,
            edge_step=steps.astype(np.int32),
            edge_until=None if until is None else ends.astype(np.int32),
        )

    @property
    def temporal(self) -> bool:
        """Whether ties are contacts at steps."""
        return self.edge_step is not None

    def static(self) -> Graph:
        """The graph itself, or for a temporal network who was ever in contact with
        whom: each pair once, whatever the steps (same people and ids)."""
        if self.edge_step is None:
            return self
        src = np.repeat(np.arange(self.n_nodes, dtype=self.indices.dtype), self.degree)
        return Graph.from_edges(src, self.indices, self.n_nodes, directed=self.directed,
                                node_ids=self.node_ids)

    def with_weights(self, weights: np.ndarray) -> Graph:
        """This graph with one weight per tie (in the order of :meth:`edges`; each
        undirected tie's weight goes to both of its rows).

        Examples
        --------
        >>> g = Graph.from_edges([0, 1], [1, 2]).with_weights(np.array([3.0, 0.5]))
        >>> g.edge_weight.tolist(), g.strength.tolist()
        ([3.0, 3.0, 0.5, 0.5], [3.0, 3.5, 0.5])
        """
        src, dst = self.edges()
        return Graph.from_weighted_edges(
            src, dst, weights, self.n_nodes, directed=self.directed, node_ids=self.node_ids
        )

    @property
    def weighted(self) -> bool:
        """Whether ties have weights of their own."""
        return self.edge_weight is not None

    @property
    def strength(self) -> np.ndarray:
        """Each person's out-strength: the sum of the weights of their ties out (their
        out-degree when unweighted). Summed row by row in order."""
        if self.edge_weight is None:
            return self.degree.astype(np.float64)
        return self.cached("strength", lambda: _row_sums(self.indptr, self.edge_weight))

    @property
    def in_strength(self) -> np.ndarray:
        """Each person's in-strength: the sum of the weights of the ties that reach them,
        summed in the order of their row in :meth:`reversed` (rules and the reference
        read this one array, so their sums agree to the last bit)."""
        if not self.directed:
            return self.strength
        return self.cached("in_strength", lambda: self.reversed().strength)

    @property
    def n_nodes(self) -> int:
        """Number of people."""
        return self.indptr.size - 1

    @property
    def n_edges(self) -> int:
        """Number of ties: undirected friendships counted once, directed arcs each."""
        return int(self.indices.size if self.directed else self.indices.size // 2)

    @property
    def degree(self) -> np.ndarray:
        """Out-degree of each person (the number of people their shares reach)."""
        return self.cached("degree", lambda: np.diff(self.indptr).astype(np.int64))

    @property
    def in_degree(self) -> np.ndarray:
        """In-degree of each person (how many people they see); equals degree if undirected."""
        if not self.directed:
            return self.degree
        return self.cached(
            "in_degree", lambda: np.bincount(self.indices, minlength=self.n_nodes)
        )

    def neighbors(self, node: int) -> np.ndarray:
        """The people ``node``'s messages reach (its out-neighbours)."""
        return self.indices[self.indptr[node] : self.indptr[node + 1]]

    def edges(self) -> tuple[np.ndarray, np.ndarray]:
        """Endpoint arrays ``(src, dst)``; each undirected edge once with ``src < dst``."""
        src = np.repeat(np.arange(self.n_nodes, dtype=self.indices.dtype), self.degree)
        dst = self.indices
        if not self.directed:
            keep = src < dst
            src, dst = src[keep], dst[keep]
        return src, dst

    def edges_weights(self) -> np.ndarray:
        """The weight of each tie, in the order of :meth:`edges` (1 when unweighted)."""
        if self.edge_weight is None:
            return np.ones(self.n_edges)
        if self.directed:
            return self.edge_weight.copy()
        src = np.repeat(np.arange(self.n_nodes, dtype=self.indices.dtype), self.degree)
        return self.edge_weight[src < self.indices]

    def reversed(self) -> Graph:
        """The graph with every arc reversed (who each person listens to).

        Undirected graphs are their own reverse.
        """
        if not self.directed:
            return self
        return self.cached("reversed", self._build_reversed)

    def _build_reversed(self) -> Graph:
        if self.edge_step is not None:
            src = np.repeat(np.arange(self.n_nodes), self.degree)
            return Graph.from_contacts(
                self.indices, src, self.edge_step, self.n_nodes, directed=True,
                node_ids=self.node_ids, until=self.edge_until,
            )
        if self.edge_weight is not None:
            src = np.repeat(np.arange(self.n_nodes), self.degree)
            return Graph.from_weighted_edges(
                self.indices, src, self.edge_weight, self.n_nodes, directed=True,
                node_ids=self.node_ids,
            )
        if self.edge_layer is not None:
            src = np.repeat(np.arange(self.n_nodes), self.degree)
            return Graph.from_layered_arcs(
                self.indices, src, self.edge_layer, self.n_nodes, self.layer_names,
                directed=True,
            )
        src, dst = self.edges()
        return Graph.from_edges(dst, src, self.n_nodes, directed=True, node_ids=self.node_ids)

    def undirected(self) -> Graph:
        """The graph itself if undirected, else its undirected version: ``u - v`` when
        ``u -> v`` or ``v -> u``, once (same people and ids; layers are dropped; a
        temporal network gives who was ever in contact).

        The measures that ignore direction (clustering, components, path lengths in
        :mod:`sim.network.stats`; core numbers and communities in
        :mod:`sim.network.centrality`) all take this one. Made anew on each call, not
        kept with the graph.

        Examples
        --------
        >>> follows = Graph.from_edges([0, 1, 2], [1, 0, 1], directed=True)  # 0 <-> 1 <- 2
        >>> ties = follows.undirected()
        >>> ties.directed, ties.n_edges, ties.neighbors(1).tolist()
        (False, 2, [0, 2])
        """
        if not self.directed:
            return self.static()
        src, dst = self.edges()
        return Graph.from_edges(src, dst, self.n_nodes, directed=False, node_ids=self.node_ids)

    def original_ids(self, nodes: np.ndarray) -> np.ndarray:
        """Map internal indices to the ids the user knows (edge-list ids)."""
        nodes = np.asarray(nodes)
        return nodes.copy() if self.node_ids is None else self.node_ids[nodes]

    def internal_index(self, ids) -> np.ndarray:
        """Map original ids to internal indices; raises ``KeyError`` naming a missing id."""
        ids = list(ids)
        if self.node_ids is None:  # people are numbered 0 .. n-1: an id is a number
            bad = [i for i in ids if not _is_index(i, self.n_nodes)]
            out = np.asarray([i if _is_index(i, self.n_nodes) else -1 for i in ids],
                             dtype=np.int64)
        else:
            lookup = self.cached(
                "id_lookup", lambda: {str(k): i for i, k in enumerate(self.node_ids.tolist())}
            )
            bad = [i for i in ids if str(i) not in lookup]
            out = np.asarray([lookup.get(str(i), -1) for i in ids], dtype=np.int64)
        if bad:
            raise KeyError(bad[0])
        return out

    @property
    def nbytes(self) -> int:
        """Memory held by the CSR arrays (and the weights)."""
        extra = sum(array.nbytes for array in (self.edge_weight, self.edge_step,
                                               self.edge_until) if array is not None)
        return int(self.indptr.nbytes + self.indices.nbytes + extra)


def _sorted_unique_contacts(src, dst, steps, ends, n_nodes: int, *, lasting: bool):
    """The contacts sorted by ``(src, dst, step, end)``, each once. One int64 key per
    contact when the four fit in it (a sort of one array: ten times faster than
    ``lexsort`` on millions of contacts), else ``lexsort``. Without ``lasting``
    ends follow from steps and are left out of the key."""
    if src.size == 0:
        return src, dst, steps, ends
    low_step, low_end = int(steps.min()), int(ends.min())
    n_steps = int(steps.max()) - low_step + 1
    n_ends = int(ends.max()) - low_end + 1 if lasting else 1
    if n_nodes * n_nodes * n_steps * n_ends < 2**62:
        key = (src * n_nodes + dst) * n_steps + (steps - low_step)
        if lasting:
            key = key * n_ends + (ends - low_end)
        key.sort()  # (numpy 2.4's np.unique is thirty times slower than this)
        key = key[np.concatenate(([True], key[1:] != key[:-1]))]  # each once
        if lasting:
            key, ends = np.divmod(key, n_ends)
            ends += low_end
        key, steps = np.divmod(key, n_steps)
        steps += low_step
        src, dst = np.divmod(key, n_nodes)
        return src, dst, steps, ends if lasting else steps + 1
    order = np.lexsort((ends, steps, dst, src))
    src, dst, steps, ends = src[order], dst[order], steps[order], ends[order]
    first = np.ones(src.size, dtype=bool)
    first[1:] = ((src[1:] != src[:-1]) | (dst[1:] != dst[:-1]) | (steps[1:] != steps[:-1])
                 | (ends[1:] != ends[:-1]))
    return src[first], dst[first], steps[first], ends[first]


def _is_index(node_id, n_nodes: int) -> bool:
    """Whether ``node_id`` is a whole number from 0 to ``n_nodes - 1``."""
    return isinstance(node_id, int | np.integer) and not isinstance(node_id, bool) and (
        0 <= node_id < n_nodes)


@numba.njit(cache=True)
def _row_sums(indptr, values):
    """``values`` summed row by row, each row in order from its start."""
    sums = np.zeros(indptr.size - 1)
    for row in range(indptr.size - 1):
        total = 0.0
        for entry in range(indptr[row], indptr[row + 1]):
            total += values[entry]
        sums[row] = total
    return sums
