"""Modifiers, people and interacting messages: kernel = reference, exactly, and
the expectations they must meet."""

from __future__ import annotations

import numpy as np
import pytest

from sim.model import BuzzModel
from sim.rules.common import NEVER

from .conftest import assert_same_state, make_scenario, run_three_ways

SMALL_WORLD = {"model": "watts_strogatz", "n": 200, "k": 6, "p": 0.1}
FOLLOWERS = {"model": "follower", "n": 200, "m": 3, "reciprocity": 0.3}

RULES = {
    "ic": {"model": "independent_cascade", "p": 0.5},
    "lt": {"model": "linear_threshold", "threshold": 0.2},
    "lt_count": {"model": "linear_threshold", "count": 2},
    "bass": {"model": "bass", "p_external": 0.01, "q": 0.5},
    "bass_wom": {"model": "bass", "p_external": 0.0, "q": 0.8},
    "rumor": {"model": "rumor", "lambda": 0.9, "alpha": 0.5},
    "rumor_dk": {"model": "rumor", "variant": "daley_kendall", "lambda": 1.0, "alpha": 0.3},
    "sir": {"model": "sir", "beta": 0.3, "gamma": 0.4},
    "sis": {"model": "sis", "beta": 0.2, "gamma": 0.4},
}

PEOPLE = {
    "activity": {"activity": {"distribution": "beta", "a": 4.0, "b": 2.0}},
    "susceptibility": {"susceptibility": {"distribution": "lognormal", "sigma": 0.5}},
    "influence": {"influence": {"distribution": "degree_power", "exponent": 1.0}},
    "protected": {
        "roles": [{"name": "private", "select": {"fraction": 0.3}, "visibility": 0.4}]
    },
    "influencers": {
        "influence": {"distribution": "uniform", "low": 0.5, "high": 1.0},
        "roles": [{"name": "stars", "select": {"top_degree": 0.05}, "influence": 3.0,
                   "activity": 0.9}],
    },
    "everything": {
        "activity": {"distribution": "uniform", "low": 0.5, "high": 1.0},
        "susceptibility": {"distribution": "normal", "mean": 1.0, "sd": 0.3},
        "influence": {"distribution": "degree_power", "exponent": 0.5, "scale": 1.2},
        "roles": [{"name": "private", "select": {"fraction": 0.2}, "visibility": 0.5}],
    },
}


def _message(name, rule, count=4, step=0, valence="neutral", **modifiers):
    message = {
        "name": name,
        "valence": valence,
        "rule": rule,
        "seeding": {"strategy": "random", "count": count, "step": step},
    }
    if modifiers:
        message["modifiers"] = modifiers
    if rule["model"] == "bass" and name.endswith("quiet"):
        message["seeding"] = {"count": 0}
    return message


@pytest.mark.parametrize("rule", RULES, ids=str)
@pytest.mark.parametrize("people", PEOPLE, ids=str)
@pytest.mark.parametrize("network", [SMALL_WORLD, FOLLOWERS], ids=["ws", "follower"])
def test_people_kernel_equals_reference(rule, people, network):
    scenario = make_scenario(
        network, [_message("promo", RULES[rule])], people=PEOPLE[people], seed=5, steps=60
    )
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)


MODIFIERS = {
    "decay": {"half_life": 3.0},
    "bias": {"negativity_bias": 1.8},
    "decay_and_bias": {"half_life": 5.0, "negativity_bias": 1.5},
}


@pytest.mark.parametrize("rule", RULES, ids=str)
@pytest.mark.parametrize("modifiers", MODIFIERS, ids=str)
def test_message_modifiers_kernel_equals_reference(rule, modifiers):
    message = _message("complaint", RULES[rule], step=2, valence="negative",
                       **MODIFIERS[modifiers])
    scenario = make_scenario(SMALL_WORLD, [message], people=PEOPLE["activity"], seed=8, steps=60)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)


@pytest.mark.parametrize("variant", ["maki_thompson", "daley_kendall"])
@pytest.mark.parametrize("people", ["none", "everything"])
def test_forgetting_kernel_equals_reference(variant, people):
    rule = {"model": "rumor", "variant": variant, "lambda": 1.0, "alpha": 0.2}
    top = {} if people == "none" else {"people": PEOPLE[people]}
    scenario = make_scenario(
        SMALL_WORLD, [_message("rumour", rule, forgetting=0.2)], seed=4, steps=80, **top
    )
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    np.testing.assert_array_equal(
        whole.tracks[0].work.stifled_at, slow.tracks[0].work.stifled_at
    )


INTERACTIONS = {
    "inoculation": [{"kind": "inoculation", "from": "response", "to": "complaint",
                     "factor": 0.2}],
    "reinforcement": [{"kind": "reinforcement", "from": "response", "to": "complaint",
                       "factor": 2.5}],
    "competition": [{"kind": "competition", "from": "response", "to": "complaint"}],
    "all": [
        {"kind": "competition", "from": "complaint", "to": "response"},
        {"kind": "inoculation", "from": "response", "to": "complaint", "factor": 0.5},
        {"kind": "reinforcement", "from": "complaint", "to": "response", "factor": 1.5},
    ],
}


@pytest.mark.parametrize("interactions", INTERACTIONS, ids=str)
@pytest.mark.parametrize(
    "rules",
    [("ic", "ic"), ("lt", "ic"), ("bass", "rumor"), ("rumor", "lt_count"), ("sir", "sis")],
    ids=lambda r: "-".join(r),
)
def test_interactions_kernel_equals_reference(interactions, rules):
    messages = [
        _message("complaint", RULES[rules[0]], valence="negative", negativity_bias=1.3),
        _message("response", RULES[rules[1]], step=1, valence="positive"),
    ]
    scenario = make_scenario(
        SMALL_WORLD, messages, interactions=INTERACTIONS[interactions], seed=6, steps=60
    )
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)


def test_competition_lets_nobody_adopt_both():
    messages = [_message("brand_a", RULES["ic"], count=10), _message("brand_b", RULES["ic"],
                                                                      count=10)]
    scenario = make_scenario(
        {"model": "watts_strogatz", "n": 2000, "k": 8, "p": 0.1}, messages, seed=3,
        interactions=INTERACTIONS["competition"] and [
            {"kind": "competition", "from": "brand_a", "to": "brand_b"}
        ],
    )
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    a, b = (track.shared_at for track in model.tracks)
    seeds = set(model.tracks[0].seeds) | set(model.tracks[1].seeds)
    both = np.flatnonzero((a != NEVER) & (b != NEVER))
    assert set(both.tolist()) <= seeds
    assert (a != NEVER).sum() > 100 and (b != NEVER).sum() > 100


# ------------------------------------------------------------ expectations and theory
STAR = {"model": "edgelist", "path": "star.txt"}


def _star_scenario(tmp_path, n_leaves, people, seed, **modifiers):
    edges = tmp_path / "star.txt"
    if not edges.exists():
        edges.write_text("".join(f"0 {leaf}\n" for leaf in range(1, n_leaves + 1)))
    message = _message("promo", {"model": "independent_cascade", "p": 1.0}, **modifiers)
    message["seeding"] = {"strategy": "nodes", "nodes": [0]}
    return make_scenario(
        {"model": "edgelist", "path": str(edges)}, [message], people=people, seed=seed
    )


def _binomial_check(successes: int, trials: int, probability: float) -> None:
    standard_error = (probability * (1 - probability) / trials) ** 0.5
    assert abs(successes / trials - probability) < 4 * standard_error


def test_activity_a_leaf_hears_the_hub_only_if_online(tmp_path):
    """With p = 1 the hub's share reaches each leaf exactly when the leaf is online at
    step 1: the fraction reached is the activity (binomial, 4 standard errors)."""
    model = BuzzModel(_star_scenario(tmp_path, 4000, {"activity": 0.3}, seed=2),
                      create_agents=False)
    model.run()
    _binomial_check(model.count("heard") - 1, 4000, 0.3)


def test_protected_hub_reaches_its_visibility(tmp_path):
    """A protected hub (visibility 0.4) reaches a binomial 40% of its followers."""
    people = {"roles": [{"name": "private", "select": {"nodes": [0]}, "visibility": 0.4}]}
    model = BuzzModel(_star_scenario(tmp_path, 4000, people, seed=3), create_agents=False)
    model.run()
    _binomial_check(model.count("heard") - 1, 4000, 0.4)


def test_novelty_decay_on_a_ring_matches_its_closed_form():
    """On a cycle seeded at one person, the people at distance d >= 1 on one side are
    reached when the d - 1 transmissions before them succeed: the transmission from
    step t succeeds with probability p * 0.5 ** (t / h). So the mean reach is
    1 + 2 * sum_d prod_{t < d - 1} p 0.5 ** (t / h); replications give the standard
    error of the measured mean."""
    p, half_life, n_replications = 0.95, 4.0, 300
    message = _message("promo", {"model": "independent_cascade", "p": p}, count=1,
                       half_life=half_life)
    scenario = make_scenario({"model": "ring_lattice", "n": 400, "k": 2}, [message], seed=11)
    reaches = []
    for replication in range(n_replications):
        model = BuzzModel(scenario, replication=replication, create_agents=False)
        model.run()
        reaches.append(model.count("heard"))
    expected, survive = 1.0, 1.0
    for distance in range(1, 200):
        expected += 2 * survive
        survive *= p * 0.5 ** ((distance - 1) / half_life)
    reaches = np.array(reaches)
    standard_error = reaches.std(ddof=1) / n_replications**0.5
    assert abs(reaches.mean() - expected) < 4 * standard_error


def test_negativity_bias_two_is_exactly_a_doubled_probability():
    """Bias 2 on p = 0.3 gives the very coins of p = 0.6 (0.3 * 2 is exact)."""
    biased = _message("complaint", {"model": "independent_cascade", "p": 0.3},
                      valence="negative", negativity_bias=2.0)
    plain = _message("complaint", {"model": "independent_cascade", "p": 0.6},
                     valence="negative")
    runs = []
    for message in (biased, plain):
        model = BuzzModel(make_scenario(SMALL_WORLD, [message], seed=7), create_agents=False)
        model.run()
        runs.append(model)
    assert_same_state(*runs)


@pytest.mark.parametrize("rule", ["ic", "lt", "bass", "rumor"])
def test_lower_activity_visibility_or_half_life_lowers_mean_reach(rule):
    """Simple monotone expectations, paired by replication: mean reach after 12 steps
    falls as people are online less, as accounts are protected more, and as novelty
    fades faster."""
    network = {"model": "watts_strogatz", "n": 1000, "k": 8, "p": 0.1}
    settings = {
        "base": ({}, {}),
        "activity": ({"activity": 0.5}, {}),
        "protected": ({"visibility": 0.3}, {}),
        "decay": ({}, {"half_life": 2.0}),
    }
    means = {}
    for name, (people, modifiers) in settings.items():
        reaches = []
        for replication in range(12):
            scenario = make_scenario(
                network, [_message("promo", RULES[rule], count=30, **modifiers)],
                people=people, seed=21, steps=12,
            )
            model = BuzzModel(scenario, replication=replication, create_agents=False)
            model.run()
            reaches.append(model.count("heard"))
        means[name] = np.mean(reaches)
    for name in ("activity", "protected", "decay"):
        assert means[name] < 0.95 * means["base"], (name, means)


@pytest.mark.parametrize("rule", list(RULES))
def test_offline_people_neither_hear_nor_share(rule):
    """Everyone who heard or started sharing at step s (seeds aside) was online at s."""
    from sim.reference import online

    scenario = make_scenario(SMALL_WORLD, [_message("promo", RULES[rule])],
                             people={"activity": 0.6}, seed=12, steps=40)
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    track = model.tracks[0]
    seeds = set(track.seeds.tolist())
    checked = 0
    for times in (track.heard_at, track.shared_at):
        for person in np.flatnonzero(times != NEVER):
            if int(person) not in seeds:
                assert online(model, int(person), int(times[person]))
                checked += 1
    assert checked > 0


@pytest.mark.parametrize(
    ("change", "where", "allowed"),
    [
        ({"messages": [{"name": "a", "valence": "positive",
                        "rule": {"model": "independent_cascade", "p": 0.1},
                        "modifiers": {"negativity_bias": 2}}]},
         "messages.a.modifiers.negativity_bias", "unless valence is negative"),
        ({"messages": [{"name": "a", "rule": {"model": "independent_cascade", "p": 0.1},
                        "modifiers": {"forgetting": 0.1}}]},
         "messages.a.modifiers.forgetting", "do not keep spreading"),
        ({"interactions": [{"kind": "competition", "from": "promo", "to": "nope"}]},
         "interactions.0.to", "a message name"),
        ({"interactions": [{"kind": "inoculation", "from": "promo", "to": "promo",
                            "factor": 0.5}]},
         "interactions.0.to", "other than"),
        ({"people": {"activity": 1.5}}, "people.activity", "a probability"),
        ({"people": {"influence": {"distribution": "gamma"}}}, "people.influence", ""),
        ({"people": {"roles": [{"name": "x", "select": {"fraction": 0.1, "nodes": [1]}}]}},
         "people.roles.x.select", "exactly one of"),
    ],
)
def test_bad_modifiers_are_one_line_errors(tmp_path, change, where, allowed):
    import yaml

    from sim.config import load_scenario
    from sim.errors import InputError

    raw = {"name": "t", "network": {"model": "complete", "n": 10},
           "messages": [{"name": "promo", "rule": {"model": "independent_cascade", "p": 0.1}}]}
    raw.update(change)
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(InputError) as error:
        load_scenario(path)
    line = str(error.value)
    assert "\n" not in line and str(path) in line and where in line and allowed in line


# ------------------------------------------------------------------ several layers
LAYERS = {
    "model": "layers",
    "n": 200,
    "layers": [
        {"name": "friends", "network": {"model": "watts_strogatz", "k": 4, "p": 0.1}},
        {"name": "twitter", "membership": 0.5,
         "network": {"model": "follower", "m": 3, "reciprocity": 0.2}},
        {"name": "offline", "membership": 0.8, "network": {"model": "ring_lattice", "k": 2}},
    ],
}
LAYER_RULES = {
    "ic": {"model": "independent_cascade", "p": 0.3,
           "layers": {"twitter": {"p": 0.6}, "offline": {"p": 0.1}}},
    "rumor": {"model": "rumor", "lambda": 0.7, "alpha": 0.4,
              "layers": {"offline": {"lambda": 1.0}}},
    "lt": {"model": "linear_threshold", "threshold": 0.3},
    "bass": {"model": "bass", "p_external": 0.01, "q": 0.5},
}


@pytest.mark.parametrize("rule", LAYER_RULES, ids=str)
@pytest.mark.parametrize("people", ["none", "everything"])
def test_layers_kernel_equals_reference(rule, people):
    top = {} if people == "none" else {"people": PEOPLE[people]}
    scenario = make_scenario(LAYERS, [_message("promo", LAYER_RULES[rule])], seed=13,
                             steps=50, **top)
    stepped, whole, slow = run_three_ways(scenario)
    assert_same_state(stepped, whole)
    assert_same_state(stepped, slow)
    assert whole.graph.layer_names == ("friends", "twitter", "offline")


def test_layers_keep_members_and_ties_apart():
    from sim.network.generators import build_network

    scenario = make_scenario(LAYERS, seed=2)
    graph = build_network(scenario.network, np.random.default_rng(0))
    assert graph.directed  # the follower layer is
    counts = np.bincount(graph.edge_layer, minlength=3)
    assert counts[0] == 200 * 4  # every person, k = 4, both directions
    on_ring = np.unique(np.repeat(np.arange(200), graph.degree)[graph.edge_layer == 2])
    assert on_ring.size == 160  # 80% membership


def test_a_layer_with_zero_probability_carries_nothing(tmp_path):
    """With p = 0 on every layer but one, every adopter was convinced over that layer,
    and the runs table counts them in its reach."""
    import sim
    from sim.measures.layers import reach_by_layer

    rule = {"model": "independent_cascade", "p": 0.0, "layers": {"twitter": {"p": 0.9}}}
    scenario = make_scenario(LAYERS, [_message("promo", rule, count=5)], seed=3,
                             replications=2)
    model = BuzzModel(scenario, create_agents=False)
    model.run()
    track = model.track("promo")
    adopters = np.flatnonzero((track.shared_at != NEVER) & (track.source >= 0))
    assert adopters.size > 0
    graph = model.graph
    for person in adopters:
        teller = track.source[person]
        ties = slice(graph.indptr[teller], graph.indptr[teller + 1])
        on_twitter = graph.edge_layer[ties][graph.indices[ties] == person]
        assert 1 in on_twitter.tolist()
    adopted_only = np.where(track.shared_at != NEVER, track.source, -1)
    assert reach_by_layer(graph, adopted_only)["reach_twitter"] == adopters.size
    runs = sim.run_batch(scenario, out=tmp_path / "out", executor="serial").runs
    assert (runs["reach_twitter"] >= runs["adopters"] - 5).all()


def test_rule_layers_must_exist():
    from sim.errors import InputError

    rule = {"model": "independent_cascade", "p": 0.1, "layers": {"tiktok": {"p": 0.5}}}
    with pytest.raises(InputError, match=r"messages\.promo\.rule\.layers"):
        make_scenario(LAYERS, [_message("promo", rule)])


def test_an_edge_list_layer_names_people_by_number(tmp_path):
    """An edge-list layer's ids are people's numbers (paths relative to the scenario);
    an id that is not one is a one-line error naming the file."""
    import yaml

    from sim.config import load_scenario
    from sim.errors import InputError
    from sim.network.generators import build_network

    (tmp_path / "office.txt").write_text("0 1\n1 2\n5 9\n")
    raw = {"name": "t", "network": {"model": "layers", "n": 10, "layers": [
        {"name": "friends", "network": {"model": "ring_lattice", "k": 2}},
        {"name": "office", "network": {"model": "edgelist", "path": "office.txt"}}]},
        "messages": [{"name": "m", "rule": {"model": "independent_cascade", "p": 0.5}}]}
    path = tmp_path / "layers.yaml"
    path.write_text(yaml.safe_dump(raw))
    scenario = load_scenario(path)
    graph = build_network(scenario.network, np.random.default_rng(0))
    tellers = np.repeat(np.arange(10), graph.degree)
    office = graph.edge_layer == 1
    assert sorted(zip(tellers[office].tolist(), graph.indices[office].tolist(),
                      strict=True)) == [(0, 1), (1, 0), (1, 2), (2, 1), (5, 9), (9, 5)]
    (tmp_path / "office.txt").write_text("0 1\nalice 2\n")
    with pytest.raises(InputError, match=r"office\.txt") as error:
        build_network(load_scenario(path).network, np.random.default_rng(0))
    assert "network.layers.office = 'alice'" in str(error.value)
