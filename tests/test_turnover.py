"""Ties that form and dissolve during a run (``network.turnover``): the rewiring equals
its tie-by-tie reference draw for draw, rules on it equal the reference, the number of
ties stays the same at every step, the degrees relax as the theory says, runs go
through batches, and bad input is one line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

import sim
from sim.config import scenario_from_dict
from sim.errors import InputError
from sim.model import BuzzModel
from sim.network.generators import follower, ring_lattice
from sim.network.temporal import _turnover, with_turnover
from sim.reference import turnover_ties

from .conftest import assert_same_state, make_scenario, run_three_ways
from .test_batch import assert_same_tables
from .test_cli import assert_one_line_error, buzz
from .test_modifiers import PEOPLE
from .test_temporal import TEMPORAL_RULES


def _ties_at(graph, step: int) -> np.ndarray:
    """The entries of ``graph`` there at ``step``."""
    return (graph.edge_step <= step) & (step < graph.edge_until)


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.5, 1.0])
@pytest.mark.parametrize("directed", [False, True])
def test_rewiring_equals_the_tie_by_tie_reference(rate, directed):
    graph = (follower(60, 3, 0.3, rng=np.random.default_rng(1)) if directed
             else ring_lattice(60, 4))
    src, dst = graph.edges()
    fast = _turnover(src.astype(np.int64), dst.astype(np.int64), graph.n_nodes, directed,
                     rate, 25, np.random.default_rng(2))
    slow = turnover_ties(src, dst, graph.n_nodes, directed, rate, 25, np.random.default_rng(2))
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)
    assert (fast[0].size > src.size) == (rate > 0)


def test_a_person_tied_to_everyone_keeps_their_ties():
    """On a complete graph nobody has anyone to move to: nothing changes."""
    changed = with_turnover(ring_lattice(5, 4), 1.0, 10, rng=np.random.default_rng(0))
    assert changed.n_edges == 10 and (changed.edge_until == 10).all()


@pytest.mark.parametrize("directed", [False, True])
def test_the_number_of_ties_is_kept_at_every_step(directed):
    static = (follower(300, 3, 0.2, rng=np.random.default_rng(3)) if directed
              else ring_lattice(300, 6))
    graph = with_turnover(static, 0.3, 30, rng=np.random.default_rng(4))
    src = np.repeat(np.arange(graph.n_nodes), graph.degree)
    for step in range(30):
        there = _ties_at(graph, step)
        assert there.sum() == static.indices.size  # entries: each undirected tie twice
        pairs = src[there] * graph.n_nodes + graph.indices[there]
        assert np.unique(pairs).size == pairs.size  # no tie twice at once
        assert (src[there] != graph.indices[there]).all()  # nobody tied to themselves


def test_ties_last_as_the_rate_says():
    """Each tie is rewired with probability ``rate`` at each step from step 1, so a tie
    of the original network is still there at step ``t`` with probability ``(1 -
    rate)^t``: 10,000 ties, within 4 binomial standard errors at steps 1, 5 and 20."""
    rate, n_people, k = 0.1, 2000, 10
    static = ring_lattice(n_people, k)
    graph = with_turnover(static, rate, 21, rng=np.random.default_rng(5))
    original = graph.edge_step == 0
    n_ties = static.indices.size
    for step in (1, 5, 20):
        expected = (1 - rate) ** step
        lasting = (original & (graph.edge_until > step)).sum() / n_ties
        assert abs(lasting - expected) < 4 * np.sqrt(expected * (1 - expected) / (n_ties / 2))


@pytest.mark.parametrize(("rate", "step"), [(0.1, 10), (1.0, 20)])
def test_degrees_relax_to_those_of_a_random_graph(rate, step):
    """A person keeps each tie unless it is rewired and they are the end that moves
    (chance ``q = 1 - rate / 2`` to keep it), and gains the ties moved to them, a
    Poisson number of mean ``k (1 - q)`` (``k n / 2`` ties, each moved with ``rate``,
    each end to them with chance ``1 / n``). From a ring where everyone has ``k`` ties,
    the degree at step ``t`` keeps mean ``k`` and has variance ``k (1 - q^(2t))``; for
    ``t`` large it is Poisson of mean ``k``, the degree of an Erdos-Renyi graph. The
    sample variance over 4,000 people within 4 of its standard errors."""
    n_people, k = 4000, 10
    graph = with_turnover(ring_lattice(n_people, k), rate, step + 1,
                          rng=np.random.default_rng(6))
    src = np.repeat(np.arange(n_people), graph.degree)
    degree = np.bincount(src[_ties_at(graph, step)], minlength=n_people)
    assert degree.mean() == k
    keep = 1 - rate / 2
    expected = k * (1 - keep ** (2 * step))
    centred = degree - k
    error = np.sqrt(((centred**4).mean() - degree.var() ** 2) / n_people)
    assert abs(degree.var() - expected) < 4 * error
    assert degree.var() > 0.6 * k  # far from the ring's 0


@pytest.mark.parametrize(("p_share", "rate"), [(0.3, 1.0), (0.5, 0.1)])
def test_turnover_carries_a_cascade_along_a_ring(p_share, rate):
    """On a ring of 4 neighbours a cascade stays local (about 2% and 4% hear at p = 0.3
    and 0.5); rewired ties open shortcuts and it spreads (about 78% and 96%): the mean
    reach over 12 replications, more than 4 standard errors apart."""
    reach = []
    for turnover in (None, {"rate": rate}):
        network = {"model": "ring_lattice", "n": 2000, "k": 4}
        if turnover is not None:
            network["turnover"] = turnover
        scenario = make_scenario(network, [{
            "name": "m", "rule": {"model": "independent_cascade", "p": p_share},
            "seeding": {"strategy": "random", "count": 5}}], steps=60)
        values = []
        for replication in range(12):
            model = BuzzModel(scenario, replication=replication, create_agents=False)
            model.run()
            values.append(model.count("heard") / 2000)
        reach.append((np.mean(values), np.std(values, ddof=1) / np.sqrt(12)))
    (static, static_error), (changing, changing_error) = reach
    assert static < 0.1
    assert changing - static > 4 * np.hypot(static_error, changing_error), reach


@TEMPORAL_RULES
@pytest.mark.parametrize("people", ["none", "everything"])
@pytest.mark.parametrize("network", [
    {"model": "watts_strogatz", "n": 150, "k": 4, "p": 0.05},
    {"model": "follower", "n": 150, "m": 3, "reciprocity": 0.3},
], ids=["undirected", "directed"])
def test_rules_on_ties_that_change_equal_the_reference(rule, people, network):
    """The kernel (stepped, and in one call) against the reference, which rewires the
    ties itself, tie by tie."""
    top = {} if people == "none" else {"people": PEOPLE[people]}
    messages = [{"name": "m", "rule": rule, "seeding": {"strategy": "random", "count": 5}}]
    scenario = make_scenario({**network, "turnover": {"rate": 0.2}}, messages, seed=7,
                             steps=40, **top)
    stepped, whole, slow = run_three_ways(scenario)
    np.testing.assert_array_equal(whole.graph.edge_until, slow.graph.edge_until)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert whole.count("adopters") > 5


def test_replications_rewire_differently_even_on_a_deterministic_network(tmp_path):
    network = {"model": "ring_lattice", "n": 200, "k": 4, "turnover": {"rate": 0.2}}
    messages = [{"name": "m", "rule": {"model": "sir", "beta": 0.4, "gamma": 0.3},
                 "seeding": {"strategy": "random", "count": 3}}]
    scenario = make_scenario(network, messages, steps=30, replications=3,
                             sweep={"grid": {"network.turnover.rate": [0.05, 0.5]}})
    assert not scenario.network.shared_by_replications
    serial = sim.run_batch(scenario, out=tmp_path / "serial", executor="serial")
    other = sim.run_batch(scenario, out=tmp_path / "processes", executor="processes",
                          workers=2)
    assert other.complete and len(serial.runs) == 6
    assert serial.runs["final_size"].nunique() > 2
    assert_same_tables(tmp_path / "serial", tmp_path / "processes")


@pytest.mark.parametrize(("network", "messages", "needles"), [
    ({"model": "ring_lattice", "n": 50, "turnover": {"rate": 1.5}}, None,
     ["network.turnover.rate", "1.5", "less than or equal to 1"]),
    ({"model": "ring_lattice", "n": 50, "turnover": {"rate": -0.1}}, None,
     ["network.turnover.rate", "-0.1", "greater than or equal to 0"]),
    ({"model": "edgelist", "path": "ties.txt", "turnover": {"rate": 0.1}}, None,
     ["network.turnover", "none on an edge list"]),
    ({"model": "edgelist", "path": "ties.txt", "columns": {"time": 3},
      "turnover": {"rate": 0.1}}, None, ["network.turnover", "none on an edge list"]),
    ({"model": "activity_driven", "n": 50, "activity": 0.1, "turnover": {"rate": 0.1}},
     None, ["network.turnover", "contacts that last one step"]),
    ({"model": "ring_lattice", "n": 50, "weights": 2.0, "turnover": {"rate": 0.1}}, None,
     ["network.turnover", "weighted ties"]),
    ({"model": "layers", "n": 50, "layers": [{"name": "a", "network": {
        "model": "ring_lattice", "k": 4, "turnover": {"rate": 0.1}}}]}, None,
     ["network.layers.a.network.turnover", "temporal layers are not supported"]),
    ({"model": "ring_lattice", "n": 50, "turnover": {"rate": 0.1}},
     [{"name": "m", "rule": {"model": "rumor"}}],
     ["messages.m.rule.model", "'rumor'", "independent_cascade, sir, sis"]),
])
def test_bad_turnover_settings_are_one_line_errors(tmp_path, network, messages, needles):
    (tmp_path / "ties.txt").write_text("0 1 0\n1 2 60\n")
    raw = {"name": "t", "network": network, "messages": messages or [
        {"name": "m", "rule": {"model": "sis", "beta": 0.2, "gamma": 0.1}}]}
    scenario = tmp_path / "t.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    assert_one_line_error(buzz("validate", scenario), *needles)


def test_seeding_plans_are_refused_with_turnover():
    raw = {"name": "t", "network": {"model": "ring_lattice", "n": 50,
                                    "turnover": {"rate": 0.1}},
           "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 0.1},
                         "seeding": {"strategy": "greedy", "count": 2}}]}
    with pytest.raises(InputError, match=r"messages\.m\.seeding\.strategy.*temporal"):
        scenario_from_dict(raw)


@pytest.mark.parametrize("lasting", [False, True])
def test_contacts_sorted_by_one_key_as_by_four(lasting):
    """Graph.from_contacts sorts by one int64 key where the four fit in it, else by
    lexsort (forced here by a huge number of people): the same contacts, the same
    order."""
    from sim.network.graph import _sorted_unique_contacts

    rng = np.random.default_rng(8)
    src, dst = rng.integers(0, 40, 4000), rng.integers(0, 40, 4000)
    steps = rng.integers(0, 6, 4000)
    ends = steps + (rng.integers(1, 4, 4000) if lasting else 1)
    by_key = _sorted_unique_contacts(src, dst, steps, ends, 40, lasting=lasting)
    by_lexsort = _sorted_unique_contacts(src, dst, steps, ends, 2**31, lasting=lasting)
    assert by_key[0].size < 4000
    for a, b in zip(by_key, by_lexsort, strict=True):
        np.testing.assert_array_equal(a, b)


def test_network_stats_count_ties_and_changes(tmp_path):
    raw = {"name": "t", "steps": 20, "network": {"model": "ring_lattice", "n": 100, "k": 4,
                                                 "turnover": {"rate": 0.1}},
           "messages": [{"name": "m", "rule": {"model": "sis", "beta": 0.2, "gamma": 0.1}}]}
    scenario = tmp_path / "t.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    result = buzz("network-stats", scenario)
    assert result.returncode == 0, result.stderr
    temporal = json.loads(result.stdout)["temporal"]
    assert temporal["ties"] == 200 and temporal["steps"] == 20
    # binomial: 200 ties x 19 steps, each rewired with 0.1; within 4 standard deviations
    assert abs(temporal["changes"] - 380) < 4 * np.sqrt(3800 * 0.1 * 0.9)
