"""Ties of different strength: weights read from an edge list or drawn by a generator,
what a weight means to each rule (kernel = reference exactly; a star's reach, Kempe's
weighted threshold, Bass's weighted word of mouth, a rumour's weighted calls), the
strength statistics and one-line errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sim.batch.multirep import multirep_applies
from sim.errors import InputError
from sim.model import BuzzModel
from sim.network.edgelist import read_edgelist
from sim.network.generators import build_network
from sim.rules.common import NEVER

from .conftest import assert_same_state, make_scenario, message_spec, run_three_ways
from .test_cli import assert_one_line_error, buzz
from .test_modifiers import PEOPLE, RULES

WEIGHTED = {
    "ws": {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1,
           "weights": {"distribution": "lognormal", "sigma": 0.8}},
    "follower": {"model": "follower", "n": 200, "m": 3, "reciprocity": 0.3,
                 "weights": {"distribution": "uniform", "low": 0.0, "high": 3.0}},
}


def _binomial_check(successes: int, trials: int, probability: float) -> None:
    standard_error = (probability * (1 - probability) / trials) ** 0.5
    assert abs(successes / trials - probability) < 4 * standard_error, (
        successes / trials, probability)


@pytest.mark.parametrize("rule", RULES, ids=str)
@pytest.mark.parametrize("people", ["none", "everything"])
@pytest.mark.parametrize("network", WEIGHTED, ids=str)
def test_weighted_kernel_equals_reference(rule, people, network):
    message = message_spec(RULES[rule], 4)
    if rule == "bass":
        message["seeding"] = {"count": 0}
    top = {} if people == "none" else {"people": PEOPLE[people]}
    scenario = make_scenario(WEIGHTED[network], [message], seed=3, steps=40, **top)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert whole.graph.weighted


# ------------------------------------------------------------------ what weights mean
def _star(tmp_path, weights: list[float], n_each: int) -> str:
    """A hub (0) and ``n_each`` leaves per weight, with that weight."""
    lines, leaf = ["hub leaf weight"], 1
    for weight in weights:
        for _ in range(n_each):
            lines.append(f"0 {leaf} {weight}")
            leaf += 1
    path = tmp_path / "star.txt"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("rule", [{"model": "independent_cascade", "p": 0.5},
                                  {"model": "sir", "beta": 0.5, "gamma": 1.0}],
                         ids=["independent_cascade", "sir"])
def test_a_star_reaches_leaves_of_weight_one_two_three_with_chances_one_minus_half_to_w(
    tmp_path, rule
):
    """A tie of weight w is w contacts, each a chance p = 0.5: the hub convinces a
    leaf with probability 1 - 0.5^w, so 0.5, 0.75 and 0.875 (binomial, 4 standard
    errors, 2,000 leaves of each weight)."""
    n_each = 2000
    network = {"model": "edgelist", "path": _star(tmp_path, [1, 2, 3], n_each),
               "columns": {"weight": "weight"}}
    message = {"name": "m", "rule": rule, "seeding": {"strategy": "nodes", "nodes": [0]}}
    model = BuzzModel(make_scenario(network, [message]), create_agents=False)
    model.run()
    shared = model.tracks[0].shared_at != NEVER
    leaves = model.graph.internal_index(range(1, 3 * n_each + 1))
    for group, expected in enumerate((0.5, 0.75, 0.875)):
        group_leaves = leaves[group * n_each : (group + 1) * n_each]
        _binomial_check(int(shared[group_leaves].sum()), n_each, expected)


def test_threshold_counts_each_neighbour_with_its_ties_weight(tmp_path):
    """Kempe, Kleinberg and Tardos's weighted threshold: with threshold 0.5 a person
    whose ties in weigh 3 (from a) and 1 (from b) starts once a alone shares (3 of 4)
    and not once b alone does (1 of 4)."""
    (tmp_path / "ties.txt").write_text("a x 3\nb x 1\na y 1\nb y 3\n")
    network = {"model": "edgelist", "path": str(tmp_path / "ties.txt"), "directed": True,
               "columns": {"weight": 3}}
    rule = {"model": "linear_threshold", "threshold": 0.5}
    message = {"name": "m", "rule": rule, "seeding": {"strategy": "nodes", "nodes": ["a"]}}
    model = BuzzModel(make_scenario(network, [message]), create_agents=False)
    model.run()
    x, y = model.graph.internal_index(["x", "y"])
    shared_at = model.tracks[0].shared_at
    assert shared_at[x] == 1 and shared_at[y] == NEVER
    np.testing.assert_array_equal(model.tracks[0].work.needed[[x, y]], [2.0, 2.0])


def test_bass_word_of_mouth_is_the_weighted_share_of_adopters(tmp_path):
    """With p_external = 0 and q = 1, a person whose ties in weigh 3 (from an adopter)
    and 1 (from someone who has not adopted) adopts at step 1 with probability 3/4."""
    n_people = 3000
    lines = [f"a p{i} 3\nb p{i} 1" for i in range(n_people)]
    (tmp_path / "ties.txt").write_text("\n".join(lines) + "\n")
    network = {"model": "edgelist", "path": str(tmp_path / "ties.txt"), "directed": True,
               "columns": {"weight": 3}}
    rule = {"model": "bass", "p_external": 0.0, "q": 1.0}
    message = {"name": "m", "rule": rule, "seeding": {"strategy": "nodes", "nodes": ["a"]}}
    model = BuzzModel(make_scenario(network, [message], steps=1), create_agents=False)
    model.run()
    _binomial_check(model.count("adopters") - 1, n_people, 0.75)


def test_a_rumour_calls_in_proportion_to_weight(tmp_path):
    """A spreader whose ties weigh 1, 2 and 3 calls each with probability 1/6, 2/6 and
    3/6: with lambda = 1 the one called at step 1 becomes a spreader (600 runs)."""
    (tmp_path / "star.txt").write_text("0 1 1\n0 2 2\n0 3 3\n")
    network = {"model": "edgelist", "path": str(tmp_path / "star.txt"), "directed": True,
               "columns": {"weight": 3}}
    rule = {"model": "rumor", "lambda": 1.0, "alpha": 1.0}
    message = {"name": "m", "rule": rule, "seeding": {"strategy": "nodes", "nodes": [0]}}
    scenario = make_scenario(network, [message], steps=1)
    called = np.zeros(3, dtype=int)
    n_runs = 600
    for replication in range(n_runs):
        model = BuzzModel(scenario, replication=replication, create_agents=False)
        model.run()
        leaves = model.graph.internal_index([1, 2, 3])
        called += model.tracks[0].shared_at[leaves] == 1
    assert called.sum() == n_runs
    for count, expected in zip(called, (1 / 6, 2 / 6, 3 / 6), strict=True):
        _binomial_check(int(count), n_runs, expected)


def test_weight_one_everywhere_is_the_unweighted_cascade(tmp_path):
    """Ties of weight 1 give the very coins of an unweighted network (whose kernel takes
    the plain path, the weighted one the path with modifiers)."""
    (tmp_path / "plain.txt").write_text("".join(f"{i} {(i * 7 + 3) % 200} 1\n"
                                                for i in range(200)))
    runs = []
    for columns in ({}, {"columns": {"weight": 3}}):
        network = {"model": "edgelist", "path": str(tmp_path / "plain.txt"), **columns}
        scenario = make_scenario(network, [message_spec(RULES["ic"], 5)], seed=2)
        model = BuzzModel(scenario, create_agents=False)
        model.run()
        runs.append(model)
    assert runs[1].graph.weighted and not runs[0].graph.weighted
    assert_same_state(*runs)


# ------------------------------------------------------------------ reading and drawing
def test_weight_column_by_position_or_header_name(tmp_path):
    path = tmp_path / "ties.csv"
    path.write_text("source,target,day,strength\n1,2,5,0.5\n2,3,6,2\n2,1,7,4\n3,3,8,1\n")
    by_name = read_edgelist(path, weight="strength")
    by_position = read_edgelist(path, weight=4)
    for graph in (by_name, by_position):
        # 1-2 given twice keeps its largest weight, in both rows; the loop is dropped
        assert graph.edge_weight.tolist() == [4.0, 4.0, 2.0, 2.0]
        assert graph.strength.tolist() == [4.0, 6.0, 2.0]
        assert (graph.dropped_duplicates, graph.dropped_self_loops) == (1, 1)
    directed = read_edgelist(path, directed=True, weight="strength")
    assert directed.edge_weight.tolist() == [0.5, 4.0, 2.0]
    assert directed.in_strength.tolist() == [4.0, 0.5, 2.0]
    reversed_graph = directed.reversed()
    assert reversed_graph.edge_weight.tolist() == [4.0, 0.5, 2.0]


def test_generators_draw_one_weight_per_tie():
    network = {"model": "watts_strogatz", "n": 2000, "k": 6, "p": 0.1,
               "weights": {"distribution": "uniform", "low": 1.0, "high": 3.0}}
    scenario = make_scenario(network)
    graph = build_network(scenario.network, np.random.default_rng(4))
    weights = graph.edges_weights()
    assert weights.size == graph.n_edges == 6000
    assert weights.min() >= 1.0 and weights.max() <= 3.0
    assert abs(weights.mean() - 2.0) < 4 * (1 / 3 / weights.size) ** 0.5  # U(1, 3): var 1/3
    # each undirected tie has one weight, in both rows
    rows = np.repeat(np.arange(graph.n_nodes), graph.degree)
    forward = {(int(u), int(v)): w for u, v, w in
               zip(rows, graph.indices, graph.edge_weight, strict=True)}
    assert all(forward[(v, u)] == w for (u, v), w in forward.items())
    same_graph = build_network(scenario.network, np.random.default_rng(4))
    np.testing.assert_array_equal(same_graph.edge_weight, graph.edge_weight)
    assert not multirep_applies(make_scenario({**network, "fixed": True}))
    assert multirep_applies(make_scenario({**network, "fixed": True, "weights": None}))


def test_network_stats_report_strength(tmp_path):
    path = tmp_path / "ties.txt"
    path.write_text("u v w\n0 1 2.5\n1 2 0.5\n2 0 1\n")
    result = buzz("network-stats", path, "--weight", "w")
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    assert stats["strength"]["max"] == 3.5 and stats["strength"]["min"] == 1.5
    assert stats["weight"]["mean"] == pytest.approx(4 / 3)
    plain = json.loads(buzz("network-stats", path).stdout)
    assert "strength" not in plain


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("text", "column", "needles"),
    [
        ("1 2 0.5\n2 3 -1\n", 3, ["line 2", "'-1'", "finite and at least 0"]),
        ("1 2 0.5\n2 3 strong\n", 3, ["line 2", "'strong'", "a number"]),
        ("1 2 0.5\n\n# note\n2 3 inf\n", 3, ["line 4", "'inf'", "finite"]),
        ("1 2 0.5\n2 3\n", 3, ["line 2", "none there"]),
        ("u v w\n1 2 0.5\n", "weight", ["network.columns.weight", "'weight'", "u, v, w"]),
        ("1 2 0.5\n", "weight", ["network.columns.weight", "no header"]),
    ],
)
def test_bad_weights_name_their_line(tmp_path, text, column, needles):
    path = tmp_path / "ties.txt"
    path.write_text(text)
    with pytest.raises(InputError) as error:
        read_edgelist(path, weight=column)
    line = str(error.value)
    assert "\n" not in line and str(path) in line
    for needle in needles:
        assert needle in line, line


def test_a_bad_weight_is_one_line_and_exit_2(tmp_path):
    import yaml

    (tmp_path / "ties.txt").write_text("1 2 0.5\n2 3 lots\n")
    raw = {"name": "w", "network": {"model": "edgelist", "path": "ties.txt",
                                    "columns": {"weight": 3}},
           "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 0.1}}]}
    scenario = tmp_path / "w.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    assert_one_line_error(buzz("run", scenario, "--out", tmp_path / "o"),
                          "ties.txt", "line 2", "'lots'", "a number")


@pytest.mark.parametrize(
    ("network", "needles"),
    [
        ({"model": "edgelist", "path": "x.txt", "columns": {"weight": 2}},
         ["network.columns.weight", "greater than or equal to 3"]),
        ({"model": "watts_strogatz", "n": 100, "k": 4, "weights": -1},
         ["network.weights", "-1"]),
        ({"model": "watts_strogatz", "n": 100, "k": 4,
          "weights": {"distribution": "degree_power"}}, ["network.weights", "degree_power"]),
        ({"model": "edgelist", "path": "x.txt", "columns": {"weight": 3},
          "weights": {"distribution": "uniform"}}, ["network.weights", "columns.weight"]),
        ({"model": "layers", "n": 50, "layers": [
            {"name": "a", "network": {"model": "ring_lattice", "k": 2, "weights": 2.0}}]},
         ["network.layers.a.network.weights = 2.0", "weighted layers are not supported"]),
    ],
)
def test_bad_weight_settings_are_one_line_errors(tmp_path, network, needles):
    import yaml

    (tmp_path / "x.txt").write_text("1 2 1\n")
    raw = {"name": "w", "network": network,
           "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 0.1}}]}
    scenario = tmp_path / "w.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    assert_one_line_error(buzz("validate", scenario), str(scenario), *needles)
