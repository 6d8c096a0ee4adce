"""The numba kernel against the slow per-agent Mesa reference: identical states."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import BuzzModel
from sim.reference import ReferenceModel, pair_uniform
from sim.rules import coins

from .conftest import assert_same_state, make_scenario, run_three_ways

NETWORKS = [
    {"model": "watts_strogatz", "n": 300, "k": 6, "p": 0.1},
    {"model": "barabasi_albert", "n": 300, "m": 3},
    {"model": "erdos_renyi", "n": 300, "mean_degree": 4.0},
    {"model": "follower", "n": 300, "m": 3, "reciprocity": 0.3},
    {"model": "complete", "n": 40},
]


def _ic(p: float, count: int = 3, step: int = 0, strategy: str = "random", name: str = "promo"):
    return {
        "name": name,
        "rule": {"model": "independent_cascade", "p": p},
        "seeding": {"strategy": strategy, "count": count, "step": step},
    }


@pytest.mark.parametrize("network", NETWORKS, ids=lambda n: n["model"])
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("p", [0.1, 0.35])
def test_kernel_equals_reference(network, seed, p):
    scenario = make_scenario(network, [_ic(p)], seed=seed)
    fast, slow = BuzzModel(scenario, create_agents=False), ReferenceModel(scenario)
    fast.run()
    slow.run()
    assert_same_state(fast, slow)
    assert fast.count("heard") >= 3


def test_step_by_step_equals_run_and_reference_with_late_seeding():
    messages = [
        _ic(0.25, count=2, name="early"),
        _ic(0.4, count=4, step=5, name="late"),
        _ic(0.3, count=5, strategy="top_degree", name="hubs"),
    ]
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 400, "k": 4, "p": 0.05}, messages, seed=9
    )
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    late = stepped.track("late")
    assert (late.shared_at[late.seeds] == 5).all()


def test_capped_steps_stop_in_the_same_state():
    scenario = make_scenario(
        {"model": "ring_lattice", "n": 200, "k": 4}, [_ic(1.0, count=1)], steps=7
    )
    fast, slow = BuzzModel(scenario), ReferenceModel(scenario)
    fast.run()
    slow.run()
    assert_same_state(fast, slow)
    assert fast.t == 7
    # p = 1 on a ring of k = 4: reach grows by 4 people a step (two each side)
    assert fast.count("adopters") == 1 + 4 * 7


def test_hash_matches_python_bit_for_bit():
    rng = np.random.default_rng(0)
    us = rng.integers(0, 2**31 - 1, 500).astype(np.int32)
    vs = rng.integers(0, 2**31 - 1, 500).astype(np.int32)
    for key in (0, 1, 2**63 + 12345, 2**64 - 1):
        fast = coins.pair_uniforms(np.uint64(key), us, vs)
        slow = [pair_uniform(key, int(u), int(v)) for u, v in zip(us, vs, strict=True)]
        np.testing.assert_array_equal(fast, slow)


def test_coins_are_uniform_and_independent_of_neighbours():
    us = np.repeat(np.arange(300, dtype=np.int32), 300)
    vs = np.tile(np.arange(300, dtype=np.int32), 300)
    draws = coins.pair_uniforms(np.uint64(77), us, vs)
    # mean and variance of 90,000 uniforms: 4 standard errors
    assert abs(draws.mean() - 0.5) < 4 * np.sqrt(1 / 12 / draws.size)
    counts, _ = np.histogram(draws, bins=20, range=(0, 1))
    expected = draws.size / 20
    chi2 = ((counts - expected) ** 2 / expected).sum()
    assert chi2 < 43.8  # 99.9% quantile of chi-square with 19 degrees of freedom
    lag = np.corrcoef(draws[:-1], draws[1:])[0, 1]
    assert abs(lag) < 4 / np.sqrt(draws.size)


def test_final_sizes_kernel_equals_stepping_kernel():
    scenario = make_scenario({"model": "barabasi_albert", "n": 2000, "m": 3}, [_ic(0.2, count=2)])
    keys, seeds, expected = [], [], []
    graph = BuzzModel(scenario, create_agents=False).graph
    for replication in range(12):
        model = BuzzModel(scenario, replication=replication, graph=graph, create_agents=False)
        model.run()
        track = model.tracks[0]
        keys.append(track.key)
        seeds.append(track.seeds)
        expected.append((model.count("heard"), model.count("adopters")))
    rule = model.tracks[0].rule
    sizes = rule.final_sizes(model.graph_arrays, np.array(seeds), np.array(keys, dtype=np.uint64))
    np.testing.assert_array_equal(sizes, np.array(expected))
