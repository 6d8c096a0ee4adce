"""The Mesa side: Person views over the arrays, AgentSet, DataCollector, stepping."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.agents import Person
from sim.model import BuzzModel
from sim.rules.common import NEVER

from .conftest import make_scenario


@pytest.fixture
def model() -> BuzzModel:
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 400, "k": 6, "p": 0.1},
        [
            {
                "name": "promo",
                "rule": {"model": "independent_cascade", "p": 0.3},
                "seeding": {"strategy": "top_degree", "count": 4},
            },
            {
                "name": "gossip",
                "rule": {"model": "independent_cascade", "p": 0.5},
                "seeding": {"strategy": "random", "count": 1, "step": 3},
            },
        ],
    )
    return BuzzModel(scenario, replication=0)


def test_people_are_views_over_the_arrays(model):
    assert len(model.agents) == 400 and all(isinstance(a, Person) for a in model.agents)
    seed = model.people[int(model.tracks[0].seeds[0])]
    assert seed.heard_at == 0 and seed.shared_at == 0 and seed.state == "sharing"
    model.step()
    heard = model.tracks[0].heard_at
    reached = int(np.flatnonzero(heard == 1)[0])
    assert model.people[reached].heard_at == 1  # reads the array the kernel wrote
    model.people[reached].heard_at = None  # writes go to the array too
    assert heard[reached] == NEVER
    assert seed.state == "shared"


def test_focus_selects_the_message_people_report(model):
    while model.running:
        model.step()
    person = model.people[int(model.track("gossip").seeds[0])]
    assert person.shared_at_of("gossip") == 3
    model.focus = 1
    assert person.shared_at == 3
    assert person.source is None


def test_agentset_select_and_agg(model):
    model.run()
    heard = model.agents.select(lambda person: person.heard_at is not None)
    assert len(heard) == model.count("heard")
    assert model.agents.agg("degree", max) == int(model.graph.degree.max())


def test_datacollector_records_counts_per_step(model):
    collector = mesa.DataCollector(
        model_reporters={
            "heard": lambda m: m.count("heard"),
            "sharing": lambda m: m.count("sharing"),
        }
    )
    collector.collect(model)
    while model.running:
        model.step()
        collector.collect(model)
    frame = collector.get_model_vars_dataframe()
    assert len(frame) == model.t + 1
    assert frame["heard"].is_monotonic_increasing
    assert frame["heard"].iloc[-1] == model.count("heard")
    assert frame["sharing"].iloc[0] == 4


def test_step_counts_sum_to_final_counts(model):
    model.run()
    for track in model.tracks:
        heard, adopters, sharing = track.cumulative(model.t)
        assert heard[-1] == (track.heard_at != NEVER).sum()
        assert adopters[-1] == (track.shared_at != NEVER).sum() == sharing.sum()
        assert (track.shared_at >= track.heard_at).all()  # nobody shares before hearing
        # who told whom: an adopter's source shared one step before they did; someone
        # who only heard was told by a person who shared one step before they heard
        told = track.source >= 0
        adopted = track.shared_at != NEVER
        convert = told & adopted
        assert (track.shared_at[track.source[convert]] == track.shared_at[convert] - 1).all()
        only_heard = told & ~adopted
        assert (track.shared_at[track.source[only_heard]] == track.heard_at[only_heard] - 1).all()
        assert (~told & adopted).sum() == track.seeds.size


def test_running_stops_when_nothing_can_change(model):
    steps = 0
    while model.running:
        model.step()
        steps += 1
    assert steps == model.t == model.steps
    assert not any(track.can_change() for track in model.tracks)


def test_finished_models_are_freed():
    """Mesa 3.3.1 leaks every model with agents (mesa #3179); sim.agents patches it."""
    import gc
    import weakref

    scenario = make_scenario({"model": "ring_lattice", "n": 50, "k": 4})
    first = BuzzModel(scenario)
    second = BuzzModel(scenario)
    assert first.people[0].unique_id == second.people[0].unique_id == 1  # ids per model
    alive = weakref.ref(first)
    del first
    gc.collect()
    assert alive() is None
