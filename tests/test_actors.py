"""The brand's timed actions and the community manager: they act between kernel
steps, the kernel and the reference agree with them, and their costs add up."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import BuzzModel
from sim.rules.common import NEVER

from .conftest import assert_same_state, make_scenario, run_three_ways

SMALL_WORLD = {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1}
IC = {"model": "independent_cascade", "p": 0.2}


def _promo(rule=IC, count=3, **seeding):
    return {"name": "promo", "valence": "positive", "rule": rule,
            "seeding": {"strategy": "random", "count": count, **seeding}}


ACTIONS = {
    "second_wave": [{"action": "seed", "message": "promo", "step": 4,
                     "seeding": {"strategy": "top_degree", "count": 5,
                                 "cost": {"model": "flat", "per_seed": 1.0}}}],
    "broadcast": [{"action": "broadcast", "message": "promo", "start": 2, "end": 6,
                   "reach": 0.05, "convert": 0.3, "cost_per_impression": 0.5}],
    "promotion": [{"action": "promotion", "message": "promo", "start": 1, "end": 4,
                   "boost": 2.5, "cost": 10}],
    "community": [{"action": "community", "message": "promo", "start": 0, "end": 8,
                   "factor": 3.0, "community": {"rank": 1}, "cost": 5}],
}
RULES = {
    "ic": IC,
    "lt": {"model": "linear_threshold", "count": 1},
    "bass": {"model": "bass", "p_external": 0.0, "q": 0.6},
    "rumor": {"model": "rumor", "lambda": 0.8, "alpha": 0.5},
    "sir": {"model": "sir", "beta": 0.15, "gamma": 0.4},
    "sis": {"model": "sis", "beta": 0.1, "gamma": 0.4},
}


@pytest.mark.parametrize("action", ACTIONS, ids=str)
@pytest.mark.parametrize("rule", RULES, ids=str)
def test_actions_kernel_equals_reference(action, rule):
    scenario = make_scenario(SMALL_WORLD, [_promo(RULES[rule])], seed=3, steps=40,
                             campaign={"actions": ACTIONS[action]},
                             people={"activity": 0.8})
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert stepped.costs == whole.costs == slow.costs


def test_a_second_wave_starts_sharing_at_its_step_and_costs_what_it_seeded():
    scenario = make_scenario(SMALL_WORLD, [_promo(count=2)], seed=4,
                             campaign={"actions": ACTIONS["second_wave"]})
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    track = model.track("promo")
    wave = np.flatnonzero((track.shared_at == 4) & (track.source == -1))
    assert 0 < wave.size <= 5, "the wave's seeds start sharing at step 4"
    top = np.sort(model.graph.degree)[-5]
    assert (model.graph.degree[wave] >= top).all()
    brand = model.actors[0]
    # the wave pays 1 per seed it started; the launch's seeds have no cost model
    assert brand.spent == wave.size
    assert model.costs["promo"] == pytest.approx(brand.spent)


def test_broadcast_impressions_are_binomial_and_respect_the_budget():
    """At the first ad step each of the n - 1 unreached people sees the ad with
    probability ``reach``; the budget then stops the broadcast."""
    network = {"model": "watts_strogatz", "n": 20000, "k": 4, "p": 0.1}
    actions = [{"action": "broadcast", "message": "promo", "start": 0, "end": 50,
                "reach": 0.1, "convert": 0.0, "cost_per_impression": 1.0}]
    scenario = make_scenario(network, [_promo(IC, count=1)], seed=5, steps=60,
                             campaign={"budget": 5000, "actions": actions})
    model = BuzzModel(scenario, create_agents=False)
    model.step()
    track = model.track("promo")
    first = int(track.counts[0, 0]) - 1  # heard at step 0 besides the seed
    p, n = 0.1, 20000 - 1
    assert abs(first - p * n) < 4 * (n * p * (1 - p)) ** 0.5
    model.run()
    brand = model.actors[0]
    assert brand.spent == 5000  # the money ran out mid-window: exactly the budget
    assert model.costs["promo"] == pytest.approx(5000)


def test_promotion_and_community_building_raise_reach_paired():
    network = {"model": "stochastic_block", "sizes": [500, 500, 500], "p_in": 0.02,
               "p_out": 0.002}
    base, promoted, cultivated = [], [], []
    for replication in range(10):
        for actions, out in ((None, base), (ACTIONS["promotion"], promoted),
                             (ACTIONS["community"], cultivated)):
            scenario = make_scenario(network, [_promo({"model": "independent_cascade",
                                                       "p": 0.08}, count=10)],
                                     seed=9, campaign={"actions": actions or []})
            model = BuzzModel(scenario, replication=replication, create_agents=False)
            model.run()
            out.append(model.count("heard"))
    assert np.mean(promoted) > np.mean(base)
    assert np.mean(cultivated) > np.mean(base)


def _crisis(manager: dict | None, seed: int = 1):
    messages = [
        {"name": "complaint", "valence": "negative",
         "rule": {"model": "independent_cascade", "p": 0.12},
         "modifiers": {"negativity_bias": 1.5},
         "seeding": {"strategy": "random", "count": 5}},
        {"name": "response", "valence": "positive",
         "rule": {"model": "independent_cascade", "p": 0.2}, "seeding": {"count": 0}},
    ]
    top = {"interactions": [{"kind": "inoculation", "from": "response", "to": "complaint",
                             "factor": 0.1}]}
    if manager is not None:
        top["community_manager"] = manager
    network = {"model": "watts_strogatz", "n": 3000, "k": 8, "p": 0.1}
    return make_scenario(network, messages, seed=seed, steps=80, **top)


MANAGER = {"watch": "complaint", "respond_with": "response", "detect_reach": 50,
           "delay": 2, "count": 30, "cost_per_seed": 2.0}


def test_the_manager_answers_after_the_delay_within_budget():
    model = BuzzModel(_crisis({**MANAGER, "budget": 40.0}), create_agents=False)
    model.run()
    manager = model.actors[0]
    complaint = model.track("complaint")
    reach_at = np.cumsum(complaint.counts[:, 0])
    assert reach_at[manager.detected_at] >= 50 > reach_at[manager.detected_at - 1]
    assert manager.responded_at == manager.detected_at + 2
    response = model.track("response")
    seeded = np.flatnonzero(response.shared_at == manager.responded_at)
    assert 0 < seeded.size <= 20  # 40 / 2 per seed
    assert manager.spent == pytest.approx(2.0 * seeded.size) == model.costs["response"]


def test_a_community_manager_lowers_the_complaints_expected_reach():
    """Same seeds and coins with and without a manager (common random numbers): the
    paired mean difference in the complaint's reach is negative beyond 3 standard
    errors (one-sided), and no replication does worse with the manager."""
    differences = []
    for replication in range(24):
        reaches = []
        for manager in (None, MANAGER):
            model = BuzzModel(_crisis(manager), replication=replication, create_agents=False)
            model.run()
            reaches.append(model.count("heard", "complaint"))
        differences.append(reaches[1] - reaches[0])
    differences = np.array(differences)
    standard_error = differences.std(ddof=1) / len(differences) ** 0.5
    assert differences.mean() < -3 * standard_error
    assert (differences <= 0).all()


def test_crisis_kernel_equals_reference():
    scenario = _crisis({**MANAGER, "detect_reach": 20, "monitoring": 0.3,
                        "credibility": 0.6, "targets": "complainers"})
    scenario = scenario.model_copy(update={"network": scenario.network.model_copy(
        update={"n": 300})})
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert stepped.actors[0].responded_at == slow.actors[0].responded_at is not None


def test_costs_add_up_in_the_runs_table(tmp_path):
    import sim

    actions = ACTIONS["broadcast"] + ACTIONS["promotion"]
    scenario = make_scenario(SMALL_WORLD, [_promo(count=4, cost={"model": "flat",
                                                                  "per_seed": 25.0})],
                             seed=2, replications=3, campaign={"actions": actions})
    batch = sim.run_batch(scenario, out=tmp_path / "out", executor="serial")
    runs = batch.runs
    assert (runs["cost"] >= 4 * 25.0 + 10).all()
    np.testing.assert_allclose(runs["cost_per_reach"], runs["cost"] / runs["reach"])
    np.testing.assert_allclose(runs["total_cost"], runs["cost"])
    assert (runs.loc[:, "structural_virality"].notna()).any()


def test_actors_make_a_bad_scenario_a_one_line_error(tmp_path):
    import yaml

    from sim.config import load_scenario
    from sim.errors import InputError

    raw = {"name": "t", "network": {"model": "complete", "n": 10},
           "messages": [{"name": "promo", "rule": IC}],
           "community_manager": {"watch": "promo", "respond_with": "nope", "detect_reach": 3}}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError, match=r"community_manager\.respond_with"):
        load_scenario(path)
    raw["community_manager"]["respond_with"] = "promo"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError, match=r"community_manager\.respond_with"):
        load_scenario(path)
    raw.pop("community_manager")
    raw["campaign"] = {"actions": [{"action": "promotion", "message": "promo", "start": 5,
                                    "end": 3, "boost": 2}]}
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError, match=r"campaign.actions.0.end"):
        load_scenario(path)
    assert NEVER > 0
