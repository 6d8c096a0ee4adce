"""Messages and opinions coupled (issue 17 part 3): hearing a message moves people's
opinion of the brand (``opinion_shift``), opinion moves the willingness to share
(``share_by_opinion``), and a bounded-confidence message among friends runs
alongside. Kernel = reference exactly; the shifts' exact effect; the tables; errors."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import BuzzModel
from sim.rules.common import NEVER

from .conftest import assert_same_state, make_scenario, message_spec, run_three_ways
from .test_modifiers import PEOPLE
from .test_rules_opinion import assert_one_line_input_error

NETWORK = {"model": "watts_strogatz", "n": 150, "k": 6, "p": 0.1}


def coupled_messages(first: dict, second: dict, friends: bool) -> list[dict]:
    promo = {**message_spec(first, 3, name="promo"), "valence": "positive",
             "opinion_shift": 0.3, "share_by_opinion": {"against": 0.4, "in_favour": 1.6}}
    complaint = {**message_spec(second, 3, name="complaint", step=2), "valence": "negative",
                 "opinion_shift": 0.2, "modifiers": {"negativity_bias": 1.5},
                 "share_by_opinion": {"against": 1.5, "in_favour": 0.5}}
    mood = message_spec({"model": "bounded_confidence", "epsilon": 0.25, "mu": 0.3}, 0,
                        name="mood")
    return [promo, complaint, *([mood] if friends else [])]


RULE_PAIRS = pytest.mark.parametrize(("first", "second"), [
    ({"model": "independent_cascade", "p": 0.3}, {"model": "rumor"}),
    ({"model": "linear_threshold", "threshold": 0.2}, {"model": "sir", "beta": 0.2,
                                                       "gamma": 0.4}),
    ({"model": "bass", "p_external": 0.01, "q": 0.3}, {"model": "independent_cascade",
                                                      "p": 0.25}),
], ids=["cascade-rumor", "threshold-sir", "bass-cascade"])
FRIENDS = pytest.mark.parametrize("friends", [False, True], ids=["alone", "with-friends"])
# the actors reach people in every way they can: a broadcast from step 0 (before any
# spreading), a seed wave, and a community manager answering the complaint with the promo
ACTING = {
    "campaign": {"actions": [
        {"action": "broadcast", "message": "complaint", "start": 0, "end": 4,
         "reach": 0.04, "convert": 0.3},
        {"action": "seed", "message": "promo", "step": 5,
         "seeding": {"strategy": "random", "count": 4}},
    ]},
    "community_manager": {"watch": "complaint", "respond_with": "promo", "detect_reach": 10,
                          "delay": 2, "count": 6},
}


def assert_same_opinions(scenario) -> tuple:
    """Run ``scenario`` three ways (:func:`run_three_ways`): the same state, opinions,
    mean opinion at each step and receptivity, exactly. Returns the three models."""
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    for fast in (stepped, whole):
        np.testing.assert_array_equal(fast.opinion, slow.opinion)
        np.testing.assert_array_equal(fast.opinion_curve, slow.opinion_curve)
        for fast_track, slow_track in zip(fast.tracks, slow.tracks, strict=True):
            np.testing.assert_array_equal(fast_track.mods.susceptibility,
                                          slow_track.mods.susceptibility)
    assert whole.opinion_curve[whole.t] != whole.opinion_curve[0]
    return stepped, whole, slow


@RULE_PAIRS
@FRIENDS
def test_kernel_equals_reference(first, second, friends):
    messages = coupled_messages(first, second, friends)
    assert_same_opinions(
        make_scenario(NETWORK, messages, people=PEOPLE["activity"], seed=6, steps=40))


@RULE_PAIRS
@FRIENDS
def test_kernel_equals_reference_with_actors(first, second, friends):
    """People the actors reach move too, in the kernel as in the reference."""
    messages = coupled_messages(first, second, friends)
    stepped, _, slow = assert_same_opinions(make_scenario(
        NETWORK, messages, people=PEOPLE["activity"], seed=6, steps=40, **ACTING))
    assert stepped.actors[1].responded_at == slow.actors[1].responded_at is not None
    assert stepped.actors[0].log  # the brand acted


@pytest.mark.parametrize(("valence", "shift", "bias", "expected"), [
    ("positive", 0.3, 1.0, lambda x: x + 0.3 * (1 - x)),
    ("negative", 0.3, 1.5, lambda x: x * (1 - 0.45)),
    ("negative", 0.6, 2.0, lambda x: 0.0 * x),  # the bias cannot push past all the way
])
def test_hearing_moves_opinions_by_the_shift(valence, shift, bias, expected):
    """Everyone hears at step 1 (a complete graph, p = 1): each opinion moves the shift
    of the way to 1 or 0 (times the negativity bias, at most all the way), once."""
    message = {**message_spec({"model": "independent_cascade", "p": 1.0}, 1, name="news"),
               "valence": valence, "opinion_shift": shift}
    if bias != 1.0:
        message["modifiers"] = {"negativity_bias": bias}
    scenario = make_scenario({"model": "complete", "n": 50}, [message], seed=2, steps=10)
    model = BuzzModel(scenario, create_agents=False)
    start = model.initial_opinions()  # the same draw: its own stream
    model.run()
    np.testing.assert_allclose(model.opinion, expected(start), rtol=0, atol=1e-15)
    assert model.mean_opinions(model.t)[-1] == pytest.approx(expected(start).mean())


# an action reaches people whom nothing else reaches at its step (the rule's p is 0:
# those it reaches may tell their friends, who hear a step later, and move then)
REACHED_BY_ACTIONS = {
    "broadcast-at-0": {"campaign": {"actions": [
        {"action": "broadcast", "message": "news", "start": 0, "end": 1, "reach": 0.3,
         "convert": 0.0}]}},
    "broadcast-at-3": {"campaign": {"actions": [
        {"action": "broadcast", "message": "news", "start": 3, "end": 5, "reach": 0.2,
         "convert": 0.5}]}},
    "seed-wave": {"campaign": {"actions": [
        {"action": "seed", "message": "news", "step": 3,
         "seeding": {"strategy": "random", "count": 4}}]}},
    "manager": {"community_manager": {"watch": "complaint", "respond_with": "news",
                                      "detect_reach": 3, "delay": 1, "count": 4}},
}


@pytest.mark.parametrize("actors", REACHED_BY_ACTIONS, ids=str)
@pytest.mark.parametrize(("valence", "bias", "moved"), [
    ("positive", 1.0, 0.5 + 0.4 * 0.5), ("negative", 1.5, 0.5 * (1 - 0.6))])
def test_people_reached_by_an_action_move_once(actors, valence, bias, moved):
    """Everyone starts at 0.5. Whoever hears ``news`` (shift 0.4), by an actor's action
    or from someone it made share, ends at ``moved`` (once), everyone else at 0.5; the
    mean opinion moves at the first update after the action, not before."""
    news = {**message_spec({"model": "independent_cascade", "p": 0.0}, 0, name="news"),
            "valence": valence, "opinion_shift": 0.4,
            "modifiers": {"negativity_bias": bias}}
    complaint = {**message_spec({"model": "independent_cascade", "p": 0.5}, 3,
                                name="complaint"), "valence": "negative"}
    scenario = make_scenario({"model": "watts_strogatz", "n": 80, "k": 4, "p": 0.1},
                             [news, complaint], people={"opinion": 0.5}, seed=4, steps=20,
                             **REACHED_BY_ACTIONS[actors])
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    heard_at = model.track("news").heard_at
    heard = heard_at != NEVER
    acted = int(heard_at[heard].min())  # the action's step: nobody heard earlier
    assert heard.sum() > 0
    np.testing.assert_allclose(model.opinion, np.where(heard, moved, 0.5), rtol=0, atol=1e-15)
    curve = model.mean_opinions(model.t)
    assert (curve[: acted + 1] == 0.5).all()
    assert curve[acted + 1] != 0.5
    assert curve[-1] == pytest.approx(model.opinion.mean(), abs=1e-15)


def test_share_by_opinion_is_a_receptivity_factor():
    """With everyone's opinion at 0.5 and no shift, ``share_by_opinion`` from 0 to 1
    halves receptivity: the cascade is the one with susceptibility 0.5, coin for coin."""
    rule = {"model": "independent_cascade", "p": 0.6}
    by_opinion = {**message_spec(rule, 3), "share_by_opinion": {"against": 0.0,
                                                                "in_favour": 1.0}}
    runs = []
    for message, people in ((by_opinion, {"opinion": 0.5}),
                            (message_spec(rule, 3), {"susceptibility": 0.5})):
        model = BuzzModel(make_scenario(NETWORK, [message], people=people, seed=3, steps=60),
                          create_agents=False)
        model.run()
        runs.append(model)
    assert_same_state(*runs)
    assert 10 < runs[0].count("adopters") < 140


def test_tables_have_the_mean_opinion(tmp_path):
    import sim
    from sim.config import scenario_from_dict

    raw = {"name": "coupled", "seed": 5, "steps": 40, "replications": 2, "network": NETWORK,
           "messages": coupled_messages({"model": "independent_cascade", "p": 0.3},
                                        {"model": "independent_cascade", "p": 0.3}, False)}
    runs = sim.run_batch(scenario_from_dict(raw), out=tmp_path / "out").runs
    series = sim.load_results(tmp_path / "out")["timeseries"]
    assert runs.columns[-1] == "mean_opinion" and series.columns[-1] == "mean_opinion"
    for row in runs.itertuples():
        curve = series[(series.run == row.run) & (series.message == row.message)]
        assert row.mean_opinion == curve.mean_opinion.iloc[-1]
    assert (runs.mean_opinion < 0.5).all()  # the complaint, louder, wins the mood


def with_messages(*messages: dict) -> dict:
    return {"name": "s", "network": {"model": "complete", "n": 20}, "messages": list(messages)}


CASCADE = {"name": "promo", "valence": "positive",
           "rule": {"model": "independent_cascade", "p": 0.2}}


@pytest.mark.parametrize(("raw", "key", "value", "allowed"), [
    (with_messages({**CASCADE, "opinion_shift": 1.5}), "messages.promo.opinion_shift",
     "1.5", "less than or equal to 1"),
    (with_messages({**CASCADE, "opinion_shift": -0.1}), "messages.promo.opinion_shift",
     "-0.1", "greater than or equal to 0"),
    (with_messages({**CASCADE, "valence": "neutral", "opinion_shift": 0.2}),
     "messages.promo.opinion_shift", "0.2", "neutral"),
    (with_messages({"name": "v", "rule": {"model": "voter"}, "opinion_shift": 0.2,
                    "valence": "positive"}),
     "messages.v.opinion_shift", "0.2", "spreads shares"),
    (with_messages({"name": "a", "rule": {"model": "bounded_confidence", "epsilon": 0.2}},
                   {"name": "b", "rule": {"model": "bounded_confidence", "epsilon": 0.3}}),
     "messages.b.rule.model", "bounded_confidence", "one message"),
    ({**with_messages({**CASCADE, "share_by_opinion": {"against": 0.5}}),
      "campaign": {"actions": [{"action": "community", "message": "promo", "start": 1,
                                "end": 3, "factor": 1.5}]}},
     "campaign.actions.0.message", "promo", "share_by_opinion"),
])
def test_bad_coupling_is_one_line(raw, key, value, allowed):
    assert_one_line_input_error(raw, key, value, allowed)
