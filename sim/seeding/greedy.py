"""Adaptive seeding: degree discount and greedy influence maximization (CELF).

Both pick one seed at a time and let each pick change the value of the rest, so
neither has a fixed order of preference (:mod:`sim.seeding.strategies` calls them
for ``degree_discount`` and ``greedy``). Both plan for an independent cascade with
probability ``p``; with a budget, a person whose cost does not fit what is left is
skipped for good, as in :func:`sim.seeding.costs.take_within_budget`.

Greedy's kernels (``@njit``, below; they trust their inputs) use the very coins of
the spreading kernel (:func:`sim.rules.coins.pair_bits` under a 64-bit key), so a key
is one "live-edge" sample of the independent cascade: the arc ``u -> v`` is live when
its coin falls below the threshold, and a seed set's cascade is everything reachable
from it along live arcs (Kempe, Kleinberg and Tardos 2003). Graphs are CSR
``(indptr, indices)`` with arcs ``u -> v`` meaning *v sees what u shares*
(:mod:`sim.network.graph`).
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from sim.jit import njit
from sim.network.graph import Graph
from sim.rules.coins import chance_bits, pair_bits
from sim.seeding.costs import BUDGET_SLACK

GREEDY_SAMPLES = 1000  # default live-edge samples of greedy: 100 overfit (bench_celf.py)
GREEDY_MEMORY = 2**31  # bytes: greedy keeps one status byte per person and sample

# status codes of a person in one live-edge sample
_NONE, _HEARD, _ADOPTED = np.uint8(0), np.uint8(1), np.uint8(2)


def degree_discount_seeds(
    graph: Graph,
    p: float,
    count: int,
    rng: np.random.Generator,
    *,
    costs: np.ndarray | None = None,
    budget: float | None = None,
) -> np.ndarray:
    """DegreeDiscountIC (Chen, Wang and Yang 2009), in order of choice.

    Each person starts with score ``d_v`` (followers). Repeatedly the highest
    score is taken (ties at random); then every follower ``v`` of the new seed not
    yet taken has ``t_v`` (its number of seeded neighbours) raised by one and its
    score set to ``d_v - 2 t_v - (d_v - t_v) t_v p``. In a directed network ``t_v``
    counts seeds among the people ``v`` sees. With a budget, a person whose cost
    does not fit what is left is skipped for good.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> g = Graph.from_edges([0, 0, 0, 1, 4, 4], [1, 2, 3, 2, 5, 6])
    >>> degree_discount_seeds(g, 0.1, 2, np.random.default_rng(0)).tolist()
    [0, 4]
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    n_nodes = graph.n_nodes
    followers = graph.degree.astype(np.float64)
    score = followers.copy()
    seeded_neighbours = np.zeros(n_nodes, dtype=np.int64)
    done = np.zeros(n_nodes, dtype=bool)
    tie_break = rng.permutation(n_nodes)
    heap = list(zip((-score).tolist(), tie_break.tolist(), range(n_nodes), strict=True))
    heapq.heapify(heap)
    left = math.inf if budget is None else budget * (1.0 + BUDGET_SLACK)
    chosen: list[int] = []
    while heap and len(chosen) < count:
        negative_score, _, node = heapq.heappop(heap)
        if done[node] or -negative_score != score[node]:
            continue  # taken, skipped, or an outdated score
        done[node] = True
        if costs is not None and costs[node] > left:
            continue
        chosen.append(node)
        if costs is not None:
            left -= costs[node]
        for neighbour in graph.neighbors(node).tolist():
            if done[neighbour]:
                continue
            seeded_neighbours[neighbour] += 1
            t, d = seeded_neighbours[neighbour], followers[neighbour]
            score[neighbour] = d - 2.0 * t - (d - t) * t * p
            heapq.heappush(heap, (-score[neighbour], int(tie_break[neighbour]), neighbour))
    return np.asarray(chosen, dtype=np.int64)


@dataclass(frozen=True)
class GreedyResult:
    """What :func:`greedy_seeds` chose and how.

    ``seeds`` in order of choice; ``gains[i]`` the estimated expected increase of
    the objective from ``seeds[i]``; ``value`` their sum (the estimated expected
    reach or adopters of the set, on the samples); ``evaluations`` how many
    marginal gains were computed (each runs one search per sample), including one
    per person at the start; ``variant`` ``unit`` or ``cost_benefit``.
    """

    seeds: np.ndarray
    gains: np.ndarray
    value: float
    evaluations: int
    variant: str


def greedy_seeds(
    graph: Graph,
    p: float,
    rng: np.random.Generator,
    *,
    count: int,
    samples: int = GREEDY_SAMPLES,
    objective: str = "reach",
    costs: np.ndarray | None = None,
    budget: float | None = None,
) -> GreedyResult:
    """Greedy influence maximization with lazy evaluation (CELF).

    The expected ``objective`` (``reach``: people who hear, seeds included;
    ``adopters``: people who share) of an independent cascade with probability
    ``p`` is estimated on ``samples`` live-edge samples, each the coin key of one
    cascade drawn once from ``rng`` (sample average approximation). On each sample
    both objectives are coverage functions of the seed set (the union of what each
    seed reaches along live arcs, with their followers for reach), so the estimate
    is monotone and submodular, and CELF's lazy evaluation (an outdated gain is an
    upper bound) picks exactly what plain greedy would on the same samples, with
    the same random tie-break. Marginal gains are computed incrementally: a search
    from a candidate stops where the chosen set's cascade already is.

    Without a budget, or with equal costs, this is unit-cost greedy up to
    ``count`` seeds. With a budget and unequal costs it runs unit-cost greedy
    (largest gain that fits) and cost-benefit greedy (largest gain per unit cost
    that fits) and returns the one with the larger estimate, as Leskovec et al.
    (2007) do, which keeps a constant-factor guarantee that neither has alone.

    The samples come from the seeding stream, never from the run's own coins, so
    the plan cannot peek at the cascade it will face. Memory: one byte per person
    and sample. Modifiers (influence, susceptibility) are not planned for.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> two_stars = Graph.from_edges([0, 0, 0, 4, 4], [1, 2, 3, 5, 6])
    >>> result = greedy_seeds(two_stars, 0.0, np.random.default_rng(0), count=2, samples=10)
    >>> result.seeds.tolist(), result.value
    ([0, 4], 7.0)
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must lie in [0, 1], got {p}")
    if objective not in ("reach", "adopters"):
        raise ValueError(f"objective must be reach or adopters, got {objective!r}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    n_nodes = graph.n_nodes
    keys = rng.integers(0, 2**64, size=samples, dtype=np.uint64)
    tie_break = rng.permutation(n_nodes)
    column = 0 if objective == "reach" else 1
    search = _LiveEdgeSearch(graph, keys, chance_bits(float(p)), column)
    first_gains = search.gains(np.arange(n_nodes, dtype=np.int32))
    evaluations = n_nodes
    variants = ["unit"]
    if costs is not None and budget is not None and np.ptp(costs) > 0:
        variants.append("cost_benefit")
    best = None
    for variant in variants:
        search.clear()
        weights = costs if variant == "cost_benefit" else np.ones(n_nodes)
        seeds, gains, n_evaluated = _lazy_greedy(
            search, first_gains, weights, tie_break, count, costs, budget
        )
        evaluations += n_evaluated
        value = float(np.sum(gains)) / samples
        if best is None or value > best[2]:
            best = (seeds, gains / samples, value, variant)
    seeds, gains, value, variant = best
    return GreedyResult(seeds, gains, value, evaluations, variant)


class _LiveEdgeSearch:
    """The chosen set's cascades on fixed live-edge samples, and gains over them."""

    def __init__(self, graph: Graph, keys: np.ndarray, threshold, column: int) -> None:
        n_nodes = graph.n_nodes
        self.arrays = (graph.indptr, graph.indices)
        self.keys, self.threshold, self.column = keys, threshold, column
        self.status = np.zeros((keys.size, n_nodes), dtype=np.uint8)
        self.scratch = (
            np.zeros(n_nodes + 1, np.uint8),
            np.empty(n_nodes + 1, np.int32),
            np.empty(n_nodes + 1, np.int32),
        )

    def clear(self) -> None:
        self.status[:] = 0

    def gains(self, nodes: np.ndarray) -> np.ndarray:
        """Summed (over samples) marginal gains of each node, int64."""
        totals = _sample_gains(
            *self.arrays, self.status, self.keys, self.threshold, nodes, self.scratch
        )
        return totals[:, self.column]

    def add(self, node: int) -> None:
        _add_seed(
            *self.arrays,
            self.status,
            self.keys,
            self.threshold,
            np.int32(node),
            self.scratch[1],
        )


def _lazy_greedy(search, first_gains, weights, tie_break, count, costs, budget):
    """CELF: a heap of gains (per unit of ``weights``), each stamped with the size of
    the seed set it was computed for; a stale top is recomputed and pushed back, a
    fresh top is taken. Returns ``(seeds, summed gains, evaluations)``."""
    heap = [
        (-(gain / weight), int(tie), node, 0, int(gain))
        for node, (gain, weight, tie) in enumerate(
            zip(first_gains.tolist(), weights.tolist(), tie_break.tolist(), strict=True)
        )
    ]
    heapq.heapify(heap)
    left = math.inf if budget is None else budget * (1.0 + BUDGET_SLACK)
    seeds: list[int] = []
    gains: list[int] = []
    evaluations = 0
    one = np.empty(1, dtype=np.int32)
    while heap and len(seeds) < count:
        _, tie, node, stamp, gain = heapq.heappop(heap)
        if costs is not None and costs[node] > left:
            continue  # does not fit what is left, and never will
        if stamp == len(seeds):
            search.add(node)
            seeds.append(node)
            gains.append(gain)
            if costs is not None:
                left -= costs[node]
            continue
        one[0] = node
        gain = int(search.gains(one)[0])
        evaluations += 1
        heapq.heappush(heap, (-(gain / weights[node]), tie, node, len(seeds), gain))
    return np.asarray(seeds, dtype=np.int64), np.asarray(gains, dtype=np.float64), evaluations


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
