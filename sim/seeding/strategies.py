"""Seeding strategies: who starts a message, what the seeds cost, and the budget.

Every strategy is deterministic for a given generator (the run's seeding stream),
and every tie is broken by a random permutation drawn from it, so no id order is
favoured. "Followers" are the people a person's shares reach: neighbours in an
undirected network, out-neighbours in a directed one (arcs point from the followed
to the follower, ``sim.network.graph``).

Strategies (``Seeding.strategy``):

- ``random``: people drawn uniformly without replacement.
- ``top_degree``: the most followers first.
- ``top_pagerank``: the highest PageRank first (damping 0.85), with rank flowing
  from each person to the people they listen to (:func:`pagerank`).
- ``kcore``: the innermost k-core first (highest core number of the undirected
  network, Batagelj and Zaversnik 2003; Kitsak et al. 2010), random within a core.
- ``betweenness``: the highest shortest-path betweenness first (Brandes 2001),
  estimated from ``samples`` random sources on networks larger than that
  (Brandes and Pich 2007; default 500).
- ``community``: communities are found by ``method`` (networkx's Louvain or
  asynchronous label propagation, seeded from the stream), then seeds go round
  the communities, largest first, each time taking the member with the most
  followers not yet taken: one per community before any gets a second.
- ``degree_discount``: DegreeDiscountIC of Chen, Wang and Yang (2009) with the
  planning probability ``p`` (:func:`degree_discount_seeds`).
- ``greedy``: influence maximization by lazy greedy (CELF, Leskovec et al. 2007)
  on Monte Carlo estimates from live-edge samples (Kempe, Kleinberg and Tardos
  2003) (:func:`greedy_seeds`).
- ``random_neighbor``: a random friend of a random person, repeated until enough
  distinct people are found (the friendship paradox, Feld 1991): a person is
  picked with probability proportional to the sum, over the people who see
  them, of one over how many people those see (:func:`random_neighbor_order`).
  People who are nobody's friend come last, in random order.
- ``nodes``: the listed original ids.

Budgets: with ``budget`` each strategy walks its order of preference and takes
each person whose cost still fits what is left; a person who does not fit is
skipped for good (what is left only shrinks) and the next one is tried, until
``count`` seeds are taken (if given) or nobody left fits. Adaptive strategies
(degree_discount, greedy) apply the same rule at each pick. Sums are compared
with a relative slack of 1e-9, so ten seeds at 0.1 fit a budget of 1.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from sim.config import DegreeCost, FlatCost, RuleSpec, Seeding
from sim.errors import InputError
from sim.network.graph import Graph
from sim.rules import names, rule_class
from sim.rules.coins import chance_bits
from sim.seeding import kernels as kernels_seeding

BUDGET_SLACK = 1e-9  # relative: sums of decimal costs must not lose a seed to rounding
BETWEENNESS_SOURCES = 500  # default sampled sources of the betweenness strategy
GREEDY_SAMPLES = 1000  # default live-edge samples of greedy: 100 overfit (bench_celf.py)
GREEDY_MEMORY = 2**31  # bytes: greedy keeps one status byte per person and sample


def choose_seeds(
    graph: Graph,
    seeding: Seeding,
    rng: np.random.Generator,
    *,
    source: str = "<scenario>",
    key: str = "seeding",
    rule: RuleSpec | None = None,
) -> np.ndarray:
    """Return the internal indices (int32, distinct, sorted) of the people who start a message.

    Parameters
    ----------
    graph : Graph
        The network.
    seeding : Seeding
        The strategy, its count or budget, cost model and options.
    rng : numpy.random.Generator
        The run's seeding stream.
    source, key : str
        Where the seeding was declared, for error messages.
    rule : RuleSpec, optional
        The message's rule: its ``p`` is the planning probability of
        ``degree_discount`` and ``greedy`` when it is an independent cascade and
        ``seeding.p`` is not given.

    Raises
    ------
    InputError
        When more seeds are asked for than there are people, an id is unknown, the
        listed nodes cost more than the budget, or a strategy that plans with an
        independent-cascade probability has none.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0], [1, 2, 3])
    >>> choose_seeds(star, Seeding(strategy="top_degree", count=1), np.random.default_rng(0))
    array([0], dtype=int32)
    >>> cheap = Seeding(strategy="top_degree", budget=6,
    ...                 cost={"model": "degree", "base": 1, "per_neighbour": 1})
    >>> choose_seeds(star, cheap, np.random.default_rng(0))  # the hub costs 4, a leaf 2
    array([0, 1], dtype=int32)
    """
    n_nodes = graph.n_nodes
    if seeding.strategy == "nodes":
        return _listed_nodes(graph, seeding, source, key)
    if seeding.count is not None and seeding.count > n_nodes:
        raise InputError(
            source, f"{key}.count", seeding.count, f"at most the number of people, {n_nodes}"
        )
    max_count = seeding.n_seeds if seeding.budget is None or seeding.count is not None else n_nodes
    strategy = seeding.strategy
    if strategy in ("degree_discount", "greedy"):
        p = _planning_probability(seeding, rule, source, key)
    samples = seeding.samples or GREEDY_SAMPLES
    if strategy == "greedy" and samples * n_nodes > GREEDY_MEMORY:
        raise InputError(
            source,
            f"{key}.samples",
            samples,
            f"at most {GREEDY_MEMORY // n_nodes} on {n_nodes} people "
            "(greedy keeps a byte per person and sample)",
        )
    if max_count == 0 or seeding.budget == 0:
        return np.empty(0, dtype=np.int32)
    costs = None if seeding.budget is None else person_costs(graph, seeding.cost)
    if strategy == "degree_discount":
        chosen = degree_discount_seeds(graph, p, max_count, rng, costs=costs, budget=seeding.budget)
    elif strategy == "greedy":
        chosen = greedy_seeds(
            graph,
            p,
            rng,
            count=max_count,
            samples=samples,
            objective=seeding.objective,
            costs=costs,
            budget=seeding.budget,
        ).seeds
    elif strategy == "random" and costs is None:
        chosen = rng.choice(n_nodes, size=max_count, replace=False)
    else:
        order = preference_order(graph, seeding, rng)
        chosen = (
            order[:max_count]
            if costs is None
            else take_within_budget(order, costs, max_count, seeding.budget)
        )
    return np.sort(np.asarray(chosen)).astype(np.int32)


def preference_order(graph: Graph, seeding: Seeding, rng: np.random.Generator) -> np.ndarray:
    """Everyone, in the order an order-based strategy prefers them (int64).

    For ``random``, ``top_degree``, ``top_pagerank``, ``kcore``, ``betweenness``,
    ``community`` and ``random_neighbor``; the adaptive strategies have no fixed order.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> path = Graph.from_edges([0, 1, 2, 3], [1, 2, 3, 4])
    >>> preference_order(path, Seeding(strategy="betweenness"), np.random.default_rng(1))[:3]
    array([2, 1, 3])
    """
    strategy = seeding.strategy
    if strategy == "random":
        return rng.permutation(graph.n_nodes)
    if strategy == "top_degree":
        return rank_by_score(graph.degree, rng)
    if strategy == "top_pagerank":
        return rank_by_score(_rounded(pagerank(graph)), rng)
    if strategy == "kcore":
        return rank_by_score(core_numbers(graph), rng)
    if strategy == "betweenness":
        n_sources = seeding.samples or BETWEENNESS_SOURCES
        if n_sources >= graph.n_nodes:
            sources = None
        else:
            sources = rng.choice(graph.n_nodes, size=n_sources, replace=False)
        return rank_by_score(_rounded(betweenness(graph, sources)), rng)
    if strategy == "community":
        return community_order(graph, communities(graph, seeding.method, rng), rng)
    if strategy == "random_neighbor":
        return random_neighbor_order(graph, rng)
    raise ValueError(f"strategy {strategy!r} has no fixed order of preference")


def _rounded(score: np.ndarray) -> np.ndarray:
    """Scores to 9 significant digits of the largest: sums taken in different orders
    differ in their last bits, and ranking those bits would break true ties (people
    in symmetric positions) by id order instead of at random."""
    scale = np.abs(score).max(initial=0.0)
    return score if scale == 0 else np.round(score / scale, 9)


# ------------------------------------------------------------------ costs
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


def cost_metrics(total_cost: float, reach: int, adopters: int) -> dict[str, float]:
    """A campaign's cost, its cost per person reached and per adopter (seeds included
    in both, as in ``runs.parquet``); NaN where nobody was reached or adopted.

    Examples
    --------
    >>> cost_metrics(120.0, reach=60, adopters=8)
    {'cost': 120.0, 'cost_per_reach': 2.0, 'cost_per_adopter': 15.0}
    """
    return {
        "cost": float(total_cost),
        "cost_per_reach": total_cost / reach if reach else float("nan"),
        "cost_per_adopter": total_cost / adopters if adopters else float("nan"),
    }


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
    return kernels_seeding._take_within_budget(
        order, costs, int(max_count), float(budget) * (1.0 + BUDGET_SLACK)
    )


# ------------------------------------------------------------------ orders and scores
def rank_by_score(score: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """All indices, highest score first, ties broken by a random permutation.

    Examples
    --------
    >>> rank_by_score(np.array([1, 5, 5, 2]), np.random.default_rng(0)).tolist()
    [1, 2, 3, 0]
    """
    tie_break = rng.permutation(score.size)
    return np.lexsort((tie_break, -np.asarray(score)))


def top_by_score(score: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of the ``count`` highest scores (sorted), ties broken by a random permutation.

    Examples
    --------
    >>> top_by_score(np.array([1, 5, 5, 2]), 2, np.random.default_rng(0)).tolist()
    [1, 2]
    """
    return np.sort(rank_by_score(score, rng)[:count])


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
    rank, _ = kernels_seeding._pagerank_pull(
        graph.indptr,
        graph.indices,
        listens_to,
        float(damping),
        float(tolerance),
        int(max_iterations),
    )
    return rank


def _undirected(graph: Graph) -> Graph:
    if not graph.directed:
        return graph
    src, dst = graph.edges()
    return Graph.from_edges(src, dst, graph.n_nodes, directed=False)


def core_numbers(graph: Graph) -> np.ndarray:
    """Core number of everyone in the undirected network (arcs taken as ties).

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> triangle_with_tail = Graph.from_edges([0, 1, 2, 2], [1, 2, 0, 3])
    >>> core_numbers(triangle_with_tail).tolist()
    [2, 2, 2, 1]
    """
    undirected = _undirected(graph)
    return kernels_seeding._core_numbers(undirected.indptr, undirected.indices)


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
    return kernels_seeding._betweenness_from_sources(graph.indptr, graph.indices, sources)


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
    import networkx as nx

    seed = int(rng.integers(2**32))
    # the labels depend only on the network, the method and the seed, and common
    # random numbers give every point of a replication the same seed: find them once
    cached = graph._cache.get(("communities", method, seed))
    if cached is not None:
        return cached.copy()
    undirected = _undirected(graph)
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
    graph._cache[("communities", method, seed)] = labels
    return labels.copy()


def community_order(graph: Graph, labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Everyone, round-robin over communities: the best of each community (most
    followers), largest community first, then the second best of each, and so on.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> g = Graph.from_edges([0, 0, 0, 4], [1, 2, 3, 5])
    >>> community_order(g, np.array([0, 0, 0, 0, 1, 1]), np.random.default_rng(0))[:2].tolist()
    [0, 4]
    """
    labels = np.asarray(labels, dtype=np.int64)
    sizes = np.bincount(labels)
    community_rank = np.empty(sizes.size, dtype=np.int64)
    community_rank[rank_by_score(sizes, rng)] = np.arange(sizes.size)
    preferred = rank_by_score(graph.degree, rng)
    by_community = preferred[np.argsort(labels[preferred], kind="stable")]
    first_of = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    place = np.empty(labels.size, dtype=np.int64)
    place[by_community] = np.arange(labels.size) - first_of[labels[by_community]]
    return np.lexsort((community_rank[labels], place))


def random_neighbor_order(graph: Graph, rng: np.random.Generator) -> np.ndarray:
    """Everyone, in the order "a random friend of a random person" finds them.

    Repeating "pick a person uniformly among those who see someone, then one of
    the people they see uniformly" and skipping people already found is weighted
    sampling without replacement, with weight ``w_v = sum over the people u who
    see v of 1 / (how many people u sees)``. It is drawn exactly and in one pass
    by sorting exponential keys ``E_v / w_v`` (Efraimidis and Spirakis 2006).
    People with ``w_v = 0`` (nobody's friend) come last, in random order.

    Examples
    --------
    >>> from sim.network.graph import Graph
    >>> star = Graph.from_edges([0, 0, 0, 0], [1, 2, 3, 4])
    >>> firsts = [random_neighbor_order(star, np.random.default_rng(s))[0] for s in range(1000)]
    >>> firsts.count(0)  # the hub: weight 4 against 1/4 for each leaf, so 4 times in 5
    808
    """
    n_nodes = graph.n_nodes
    sees = graph.in_degree.astype(np.float64)
    one_over = np.divide(1.0, sees, out=np.zeros(n_nodes), where=sees > 0)
    weight = np.bincount(
        np.repeat(np.arange(n_nodes), graph.degree),
        weights=one_over[graph.indices],
        minlength=n_nodes,
    )
    exponential = rng.standard_exponential(n_nodes)
    keys = np.divide(exponential, weight, out=np.full(n_nodes, np.inf), where=weight > 0)
    return np.lexsort((rng.permutation(n_nodes), keys))


# ------------------------------------------------------------------ adaptive strategies
def _planning_probability(seeding: Seeding, rule, source: str, key: str) -> float:
    if seeding.p is not None:
        return float(seeding.p)
    model = getattr(rule, "model", None)
    planned = rule_class(model).planning_probability(rule) if model in names() else None
    if planned is not None:
        return float(planned)
    return_rule = f"the message's rule is {model}" if model else "no rule was given"
    raise InputError(
        source,
        f"{key}.p",
        None,
        f"an independent-cascade probability for strategy {seeding.strategy} ({return_rule})",
    )


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
        totals = kernels_seeding._sample_gains(
            *self.arrays, self.status, self.keys, self.threshold, nodes, self.scratch
        )
        return totals[:, self.column]

    def add(self, node: int) -> None:
        kernels_seeding._add_seed(
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


def _listed_nodes(graph: Graph, seeding: Seeding, source: str, key: str) -> np.ndarray:
    try:
        nodes = graph.internal_index(seeding.nodes)
    except KeyError as missing:
        raise InputError(
            source, f"{key}.nodes", missing.args[0], "ids of people in the network"
        ) from None
    nodes = np.unique(nodes).astype(np.int32)
    if seeding.budget is not None:
        total = seed_cost(graph, nodes, seeding.cost)
        if total > seeding.budget * (1.0 + BUDGET_SLACK):
            raise InputError(
                source,
                f"{key}.budget",
                seeding.budget,
                f"at least what the listed nodes cost, {total:g}",
            )
    return nodes
