"""Network statistics against networkx, and against the published SNAP Facebook figures."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numba
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path

from sim.network.graph import Graph
from sim.network.stats import (
    _bfs_from_sources,
    connected_components,
    local_clustering,
    network_stats,
    shortest_path_stats,
    transitivity,
    triangles_per_node,
)

FACEBOOK = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "facebook_combined.txt"


def to_graph(nx_graph: nx.Graph) -> Graph:
    """Our CSR graph of a networkx graph, nodes renumbered 0..n-1 in networkx order."""
    nx_graph = nx.convert_node_labels_to_integers(nx_graph)
    edges = np.array(list(nx_graph.edges()), dtype=np.int64).reshape(-1, 2)
    return Graph.from_edges(
        edges[:, 0],
        edges[:, 1],
        n_nodes=nx_graph.number_of_nodes(),
        directed=nx_graph.is_directed(),
    )


def disconnected_with_isolated() -> nx.Graph:
    """Components of sizes 12 (the giant), 7, 5 and 2, plus 4 isolated nodes, shuffled."""
    parts = [
        nx.path_graph(7),
        nx.empty_graph(2),
        nx.watts_strogatz_graph(12, 4, 0.3, seed=2),
        nx.complete_graph(5),
        nx.empty_graph(2),
        nx.path_graph(2),
    ]
    graph = nx.disjoint_union_all(parts)
    order = np.random.default_rng(7).permutation(graph.number_of_nodes()).tolist()
    shuffled = nx.relabel_nodes(graph, dict(zip(graph.nodes(), order, strict=True)))
    return nx.convert_node_labels_to_integers(shuffled, ordering="sorted")


NX_GRAPHS = {
    "karate": lambda: nx.karate_club_graph(),
    "watts_strogatz": lambda: nx.connected_watts_strogatz_graph(200, 6, 0.2, seed=1),
    "disconnected": disconnected_with_isolated,
    "path": lambda: nx.path_graph(30),
    "star": lambda: nx.star_graph(20),
    "barabasi_albert": lambda: nx.barabasi_albert_graph(300, 4, seed=8),  # hubs
    "complete": lambda: nx.complete_graph(15),
    "directed_random": lambda: nx.gnp_random_graph(80, 0.02, seed=4, directed=True),
}


@pytest.fixture(params=sorted(NX_GRAPHS), scope="module")
def pair(request) -> tuple[nx.Graph, Graph]:
    """A networkx graph (undirected view if directed) and our Graph of the original."""
    nx_graph = nx.convert_node_labels_to_integers(NX_GRAPHS[request.param]())
    return nx_graph.to_undirected(), to_graph(nx_graph)


def giant_of(nx_graph: nx.Graph) -> nx.Graph:
    return nx_graph.subgraph(max(nx.connected_components(nx_graph), key=len))


def test_triangles_and_clustering_match_networkx(pair):
    nx_graph, graph = pair
    nodes = range(nx_graph.number_of_nodes())
    expected_triangles = nx.triangles(nx_graph)
    expected_clustering = nx.clustering(nx_graph)
    assert triangles_per_node(graph).tolist() == [expected_triangles[u] for u in nodes]
    np.testing.assert_allclose(
        local_clustering(graph), [expected_clustering[u] for u in nodes], rtol=0, atol=1e-12
    )
    assert transitivity(graph) == pytest.approx(nx.transitivity(nx_graph), abs=1e-12)


def test_components_match_networkx(pair):
    nx_graph, graph = pair
    labels = connected_components(graph)
    ours = sorted(sorted(np.flatnonzero(labels == k).tolist()) for k in range(labels.max() + 1))
    theirs = sorted(sorted(component) for component in nx.connected_components(nx_graph))
    assert ours == theirs
    # Numbered by lowest node: the first appearance of each label is in increasing order.
    _, first = np.unique(labels, return_index=True)
    assert np.all(np.diff(first) > 0)


def test_network_stats_match_networkx(pair):
    nx_graph, graph = pair
    stats = network_stats(graph)
    giant = giant_of(nx_graph)

    assert stats["nodes"] == graph.n_nodes
    assert stats["edges"] == graph.n_edges
    assert stats["directed"] == graph.directed
    assert stats["triangles"] == sum(nx.triangles(nx_graph).values()) // 3
    assert stats["average_clustering"] == pytest.approx(nx.average_clustering(nx_graph), abs=1e-12)
    assert stats["transitivity"] == pytest.approx(nx.transitivity(nx_graph), abs=1e-12)
    assert stats["isolated_nodes"] == nx.number_of_isolates(nx_graph)
    assert stats["components"]["count"] == nx.number_connected_components(nx_graph)
    assert stats["giant_component"]["nodes"] == giant.number_of_nodes()
    assert stats["giant_component"]["edges"] == giant.number_of_edges()
    assert stats["giant_component"]["fraction"] == giant.number_of_nodes() / graph.n_nodes

    paths = stats["paths"]
    assert paths["method"] == "exact"
    assert paths["sources"] == giant.number_of_nodes()
    assert paths["diameter"] == nx.diameter(giant)
    assert paths["average_shortest_path_length"] == pytest.approx(
        nx.average_shortest_path_length(giant), abs=1e-12
    )
    assert "diameter_is_lower_bound" not in paths


def test_degree_summary_matches_numpy(pair):
    _, graph = pair
    stats = network_stats(graph)
    degree = graph.degree
    assert stats["degree"]["mean"] == pytest.approx(degree.mean())
    assert stats["degree"]["std"] == pytest.approx(degree.std())
    assert stats["degree"]["min"] == degree.min()
    assert stats["degree"]["max"] == degree.max()
    assert stats["degree"]["median"] == pytest.approx(np.median(degree))
    assert stats["degree"]["p90"] == pytest.approx(np.percentile(degree, 90))
    assert stats["degree"]["p99"] == pytest.approx(np.percentile(degree, 99))
    assert ("in_degree" in stats) == graph.directed


def test_directed_graph_is_measured_on_its_undirected_version():
    nx_graph = NX_GRAPHS["directed_random"]()
    stats = network_stats(to_graph(nx_graph))
    assert stats["clustering_on"] == "undirected version"
    assert stats["components"] == {
        "count": nx.number_weakly_connected_components(nx_graph),
        "kind": "weakly connected",
    }
    assert stats["paths"]["on"] == "giant component of the undirected version"
    assert stats["edges"] == nx_graph.number_of_edges()
    in_degree = [d for _, d in nx_graph.in_degree()]
    assert stats["in_degree"]["max"] == max(in_degree)
    assert stats["in_degree"]["mean"] == pytest.approx(np.mean(in_degree))


def assert_plain_json(value) -> None:
    """Only the types json writes natively: no numpy scalars hiding anywhere."""
    if isinstance(value, dict):
        for key, item in value.items():
            assert type(key) is str
            assert_plain_json(item)
    else:
        assert value is None or type(value) in (bool, int, float, str), (value, type(value))


def test_output_is_plain_json():
    stats = network_stats(to_graph(NX_GRAPHS["directed_random"]()), exact_limit=10)
    assert_plain_json(stats)
    assert json.loads(json.dumps(stats)) == stats


def test_sampled_paths_are_close_to_exact():
    graph = to_graph(nx.connected_watts_strogatz_graph(3000, 6, 0.05, seed=4))
    exact = network_stats(graph)["paths"]
    sampled = network_stats(graph, exact_limit=100)["paths"]
    assert exact["method"] == "exact"
    assert sampled["method"] == "sampled"
    assert sampled["sources"] == 500
    assert sampled["seed"] == 0
    assert sampled["diameter_is_lower_bound"] is True
    assert sampled["diameter"] <= exact["diameter"]
    assert sampled["average_shortest_path_length"] == pytest.approx(
        exact["average_shortest_path_length"], rel=0.05
    )


def test_sampled_paths_follow_the_generator():
    graph = to_graph(nx.connected_watts_strogatz_graph(500, 4, 0.1, seed=5))

    def sampled(seed: int) -> dict:
        rng = np.random.default_rng(seed)
        return shortest_path_stats(graph, exact_limit=10, n_sources=20, rng=rng)

    assert sampled(1) == sampled(1)
    assert sampled(1)["seed"] is None
    assert shortest_path_stats(graph, exact_limit=10, n_sources=20) == sampled(0) | {"seed": 0}
    # As many sources as nodes is a full, exact computation.
    assert shortest_path_stats(graph, exact_limit=10, n_sources=500)["method"] == "exact"


@pytest.mark.parametrize(
    ("n_nodes", "mean_degree", "seed"), [(400, 1.5, 1), (400, 3, 2), (300, 12, 3), (200, 60, 4)]
)
def test_bfs_kernel_matches_scipy(n_nodes, mean_degree, seed):
    # Sparse to dense random graphs: the kernel switches between top-down and
    # bottom-up at different levels; distances must not change. Disconnected
    # graphs check the reached counts too.
    rng = np.random.default_rng(seed)
    n_pairs = int(n_nodes * mean_degree / 2)
    graph = Graph.from_edges(rng.integers(0, n_nodes, n_pairs), rng.integers(0, n_nodes, n_pairs))
    n_nodes = graph.n_nodes
    matrix = sp.csr_matrix(
        (np.ones(graph.indices.size), graph.indices, graph.indptr), shape=(n_nodes, n_nodes)
    )
    dist = shortest_path(matrix, unweighted=True)
    finite = np.isfinite(dist)
    sources = np.arange(n_nodes)
    eccentricity, distance_sum, reached = _bfs_from_sources(graph.indptr, graph.indices, sources, 3)
    assert reached.tolist() == finite.sum(axis=1).tolist()
    assert eccentricity.tolist() == np.where(finite, dist, 0).max(axis=1).astype(int).tolist()
    assert distance_sum.tolist() == np.where(finite, dist, 0).sum(axis=1).astype(int).tolist()


def test_results_do_not_depend_on_thread_count():
    graph = to_graph(nx.barabasi_albert_graph(2000, 5, seed=6))
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = (network_stats(graph, exact_limit=50), triangles_per_node(graph))
        numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        many = (network_stats(graph, exact_limit=50), triangles_per_node(graph))
    finally:
        numba.set_num_threads(before)
    assert one[0] == many[0]
    assert np.array_equal(one[1], many[1])


def test_edge_cases():
    empty = Graph.from_edges([], [], n_nodes=0)
    stats = network_stats(empty)
    assert stats["nodes"] == 0
    assert stats["paths"] is None
    assert_plain_json(stats)
    with pytest.raises(ValueError, match="no nodes"):
        shortest_path_stats(empty)

    lonely = network_stats(Graph.from_edges([], [], n_nodes=3))
    assert lonely["components"]["count"] == 3
    assert lonely["giant_component"] == {"nodes": 1, "edges": 0, "fraction": 1 / 3}
    assert lonely["paths"]["diameter"] == 0
    assert lonely["paths"]["average_shortest_path_length"] == 0.0

    pair_graph = Graph.from_edges([0], [1])
    with pytest.raises(ValueError, match="n_sources"):
        network_stats(pair_graph, n_sources=0)
    with pytest.raises(ValueError, match="exact_limit"):
        network_stats(pair_graph, exact_limit=-1)


def load_edge_list(path: Path) -> Graph:
    """The SNAP file is a plain ``u v`` list with ids 0..n-1: no parser needed."""
    pairs = np.loadtxt(path, dtype=np.int64, ndmin=2)
    return Graph.from_edges(pairs[:, 0], pairs[:, 1])


def test_facebook_published_figures():
    if not FACEBOOK.exists():
        pytest.skip(f"SNAP Facebook edge list not found at {FACEBOOK} (only in the shared data)")
    stats = network_stats(load_edge_list(FACEBOOK))
    assert stats["nodes"] == 4039
    assert stats["edges"] == 88234
    assert stats["triangles"] == 1612010
    assert round(stats["average_clustering"], 4) == 0.6055
    assert stats["components"]["count"] == 1
    assert stats["paths"]["method"] == "exact"
    assert stats["paths"]["diameter"] == 8
    assert round(stats["paths"]["average_shortest_path_length"], 2) == 3.69
