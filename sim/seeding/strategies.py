"""Seeding strategies: who starts a message, each strategy's order of preference.

:func:`choose_seeds` reads a message's ``seeding`` section and returns its seeds. The
centralities the strategies rank by live in :mod:`sim.network.centrality`, costs and
budgets in :mod:`sim.seeding.costs`, the adaptive strategies in :mod:`sim.seeding.greedy`.

Every strategy is deterministic for a given generator (the run's seeding stream),
and every tie is broken by a random permutation drawn from it, so no id order is
favoured. "Followers" are the people a person's shares reach: neighbours in an
undirected network, out-neighbours in a directed one (arcs point from the followed
to the follower, ``sim.network.graph``).

Strategies (``Seeding.strategy``):

- ``random``: people drawn uniformly without replacement.
- ``top_degree``: the most followers first.
- ``top_pagerank``: the highest PageRank first (damping 0.85), with rank flowing
  from each person to the people they listen to
  (:func:`~sim.network.centrality.pagerank`).
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
  planning probability ``p`` (:func:`~sim.seeding.greedy.degree_discount_seeds`).
- ``greedy``: influence maximization by lazy greedy (CELF, Leskovec et al. 2007)
  on Monte Carlo estimates from live-edge samples (Kempe, Kleinberg and Tardos
  2003) (:func:`~sim.seeding.greedy.greedy_seeds`).
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
with a relative slack of 1e-9, so ten seeds at 0.1 fit a budget of 1
(:mod:`sim.seeding.costs`).
"""

from __future__ import annotations

import numpy as np

from sim.config import RuleSpec, Seeding
from sim.errors import InputError
from sim.network.centrality import betweenness, communities, core_numbers, pagerank
from sim.network.graph import Graph
from sim.rules import names, rule_class
from sim.seeding.costs import BUDGET_SLACK, person_costs, seed_cost, take_within_budget
from sim.seeding.greedy import GREEDY_MEMORY, GREEDY_SAMPLES, degree_discount_seeds, greedy_seeds

BETWEENNESS_SOURCES = 500  # default sampled sources of the betweenness strategy


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


# ------------------------------------------------------------------ the seeding section
def _planning_probability(seeding: Seeding, rule, source: str, key: str) -> float:
    """The independent-cascade probability ``degree_discount`` and ``greedy`` plan
    with: ``seeding.p``, else what the message's rule offers, else an error."""
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


def _listed_nodes(graph: Graph, seeding: Seeding, source: str, key: str) -> np.ndarray:
    """The ``nodes`` strategy: the listed ids as sorted internal indices; an error if
    an id is unknown or, with a budget, if together they cost more."""
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
