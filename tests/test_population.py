"""People's attributes: a constant is one array shared by every run, and no run writes it."""

from __future__ import annotations

import numpy as np

from sim.model import BuzzModel
from sim.population import constant_values, draw_population
from sim.randomness import RunStreams

from .conftest import make_scenario, message_spec, run_three_ways

NETWORK = {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1}
IC = {"model": "independent_cascade", "p": 0.4}


def test_constant_attributes_are_shared_and_drawn_ones_are_not():
    scenario = make_scenario(NETWORK, people={"influence": 0.7,
                                              "susceptibility": {"distribution": "uniform",
                                                                 "low": 0.5, "high": 1.0}})
    graph = BuzzModel(scenario, create_agents=False).graph
    first, second = (draw_population(scenario.people, graph, RunStreams(1, r)) for r in (0, 1))
    assert first.influence is second.influence is constant_values(200, 0.7)
    assert first.activity is second.activity is constant_values(200, 1.0)
    assert first.susceptibility is not second.susceptibility
    assert not np.array_equal(first.susceptibility, second.susceptibility)


def test_a_role_gets_its_own_array_and_leaves_the_shared_one_alone():
    hubs = {"name": "hubs", "select": {"top_degree": 0.1}, "influence": 3.0}
    scenario = make_scenario(NETWORK, people={"influence": 0.5, "roles": [hubs]})
    model = BuzzModel(scenario, create_agents=False)
    influence = model.population.influence
    assert influence is not constant_values(200, 0.5)
    assert sorted(set(influence.tolist())) == [0.5, 3.0]
    assert (constant_values(200, 0.5) == 0.5).all()


def test_runs_that_change_receptivity_leave_the_shared_constants_unchanged():
    """The brand's community action and opinions that move sharing both change a
    message's receptivity while it runs: in its own copy, in the kernel and in the
    per-agent reference."""
    community = [{"action": "community", "message": "promo", "start": 0, "end": 8,
                  "factor": 3.0, "community": {"rank": 1}, "cost": 5}]
    promo = {**message_spec(IC, 3, name="promo"), "valence": "positive", "opinion_shift": 0.3,
             "share_by_opinion": {"against": 0.4, "in_favour": 1.6}}
    for top in ({"campaign": {"actions": community}}, {"people": {"opinion": 0.5}}):
        scenario = make_scenario(NETWORK, [promo if "people" in top else
                                           message_spec(IC, 3, name="promo")],
                                 seed=5, steps=20, **top)
        run_three_ways(scenario)
        assert (constant_values(200, 1.0) == 1.0).all()
