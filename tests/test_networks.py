"""Generators: structure, reproducibility and the statistics theory predicts."""

from __future__ import annotations

import random

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from sim import config
from sim.network.generators import (
    _unordered_pair,
    barabasi_albert,
    build_network,
    complete,
    erdos_renyi,
    follower,
    from_networkx,
    holme_kim,
    newman_watts,
    ring_lattice,
    stochastic_block,
    to_networkx,
    watts_strogatz,
)
from sim.network.graph import Graph

# name -> (build with a given rng, expected nodes, expected ties or None when random)
GENERATORS = {
    "watts_strogatz": (lambda rng: watts_strogatz(500, 6, 0.3, rng=rng), 500, 1500),
    "newman_watts": (lambda rng: newman_watts(500, 6, 0.3, rng=rng), 500, None),
    "erdos_renyi": (lambda rng: erdos_renyi(500, 0.02, rng=rng), 500, None),
    "barabasi_albert": (lambda rng: barabasi_albert(500, 3, rng=rng), 500, 3 * 497),
    "holme_kim": (lambda rng: holme_kim(500, 3, 0.7, rng=rng), 500, None),
    "stochastic_block": (
        lambda rng: stochastic_block([200, 300], 0.05, 0.005, rng=rng),
        500,
        None,
    ),
    "follower": (lambda rng: follower(500, 3, 0.3, rng=rng), 500, None),
}


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


def average_clustering(graph: Graph) -> float:
    """Mean local clustering (people with fewer than two ties count as 0, as networkx)."""
    n = graph.n_nodes
    adjacency = sp.csr_matrix((np.ones(graph.indices.size), graph.indices, graph.indptr), (n, n))
    triangles = np.asarray((adjacency @ adjacency).multiply(adjacency).sum(axis=1)).ravel() / 2
    degree = graph.degree
    pairs = degree * (degree - 1) / 2
    return float(np.where(degree > 1, triangles / np.maximum(pairs, 1), 0.0).mean())


def assert_simple(graph: Graph) -> None:
    """Sorted rows, no self-loops, no repeats; undirected rows mirror each other."""
    src = np.repeat(np.arange(graph.n_nodes), graph.degree)
    dst = graph.indices.astype(np.int64)
    assert not (src == dst).any(), "self-loop"
    same_row = src[1:] == src[:-1]
    assert (dst[1:][same_row] > dst[:-1][same_row]).all(), "row unsorted or repeated"
    assert graph.dropped_self_loops == 0 and graph.dropped_duplicates == 0
    if not graph.directed:
        forward = set(zip(src.tolist(), dst.tolist(), strict=True))
        assert forward == set(zip(dst.tolist(), src.tolist(), strict=True)), "CSR not symmetric"


def within_standard_errors(observed: float, mean: float, variance: float, k: float = 4.0):
    assert abs(observed - mean) <= k * np.sqrt(variance), (observed, mean, np.sqrt(variance))


# --------------------------------------------------------------- every generator
@pytest.mark.parametrize("name", GENERATORS)
def test_generator_builds_a_simple_graph_of_the_right_size(name):
    build, n_nodes, n_edges = GENERATORS[name]
    graph = build(_rng(1))
    assert graph.n_nodes == n_nodes
    assert graph.n_edges > 0
    if n_edges is not None:
        assert graph.n_edges == n_edges
    assert graph.directed == (name == "follower")
    assert_simple(graph)


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_graph_other_seed_other_graph(name):
    build = GENERATORS[name][0]
    first, again, other = build(_rng(11)), build(_rng(11)), build(_rng(12))
    assert np.array_equal(first.indptr, again.indptr)
    assert np.array_equal(first.indices, again.indices)
    differs = first.indices.size != other.indices.size or not np.array_equal(
        first.indices, other.indices
    )
    assert differs


@pytest.mark.parametrize("name", GENERATORS)
def test_randomness_comes_only_from_the_given_rng(name):
    np.random.seed(0)  # noqa: NPY002  (checking the legacy global state is untouched)
    random.seed(0)
    numpy_state = np.random.get_state()[1].copy()  # noqa: NPY002
    stdlib_state = random.getstate()
    rng = _rng(5)
    before = rng.bit_generator.state
    GENERATORS[name][0](rng)
    assert rng.bit_generator.state != before, "the given rng was not used"
    numpy_after = np.random.get_state()[1]  # noqa: NPY002
    assert np.array_equal(numpy_after, numpy_state), "np.random module state used"
    assert random.getstate() == stdlib_state, "stdlib random used"


def test_rng_must_be_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        watts_strogatz(10, 2, 0.1, rng=np.random.RandomState(0))


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: ring_lattice(10, 3), "even"),
        (lambda: watts_strogatz(10, 10, 0.1, rng=_rng(0)), "even"),
        (lambda: newman_watts(10, 4, 1.5, rng=_rng(0)), "probability"),
        (lambda: erdos_renyi(10, -0.1, rng=_rng(0)), "probability"),
        (lambda: barabasi_albert(5, 5, rng=_rng(0)), "m must"),
        (lambda: holme_kim(5, 0, 0.5, rng=_rng(0)), "m must"),
        (lambda: stochastic_block([3, 0], 0.5, 0.1, rng=_rng(0)), "sizes"),
        (lambda: follower(4, 2, 2.0, rng=_rng(0)), "probability"),
        (lambda: complete(0), "at least 1"),
    ],
)
def test_bad_parameters_are_refused(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# ------------------------------------------------------------- lattices and WS
def test_ring_lattice_ties_each_person_to_its_k_nearest():
    graph = ring_lattice(10, 4)
    assert graph.neighbors(0).tolist() == [1, 2, 8, 9]
    assert graph.neighbors(5).tolist() == [3, 4, 6, 7]
    assert graph.n_edges == 20
    assert_simple(graph)


@pytest.mark.parametrize("k", [4, 10])
def test_watts_strogatz_without_rewiring_has_lattice_clustering_exactly(k):
    graph = watts_strogatz(2000, k, 0.0, rng=_rng(0))
    assert average_clustering(graph) == pytest.approx(3 * (k - 2) / (4 * (k - 1)), abs=1e-12)
    assert np.array_equal(graph.indices, ring_lattice(2000, k).indices)


@pytest.mark.parametrize("p", [0.1, 0.2])
def test_watts_strogatz_clustering_follows_barrat_weigt(p):
    k = 10
    graph = watts_strogatz(5000, k, p, rng=_rng(3))
    expected = 3 * (k - 2) / (4 * (k - 1)) * (1 - p) ** 3
    assert average_clustering(graph) == pytest.approx(expected, abs=0.02)
    assert graph.degree.mean() == k  # rewiring moves ties, never adds or removes


def test_watts_strogatz_rewires_a_fraction_p_of_ties():
    n, k, p = 5000, 10, 0.3
    src, dst = watts_strogatz(n, k, p, rng=_rng(4)).edges()
    gap = np.abs(src.astype(np.int64) - dst)
    off_lattice = np.minimum(gap, n - gap) > k // 2
    # a rewired tie lands back on a lattice distance with chance about k / n: negligible
    within_standard_errors(off_lattice.mean(), p, p * (1 - p) / off_lattice.size)


def test_watts_strogatz_full_rewiring_of_a_tiny_dense_graph_terminates_simple():
    for seed in range(20):  # degree n - 1 people cannot rewire: must skip, not loop
        graph = watts_strogatz(7, 6, 1.0, rng=_rng(seed))
        assert graph.n_edges == 21
        assert_simple(graph)


def test_newman_watts_keeps_the_lattice_and_adds_about_p_shortcuts_per_tie():
    n, k, p = 5000, 6, 0.2
    graph = newman_watts(n, k, p, rng=_rng(5))
    lattice = ring_lattice(n, k)
    src, dst = lattice.edges()
    kept = {(a, b) for a, b in zip(*(x.tolist() for x in graph.edges()), strict=True)}
    assert all((a, b) in kept for a, b in zip(src.tolist(), dst.tolist(), strict=True))
    trials = n * k // 2
    within_standard_errors(graph.n_edges - trials, trials * p, trials * p * (1 - p))
    assert average_clustering(graph) < average_clustering(lattice)


# ------------------------------------------------------------------ Erdős-Rényi
@pytest.mark.parametrize(("n", "p"), [(3000, 0.002), (300, 0.7)])
def test_erdos_renyi_edge_count_is_binomial(n, p):
    pairs = n * (n - 1) / 2
    for seed in range(3):
        graph = erdos_renyi(n, p, rng=_rng(seed))
        within_standard_errors(graph.n_edges, pairs * p, pairs * p * (1 - p))
        assert_simple(graph)


def test_erdos_renyi_degrees_are_poisson_like():
    n, mean_degree = 20_000, 6.0
    degree = erdos_renyi(n, mean_degree / (n - 1), rng=_rng(9)).degree
    assert degree.mean() == pytest.approx(mean_degree, rel=0.03)
    assert degree.var() == pytest.approx(mean_degree, rel=0.08)  # Poisson: variance = mean
    assert (degree == 0).mean() == pytest.approx(np.exp(-mean_degree), abs=0.002)


def test_erdos_renyi_extremes():
    assert erdos_renyi(50, 0.0, rng=_rng(0)).n_edges == 0
    assert erdos_renyi(50, 1.0, rng=_rng(0)).n_edges == 50 * 49 // 2
    assert erdos_renyi(1, 0.5, rng=_rng(0)).n_nodes == 1


def test_pair_index_decoding_is_a_bijection_even_beyond_float_precision():
    n = 60
    i, j = _unordered_pair(np.arange(n * (n - 1) // 2))
    assert ((0 <= j) & (j < i) & (i < n)).all()
    assert len(set(zip(i.tolist(), j.tolist(), strict=True))) == n * (n - 1) // 2
    n = 10**8  # indices near 5e15 > 2**52: float sqrt alone would be off by one
    last = np.array([n * (n - 1) // 2 - 1, n * (n - 1) // 2 - n + 1, (n - 1) * (n - 2) // 2])
    i, j = _unordered_pair(last)
    assert i.tolist() == [n - 1, n - 1, n - 1] and j.tolist() == [n - 2, 0, 0]


# --------------------------------------------------------- preferential attachment
def test_barabasi_albert_has_m_n_minus_m_ties_and_min_degree_m():
    # networkx's formula too: a star on m + 1 people (m ties), then m per newcomer
    graph = barabasi_albert(3000, 4, rng=_rng(0))
    assert graph.n_edges == 4 * (3000 - 4)
    assert graph.degree.min() == 4


def test_barabasi_albert_attaches_proportionally_to_degree():
    # star 0-1; newcomer 2 picks 0 or 1 (degrees 1, 1); newcomer 3 then picks 0 with
    # chance 2/4 if 2 joined 0, else 1/4: overall 3/8
    runs = 4000
    hits = sum(
        int(barabasi_albert(4, 1, rng=_rng(seed)).neighbors(3)[0] == 0) for seed in range(runs)
    )
    within_standard_errors(hits / runs, 3 / 8, (3 / 8) * (5 / 8) / runs)


def test_barabasi_albert_degree_distribution_has_a_heavy_tail():
    m = 3
    small = barabasi_albert(500, m, rng=_rng(1)).degree
    large = barabasi_albert(20_000, m, rng=_rng(1)).degree
    assert large.max() > small.max()  # hubs keep growing, about as sqrt(n)
    assert large.max() > 20 * m  # a Poisson graph of this mean would top out near 20
    # the exact BA law p(k) = 2 m (m + 1) / (k (k + 1) (k + 2)) gives p(m) = 2 / (m + 2)
    assert (large == m).mean() == pytest.approx(2 / (m + 2), abs=0.02)


def _holme_kim_reference(n: int, m: int, p: float, seed: int) -> nx.Graph:
    """networkx's powerlaw_cluster_graph, candidates used in draw order (the oracle)."""
    draw = random.Random(seed)
    graph = nx.empty_graph(m)
    repeated = list(range(m))
    for source in range(m, n):
        candidates: list[int] = []
        while len(candidates) < m:
            x = draw.choice(repeated)
            if x not in candidates:
                candidates.append(x)
        candidates.reverse()
        target = candidates.pop()
        graph.add_edge(source, target)
        repeated.append(target)
        count = 1
        while count < m:
            if draw.random() < p:
                open_ = [x for x in graph[target] if x != source and not graph.has_edge(source, x)]
                if open_:
                    chosen = draw.choice(open_)
                    graph.add_edge(source, chosen)
                    repeated.append(chosen)
                    count += 1
                    continue
            target = candidates.pop()
            graph.add_edge(source, target)
            repeated.append(target)
            count += 1
        repeated.extend([source] * m)
    return graph


def test_holme_kim_matches_the_reference_statistically():
    n, m, p, runs = 1000, 3, 0.6, 4
    ours = [holme_kim(n, m, p, rng=_rng(s)) for s in range(runs)]
    reference = [_holme_kim_reference(n, m, p, s) for s in range(runs)]
    ours_c = np.mean([average_clustering(g) for g in ours])
    reference_c = np.mean([average_clustering(from_networkx(g)) for g in reference])
    assert ours_c == pytest.approx(reference_c, abs=0.03)
    ours_e = np.mean([g.n_edges for g in ours])
    assert ours_e == pytest.approx(np.mean([g.number_of_edges() for g in reference]), abs=10)
    assert all(g.n_edges <= m * (n - m) for g in ours)


def test_holme_kim_triangles_raise_clustering_above_barabasi_albert():
    without = average_clustering(holme_kim(3000, 4, 0.0, rng=_rng(2)))
    with_triangles = average_clustering(holme_kim(3000, 4, 0.9, rng=_rng(2)))
    assert with_triangles > without + 0.3
    assert holme_kim(3000, 4, 0.0, rng=_rng(2)).n_edges == 4 * (3000 - 4)


# ------------------------------------------------------------------------ blocks
def test_stochastic_block_counts_inside_and_across_are_binomial():
    sizes, p_in, p_out = [400, 600], 0.03, 0.004
    src, dst = stochastic_block(sizes, p_in, p_out, rng=_rng(8)).edges()
    same_block = (src < 400) == (dst < 400)
    inside_pairs = 400 * 399 / 2 + 600 * 599 / 2
    within_standard_errors(same_block.sum(), inside_pairs * p_in, inside_pairs * p_in * (1 - p_in))
    across_pairs = 400 * 600
    within_standard_errors(
        (~same_block).sum(), across_pairs * p_out, across_pairs * p_out * (1 - p_out)
    )


def test_stochastic_block_dense_and_empty_blocks():
    full = stochastic_block([5, 7], 1.0, 1.0, rng=_rng(0))
    assert full.n_edges == 12 * 11 // 2
    split = stochastic_block([5, 7], 1.0, 0.0, rng=_rng(0))
    assert split.n_edges == 10 + 21
    assert stochastic_block([1], 0.5, 0.5, rng=_rng(0)).n_nodes == 1


# ---------------------------------------------------------------------- follower
def test_follower_arcs_point_from_the_followed_to_the_follower():
    n, m = 2000, 3
    graph = follower(n, m, 0.0, rng=_rng(0))
    assert graph.directed
    assert graph.n_edges == sum(min(v, m) for v in range(n))
    src, dst = graph.edges()
    assert (src < dst).all()  # without follow-backs, only newcomers follow older people
    assert np.array_equal(graph.in_degree, np.minimum(np.arange(n), m))
    assert graph.degree.max() > 10 * m  # popular accounts gather many followers


def test_follower_reciprocity_fraction():
    n, m, reciprocity = 3000, 4, 0.25
    graph = follower(n, m, reciprocity, rng=_rng(1))
    src, dst = graph.edges()
    follows = int((src < dst).sum())
    follow_backs = int((src > dst).sum())
    arcs = set(zip(src.tolist(), dst.tolist(), strict=True))
    assert all((b, a) in arcs for a, b in zip(src.tolist(), dst.tolist(), strict=True) if a > b)
    within_standard_errors(
        follow_backs / follows, reciprocity, reciprocity * (1 - reciprocity) / follows
    )


def test_follower_choice_is_proportional_to_followers_plus_one():
    # 1 follows 0; then 0 has 1 follower (weight 2) and 1 has none (weight 1)
    runs = 3000
    hits = sum(2 in follower(3, 1, 0.0, rng=_rng(s)).neighbors(0) for s in range(runs))
    within_standard_errors(hits / runs, 2 / 3, (2 / 3) * (1 / 3) / runs)


# ---------------------------------------------------------------------- complete
def test_complete_graph():
    graph = complete(30)
    assert graph.n_edges == 435
    assert (graph.degree == 29).all()
    assert_simple(graph)
    assert complete(1).n_edges == 0


# ---------------------------------------------------------------------- dispatch
@pytest.mark.parametrize(
    ("spec", "n_nodes"),
    [
        ({"model": "watts_strogatz", "n": 200, "k": 4, "p": 0.1}, 200),
        ({"model": "newman_watts", "n": 200, "k": 4, "p": 0.1}, 200),
        ({"model": "ring_lattice", "n": 200, "k": 4}, 200),
        ({"model": "erdos_renyi", "n": 200, "mean_degree": 4}, 200),
        ({"model": "erdos_renyi", "n": 200, "p": 0.02}, 200),
        ({"model": "barabasi_albert", "n": 200, "m": 2}, 200),
        ({"model": "holme_kim", "n": 200, "m": 2, "p_triangle": 0.5}, 200),
        ({"model": "stochastic_block", "sizes": [50, 150], "p_in": 0.1, "p_out": 0.01}, 200),
        ({"model": "complete", "n": 20}, 20),
        ({"model": "follower", "n": 200, "m": 2, "reciprocity": 0.3}, 200),
    ],
)
def test_build_network_dispatches_every_model(spec, n_nodes):
    from pydantic import TypeAdapter

    parsed = TypeAdapter(config.NetworkSpec).validate_python(spec)
    graph = build_network(parsed, _rng(0))
    again = build_network(parsed, _rng(0))
    assert graph.n_nodes == n_nodes
    assert np.array_equal(graph.indices, again.indices)
    assert graph.directed == (spec["model"] == "follower")


def test_build_network_reads_an_edge_list(tmp_path):
    path = tmp_path / "ties.txt"
    path.write_text("a b\nb c\n")
    spec = config.EdgeList(model="edgelist", path=str(path), directed=True)
    graph = build_network(spec, _rng(0))
    assert graph.directed and graph.n_edges == 2
    assert graph.node_ids.tolist() == ["a", "b", "c"]


def test_erdos_renyi_mean_degree_spec_gives_that_mean():
    spec = config.ErdosRenyi(model="erdos_renyi", n=20_000, mean_degree=5)
    assert build_network(spec, _rng(0)).degree.mean() == pytest.approx(5, rel=0.03)


# ---------------------------------------------------------------------- networkx
@pytest.mark.parametrize(
    "graph",
    [
        watts_strogatz(300, 6, 0.2, rng=_rng(0)),
        follower(300, 3, 0.4, rng=_rng(0)),
        Graph.from_edges([0, 1], [1, 2], 4, node_ids=np.array(["x", "y", "z", "lonely"])),
        Graph.from_edges([0, 2], [1, 0], 3, node_ids=np.array([30, 10, 20])),
    ],
    ids=["undirected", "directed", "string-ids", "int-ids"],
)
def test_networkx_round_trip_keeps_csr_and_labels(graph):
    back = from_networkx(to_networkx(graph))
    assert np.array_equal(back.indptr, graph.indptr)
    assert np.array_equal(back.indices, graph.indices)
    assert back.directed == graph.directed
    if graph.node_ids is None:
        assert back.node_ids is None
    else:
        assert back.node_ids.tolist() == graph.node_ids.tolist()


def test_to_networkx_uses_original_ids_and_direction():
    graph = Graph.from_edges([0], [1], 2, directed=True, node_ids=np.array(["ann", "bob"]))
    nx_graph = to_networkx(graph)
    assert isinstance(nx_graph, nx.DiGraph)
    assert list(nx_graph.edges()) == [("ann", "bob")]


def test_from_networkx_labels_loops_and_multi_edges():
    karate = from_networkx(nx.karate_club_graph())
    assert karate.node_ids is None and karate.n_edges == 78
    shuffled = nx.Graph([(5, 3), (3, 9)])
    assert from_networkx(shuffled).node_ids.tolist() == [5, 3, 9]
    multi = nx.MultiGraph([(0, 1), (0, 1), (1, 1)])
    graph = from_networkx(multi)
    assert graph.n_edges == 1 and graph.dropped_duplicates == 1 and graph.dropped_self_loops == 1
    mixed = from_networkx(nx.Graph([(1, "a")]))
    assert mixed.node_ids.tolist() == ["1", "a"]
