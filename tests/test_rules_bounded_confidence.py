"""Continuous opinions (``bounded_confidence``: Deffuant, Hegselmann-Krause): kernel =
reference exactly, Deffuant keeps the mean opinion, the theory (about 1 / (2 epsilon)
clusters on a complete graph; Hegselmann-Krause settles with clusters more than
epsilon apart), the measures, and one-line errors."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import BuzzModel
from sim.rules.bounded_confidence import (
    confidence_measures,
    opinion_clusters,
)

from .conftest import assert_same_state, make_scenario, message_spec, run_three_ways
from .test_modifiers import PEOPLE
from .test_rules_opinion import assert_one_line_input_error

NETWORKS = [
    {"model": "watts_strogatz", "n": 120, "k": 6, "p": 0.1},
    {"model": "follower", "n": 120, "m": 3, "reciprocity": 0.3},
    {"model": "complete", "n": 30},
]
RULES = {
    "deffuant": {"model": "bounded_confidence", "variant": "deffuant", "epsilon": 0.3,
                 "mu": 0.3},
    "hegselmann_krause": {"model": "bounded_confidence", "variant": "hegselmann_krause",
                          "epsilon": 0.15},
}


def assert_same_opinions(fast, slow) -> None:
    for name in ("opinion", "holders", "mean_opinion"):
        np.testing.assert_array_equal(getattr(fast.tracks[0].work, name),
                                      getattr(slow.tracks[0].work, name), err_msg=name)


@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: n["model"])
@pytest.mark.parametrize("rule", list(RULES))
def test_kernel_equals_reference(network, rule):
    scenario = make_scenario(network, [message_spec(RULES[rule], 3)], seed=2, steps=25)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert_same_opinions(whole, slow)
    assert_same_opinions(stepped, slow)
    assert whole.tracks[0].work.mean_opinion[whole.t] != 0.0


@pytest.mark.parametrize("rule", list(RULES))
def test_kernel_equals_reference_with_people_offline_and_drawn_opinions(rule):
    people = {**PEOPLE["activity"], "opinion": {"distribution": "beta", "a": 2.0, "b": 5.0}}
    scenario = make_scenario(NETWORKS[1], [message_spec(RULES[rule], 5)], people=people,
                             seed=3, steps=20)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert_same_opinions(whole, slow)
    assert whole.tracks[0].work.mean_opinion[0] < 0.4  # Beta(2, 5) has mean 2/7


def test_deffuant_keeps_the_mean_opinion_and_seeds_start_at_one():
    """A pair moves by equal and opposite amounts, so the mean opinion stays (to
    rounding) while the spread shrinks."""
    scenario = make_scenario(NETWORKS[0], [message_spec(RULES["deffuant"], 10)], seed=4,
                             steps=200)
    model = BuzzModel(scenario, create_agents=False)
    start = model.tracks[0].work.opinion.copy()
    assert (start[model.tracks[0].seeds] == 1.0).all()
    model.run()
    work = model.tracks[0].work
    np.testing.assert_allclose(work.mean_opinion[: model.t + 1], start.mean(), atol=1e-12)
    assert work.opinion.var() < 0.5 * start.var()


@pytest.mark.parametrize(("epsilon", "expected"), [(0.4, 1), (0.2, 2), (0.12, 4)])
def test_deffuant_on_a_complete_graph_ends_in_about_one_over_two_epsilon_clusters(
    epsilon, expected
):
    """Deffuant, Neau, Amblard and Weisbuch (2000): from uniform opinions on a complete
    graph, floor(1 / (2 epsilon)) major clusters (1 for 0.4, 2 for 0.2, 4 for 0.12).
    The synchronous matching keeps that: over 12 runs of 100 people the most common
    count is the predicted one and the mean lies within half a cluster of it
    (measured: 1.0, 2.2, 3.8)."""
    rule = {"model": "bounded_confidence", "variant": "deffuant", "epsilon": epsilon,
            "mu": 0.5}
    scenario = make_scenario({"model": "complete", "n": 100}, [message_spec(rule, 0)],
                             seed=1, steps=1500)
    graph = BuzzModel(scenario, create_agents=False).graph
    counts = []
    for replication in range(12):
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        model.run()
        counts.append(opinion_clusters(model.tracks[0].work.opinion).size)
    counts = np.array(counts)
    assert np.bincount(counts).argmax() == expected, counts
    assert abs(counts.mean() - expected) < 0.5, counts


def test_hegselmann_krause_settles_with_clusters_more_than_epsilon_apart():
    """On a complete graph Hegselmann-Krause reaches a fixed point in finitely many
    steps (Hegselmann and Krause 2002): everyone in a cluster holds one opinion and
    clusters lie more than epsilon apart (else they would average)."""
    epsilon = 0.1
    rule = {"model": "bounded_confidence", "variant": "hegselmann_krause", "epsilon": epsilon}
    scenario = make_scenario({"model": "complete", "n": 300}, [message_spec(rule, 0)],
                             seed=2, steps=200)
    for replication in range(3):
        model = BuzzModel(scenario, replication=replication, create_agents=False)
        model.run()
        assert model.t < 60 and not model.running
        levels = np.unique(np.round(model.tracks[0].work.opinion, 9))
        assert np.diff(levels).min() > epsilon
        assert 2 <= levels.size <= 7


def test_measures_of_two_camps():
    opinion = np.array([0.1] * 50 + [0.9] * 50)
    measures = confidence_measures(opinion)
    assert measures["clusters"] == 2 and measures["largest_cluster_frac"] == 0.5
    assert measures["holders"] == 50 and measures["mean_opinion"] == pytest.approx(0.5)
    assert measures["opinion_variance"] == pytest.approx(0.16)
    assert measures["bimodality"] > 5 / 9  # two camps: bimodal
    assert confidence_measures(np.linspace(0, 1, 1001))["bimodality"] == pytest.approx(
        5 / 9, abs=0.01)  # uniform: the threshold itself


def section(**rule) -> dict:
    return {"name": "s", "network": {"model": "complete", "n": 20},
            "messages": [{"name": "mood", "rule": {"model": "bounded_confidence",
                                                   "epsilon": 0.2, **rule},
                          "seeding": {"count": 0}}]}


@pytest.mark.parametrize(("raw", "key", "value", "allowed"), [
    (section(epsilon=0.0), "messages.mood.rule.epsilon", "0", "greater than 0"),
    (section(epsilon=1.5), "messages.mood.rule.epsilon", "1.5", "less than or equal to 1"),
    (section(mu=0.7), "messages.mood.rule.mu", "0.7", "less than or equal to 0.5"),
    (section(variant="hegselmann_krause", mu=0.3), "messages.mood.rule.mu", "0.3",
     "only with deffuant"),
    ({**section(), "people": {"opinion": 1.5}}, "people.opinion", "1.5", "[0, 1]"),
])
def test_bad_bounded_confidence_is_one_line(raw, key, value, allowed):
    assert_one_line_input_error(raw, key, value, allowed)
