"""Invariants every rule must keep, over random graphs, parameters and seeds (hypothesis)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model import BuzzModel
from sim.rules.common import NEVER

from .conftest import make_scenario

NETWORKS = st.sampled_from([
    {"model": "watts_strogatz", "n": 120, "k": 4, "p": 0.2},
    {"model": "barabasi_albert", "n": 120, "m": 2},
    {"model": "erdos_renyi", "n": 120, "mean_degree": 3.0},
    {"model": "follower", "n": 120, "m": 2, "reciprocity": 0.3},
])
PROBABILITY = st.floats(0.0, 1.0)
RULES = st.one_of(
    st.builds(lambda p: {"model": "independent_cascade", "p": p}, PROBABILITY),
    st.builds(lambda t: {"model": "linear_threshold", "threshold": t}, PROBABILITY),
    st.builds(lambda c: {"model": "linear_threshold", "count": c}, st.integers(1, 3)),
    st.builds(lambda a, q: {"model": "bass", "p_external": a, "q": q},
              st.floats(0.0, 0.2), PROBABILITY),
)
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def build(network, rule, seed, count=3, step=0):
    message = {"name": "m", "rule": rule,
               "seeding": {"strategy": "random", "count": count, "step": step}}
    return BuzzModel(make_scenario(network, [message], seed=seed, steps=60),
                     create_agents=False)


@SETTINGS
@given(NETWORKS, RULES, st.integers(0, 10_000), st.integers(0, 5), st.integers(0, 4))
def test_state_invariants_hold_at_every_step(network, rule, seed, count, step):
    model = build(network, rule, seed, count, step)
    track = model.tracks[0]
    n_nodes = model.graph.n_nodes
    last_heard = last_adopters = 0
    while True:
        heard_at, shared_at, _ = track.state
        now = model.t
        heard = int((heard_at <= now).sum())
        adopters = int((shared_at <= now).sum())
        assert model.count("heard", 0) == heard and model.count("adopters", 0) == adopters
        assert heard >= last_heard and adopters >= last_adopters  # reach never decreases
        # states partition the population: unaware + heard-only + adopters = everyone
        assert (n_nodes - heard) + (heard - adopters) + adopters == n_nodes
        assert adopters <= heard
        assert (shared_at[shared_at <= now] >= heard_at[shared_at <= now]).all()
        last_heard, last_adopters = heard, adopters
        if not model.running:
            break
        model.step()
    # stepping and running in one call end in the same state
    whole = build(network, rule, seed, count, step)
    whole.run()
    for left, right in zip(track.state, whole.tracks[0].state, strict=True):
        np.testing.assert_array_equal(left, right)


@SETTINGS
@given(NETWORKS, st.integers(0, 10_000), st.integers(1, 5))
def test_a_message_that_cannot_spread_never_leaves_its_seeds(network, seed, count):
    for rule in ({"model": "independent_cascade", "p": 0.0},
                 {"model": "bass", "p_external": 0.0, "q": 0.0}):
        model = build(network, rule, seed, count)
        model.run()
        track = model.tracks[0]
        adopted = np.flatnonzero(track.shared_at != NEVER)
        np.testing.assert_array_equal(adopted, track.seeds)
        assert (track.source[adopted] == -1).all()


ALL_RULES = st.one_of(
    RULES,
    st.builds(lambda lam, alpha: {"model": "rumor", "lambda": lam, "alpha": alpha},
              PROBABILITY, PROBABILITY),
)
PEOPLE = st.fixed_dictionaries({
    "activity": st.floats(0.05, 1.0),
    "susceptibility": st.floats(0.0, 3.0),
    "visibility": st.floats(0.0, 1.0),
    "influence": st.just({"distribution": "degree_power", "exponent": 0.5}),
})


@SETTINGS
@given(NETWORKS, ALL_RULES, PEOPLE, st.integers(0, 10_000), st.sampled_from([None, 1.0, 5.0]))
def test_with_modifiers_invariants_hold_and_offline_people_do_nothing(
    network, rule, people, seed, half_life
):
    from sim.reference import online

    message = {"name": "m", "rule": rule, "seeding": {"strategy": "random", "count": 4}}
    if half_life is not None:
        message["modifiers"] = {"half_life": half_life}
    model = BuzzModel(make_scenario(network, [message], seed=seed, steps=40, people=people),
                      create_agents=False)
    track = model.tracks[0]
    last_heard = 0
    while model.running:
        model.step()
        heard = model.count("heard")
        assert heard >= last_heard
        assert model.count("adopters") <= heard <= model.graph.n_nodes
        last_heard = heard
    heard_at, shared_at, _ = track.state
    reached = shared_at != NEVER
    assert (shared_at[reached] >= heard_at[reached]).all()  # nobody shares before hearing
    seeds = set(track.seeds.tolist())
    for times in (heard_at, shared_at):
        for person in np.flatnonzero(times != NEVER):
            if int(person) not in seeds:
                assert online(model, int(person), int(times[person]))
